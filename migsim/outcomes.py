"""Outcome measures of a run: the figures experiments, comparisons and calibration keep.

Scalar outcomes (:data:`OUTCOMES`, the ledger's measures marked as outcomes) summarise a
whole run; :func:`monthly` gives the monthly
series that observed data are reported in. Family-unit counts in US data are people, so the
``*_people`` measures use each family's size.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from migsim.ledger import DAILY, RUN, Measure
from migsim.results import Results


def _reader(measure: Measure) -> Callable[[Results], float]:
    return lambda r: r.figure(measure)


def _outcome_name(measure: Measure) -> str:
    return f"peak_{measure.name}" if measure.outcome == "peak" else measure.name


# Every measure the ledger marks as an outcome: name -> (reader, meaning).
OUTCOMES: dict[str, tuple[Callable[[Results], float], str]] = {
    _outcome_name(m): (_reader(m), m.meaning) for m in (*DAILY, *RUN) if m.outcome
}


def scalar_outcomes(results: Results, names: list[str] | None = None) -> dict[str, float]:
    """The named scalar outcomes of a run (all of :data:`OUTCOMES` by default)."""
    names = list(OUTCOMES) if names is None else names
    return {name: OUTCOMES[name][0](results) for name in names}


MONTHLY_COLUMNS = tuple(m.name for m in DAILY if m.monthly == "sum")
MONTHLY_STOCKS = tuple(m.name for m in DAILY if m.monthly == "last")


def monthly(results: Results) -> pd.DataFrame:
    """Monthly sums of daily flows, and month-end metering queue and MPP waiting.

    Returns:
        A frame indexed by month (``Period[M]``), one column per measure.
    """
    daily = results.daily
    month = daily.index.to_period("M")
    sums = daily[list(MONTHLY_COLUMNS)].groupby(month).sum()
    ends = daily[list(MONTHLY_STOCKS)].groupby(month).last()
    out = sums.join(ends)
    out.index.name = "month"
    return out


def sector_shares(results: Results) -> pd.Series:
    """Share of US Border Patrol family apprehensions (people) by sector over the run."""
    ps = results.place_series
    people = ps[ps["measure"] == "us_apprehensions_people"]
    by_sector = people.groupby("place", observed=True)["value"].sum()
    total = by_sector.sum()
    return by_sector / total if total else by_sector


PER_THOUSAND = 1000.0


def per_thousand_departures(flows: pd.DataFrame, departures: float) -> pd.DataFrame:
    """Link flows as a share per 1,000 of a run's departures (new attempts included).

    Comparing shares rather than counts shows where families go instead when a policy changes
    how many set off: ``migsim map --compare``, the app's difference map and the notebooks use it.
    """
    return flows.assign(families=flows["families"] * PER_THOUSAND / max(departures, 1.0))
