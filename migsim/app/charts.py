"""The app's charts of a comparison: whole-period curves with a band over seeds, and outcomes.

Pictures are drawn for a projector (1280×720) at the width they are shown (960 pixels), so
their 11 pt text stays 11 pt on the screen. Every count is
of families in the runs, which are smaller than 2019; each curve's right-hand axis gives the
same values in 2019's numbers (the factor is written on it).
"""

from __future__ import annotations

import datetime as dt
import io

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from migsim.app.runs import Comparison, Side

SIDES = ("Left", "Right")
SIDE_COLOURS = ("#1f4e8c", "#c0392b")
SIDE_LINES = ("-", "--")
DPI = 100
CURVES_SIZE = (9.6, 5.6)
OUTCOMES_SIZE = (9.6, 3.4)
FONT = 11
# A run that starts with nobody on the road fills the corridor up in its first weeks.
SPIN_UP_DAYS = 45
TARIFF_THREAT = dt.date(2019, 5, 30)

# Panels of the curves: daily column, title, unit, how values are shown (a 7-day mean of a
# daily count, a level, or the count since the start).
PANELS: tuple[tuple[str, str, str, str], ...] = (
    ("us_apprehensions_families", "US Border Patrol apprehensions", "families a day", "mean7"),
    ("mx_apprehensions", "Apprehensions in Mexico", "families a day", "mean7"),
    ("waiting_total", "Waiting in Mexican border cities", "families", "level"),
    ("deaths", "Deaths since the start", "families", "cumulative"),
)

# Where a run's families are on the last day: label, states, colour.
OUTCOMES: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("reached the US", ("released_us", "evaded_us", "apprehended_us", "crossed_us"), "#2e7d32"),
    ("removed from the US", ("removed",), "#6d4c41"),
    ("waiting in Mexico", ("waiting", "returned_mpp"), "#d6336c"),
    ("claimed asylum in Mexico*", ("asylum_mx",), "#8bc34a"),
    ("settled in Mexico*", ("settled_mx",), "#558b2f"),
    ("detained or deported", ("detained_mx", "deported"), "#c0392b"),
    ("on the way", ("travelling", "at_place"), "#1b4f72"),
    ("at home", ("at_origin", "gave_up"), "#9e9e9e"),
    ("died", ("died",), "#000000"),
)


def side_label(side: Side, index: int) -> str:
    """How a side is named in legends: which side and what runs there."""
    return f"{SIDES[index]}: {side.choice}"


def _values(frame: pd.DataFrame, column: str, how: str) -> pd.Series:
    values = frame[column] if column in frame.columns else pd.Series(0.0, index=frame.index)
    if how == "mean7":
        return values.rolling(7, min_periods=1).mean()
    if how == "cumulative":
        return values.cumsum()
    return values


def _band(side: Side, column: str, how: str) -> tuple[pd.Series, np.ndarray, np.ndarray]:
    """The chosen seed's curve, and the lowest and highest of the seeds' curves each day."""
    curves = [_values(o.daily, column, how) for o in side.outcomes]
    stack = np.vstack([c.to_numpy() for c in curves])
    return curves[0], stack.min(axis=0), stack.max(axis=0)


def curves_figure(comparison: Comparison, show_from: dt.date | None = None) -> Figure:
    """The whole period's curves of both sides, each with its band over the seeds."""
    # Margins set by hand: a constrained layout lays the text out several times (slower).
    fig = Figure(figsize=CURVES_SIZE, dpi=DPI)
    fig.subplots_adjust(left=0.07, right=0.92, top=0.95, bottom=0.13, hspace=0.22, wspace=0.4)
    axes = fig.subplots(2, 2, sharex=True).ravel()
    factor = comparison.factor
    first = comparison.sides[0].shown.daily.index
    start = pd.Timestamp(show_from) if show_from else first[0]
    for ax, (column, title, unit, how) in zip(axes, PANELS, strict=True):
        for k, side in enumerate(comparison.sides):
            line, low, high = _band(side, column, how)
            line = line[line.index >= start]
            keep = first >= start
            colour = SIDE_COLOURS[k]
            ax.fill_between(line.index, low[keep], high[keep], color=colour, alpha=0.18, lw=0)
            ax.plot(line.index, line.to_numpy(), color=colour, ls=SIDE_LINES[k], lw=2.2)
        note = {"mean7": "7-day mean", "cumulative": "total so far", "level": "each day"}[how]
        ax.set_title(f"{title} ({note})", fontsize=FONT + 1, loc="left")
        ax.set_ylabel(f"{unit} in the runs", fontsize=FONT)
        ax.set_ylim(bottom=0)
        twin = ax.secondary_yaxis("right", functions=(lambda y: y * factor, lambda y: y / factor))
        twin.set_ylabel(f"2019 numbers (×{factor:.1f})", fontsize=FONT - 1, color="#555555")
        twin.tick_params(labelsize=FONT - 1, colors="#555555")
        ax.tick_params(labelsize=FONT)
        ax.grid(True, color="#e6e6e6", lw=0.7)
        _mark_dates(ax, first[0], start, empty_start=comparison.sides[0].shown.warm_days == 0)
        ax.xaxis.set_major_locator(mdates.MonthLocator(bymonth=(1, 4, 7, 10)))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %Y"))
        ax.set_xlim(start, first[-1])
    handles = [
        Line2D([], [], color=SIDE_COLOURS[k], ls=SIDE_LINES[k], lw=2.2, label=side_label(s, k))
        for k, s in enumerate(comparison.sides)
    ]
    seeds = comparison.seeds
    band = f"shaded: lowest to highest of seeds {seeds[0]}–{seeds[-1]}" if len(seeds) > 1 else ""
    if band:
        handles.append(Line2D([], [], color="#999999", lw=8, alpha=0.35, label=band))
    fig.legend(handles=handles, loc="lower center", ncols=3, fontsize=FONT, frameon=False)
    return fig


def _mark_dates(ax, first: pd.Timestamp, start: pd.Timestamp, *, empty_start: bool) -> None:
    """Shade the weeks a run that starts empty fills up, and mark the tariff threat."""
    spin_end = pd.Timestamp(first) + dt.timedelta(days=SPIN_UP_DAYS)
    if empty_start and spin_end > start:
        ax.axvspan(start, spin_end, color="#f1e4c3", alpha=0.6, lw=0, zorder=0)
        _top_note(ax, start + (spin_end - start) / 2, "filling\nup", "center", "#8a6d1f")
    ax.axvline(pd.Timestamp(TARIFF_THREAT), color="#555555", lw=1, ls=":")
    _top_note(ax, pd.Timestamp(TARIFF_THREAT), " tariff threat", "left", "#555555")


def _top_note(ax, when: pd.Timestamp, text: str, ha: str, colour: str) -> None:
    """A small note at the top of a panel, at a date."""
    ax.text(
        when,
        0.97,
        text,
        transform=ax.get_xaxis_transform(),
        ha=ha,
        va="top",
        fontsize=FONT - 2,
        color=colour,
    )


def outcomes_figure(comparison: Comparison) -> Figure:
    """Where each side's families are on the last day: shares, with counts, per side."""
    fig = Figure(figsize=OUTCOMES_SIZE, dpi=DPI, layout="constrained")
    ax = fig.add_subplot()
    sides = comparison.sides
    y = np.arange(len(sides), dtype=float)
    left = np.zeros(len(sides))
    totals = np.array([max(sum(s.shown.final_states.values()), 1) for s in sides], dtype=float)
    named = {state for _, states, _ in OUTCOMES for state in states}
    others = tuple(sorted({x for s in sides for x in s.shown.final_states} - named))
    groups = [*OUTCOMES, *([("other", others, "#d9d9d9")] if others else [])]
    for label, states, colour in groups:
        counts = np.array([sum(s.shown.final_states.get(x, 0) for x in states) for s in sides])
        shares = counts / totals
        ax.barh(y, shares, left=left, color=colour, label=label, height=0.55)
        for k in np.flatnonzero(shares >= 0.07):
            ax.text(
                left[k] + shares[k] / 2,
                y[k],
                f"{shares[k]:.0%}\n{counts[k]:,}",
                ha="center",
                va="center",
                fontsize=FONT - 1,
                color="white",
            )
        left += shares
    labels = [
        f"{side_label(s, k)}\n{int(t):,} families"
        for k, (s, t) in enumerate(zip(sides, totals, strict=True))
    ]
    ax.set_yticks(y, labels, fontsize=FONT)
    ax.set_ylim(len(sides) - 0.5, -0.5)
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    ax.tick_params(labelsize=FONT)
    ax.set_title(
        "Where the families that set off are on the last day (chosen seed; share and families)",
        fontsize=FONT + 1,
        loc="left",
    )
    fig.legend(fontsize=FONT - 1, ncols=4, loc="outside lower center", frameon=False)
    return fig


def png(fig: Figure) -> bytes:
    """The figure as PNG bytes."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()
