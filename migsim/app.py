"""The teaching app: a SolaraViz page to run the corridor model, alone or two runs side by side.

Open it with ``migsim app`` (or ``solara run migsim/app.py``). Following Mesa's convention,
this module defines the model the page runs (:class:`Classroom`: one or two
:class:`~migsim.model.MigrationModel` runs of the same seed, stepped together), its
``model_params`` (which runs, how many families, the seed), its ``components`` (a corridor map
per run with families moving, live plots of apprehensions, waiting families and deaths, and
where families are now) and ``Page``, the SolaraViz page with a card of lever controls, each
explained beside its slider. ``docs/app.md`` is the guide for teachers.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cache
from typing import Any

import mesa
import numpy as np
import pandas as pd
import reacton.ipywidgets as rw
import solara
from matplotlib.figure import Figure
from mesa.visualization import SolaraViz

from migsim.agents import FamilyState
from migsim.corridor import load_corridor
from migsim.model import MigrationModel
from migsim.policies import LEVERS, lever_parameters
from migsim.scenario import DEFAULT_SCENARIO, Scenario, load_scenario
from migsim.viz.animation import LiveMap, model_frame

S = FamilyState
SCENARIOS = DEFAULT_SCENARIO.parent
PRESETS = {
    "Baseline 2019": "baseline_2019.yaml",
    "June 2019 agreement": "june_2019_agreement.yaml",
    "No enforcement": "no_enforcement.yaml",
}
MY_SETTINGS = "My lever settings"
ONE_RUN = "none (one run)"
RUN_CHOICES = [*PRESETS, MY_SETTINGS]
DEFAULT_FAMILIES_PER_YEAR = 20_000
# Where the display starts: the runs are simulated from the scenarios' start either way.
START_CHOICES = {
    "October 2018 (the start)": None,
    "May 2019 (a month before the agreement)": dt.date(2019, 5, 1),
}
SIDES = ("Left", "Right")
RUN_STYLES = ({"color": "#1f4e8c", "linestyle": "-"}, {"color": "#c0392b", "linestyle": "--"})
IMAGE_DPI = 90
MAP_SIZE = (6.4, 5.0)
PLOT_SIZE = (6.4, 4.0)


@dataclass(frozen=True)
class LeverControl:
    """The control of one lever in the app, and how the app explains it.

    Attributes:
        lever: The lever's name (a key of ``migsim.policies.LEVERS``).
        parameter: The parameter the control sets (``None``: an on/off switch).
        label: The control's label.
        low: The slider's smallest value.
        high: The slider's largest value.
        step: The slider's step.
        how: Two sentences: how the lever works in the model, and what the control's
            values mean.
        fact_parameters: The parameters whose documented sources are the public facts shown
            (default: the one the control sets).
    """

    lever: str
    parameter: str | None
    label: str
    low: float
    high: float
    step: float
    how: str
    fact_parameters: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """The address of the setting (``lever.parameter``, or the lever for a switch)."""
        return f"{self.lever}.{self.parameter}" if self.parameter else self.lever

    @property
    def is_switch(self) -> bool:
        """Whether the control is an on/off switch rather than a slider."""
        return self.parameter is None

    def fact(self) -> str:
        """The lever's documented default and the public fact behind it."""
        rows = {row["parameter"]: row for row in lever_parameters(LEVERS[self.lever])}
        parts = []
        for name in self.fact_parameters or (self.parameter,):
            row = rows[name]
            default = row["default"]
            text = f"{default:,.4g}" if isinstance(default, float) else str(default)
            parts.append(f"{text} {row['units']}: {row['source']}")
        return "Default " + "; ".join(parts) + "."


LEVER_CONTROLS: tuple[LeverControl, ...] = (
    LeverControl(
        "isthmus_checkpoints",
        "interdiction",
        "Isthmus checkpoints",
        0.0,
        0.8,
        0.01,
        "Each family passing a checkpoint across the Isthmus of Tehuantepec is stopped with "
        "this probability (smuggled families less often), and stopped families are detained. "
        "Families who hear of the checkpoints reroute by the Pacific coast, the freight train "
        "or on foot; 0 removes them.",
    ),
    LeverControl(
        "southern_border_enforcement",
        "officers",
        "National Guard at the southern border",
        0.0,
        15_000.0,
        500.0,
        "Officers at the Guatemala crossings and river fords stop a share of families that "
        "grows with their number (less at the fords). Some stopped families are turned back "
        "into Guatemala and the rest detained; 0 means no extra officers.",
    ),
    LeverControl(
        "remain_in_mexico",
        "share",
        "Remain in Mexico (MPP)",
        0.0,
        1.0,
        0.05,
        "After US holding this share of asylum-seeking families is sent back to the Mexican "
        "border city they crossed from, to wait months for a hearing at risk of crime. It "
        "applies where the baseline runs it (San Ysidro, Calexico, El Paso); 0 switches it off.",
    ),
    LeverControl(
        "safe_third_country",
        "barred_share",
        "Safe third country",
        0.0,
        1.0,
        0.05,
        "This share of families who crossed Mexico is barred from US asylum and removed after "
        "holding. Families who hear of it expect less of the journey, so fewer leave and more "
        "claim asylum in Mexico; 0 switches it off.",
    ),
    LeverControl(
        "metering",
        "families_per_day",
        "Metering (families a day per port)",
        0.0,
        200.0,
        5.0,
        "Each US port takes this many asylum-seeking families a day and the rest wait in the "
        "Mexican border city. The longer the queue, the more families cross between ports "
        "instead; 0 means no metering.",
    ),
    LeverControl(
        "mexican_deportations",
        "deportations_per_day",
        "Mexico's deportations (families a day)",
        0.0,
        600.0,
        5.0,
        "Families detained in Mexico are deported first in, first out, this many a day, and "
        "when detention is full new detainees are released to go on. 0 means no limit: "
        "everyone detained is deported the next day.",
    ),
    LeverControl(
        "humanitarian_visas",
        "visas_per_month",
        "Humanitarian visas (a month)",
        0.0,
        6_000.0,
        20.0,
        "Families entering Mexico at a formal crossing get up to this many transit visas a "
        "month, first come first served. A family with a visa cannot be stopped at crossings "
        "or checkpoints for a year; 0 means none.",
    ),
    LeverControl(
        "anti_smuggling",
        "fee_increase",
        "Anti-smuggling operations (fee rise)",
        0.0,
        2.0,
        0.1,
        "Smugglers' fees rise by this fraction and only 150 families a day can hire one. More "
        "families travel alone, on routes with more checkpoints and more crime; 0 means no "
        "operations.",
    ),
    LeverControl(
        "us_holding_capacity",
        "families_per_sector",
        "US holding places (families a station)",
        0.0,
        2_000.0,
        50.0,
        "Families apprehended in the US are held about three days before release, return to "
        "Mexico or removal. A station holding more families than this releases them faster; "
        "0 means no limit.",
    ),
    LeverControl(
        "northern_triangle_aid",
        "hazard_change",
        "Aid to the Northern Triangle",
        -0.5,
        0.5,
        0.05,
        "Half a year after a change in aid, families leave this much more often (a cut: "
        "positive) or less often (a development plan: negative). The baseline's 0.1 stands for "
        "the halt in aid of March 2019; 0 means no change.",
    ),
    LeverControl(
        "tariff_threat",
        None,
        "Tariff threat and Mexico's June 2019 response",
        0.0,
        1.0,
        1.0,
        "The US threat of 30 May 2019 of tariffs on Mexican imports, and what Mexico switched "
        "on after the 7 June agreement: the National Guard at the southern border and on the "
        "Isthmus, and operations against smugglers. They come on their 2019 dates, on top of "
        "the other settings.",
        fact_parameters=("tariff_start_pct", "tariff_max_pct"),
    ),
)
CONTROLS = {control.key: control for control in LEVER_CONTROLS}


# ------------------------------------------------------------------ scenarios
@cache
def preset(name: str) -> Scenario:
    """A shipped scenario by its name in the app (``"Baseline 2019"`` …)."""
    return load_scenario(SCENARIOS / PRESETS[name])


def _entries(levers: list[Any]):
    """Every lever entry, including the responses of tariff threats."""
    for lever in levers:
        yield lever
        yield from _entries(getattr(lever, "response", []) or [])


def lever_levels(scenario: Scenario) -> dict[str, float]:
    """The app's lever settings that describe a scenario's own (top-level) levers.

    For each control, the value of the lever's entry that starts last (the one in force at
    the end, for levers that change over the year); 0 for a lever the scenario does not use.
    A tariff threat is 1 (on) or 0 (off).
    """
    levels: dict[str, float] = {}
    for control in LEVER_CONTROLS:
        entries = [lever for lever in scenario.levers if lever.name == control.lever]
        if control.is_switch:
            levels[control.key] = 1.0 if entries else 0.0
        elif entries:
            latest = max(entries, key=lambda lever: lever.start or dt.date.min)
            levels[control.key] = float(getattr(latest, control.parameter))
        else:
            levels[control.key] = 0.0
    return levels


def baseline_description(key: str) -> str:
    """A control's lever in the baseline 2019 scenario, in a few words (levels and dates)."""
    control = CONTROLS[key]
    entries = [lever for lever in preset("Baseline 2019").levers if lever.name == control.lever]
    if control.is_switch:
        return "off; on, it follows the dates of 2019" if not entries else "on"
    if not entries:
        return "not used; set, it starts on the first day"
    values = list(dict.fromkeys(float(getattr(lever, control.parameter)) for lever in entries))
    level = " / ".join(f"{value:,.4g}" for value in values)
    if len(values) > 1:
        by_date = len({lever.start for lever in entries}) > 1
        level += " (by date)" if by_date else " (by port)"
    starts = [lever.start for lever in entries]
    when = "all year" if None in starts else f"from {min(starts):%d %b %Y}"
    return f"{level}, {when}"


def baseline_levels() -> dict[str, float]:
    """The lever settings of the baseline 2019 scenario (where the controls start)."""
    return lever_levels(preset("Baseline 2019"))


def levers_off() -> dict[str, float]:
    """Every lever off (the no-enforcement world)."""
    return dict.fromkeys(CONTROLS, 0.0)


def changed_levers(settings: Mapping[str, float]) -> dict[str, float]:
    """The settings that differ from the baseline 2019 levels."""
    base = baseline_levels()
    return {
        key: float(value)
        for key, value in settings.items()
        if key in CONTROLS and abs(float(value) - base[key]) > 1e-9
    }


def lever_scenario(settings: Mapping[str, float]) -> Scenario:
    """The baseline 2019 year with the levers set as in ``settings``.

    A lever set to 0 is removed (everywhere, including a tariff threat's response); a lever
    set to another value than in the baseline has that value on every entry, and a lever the
    baseline does not use starts on the first day. Switching the tariff threat on adds the
    June 2019 agreement's threat with Mexico's response on their historical dates, on top of
    the other settings.

    Args:
        settings: Values by control key (``"isthmus_checkpoints.interdiction"`` …); keys
            not given keep the baseline's levels.
    """
    base = preset("Baseline 2019")
    changes = changed_levers(settings)
    if not changes:
        return base
    off = {CONTROLS[key].lever for key, value in changes.items() if value == 0}
    data = base.model_dump(exclude={"path"})
    data["levers"] = [lever.model_dump() for lever in base.levers if lever.name not in off]
    scenario = Scenario.model_validate(
        {**data, "name": MY_SETTINGS, "description": describe_changes(settings)}
    )
    scenario.path = base.path
    values = {
        key: value for key, value in changes.items() if value != 0 and not CONTROLS[key].is_switch
    }
    if values:
        scenario = scenario.with_parameters(values)
    if changes.get("tariff_threat"):
        june = preset("June 2019 agreement")
        threats = [lever for lever in june.levers if lever.name == "tariff_threat"]
        data = scenario.model_dump(exclude={"path"})
        data["levers"] = [lever.model_dump() for lever in scenario.levers] + [
            _without(lever.model_dump(), off) for lever in threats
        ]
        scenario = Scenario.model_validate(data)
        scenario.path = base.path
    return scenario


def _without(entry: dict[str, Any], off: set[str]) -> dict[str, Any]:
    """A lever entry with switched-off levers dropped from its response."""
    if entry.get("response"):
        entry = {
            **entry,
            "response": [_without(r, off) for r in entry["response"] if r["lever"] not in off],
        }
    return entry


def describe_changes(settings: Mapping[str, float]) -> str:
    """A short text of the settings that differ from the baseline 2019 levels."""
    parts = []
    for key, value in changed_levers(settings).items():
        control = CONTROLS[key]
        name = control.label.split(" (")[0]
        if control.is_switch:
            parts.append(f"{name} {'on' if value else 'off'}")
        elif value == 0:
            parts.append(f"{name} off")
        else:
            parts.append(f"{name} {value:,.4g}")
    return "; ".join(parts) if parts else "as in the baseline 2019"


def model_at_scale(
    scenario: Scenario, families_per_year: float, *, seed: int | None = None
) -> MigrationModel:
    """A model of a scenario run with ``families_per_year``, capacities scaled alike.

    See :meth:`migsim.scenario.Scenario.at_scale`.
    """
    return MigrationModel(scenario.at_scale(families_per_year), seed=seed)


def scenario_for(choice: str, settings: Mapping[str, float] | None = None) -> Scenario:
    """The scenario of a run choice: a preset's name or ``MY_SETTINGS``."""
    if choice == MY_SETTINGS:
        return lever_scenario(settings or {})
    if choice not in PRESETS:
        raise ValueError(f"unknown run '{choice}'; choose one of {', '.join(RUN_CHOICES)}")
    return preset(choice)


# ------------------------------------------------------------------ the model
@dataclass
class Run:
    """One run shown by the app.

    Attributes:
        choice: What was chosen (a preset's name or ``MY_SETTINGS``).
        model: The model being run.
        note: The lever changes of a ``MY_SETTINGS`` run (empty otherwise).
    """

    choice: str
    model: MigrationModel
    note: str = ""


class Classroom(mesa.Model):
    """One or two runs of the migration model on the same seed, stepped one day at a time.

    Args:
        left: The run on the left (a preset's name or ``"My lever settings"``).
        right: The run on the right, or ``"none (one run)"``.
        families_per_year: First departures a year in both runs.
        seed: The random seed of both runs.
        start_at: Where the display starts (a key of ``START_CHOICES``): the runs are
            simulated up to that day at once, without drawing.
        levers: The lever settings of ``"My lever settings"`` (a mapping, or an object whose
            ``value`` is one, such as the app's reactive settings).
        days: Days to simulate (default: the scenarios' year).
        scenario: Mesa's scenario object, passed by SolaraViz on reset (not used: the runs'
            scenarios come from ``left`` and ``right``).
    """

    def __init__(
        self,
        left: str = "Baseline 2019",
        right: str = "June 2019 agreement",
        families_per_year: float = DEFAULT_FAMILIES_PER_YEAR,
        seed: int = 1,
        start_at: str = next(iter(START_CHOICES)),
        levers: Any = None,
        days: int | None = None,
        scenario: Any = None,
    ) -> None:
        super().__init__(rng=int(seed))
        settings = dict(getattr(levers, "value", levers) or baseline_levels())
        self.settings = settings
        chosen = [left] if right == ONE_RUN else [left, right]
        self.runs = [self._run(c, settings, families_per_year, seed, days) for c in chosen]
        self.families_per_year = float(families_per_year)
        self.flow_top = self.families_per_year / 52 * 0.15
        self.waiting_top = max(self.families_per_year / 100, 50.0)
        self.day = 0
        self.last_day = min(run.model.spec.days for run in self.runs)
        first = START_CHOICES.get(start_at)
        if first is not None:
            start = self.runs[0].model.spec.start
            for _ in range(min(max((first - start).days, 0), self.last_day)):
                self.step()

    @staticmethod
    def _run(choice: str, settings, families_per_year, seed, days) -> Run:
        scenario = scenario_for(choice, settings)
        if days is not None:
            scenario = scenario.model_copy(update={"days": int(days)})
        model = model_at_scale(scenario, float(families_per_year), seed=int(seed))
        note = describe_changes(settings) if choice == MY_SETTINGS else ""
        return Run(choice, model, note)

    @property
    def date(self) -> dt.date:
        """The last simulated day (the day before the start if none yet)."""
        spec = self.runs[0].model.spec
        return spec.start + dt.timedelta(days=self.day - 1)

    def step(self) -> None:
        """Simulate one more day in every run."""
        if self.day >= self.last_day:
            self.running = False
            return
        for run in self.runs:
            run.model.step()
        self.day += 1
        for run in self.runs:
            m = run.model
            week = m.link_flows[max(0, m.day - 7) : m.day].sum(axis=0)
            self.flow_top = max(self.flow_top, float(_pair_max(m, week)))
            waiting = m.families.in_state(S.WAITING, S.RETURNED_MPP)
            if len(waiting):
                most = np.bincount(m.families.place[waiting]).max()
                self.waiting_top = max(self.waiting_top, float(most))
        if self.day >= self.last_day:
            self.running = False

    def daily(self) -> list[pd.DataFrame]:
        """Each run's daily series so far, indexed by date."""
        out = []
        for run in self.runs:
            frame = run.model.datacollector.get_model_vars_dataframe().iloc[: run.model.day]
            frame = frame.copy()
            frame.index = pd.date_range(run.model.spec.start, periods=len(frame), freq="D")
            out.append(frame)
        return out


def _pair_max(model: MigrationModel, flows: np.ndarray) -> float:
    """The largest flow on a link, both directions added together."""
    c = model.corridor
    low = np.minimum(c.link_src, c.link_dst).astype(np.int64)
    high = np.maximum(c.link_src, c.link_dst).astype(np.int64)
    key = low * len(c.places) + high
    _, inverse = np.unique(key, return_inverse=True)
    return float(np.bincount(inverse, weights=flows).max(initial=0))


# ------------------------------------------------------------------ pictures
OUTCOMES = (
    ("reached the US", (S.RELEASED_US, S.EVADED_US, S.APPREHENDED_US, S.CROSSED_US), "#2e7d32"),
    ("removed from the US", (S.REMOVED,), "#6d4c41"),
    ("waiting in Mexico", (S.WAITING, S.RETURNED_MPP), "#d6336c"),
    ("settled in Mexico", (S.ASYLUM_MX,), "#8bc34a"),
    ("detained or deported", (S.DETAINED_MX, S.DEPORTED), "#c0392b"),
    ("on the way", (S.TRAVELLING, S.AT_PLACE), "#1b4f72"),
    ("at home (gave up or back)", (S.AT_ORIGIN, S.GAVE_UP), "#9e9e9e"),
    ("died", (S.DIED,), "#000000"),
)


def run_title(run: Run, side: str) -> str:
    """The title of a run's map: which side, what was chosen and any lever changes."""
    title = f"{side}: {run.choice}"
    if run.note:
        title += f"\n{_shorten(run.note, 70)}"
    return title


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


@cache
def _live_map(folder: str) -> LiveMap:
    """The map drawer of a corridor (its unchanging layers are drawn once per process)."""
    return LiveMap(load_corridor(folder).graph, figsize=MAP_SIZE, dpi=IMAGE_DPI)


def map_png(classroom: Classroom, index: int) -> bytes:
    """The corridor map of one run as PNG: flows, families moving and waiting, enforcement."""
    run = classroom.runs[index]
    model = run.model
    frame = model_frame(model)
    frame = replace(frame, caption=_map_caption(model, frame.caption, frame.per_dot))
    drawer = _live_map(str(model.corridor.folder))
    return drawer.render(
        frame,
        title=run_title(run, SIDES[index]),
        flow_top=classroom.flow_top,
        waiting_top=classroom.waiting_top,
    )


def _map_caption(model: MigrationModel, date_text: str, per_dot: int) -> str:
    counts = model.families.counts
    reached = sum(counts[s] for s in OUTCOMES[0][1])
    lines = [
        date_text,
        f"on the way {counts[S.TRAVELLING] + counts[S.AT_PLACE]:,}"
        f" (1 dot ≈ {per_dot} famil{'y' if per_dot == 1 else 'ies'})",
        f"waiting in Mexico {counts[S.WAITING] + counts[S.RETURNED_MPP]:,}",
        f"reached the US {reached:,}",
    ]
    return "\n".join(lines)


SERIES_PLOTS = {
    "apprehensions": (
        "Apprehensions (families a day, 7-day mean)",
        (
            ("us_apprehensions_families", "by US Border Patrol", 7),
            ("mx_apprehensions", "in Mexico", 7),
        ),
    ),
    "waiting": (
        "Families waiting in Mexican border cities",
        (
            ("waiting_total", "all waiting", 1),
            ("mpp_waiting", "of them sent back (MPP)", 1),
        ),
    ),
    "harm": (
        "Harm (since the start)",
        (
            ("deaths", "deaths", 0),
            ("victimisation_incidents", "crimes suffered ÷ 10", 0),
        ),
    ),
}


def series_figure(classroom: Classroom, which: str) -> Figure:
    """A live plot of both runs: apprehensions, waiting families or harm."""
    import matplotlib.dates as mdates
    from matplotlib.lines import Line2D

    title, lines = SERIES_PLOTS[which]
    fig = Figure(figsize=PLOT_SIZE)
    fig.subplots_adjust(left=0.09, right=0.98, top=0.91, bottom=0.3)
    ax = fig.add_subplot()
    ax.set_title(title, fontsize=10, loc="left")
    frames = classroom.daily()
    handles = []
    for side, run, frame, style in zip(SIDES, classroom.runs, frames, RUN_STYLES, strict=False):
        handles.append(Line2D([], [], linewidth=1.8, **style, label=f"{side}: {run.choice}"))
        for k, (column, _, window) in enumerate(lines):
            if column not in frame.columns or frame.empty:
                continue
            values = pd.to_numeric(frame[column], errors="coerce").fillna(0.0)
            if window > 1:
                values = values.rolling(window, min_periods=1).mean()
            elif window == 0:
                values = values.cumsum() / (10 if column == "victimisation_incidents" else 1)
            ax.plot(
                values.index,
                values.to_numpy(),
                linewidth=1.8 if k == 0 else 0.9,
                alpha=1.0 if k == 0 else 0.6,
                **style,
            )
    for k, (_, label, _) in enumerate(lines):
        width, alpha = (1.8, 1.0) if k == 0 else (0.9, 0.6)
        handles.append(Line2D([], [], color="#444444", linewidth=width, alpha=alpha, label=label))
    start = classroom.runs[0].model.spec.start
    ax.set_xlim(start, start + dt.timedelta(days=int(classroom.last_day)))
    ax.set_ylim(bottom=0, top=max(ax.get_ylim()[1], 1.0))
    ax.xaxis.set_major_locator(mdates.MonthLocator(bymonth=(1, 4, 7, 10)))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %Y"))
    ax.tick_params(labelsize=7.5)
    ax.grid(True, color="#e6e6e6", linewidth=0.6)
    ax.legend(
        handles=handles,
        fontsize=7.5,
        ncols=2,
        loc="upper center",
        bbox_to_anchor=(0.45, -0.1),
        frameon=False,
    )
    return fig


def outcomes_figure(classroom: Classroom) -> Figure:
    """Where the families of each run are now: a bar of shares per run."""
    fig = Figure(figsize=PLOT_SIZE)
    fig.subplots_adjust(left=0.09, right=0.98, top=0.91, bottom=0.3)
    ax = fig.add_subplot()
    ax.set_title("Where the families that set off are now", fontsize=10, loc="left")
    sides = list(SIDES[: len(classroom.runs)])
    y = np.arange(len(sides), dtype=float)
    left = np.zeros(len(sides))
    for label, states, colour in OUTCOMES:
        shares = np.array(
            [
                sum(int(run.model.families.counts[s]) for s in states)
                / max(int(run.model.families.counts.sum()), 1)
                for run in classroom.runs
            ]
        )
        ax.barh(y, shares, left=left, color=colour, label=label, height=0.45)
        for k in np.flatnonzero(shares >= 0.06):
            ax.text(
                left[k] + shares[k] / 2,
                y[k],
                f"{shares[k]:.0%}",
                ha="center",
                va="center",
                fontsize=7.5,
                color="white",
            )
        left += shares
    for k, run in enumerate(classroom.runs):
        ax.text(0, y[k] - 0.3, run.choice, fontsize=8, va="bottom")
    ax.set_yticks(y, sides)
    ax.set_ylim(len(sides) - 0.4, -0.75)
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    ax.tick_params(labelsize=8)
    ax.legend(fontsize=7.5, ncols=3, loc="upper center", bbox_to_anchor=(0.45, -0.1), frameon=False)
    return fig


def png(fig: Figure) -> bytes:
    """The figure as PNG bytes."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=IMAGE_DPI)
    return buffer.getvalue()


# ------------------------------------------------------------------ components
def _image(picture: Figure | bytes, height: int = 375) -> None:
    """Show a picture as large as fits its box of the page, keeping its proportions."""
    data = picture if isinstance(picture, bytes) else png(picture)
    rw.Image(
        value=data,
        format="png",
        layout={"width": "100%", "height": f"{height}px", "object_fit": "contain"},
        _dom_classes=["migsim-figure"],
    )


def LeftMap(model: Classroom) -> None:
    """The corridor map of the left run."""
    _image(map_png(model, 0))


def RightMap(model: Classroom) -> None:
    """The corridor map of the right run (or how to get one)."""
    if len(model.runs) < 2:
        solara.Info(
            "One run only. Choose a 'Right run' under Model Parameters and press Reset to "
            "see two runs side by side on the same seed."
        )
        return
    _image(map_png(model, 1))


def ApprehensionsPlot(model: Classroom) -> None:
    """Apprehensions a day in Mexico and by US Border Patrol."""
    _image(series_figure(model, "apprehensions"))


def WaitingPlot(model: Classroom) -> None:
    """Families waiting in Mexican border cities."""
    _image(series_figure(model, "waiting"))


def HarmPlot(model: Classroom) -> None:
    """Deaths and crimes suffered since the start."""
    _image(series_figure(model, "harm"))


def OutcomesPlot(model: Classroom) -> None:
    """Where each run's families are now."""
    with solara.Column(gap="4px"):
        first = model.runs[0].model.spec.start
        when = f"{model.date:%d %b %Y}" if model.day else f"not started; day 1 is {first:%d %b %Y}"
        solara.Markdown(f"**Day {model.day}** ({when}), seed {model.runs[0].model.seed}")
        for run, side in zip(model.runs, SIDES, strict=False):
            note = f" — {run.note}" if run.note else ""
            solara.Markdown(f"{side}: **{run.choice}**{note}")
        _image(outcomes_figure(model), height=290)


components = [
    (LeftMap, 0),
    (RightMap, 0),
    (ApprehensionsPlot, 0),
    (WaitingPlot, 0),
    (HarmPlot, 0),
    (OutcomesPlot, 0),
]


class LeverSettings:
    """The settings of "My lever settings": one reactive value per control.

    Each value is a ``solara.reactive``, so each browser session has its own settings and a
    control bound to one changes only that setting. ``value`` reads them all as a mapping
    (which :class:`Classroom` takes as ``levers``).
    """

    def __init__(self) -> None:
        base = baseline_levels()
        self.controls: dict[str, solara.Reactive] = {}
        for control in LEVER_CONTROLS:
            start = base[control.key]
            if control.is_switch:
                self.controls[control.key] = solara.reactive(bool(start))
            elif control.step >= 1:
                self.controls[control.key] = solara.reactive(int(start))
            else:
                self.controls[control.key] = solara.reactive(float(start))

    @property
    def value(self) -> dict[str, float]:
        """The settings now, by control key (a switch is 1 when on, 0 when off)."""
        return {key: round(float(r.value), 6) for key, r in self.controls.items()}

    def set(self, settings: Mapping[str, float]) -> None:
        """Move the controls to the given settings."""
        for key, value in settings.items():
            reactive = self.controls[key]
            reactive.set(type(reactive.value)(value))


# Kept per browser session (solara reactives), passed to every new Classroom on Reset.
lever_settings = LeverSettings()

model_params = {
    "left": {
        "type": "Select",
        "value": "Baseline 2019",
        "values": RUN_CHOICES,
        "label": "Left run",
    },
    "right": {
        "type": "Select",
        "value": "June 2019 agreement",
        "values": [ONE_RUN, *RUN_CHOICES],
        "label": "Right run (side by side)",
    },
    "families_per_year": {
        "type": "SliderInt",
        "value": DEFAULT_FAMILIES_PER_YEAR,
        "min": 5_000,
        "max": 100_000,
        "step": 5_000,
        "label": "Families setting off a year",
    },
    "seed": {"type": "SliderInt", "value": 1, "min": 1, "max": 50, "step": 1, "label": "Seed"},
    "start_at": {
        "type": "Select",
        "value": next(iter(START_CHOICES)),
        "values": list(START_CHOICES),
        "label": "Show from",
    },
    "levers": lever_settings,
}


# A lever's label above its slider, so the slider keeps the card's whole width.
LEVER_CSS = """
.migsim-lever .v-input__slider .v-input__slot { flex-wrap: wrap; }
.migsim-lever .v-input__slider .v-input__slot > .v-label {
    flex-basis: 100%; margin-bottom: 2px; font-weight: 500; color: rgba(0, 0, 0, 0.87);
}
"""


@solara.component
def LeverPanel() -> None:
    """The card of lever controls in the sidebar."""
    with solara.Sidebar():
        LeverCard()


@solara.component
def LeverCard() -> None:
    """The lever controls, each with how it works and the fact behind its default."""
    full_scale = preset("Baseline 2019").population.families_per_year
    solara.Style(LEVER_CSS)
    with solara.Card("My lever settings"):
        solara.Markdown(
            "Used by a run set to **My lever settings**: the baseline 2019 year with each "
            "lever at the level set here, on the baseline's dates (a lever the baseline does "
            "not use starts on the first day; 0 switches a lever off). Press **Reset** to apply. "
            f"Numbers of families are at the scale of 2019 ({full_scale:,.0f} families a year); "
            "every run scales capacities to the families setting off a year."
        )
        with solara.Row():
            solara.Button(
                "Baseline 2019 levels",
                on_click=lambda: lever_settings.set(baseline_levels()),
                small=True,
                outlined=True,
            )
            solara.Button(
                "All levers off",
                on_click=lambda: lever_settings.set(levers_off()),
                small=True,
                outlined=True,
            )
        for control in LEVER_CONTROLS:
            reactive = lever_settings.controls[control.key]
            with solara.Column(gap="0px", style={"margin-top": "12px"}, classes=["migsim-lever"]):
                if control.is_switch:
                    solara.Checkbox(label=control.label, value=reactive)
                else:
                    slider = solara.SliderInt if control.step >= 1 else solara.SliderFloat
                    slider(
                        control.label,
                        value=reactive,
                        min=control.low,
                        max=control.high,
                        step=control.step,
                    )
                    solara.Text(
                        f"Set to {reactive.value:,.4g}. "
                        f"Baseline 2019: {baseline_description(control.key)}.",
                        style={"font-size": "12px", "font-weight": "bold"},
                    )
                solara.Text(control.how, style={"font-size": "12px"})
                solara.Text(control.fact(), style={"font-size": "11px", "color": "#666"})


@solara.component
def _Nest(depth: int = 3) -> None:
    """Renders the lever panel a few components deep, so the sidebar lists it after Mesa's."""
    if depth > 0:
        _Nest(depth - 1)
    else:
        LeverPanel()


model = Classroom()


@solara.component
def Page() -> None:
    """The app's page: Mesa's SolaraViz with the lever card in its sidebar."""
    SolaraViz(
        model,
        components=components,
        model_params=model_params,
        name="migsim: families travelling to the US border, 2019",
        play_interval=50,
        render_interval=3,
    )
    _Nest()
