"""One calibration run: a scenario with parameter values and a seed, reduced to monthly series.

:func:`simulate` is what worker processes execute. It runs the model (at ``scale`` of the
scenario's families a year and of every capacity, counts multiplied back by ``1 / scale``)
and keeps the monthly measures compared with observed data and the shares of Border Patrol
family apprehensions by sector over the fitted window.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from migsim.calibration.observed import sector_name

MEASURES = (
    "us_apprehensions_people", "deportations_people", "us_port_arrivals_people",
    "asylum_claims_mx", "mpp_returns", "departures",
)  # fmt: skip


@dataclass
class Task:
    """A run to do.

    Attributes:
        key: A name for the run's file (``p007_r1``).
        scenario: The scenario (start and days as run).
        corridor: The corridor, already loaded.
        parameters: Values by address (``behaviour.network_effect``).
        seed: The model's seed.
        scale: Fraction of ``families_per_year`` simulated.
        sectors_from: First day counted in the sector shares.
    """

    key: str
    scenario: Any
    corridor: Any
    parameters: dict[str, float]
    seed: int
    scale: float
    sectors_from: dt.date
    extra: dict[str, Any] = field(default_factory=dict)


def scaled(scenario: Any, corridor: Any, scale: float) -> tuple[Any, Any]:
    """A scenario at ``scale`` of its families a year, every capacity scaled alike.

    See :meth:`migsim.scenario.Scenario.at_scale`; the model scales the corridor's checkpoint
    capacities from the scenario's ``capacity_scale``, so the corridor is returned as it is.
    """
    if scale == 1:
        return scenario, corridor
    return scenario.at_scale(scenario.population.families_per_year * scale), corridor


def with_calibrated(scenario: Any, parameters: dict[str, Any]) -> Any:
    """The scenario with calibrated values set.

    Section parameters (``behaviour.…``, ``population.…``) are set as by
    ``Scenario.with_parameters``. A lever parameter is set on the scenario's own entries of
    that lever only, not on entries inside a tariff threat's response: the calibration fits the
    levers in force in spring 2019, and a response lever (such as the June 2019 agreement's
    stronger Isthmus checkpoints) keeps its own setting. A lever the scenario does not have is
    not added.
    """
    from migsim.scenario import Scenario

    sections = {
        k: v
        for k, v in parameters.items()
        if k.partition(".")[0] in ("behaviour", "population") or "." not in k
    }
    out = scenario.with_parameters(sections) if sections else scenario
    levers = {k: v for k, v in parameters.items() if k not in sections}
    if not levers:
        return out
    data = out.model_dump(exclude={"path"})
    data["levers"] = [lever.model_dump() for lever in out.levers]
    for address, value in levers.items():
        head, _, name = address.partition(".")
        for entry in data["levers"]:
            if entry["lever"] == head:
                entry[name] = value
    result = Scenario.model_validate(data)
    result.path = scenario.path
    return result


def simulate(task: Task) -> dict[str, Any]:
    """Run one task; return its monthly series (scaled to the full population) and shares."""
    from migsim.model import MigrationModel
    from migsim.outcomes import monthly

    began = time.perf_counter()
    scenario, corridor = scaled(
        with_calibrated(task.scenario, task.parameters), task.corridor, task.scale
    )
    model = MigrationModel(scenario, seed=task.seed, corridor=corridor)
    for _ in range(scenario.days):
        model.step()
    results = model.results()
    series = monthly(results)[list(MEASURES)] / task.scale
    ps = results.place_series
    people = ps[(ps["measure"] == "us_apprehensions_people")]
    people = people[pd.to_datetime(people["date"]) >= pd.Timestamp(task.sectors_from)]
    by_sector = people.groupby("place", observed=True)["value"].sum()
    by_sector = by_sector[by_sector > 0]
    total = float(by_sector.sum())
    return {
        "key": task.key,
        "parameters": task.parameters,
        "seed": task.seed,
        "monthly": {name: {str(m): float(v) for m, v in series[name].items()} for name in MEASURES},
        "sectors": {sector_name(str(k)): float(v) / total for k, v in by_sector.items()}
        if total
        else {},
        "elapsed_s": time.perf_counter() - began,
        **task.extra,
    }


def monthly_series(run: dict[str, Any], measure: str) -> pd.Series:
    """A run's monthly measure as a series indexed by ``Period[M]``."""
    values = run["monthly"][measure]
    index = pd.PeriodIndex(list(values), freq="M")
    return pd.Series(list(values.values()), index=index, dtype=float)
