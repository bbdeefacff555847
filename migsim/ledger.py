"""The ledger: one declaration of every measure a run records, and the day's book of them.

Each :class:`Measure` says what a figure is (name, unit, meaning), whether it is a flow summed
over a day or a stock at the end of it, and where it is shown: the run summary, the scalar
outcomes experiments keep, the monthly series observed data are reported in. The day loop
writes to a :class:`Ledger`; results, outcomes, the summary, the app and the docs read the
declarations here, so adding a measure is one line.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Measure:
    """One recorded figure.

    Attributes:
        name: Column name in ``daily.parquet`` (or measure in ``place_series.parquet``).
        unit: ``families``, ``people``, ``USD`` or ``percent``.
        meaning: What it counts, in a phrase.
        kind: ``flow`` (summed over the day) or ``stock`` (at the end of the day).
        summary: Its label in the run summary (None: not shown there).
        outcome: ``total`` or ``peak``: kept as a scalar outcome under that aggregation
            (a peak is named ``peak_<name>``); None: not an outcome.
        monthly: ``sum`` or ``last``: in the monthly series with that aggregation.
    """

    name: str
    unit: str
    meaning: str
    kind: str = "flow"
    summary: str | None = None
    outcome: str | None = None
    monthly: str | None = None


def _m(name: str, unit: str, meaning: str, **kw: str) -> Measure:
    return Measure(name, unit, meaning, **kw)


# Daily series, in the column order of daily.parquet.
DAILY: tuple[Measure, ...] = (
    _m("departures", "families", "all departures, including new attempts",
       summary="departures", outcome="total", monthly="sum"),
    _m("first_departures", "families", "families setting off for the first time",
       summary="first departures", outcome="total"),
    _m("in_transit", "families", "on a road, train or river, or resting on the way", kind="stock"),
    _m("waiting_total", "families", "waiting in Mexican border cities", kind="stock"),
    _m("metering_queue", "families", "families waiting at ports", kind="stock",
       summary="peak metering queue", outcome="peak", monthly="last"),
    _m("metering_queue_people", "people", "people waiting at ports", kind="stock",
       monthly="last"),
    _m("mpp_waiting", "families", "families in Mexico", kind="stock",
       summary="peak waiting under MPP", outcome="peak", monthly="last"),
    _m("shelter_waiting", "families", "waiting in border-city shelters", kind="stock"),
    _m("mx_apprehensions", "families",
       "families stopped in Mexico (detained, or released with an exit permit)",
       summary="Mexican apprehensions", outcome="total", monthly="sum"),
    _m("mx_apprehensions_people", "people", "people apprehended in Mexico", outcome="total",
       monthly="sum"),
    _m("turned_back", "families", "families turned back at Guatemala–Mexico crossings",
       summary="turned back at the southern border"),
    _m("exit_permits", "families", "released by Mexico with an exit permit"),
    _m("mx_detained", "families", "families in Mexican detention", kind="stock",
       summary="peak Mexican detention"),
    _m("mx_detention_capacity", "families", "Mexico's detention places", kind="stock"),
    _m("deportations", "families", "families deported by Mexico",
       summary="deportations from Mexico",
       outcome="total", monthly="sum"),
    _m("deportations_people", "people", "people deported by Mexico", outcome="total",
       monthly="sum"),
    _m("asylum_claims_mx", "families", "families claiming asylum in Mexico (COMAR)",
       summary="asylum claims in Mexico",
       outcome="total", monthly="sum"),
    _m("asylum_claims_mx_people", "people", "people claiming asylum in Mexico (COMAR)",
       summary="  in people", outcome="total", monthly="sum"),
    _m("us_apprehensions_families", "families", "families, between ports",
       summary="US Border Patrol apprehensions", outcome="total", monthly="sum"),
    _m("us_apprehensions_people", "people", "people in family units", summary="  in people",
       outcome="total", monthly="sum"),
    _m("us_port_arrivals_families", "families", "families processed at ports",
       summary="US port arrivals", outcome="total"),
    _m("us_port_arrivals_people", "people", "people processed at ports", monthly="sum"),
    _m("us_holding", "families", "families in Border Patrol custody", kind="stock",
       summary="peak US holding", outcome="peak"),
    _m("us_holding_capacity", "families", "US holding places", kind="stock"),
    _m("us_releases", "families", "families released into the US",
       summary="released into the US", outcome="total"),
    _m("mpp_returns", "families", "families returned to Mexico to wait (MPP)",
       summary="returned to Mexico (MPP)",
       outcome="total", monthly="sum"),
    _m("mpp_returns_people", "people", "people returned to Mexico to wait (MPP)",
       monthly="sum"),
    _m("us_removals", "families", "families removed from the US",
       summary="removed from the US", outcome="total"),
    _m("evaded", "families", "families who evaded Border Patrol",
       summary="evaded Border Patrol", outcome="total"),
    _m("gave_up", "families", "families turning home", summary="gave up"),
    _m("victimisation_incidents", "families", "crimes suffered by families",
       summary="victimisation incidents", outcome="total"),
    _m("deaths", "families", "families in which someone died (counted once)", summary="deaths",
       outcome="total", monthly="sum"),
    _m("smuggler_revenue_usd", "USD", "USD paid to smugglers", summary="smuggler revenue",
       outcome="total"),
    _m("smuggled_departures", "families", "departures with a smuggler",
       summary="smuggled departures"),
    _m("express_hires", "families", "families hiring a smuggler's express bus"),
    _m("express_departures", "families", "families leaving staging places on express buses",
       summary="express bus departures", outcome="total"),
    _m("express_arrivals", "families", "families dropped off at the border by express buses"),
    _m("comar_grants", "families", "families granted asylum in Mexico (COMAR)"),
    _m("asylum_mx_moved_on", "families",
       "claimants of asylum in Mexico moving on north, before or after COMAR decides",
       summary="moved on after claiming in Mexico", outcome="total"),
    _m("border_moves", "families", "families moving along the border to another border city"),
    _m("humanitarian_visas", "families", "humanitarian visas handed out at formal crossings"),
    _m("tariff_pct", "percent", "US tariff on Mexican imports", kind="stock"),
)  # fmt: skip

# Per-place daily measures, the ``measure`` column of place_series.parquet.
PLACE: tuple[Measure, ...] = (
    _m("waiting", "families", "waiting in each border city", kind="stock"),
    _m("metering_queue", "families", "queued at each port", kind="stock"),
    _m("mpp_waiting", "families", "waiting under MPP in each border city", kind="stock"),
    _m("us_apprehensions_families", "families", "apprehended in each Border Patrol sector"),
    _m("us_apprehensions_people", "people", "apprehended in each Border Patrol sector"),
    _m("us_port_arrivals_families", "families", "processed at each port"),
    _m("us_holding", "families", "in custody at each station", kind="stock"),
    _m("mx_apprehensions", "families", "stopped at each Mexican crossing and checkpoint"),
)  # fmt: skip

# Figures of a whole run, computed from the results rather than recorded each day.
RUN: tuple[Measure, ...] = (
    _m("families_created", "families",
       "families that set off at least once, those on the road at the start included",
       summary="families created", outcome="run"),
    _m("share_reaching_us", "share",
       "of families created and not yet in the US at the start, reached it since",
       summary="share reaching the US",
       outcome="run"),
    _m("mean_journey_days", "days", "days, departure to US", summary="mean journey",
       outcome="run"),
)  # fmt: skip

SERIES: tuple[str, ...] = tuple(m.name for m in DAILY)
PLACE_MEASURES: tuple[str, ...] = tuple(m.name for m in PLACE)
MEASURES: dict[str, Measure] = {m.name: m for m in (*DAILY, *RUN)}


class Ledger:
    """The day's figures, and every day's figures recorded so far.

    The day loop adds to today's flows, sets today's stocks, and counts per-place measures;
    :meth:`close_day` files the day and opens a new one.

    Attributes:
        today: Today's value of each daily measure, in :data:`DAILY` order.
        place_days: Each closed day's per-place values, shape (measures, places) a day.
    """

    def __init__(self, n_places: int) -> None:
        self.n_places = n_places
        self.index = {name: i for i, name in enumerate(SERIES)}
        self.place_index = {name: i for i, name in enumerate(PLACE_MEASURES)}
        self.today = np.zeros(len(SERIES))
        self.place_today = np.zeros((len(PLACE_MEASURES), n_places))
        self.place_days: list[np.ndarray] = []

    def __getitem__(self, name: str) -> float:
        return float(self.today[self.index[name]])

    def add(self, name: str, value: float) -> None:
        """Add to one of today's flows."""
        self.today[self.index[name]] += value

    def set(self, name: str, value: float) -> None:
        """Set one of today's stocks."""
        self.today[self.index[name]] = value

    def count_places(self, name: str, places: np.ndarray, weights=None) -> None:
        """Add families (or ``weights``, e.g. people) at each of ``places`` to a place measure."""
        counts = np.bincount(places, weights=weights, minlength=self.n_places)
        self.place_today[self.place_index[name]] += counts

    def place_row(self, name: str) -> np.ndarray:
        """Today's row of a place measure, to add to in place."""
        return self.place_today[self.place_index[name]]

    def add_places(self, name: str, values: np.ndarray) -> None:
        """Add per-place values (one per place) to a place measure."""
        self.place_today[self.place_index[name]] += values

    def open_day(self) -> None:
        """Start a day with every daily figure at zero."""
        self.today = np.zeros(len(SERIES))

    def close_day(self, *, keep: bool = True) -> None:
        """File today's per-place figures (``keep=False``: a day not recorded)."""
        if keep:
            self.place_days.append(self.place_today)
        self.place_today = np.zeros((len(PLACE_MEASURES), self.n_places))

    def place_cube(self, days: int) -> np.ndarray:
        """Per-place figures of the first ``days`` days, shape (day, measure, place)."""
        if days == 0:
            return np.zeros((0, len(PLACE_MEASURES), self.n_places))
        return np.stack(self.place_days[:days])
