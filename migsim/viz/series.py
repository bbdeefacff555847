"""Time-series dashboard of one run: departures, enforcement, waiting, holding and harm.

``plot_series`` takes the run's daily table (one row per simulated day, a ``DatetimeIndex``) and
draws six panels, and a seventh with the monthly family-unit apprehensions on the observed curve
when the run is compared with observed data. Daily counts (departures, apprehensions,
deportations, …) are smoothed as 7-day rolling means; stocks (families in transit, waiting,
held) are drawn as they are. Columns missing from the table are skipped, so the same function
serves partial outputs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter

DPI = 120
FIGSIZE = (14.0, 8.5)
ROLLING_DAYS = 7

FLOW_COLUMNS = frozenset(
    {
        "departures",
        "mx_apprehensions",
        "deportations",
        "asylum_claims_mx",
        "us_apprehensions_families",
        "us_apprehensions_people",
        "us_port_arrivals_families",
        "us_releases",
        "mpp_returns",
        "us_removals",
        "victimisation_incidents",
        "deaths",
        "smuggler_revenue_usd",
        "evaded",
        "gave_up",
        "turned_back",
        "exit_permits",
        "humanitarian_visas",
        "first_departures",
        "smuggled_departures",
    }
)

LABELS = {
    "departures": "departures",
    "in_transit": "in transit",
    "gave_up": "gave up",
    "mx_apprehensions": "apprehended in Mexico",
    "deportations": "deported",
    "asylum_claims_mx": "asylum claims in Mexico",
    "metering_queue": "metering queue",
    "mpp_waiting": "waiting under MPP",
    "waiting_total": "all waiting",
    "us_apprehensions_families": "apprehended (Border Patrol)",
    "us_port_arrivals_families": "arrived at ports",
    "us_releases": "released",
    "mpp_returns": "returned under MPP",
    "us_removals": "removed",
    "evaded": "evaded",
    "us_holding": "US holding",
    "us_holding_capacity": "US holding capacity",
    "mx_detained": "Mexico detention",
    "mx_detention_capacity": "Mexico detention capacity",
    "victimisation_incidents": "victimisation incidents",
    "deaths": "deaths",
    "smuggler_revenue_usd": "smuggler revenue",
}

COLOURS = {
    "departures": "#1f77b4",
    "in_transit": "#7f7f7f",
    "gave_up": "#bcbd22",
    "mx_apprehensions": "#d62728",
    "deportations": "#111111",
    "asylum_claims_mx": "#2ca02c",
    "metering_queue": "#9467bd",
    "mpp_waiting": "#e377c2",
    "waiting_total": "#444444",
    "us_apprehensions_families": "#1f77b4",
    "us_port_arrivals_families": "#17becf",
    "us_releases": "#2ca02c",
    "mpp_returns": "#e377c2",
    "us_removals": "#8c564b",
    "evaded": "#ff7f0e",
    "us_holding": "#1f77b4",
    "us_holding_capacity": "#1f77b4",
    "mx_detained": "#d62728",
    "mx_detention_capacity": "#d62728",
    "victimisation_incidents": "#ff7f0e",
    "deaths": "#000000",
    "smuggler_revenue_usd": "#8c6d31",
}

DASHED = frozenset(
    {"us_holding_capacity", "mx_detention_capacity", "waiting_total", "deportations"}
)
# Lines drawn wider, so that a line that follows them closely (Mexico deports about as many
# families as it apprehends) is seen on top of them rather than hiding them.
WIDE = frozenset({"mx_apprehensions"})


@dataclass(frozen=True)
class Panel:
    """One panel: its title, the columns on each axis and the axes' labels."""

    title: str
    left: tuple[str, ...]
    left_label: str
    right: tuple[str, ...] = field(default=())
    right_label: str = ""


PANELS = (
    Panel(
        "Leaving and travelling",
        ("departures",),
        "families per day",
        ("in_transit", "gave_up"),
        "families",
    ),
    Panel(
        "Mexico",
        ("mx_apprehensions", "deportations", "asylum_claims_mx"),
        "families per day",
    ),
    Panel(
        "Waiting at the border",
        ("metering_queue", "mpp_waiting", "waiting_total"),
        "families waiting",
    ),
    Panel(
        "United States",
        (
            "us_apprehensions_families",
            "us_port_arrivals_families",
            "us_releases",
            "mpp_returns",
            "us_removals",
        ),
        "families per day",
        ("evaded",),
        "families evaded",
    ),
    Panel(
        "Holding and detention",
        ("us_holding", "us_holding_capacity", "mx_detained", "mx_detention_capacity"),
        "number held",
    ),
    Panel(
        "Harm",
        ("victimisation_incidents",),
        "incidents per day",
        ("deaths",),
        "deaths per day",
    ),
)


def plot_series(
    daily: pd.DataFrame,
    *,
    title: str = "",
    path: str | Path | None = None,
    observed: pd.DataFrame | None = None,
) -> Figure:
    """Draw a run's daily outputs as six panels sharing one date axis.

    Args:
        daily: One row per day, indexed by date (``DatetimeIndex``), with any of the columns
            named in ``LABELS``. Daily counts (see ``FLOW_COLUMNS``) are drawn as 7-day rolling
            means, the other columns (stocks) as they are; missing columns are skipped.
        title: Title drawn above the panels.
        observed: Monthly family-unit apprehensions (people), columns ``observed`` and
            ``simulated``, indexed by month (``YYYY-MM``): drawn in a wide panel below.
        path: If given, the figure is saved there at 120 dpi and closed.

    Returns:
        The figure.

    Raises:
        ValueError: If ``daily`` is not indexed by date.
    """
    if not isinstance(daily.index, pd.DatetimeIndex):
        raise ValueError("plot_series needs the daily table indexed by date (a DatetimeIndex)")
    smoothed = _smooth(daily.sort_index())
    layout = [["0", "1", "2"], ["3", "4", "5"]]
    size, ratios = FIGSIZE, [1.0, 1.0]
    if observed is not None:
        layout.append(["fit"] * 3)
        size, ratios = (FIGSIZE[0], FIGSIZE[1] + 3.5), [1.0, 1.0, 0.8]
    mosaic = plt.figure(figsize=size, layout="constrained").subplot_mosaic(
        layout, sharex=True, height_ratios=ratios
    )
    fig = mosaic["0"].figure
    panels = [mosaic[str(k)] for k in range(len(PANELS))]
    for ax, panel in zip(panels, PANELS, strict=True):
        _draw_panel(ax, panel, smoothed)
    if "smuggler_revenue_usd" in daily.columns:
        revenue = pd.to_numeric(daily["smuggler_revenue_usd"], errors="coerce")
        _note_revenue(panels[-1], revenue)
    bottom = panels[3:]
    if observed is not None:
        _draw_observed(mosaic["fit"], observed)
        bottom = [mosaic["fit"]]
    _format_dates(bottom, smoothed.index)
    if title:
        fig.suptitle(title, fontsize=13)
    fig.supxlabel(
        f"Daily counts are {ROLLING_DAYS}-day rolling means; stocks are end-of-day values.",
        fontsize=9.5,
        color="#666666",
    )
    if path is not None:
        fig.savefig(path, dpi=DPI)
        plt.close(fig)
    return fig


def _smooth(daily: pd.DataFrame) -> pd.DataFrame:
    """Return the table with its daily-count columns replaced by 7-day rolling means."""
    out = daily.apply(pd.to_numeric, errors="coerce")
    flows = [column for column in out.columns if column in FLOW_COLUMNS]
    out[flows] = out[flows].rolling(ROLLING_DAYS, min_periods=1).mean()
    return out


def _draw_panel(ax: Axes, panel: Panel, data: pd.DataFrame) -> None:
    """Draw one panel's columns, with a second axis when the panel has one."""
    ax.set_title(panel.title, fontsize=12, loc="left")
    ax.grid(True, color="#e6e6e6", linewidth=0.6)
    ax.set_axisbelow(True)
    _style_value_axis(ax)
    handles = _draw_lines(ax, data, panel.left)
    axes = [ax] if handles else []
    if handles:
        ax.set_ylabel(panel.left_label, fontsize=10)
    else:
        ax.set_yticks([])
    if any(column in data.columns for column in panel.right):
        twin = ax.twinx()
        _style_value_axis(twin)
        suffix = " (right axis)" if handles else ""
        handles += _draw_lines(twin, data, panel.right, alpha=0.75, suffix=suffix)
        twin.set_ylabel(panel.right_label, fontsize=10)
        axes.append(twin)
    if not handles:
        ax.text(0.5, 0.5, "not recorded", transform=ax.transAxes, ha="center", color="#888888")
        return
    columns = 2 if len(handles) > 3 else 1
    rows = math.ceil(len(handles) / columns)
    for each in axes:
        _leave_room_for_legend(each, rows)
    # Two columns are packed tighter, so the key stays inside its panel and off the right axis.
    packed = (
        {"handlelength": 1.1, "handletextpad": 0.4, "columnspacing": 0.7, "fontsize": 8.5}
        if columns > 1
        else {"fontsize": 9}
    )
    axes[-1].legend(handles=handles, loc="upper left", ncols=columns, framealpha=0.9, **packed)


def _draw_observed(ax: Axes, months: pd.DataFrame) -> None:
    """Monthly family-unit apprehensions, observed and simulated, at each month's middle."""
    middle = pd.to_datetime([f"{month}-15" for month in months.index])
    ax.set_title(
        "Family-unit apprehensions against what was observed (Northern Triangle people a month)",
        fontsize=12,
        loc="left",
    )
    ax.grid(True, color="#e6e6e6", linewidth=0.6)
    ax.set_axisbelow(True)
    _style_value_axis(ax)
    ax.plot(middle, months["observed"], "o-", color="#000000", linewidth=1.6,
            label="observed (Border Patrol, Northern Triangle share)")  # fmt: skip
    ax.plot(middle, months["simulated"], "s--", color=COLOURS["us_apprehensions_families"],
            linewidth=1.6, label="this run")  # fmt: skip
    ax.set_ylabel("people a month", fontsize=10)
    _leave_room_for_legend(ax, 2)
    ax.legend(fontsize=9, loc="upper left", framealpha=0.9)


def _note_revenue(ax: Axes, revenue: pd.Series) -> None:
    """Write the smugglers' takings over the run (the sum of the daily revenue) by the title."""
    total = float(revenue.sum(skipna=True))
    ax.set_title(f"smugglers took US$ {_compact(total)}", loc="right", fontsize=10, color="#5c4a1e")


def _style_value_axis(ax: Axes) -> None:
    """Use compact numbers (12k, 1.5M) on a value axis."""
    ax.tick_params(labelsize=9.5)
    ax.yaxis.set_major_formatter(FuncFormatter(_compact))


def _leave_room_for_legend(ax: Axes, rows: int) -> None:
    """Start the axis at zero and raise its top so the lines stay below a legend of ``rows``."""
    top = ax.get_ylim()[1]
    if not math.isfinite(top) or top <= 0:
        top = 1.0
    ax.set_ylim(0, top * (1.08 + 0.085 * rows))


def _draw_lines(
    ax: Axes,
    data: pd.DataFrame,
    columns: tuple[str, ...],
    *,
    alpha: float = 1.0,
    suffix: str = "",
) -> list[Line2D]:
    """Plot the columns present in ``data`` on ``ax``; return the lines drawn."""
    lines = []
    for column in columns:
        if column not in data.columns:
            continue
        label = LABELS.get(column, column.replace("_", " ")) + suffix
        (line,) = ax.plot(
            data.index,
            data[column],
            color=COLOURS.get(column),
            linestyle="--" if column in DASHED else "-",
            linewidth=3.0 if column in WIDE else 1.6,
            alpha=alpha,
            label=label,
        )
        lines.append(line)
    return lines


def _compact(value: float, _position: float | None = None) -> str:
    """Format an axis number briefly: 950, 12k, 1.5M, 1.64bn."""
    magnitude = abs(value)
    if magnitude >= 1e9:
        return f"{value / 1e9:.3g}bn"
    if magnitude >= 1e6:
        return f"{value / 1e6:.3g}M"
    if magnitude >= 1e3:
        return f"{value / 1e3:.3g}k"
    return f"{value:g}"


def _format_dates(bottom_row: list[Axes], dates: pd.DatetimeIndex) -> None:
    """Put month ticks (at most about eight) and concise date labels on the shared date axis."""
    months = 1 if dates.empty else (dates[-1] - dates[0]).days // 30 + 1
    locator = mdates.MonthLocator(interval=max(1, math.ceil(months / 8)))
    for ax in bottom_row:
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_minor_locator(mdates.WeekdayLocator(byweekday=mdates.MO))
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
