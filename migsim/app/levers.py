"""The app's runs and levers: the presets, the lever controls, and the scenarios they make.

A run in the app is a preset (one of the shipped 2019 scenarios) or *My lever settings*: the
baseline 2019 year with each lever at a level set by a control. :class:`LeverControl` says how
each control works and explains it; :func:`lever_scenario` turns the controls' settings into a
scenario; :func:`model_at_scale` runs a scenario with fewer families, capacities scaled alike.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from migsim.model import MigrationModel
from migsim.policies import LEVERS, lever_parameters
from migsim.scenario import DEFAULT_SCENARIO, Scenario, load_scenario

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
        """The lever's own default (where a scenario leaves it unset) and the fact behind it."""
        rows = {row["parameter"]: row for row in lever_parameters(LEVERS[self.lever])}
        parts = []
        for name in self.fact_parameters or (self.parameter,):
            row = rows[name]
            default = row["default"]
            text = f"{default:,.4g}" if isinstance(default, float) else str(default)
            parts.append(f"{text} {row['units']}: {row['source']}")
        return (
            "The lever's own default, where a scenario does not set it: " + "; ".join(parts) + "."
        )


LEVER_CONTROLS: tuple[LeverControl, ...] = (
    LeverControl(
        "isthmus_checkpoints",
        "interdiction",
        "Isthmus checkpoints",
        0.0,
        0.8,
        0.0001,
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
        1.0,
        "Families detained in Mexico are deported first in, first out, this many a day, and "
        "when detention is full new detainees are released to go on. 0 means no limit: "
        "everyone detained is deported the next day.",
    ),
    LeverControl(
        "mexican_releases",
        "share",
        "Mexico's releases (share of families stopped)",
        0.0,
        1.0,
        0.01,
        "Mexico releases this share of the families it stops with an exit permit, and they go "
        "on north. The baseline follows each month's share of people presented whom Mexico "
        "did not return; 0 means everyone stopped is detained while there is room.",
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
