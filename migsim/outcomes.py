"""Outcome measures of a run: the figures experiments, comparisons and calibration keep.

Scalar outcomes (:data:`OUTCOMES`) summarise a whole run; :func:`monthly` gives the monthly
series that observed data are reported in. Family-unit counts in US data are people, so the
``*_people`` measures use each family's size.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from migsim.results import Results


def _total(column: str) -> Callable[[Results], float]:
    return lambda r: float(r.daily[column].sum())


def _peak(column: str) -> Callable[[Results], float]:
    return lambda r: float(r.daily[column].max()) if len(r.daily) else 0.0


def _share_reaching_us(r: Results) -> float:
    return len(r.journey_days) / r.families_created if r.families_created else 0.0


def _mean_journey(r: Results) -> float:
    return float(np.mean(r.journey_days)) if len(r.journey_days) else float("nan")


OUTCOMES: dict[str, tuple[Callable[[Results], float], str]] = {
    "families_created": (lambda r: float(r.families_created), "families that set off"),
    "departures": (_total("departures"), "departures, including new attempts"),
    "us_apprehensions_families": (_total("us_apprehensions_families"), "families, between ports"),
    "us_apprehensions_people": (_total("us_apprehensions_people"), "people in family units"),
    "us_port_arrivals_families": (_total("us_port_arrivals_families"), "families at ports"),
    "us_releases": (_total("us_releases"), "families released into the US"),
    "mpp_returns": (_total("mpp_returns"), "families returned to Mexico to wait"),
    "us_removals": (_total("us_removals"), "families removed from the US"),
    "evaded": (_total("evaded"), "families who evaded Border Patrol"),
    "mx_apprehensions": (_total("mx_apprehensions"), "families apprehended in Mexico"),
    "mx_apprehensions_people": (_total("mx_apprehensions_people"), "people apprehended in Mexico"),
    "deportations": (_total("deportations"), "families deported by Mexico"),
    "deportations_people": (_total("deportations_people"), "people deported by Mexico"),
    "asylum_claims_mx": (_total("asylum_claims_mx"), "families claiming asylum in Mexico"),
    "deaths": (_total("deaths"), "families in which someone died"),
    "victimisation_incidents": (_total("victimisation_incidents"), "crimes suffered"),
    "peak_mpp_waiting": (_peak("mpp_waiting"), "most families waiting under MPP"),
    "peak_metering_queue": (_peak("metering_queue"), "most families in port queues"),
    "peak_us_holding": (_peak("us_holding"), "most families in Border Patrol custody"),
    "smuggler_revenue_usd": (_total("smuggler_revenue_usd"), "USD paid to smugglers"),
    "mean_journey_days": (_mean_journey, "days from departure to reaching the US"),
    "share_reaching_us": (_share_reaching_us, "share of families created reaching the US"),
}


def scalar_outcomes(results: Results, names: list[str] | None = None) -> dict[str, float]:
    """The named scalar outcomes of a run (all of :data:`OUTCOMES` by default)."""
    names = list(OUTCOMES) if names is None else names
    return {name: OUTCOMES[name][0](results) for name in names}


MONTHLY_COLUMNS = (
    "us_apprehensions_families", "us_apprehensions_people", "us_port_arrivals_people",
    "mx_apprehensions", "mx_apprehensions_people", "deportations", "deportations_people",
    "asylum_claims_mx", "mpp_returns", "deaths", "departures",
)  # fmt: skip


def monthly(results: Results) -> pd.DataFrame:
    """Monthly sums of daily flows, and month-end metering queue and MPP waiting.

    Returns:
        A frame indexed by month (``Period[M]``), one column per measure.
    """
    daily = results.daily
    month = daily.index.to_period("M")
    sums = daily[list(MONTHLY_COLUMNS)].groupby(month).sum()
    ends = daily[["metering_queue", "mpp_waiting"]].groupby(month).last()
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
