"""The in-sample targets: each one a model measure mapped onto one observed file.

:data:`TARGETS` declares, target by target, the observed file and column (in the calibration's
observed folder), how the observed figure is turned into what the model represents (Northern
Triangle nationals, people in families), the model measure it is compared with, the fit metric
and the threshold the shipped point should meet. Every observed figure was published on or
before 31 May 2019.

A target whose model measure a run does not write (for example asylum claims in Mexico counted
in people) is *skipped* with a note, and switches on by itself once the model writes it:
:func:`available` asks a one-day probe run which measures exist.

Model measures are read from a run's :class:`~migsim.results.Results`: a column of the daily
frame (``daily:NAME``), a measure of the per-place frame (``place:NAME``), or the journeys
(``journey:MODE``: :attr:`Results.journeys`, days from staging for express buses, from home
for the others).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from migsim.calibration.config import CalibrationConfig
from migsim.calibration.metrics import METRICS
from migsim.errors import InputError

OTHER = "other"  # model sectors outside the observed table


@dataclass(frozen=True)
class Target:
    """One observed figure (or series) and the model measure it is compared with.

    Attributes:
        name: The target's key in the calibration file and the reports.
        what: What it is, for reports.
        file: Observed file in the observed folder.
        measure: Model measure (``daily:NAME``, ``place:NAME`` or ``journey:MODE``).
        metric: Fit metric (a key of :data:`migsim.calibration.metrics.METRICS`).
        threshold: The metric the shipped point should reach or beat.
        mapping: How the observed figure is mapped onto the model, in one sentence.
        observe: Reads the observed values (a labelled series) from the folder.
        simulate: The run's values on the same labels, or ``None`` if it lacks the measure.
        weight: Its weight when a calibration file names no targets (0: reported, not
            fitted).
    """

    name: str
    what: str
    file: str
    measure: str
    metric: str
    threshold: float
    mapping: str
    observe: Callable[[Path, CalibrationConfig], pd.Series]
    simulate: Callable[[Any, float, pd.Index], pd.Series | None]
    weight: float = 1.0


# --- reading observed files -------------------------------------------------------------------


def _read(folder: Path, name: str, needed: tuple[str, ...]) -> pd.DataFrame:
    file = folder / name
    if not file.is_file():
        raise InputError(
            file, "observed file not found; copy it into the observed folder (see its README)"
        )
    frame = pd.read_csv(file)
    for column in needed:
        if column not in frame.columns:
            raise InputError(file, f"has no column '{column}'; columns: {', '.join(frame.columns)}")
    return frame


def _months(
    folder: Path,
    name: str,
    column: str,
    first: str,
    last: str,
    where: tuple[str, str] = ("", ""),
    key: str = "month",
) -> pd.Series:
    """A monthly column of an observed file, one positive value for every month wanted.

    Args:
        folder: The observed folder.
        name: The file.
        column: The column of values.
        first: First month wanted (``YYYY-MM``).
        last: Last month wanted.
        where: Keep only rows whose column ``where[0]`` equals ``where[1]``.
        key: The column of months; rows of other periods (a year) are ignored.
    """
    file = folder / name
    frame = _read(folder, name, (key, column) + ((where[0],) if where[0] else ()))
    if where[0]:
        frame = frame[frame[where[0]] == where[1]]
    frame = frame[frame[key].astype(str).str.len() > 4]  # months, not whole years
    try:
        months = pd.PeriodIndex(frame[key].astype(str), freq="M")
    except (ValueError, TypeError):
        raise InputError(file, f"column '{key}' must hold months as YYYY-MM") from None
    series = pd.Series(pd.to_numeric(frame[column], errors="coerce").to_numpy(), index=months)
    wanted = pd.period_range(first, last, freq="M")
    label = f"'{column}'" + (f" ({where[0]} = {where[1]})" if where[0] else "")
    for month in wanted:
        if month not in series.index or pd.isna(series.get(month)):
            raise InputError(
                file,
                f"missing month {month} in column {label}; give one row per month from "
                f"{wanted[0]} to {wanted[-1]}",
            )
        if series[month] <= 0:
            raise InputError(file, f"month {month} has {series[month]:g}; counts must be above 0")
    out = series.loc[wanted].astype(float)
    out.index = out.index.astype(str)
    return out


def sector_name(place: str) -> str:
    """A model sector's name as in CBP tables (``El Paso Sector`` → ``El Paso``)."""
    return str(place).removesuffix(" Sector")


# --- the observed side of each target ---------------------------------------------------------

APPREHENSIONS = "cbp_family_units_monthly.csv"


def _obs_apprehensions(folder: Path, config: CalibrationConfig) -> pd.Series:
    people = _months(folder, APPREHENSIONS, "usbp_family_unit_individuals", "2018-10", "2019-05")
    return people * config.observed.nt_share


EL_PASO = "El Paso"  # the sector whose share rose in the window (facts: "El Paso's rise")


def _obs_sectors(apart: tuple[str, ...] = ()) -> Callable[[Path, CalibrationConfig], pd.Series]:
    """FY2018's shares by sector, among the sectors not ``apart``."""

    def observe(folder: Path, config: CalibrationConfig) -> pd.Series:
        frame = _read(folder, "cbp_family_units_by_sector_fy.csv", ("sector", "fy2018"))
        by_sector = frame.set_index("sector")["fy2018"].astype(float)
        by_sector = by_sector[~by_sector.index.isin(apart)]
        shares = by_sector / by_sector.sum()
        shares[OTHER] = 0.0
        return shares

    return observe


def _obs_el_paso(folder: Path, config: CalibrationConfig) -> pd.Series:
    name = "cbp_el_paso_family_units.csv"
    frame = _read(folder, name, ("month", "el_paso", "southwest_border")).set_index("month")
    if "2019-02" not in frame.index:
        raise InputError(folder / name, "needs a row for month 2019-02")
    row = frame.loc["2019-02"]
    return pd.Series({"2019-02": float(row["el_paso"]) / float(row["southwest_border"])})


def families_share(folder: Path, config: CalibrationConfig, months: pd.Index) -> pd.Series:
    """The share of Mexico's returns taken to travel as families, month by month.

    With ``families_share: us_monthly`` it is Border Patrol's family-unit share of all its
    apprehensions in the same month (the same flow of migrants, seen at the end of the
    corridor); a number sets one share for every month.
    """
    setting = config.observed.families_share
    if not isinstance(setting, str):
        return pd.Series(float(setting), index=months)
    first, last = months[0], months[-1]
    families = _months(folder, APPREHENSIONS, "usbp_family_unit_individuals", first, last)
    total = _months(folder, APPREHENSIONS, "usbp_total_apprehensions", first, last)
    return (families / total).reindex(months)


def _obs_returns(folder: Path, config: CalibrationConfig) -> pd.Series:
    returned = _months(folder, "mexico_returns_monthly.csv", "returned_by_mexico", "2018-12",
                       "2019-05")  # fmt: skip
    return returned * families_share(folder, config, returned.index)


def _obs_presented(folder: Path, config: CalibrationConfig) -> pd.Series:
    presented = _months(folder, "mexico_returns_monthly.csv", "presented_to_inm", "2018-12",
                        "2019-05")  # fmt: skip
    return presented * families_share(folder, config, presented.index)


COMAR = "comar_applications_monthly.csv"


def _obs_comar(folder: Path, config: CalibrationConfig) -> pd.Series:
    return _months(folder, COMAR, "northern_triangle_people", "2019-01", "2019-05", key="period")


def _obs_waitlist(folder: Path, config: CalibrationConfig) -> pd.Series:
    frame = _read(folder, "us_waiting_monthly.csv", ("month", "measure", "value"))
    rows = frame[frame["measure"] == "metering_waitlist_people"]
    return pd.Series(rows["value"].astype(float).to_numpy(), index=rows["month"].astype(str))


def _obs_mpp(folder: Path, config: CalibrationConfig) -> pd.Series:
    return _months(folder, "us_waiting_monthly.csv", "value", "2019-01", "2019-05",
                   where=("measure", "mpp_new_court_cases"))  # fmt: skip


def _obs_journey(mode: str) -> Callable[[Path, CalibrationConfig], pd.Series]:
    def observe(folder: Path, config: CalibrationConfig) -> pd.Series:
        frame = _read(folder, "journey_times.csv", ("mode", "days")).set_index("mode")
        if mode not in frame.index:
            raise InputError(folder / "journey_times.csv", f"needs a row for mode '{mode}'")
        return pd.Series({"median_days": float(frame.loc[mode, "days"])})

    return observe


# --- the model side ---------------------------------------------------------------------------


def _monthly_sum(name: str, end_of_month: bool = False):
    def simulate(results: Any, scale: float, labels: pd.Index) -> pd.Series | None:
        daily = results.daily
        if name not in daily.columns:
            return None
        grouped = daily[name].groupby(daily.index.to_period("M"))
        series = (grouped.last() if end_of_month else grouped.sum()) / scale
        series.index = series.index.astype(str)
        return series.reindex(labels).fillna(0.0)

    return simulate


def _place_totals(results: Any, name: str, first: dt.date, last: dt.date) -> pd.Series | None:
    ps = results.place_series
    if name not in set(ps["measure"].astype(str).unique()) and not (
        hasattr(ps["measure"], "cat") and name in ps["measure"].cat.categories
    ):
        return None
    rows = ps[(ps["measure"] == name)]
    dates = pd.to_datetime(rows["date"])
    rows = rows[(dates >= pd.Timestamp(first)) & (dates <= pd.Timestamp(last))]
    totals = rows.groupby(rows["place"].astype(str).map(sector_name))["value"].sum()
    return totals[totals > 0]


def _sim_sectors(apart: tuple[str, ...] = ()):
    """The model's shares by sector over October 2018 – May 2019, among those not ``apart``."""

    def simulate(results: Any, scale: float, labels: pd.Index) -> pd.Series | None:
        totals = _place_totals(results, "us_apprehensions_people", dt.date(2018, 10, 1),
                               dt.date(2019, 5, 31))  # fmt: skip
        if totals is None:
            return None
        totals = totals[~totals.index.isin(apart)]
        shares = totals / totals.sum() if totals.sum() else totals
        out = shares.reindex(labels).fillna(0.0)
        out[OTHER] = float(shares[~shares.index.isin(labels)].sum())
        return out

    return simulate


def _sim_el_paso(results: Any, scale: float, labels: pd.Index) -> pd.Series | None:
    totals = _place_totals(results, "us_apprehensions_people", dt.date(2019, 2, 1),
                           dt.date(2019, 2, 28))  # fmt: skip
    if totals is None:
        return None
    share = float(totals.get(EL_PASO, 0.0) / totals.sum()) if totals.sum() else 0.0
    return pd.Series({"2019-02": share})


def _sim_journey(mode: str):
    def simulate(results: Any, scale: float, labels: pd.Index) -> pd.Series | None:
        journeys = results.journeys
        if journeys is None:
            return None
        # express buses are timed from the staging place, as the facts time them
        column = "from_staging_days" if mode == "express" else "journey_days"
        days = journeys.loc[journeys["mode"].astype(str) == mode, column]
        return pd.Series({"median_days": float(days.median()) if len(days) else 0.0})

    return simulate


TARGETS: dict[str, Target] = {
    t.name: t
    for t in (
        Target(
            "apprehensions", "Border Patrol family-unit apprehensions (people), Oct 2018 – May "
            "2019", APPREHENSIONS, "daily:us_apprehensions_people", "ard", 0.15,
            "observed people in family units × nt_share (FY2018 Northern Triangle share, the "
            "latest full year by citizenship before the window)",
            _obs_apprehensions, _monthly_sum("us_apprehensions_people"),
        ),
        Target(
            "sectors_fy2018", "share of family-unit apprehensions by Border Patrol sector "
            "(model Oct 2018 – May 2019 against FY2018)", "cbp_family_units_by_sector_fy.csv",
            "place:us_apprehensions_people", "tvd", 0.10,
            "FY2018 shares, the latest full year before the window; the model's sectors outside "
            "the table count as 'other'. El Paso's share in the window was not FY2018's (its "
            "family units rose about 1,700%), so this mapping asks the model to be wrong there",
            _obs_sectors(), _sim_sectors(), weight=0.0,
        ),
        Target(
            "sectors_fy2018_ex_el_paso", "share of family-unit apprehensions by Border Patrol "
            "sector other than El Paso (model Oct 2018 – May 2019 against FY2018)",
            "cbp_family_units_by_sector_fy.csv", "place:us_apprehensions_people", "tvd", 0.10,
            "FY2018 shares among the sectors other than El Paso, taken to hold in the window; "
            "El Paso's own share, which rose in the window, is the target el_paso_feb_2019",
            _obs_sectors((EL_PASO,)), _sim_sectors((EL_PASO,)),
        ),
        Target(
            "el_paso_feb_2019", "El Paso sector's share of family-unit apprehensions, February "
            "2019", "cbp_el_paso_family_units.csv", "place:us_apprehensions_people", "abs",
            0.05, "10,509 of 36,530 southwest-border family units (CBP, March 2019)",
            _obs_el_paso, _sim_el_paso,
        ),
        Target(
            "mexico_returns", "people in families returned by Mexico, Dec 2018 – May 2019",
            "mexico_returns_monthly.csv", "daily:deportations_people", "ard", 0.25,
            "Mexico's returns (all ages, families and single adults) × families_share "
            "(default: Border Patrol's family-unit share of its apprehensions that month)",
            _obs_returns, _monthly_sum("deportations_people"),
        ),
        Target(
            "mexico_presented", "people in families presented to INM (stopped by Mexico), "
            "Dec 2018 – May 2019", "mexico_returns_monthly.csv", "daily:mx_apprehensions_people",
            "ard", 0.25,
            "INM's presentations (all ages) × families_share, as for the returns; the returns "
            "are these less the share Mexico released (an input: 1 − returned / presented)",
            _obs_presented, _monthly_sum("mx_apprehensions_people"), weight=0.0,
        ),
        Target(
            "comar_nt", "asylum applications in Mexico by Northern Triangle nationals "
            "(people), Jan – May 2019", COMAR, "daily:asylum_claims_mx_people", "ard", 0.30,
            "COMAR's Northern Triangle applicants (all ages; single adults included, whom the "
            "model's families stand in for)",
            _obs_comar, _monthly_sum("asylum_claims_mx_people"),
        ),
        Target(
            "metering_waitlist", "people on metering waitlists in Mexican border cities, "
            "month end (Dec 2018, Feb and May 2019)", "us_waiting_monthly.csv",
            "daily:metering_queue_people", "ard", 0.50,
            "waitlists of all nationalities; compared as they are (an upper bound for the "
            "model's families)",
            _obs_waitlist, _monthly_sum("metering_queue_people", end_of_month=True),
        ),
        Target(
            "mpp_returns", "people returned to Mexico to wait for a US hearing, Jan – May 2019",
            "us_waiting_monthly.csv", "daily:mpp_returns_people", "rmse_log", 0.50,
            "new remain-in-Mexico court cases (TRAC), one a person; compared on log counts "
            "since the first months are small",
            _obs_mpp, _monthly_sum("mpp_returns_people"),
        ),
        Target(
            "journey_express", "median days from staging to the US border on the smugglers' "
            "express buses", "journey_times.csv", "journey:express", "ard", 0.50,
            "about 72 hours from staging (US law-enforcement reports, March 2019)",
            _obs_journey("express"), _sim_journey("express"),
        ),
        Target(
            "journey_caravan", "median days of caravan families' journeys (at least the "
            "first caravan's 24 days to Mexico City)", "journey_times.csv", "journey:caravan",
            "at_least", 0.0, "a lower bound: the first caravan reached Mexico City after 24 "
            "days, so its families' journeys to the US took longer",
            _obs_journey("caravan"), _sim_journey("caravan"),
        ),
    )
}  # fmt: skip


@dataclass
class ObservedTargets:
    """The observed values of the targets in use, and the targets skipped.

    Attributes:
        values: Observed series by target name.
        weights: Each target's weight in the distance.
        skipped: Why each skipped target is skipped.
    """

    values: dict[str, pd.Series]
    weights: dict[str, float]
    skipped: dict[str, str]

    def summary(self) -> dict[str, np.ndarray]:
        """The observed summary statistics (arrays, in each target's label order)."""
        return {name: series.to_numpy(dtype=float) for name, series in self.values.items()}


def chosen(config: CalibrationConfig) -> dict[str, float]:
    """The targets a calibration names, with weights (by default every target at its own).

    Raises:
        InputError: For a target name that is not declared.
    """
    if config.targets is None:
        return {name: target.weight for name, target in TARGETS.items()}
    for name in config.targets:
        if name not in TARGETS:
            raise InputError(
                config.path or "calibration",
                f"unknown target '{name}'; targets: {', '.join(TARGETS)}",
                key=f"targets.{name}",
            )
    return {name: choice.weight for name, choice in config.targets.items()}


def load_targets(config: CalibrationConfig, measures: set[str] | None = None) -> ObservedTargets:
    """Read and check the observed values of the chosen targets.

    Args:
        config: The calibration.
        measures: The measures a run writes (from :func:`available`); a target whose measure
            is not among them is skipped. ``None`` keeps every target.

    Raises:
        InputError: For an unknown target, a missing file, column or month.
    """
    folder = config.observed_folder()
    values, weights, skipped = {}, {}, {}
    for name, weight in chosen(config).items():
        target = TARGETS[name]
        observed = target.observe(folder, config)  # checked even when skipped
        if measures is not None and target.measure not in measures:
            skipped[name] = f"the model does not write '{target.measure}' yet"
            continue
        values[name], weights[name] = observed, weight
    if not any(weights.values()):
        raise InputError(
            config.path or "calibration",
            "no target with a weight above 0 can be fitted; give one a weight",
            key="targets",
        )
    return ObservedTargets(values, weights, skipped)


def measures_of(results: Any) -> set[str]:
    """The measures a run's results hold, named as in :attr:`Target.measure`."""
    out = {f"daily:{c}" for c in results.daily.columns}
    ps = results.place_series["measure"]
    names = ps.cat.categories if hasattr(ps, "cat") else ps.unique()
    out |= {f"place:{m}" for m in names}
    journeys = getattr(results, "journeys", None)
    if isinstance(journeys, pd.DataFrame) and "mode" in journeys:
        modes = journeys["mode"]
        names = modes.cat.categories if hasattr(modes, "cat") else modes.unique()
        out |= {f"journey:{m}" for m in names}
    return out


def available(scenario: Any, corridor: Any = None) -> set[str]:
    """The measures the model writes, from a one-day run of the scenario at a tiny scale.

    Journey modes only appear once a family has reached the US: a categorical ``mode`` column
    lists every mode the model knows; a plain one keeps every journey target (a mode no family
    took then counts as 0 days, far from any observed value).
    """
    from migsim.model import MigrationModel

    small = scenario.with_parameters({"days": 1})
    small = small.at_scale(max(1.0, small.population.families_per_year * 0.001))
    model = MigrationModel(small, seed=0, corridor=corridor)
    model.run_for(1)
    results = model.results()
    found = measures_of(results)
    journeys = results.journey_days
    if isinstance(journeys, pd.DataFrame) and {"mode", "days"} <= set(journeys):
        modes = journeys["mode"]
        if hasattr(modes, "cat"):  # every mode the model knows, arrived or not
            found |= {f"journey:{m}" for m in modes.cat.categories}
        else:
            found |= {t.measure for t in TARGETS.values() if t.measure.startswith("journey:")}
    return found


def summarise_run(results: Any, scale: float, observed: ObservedTargets) -> dict[str, np.ndarray]:
    """A run's values for every target in use, on the observed labels (full-scale counts)."""
    out = {}
    for name, obs in observed.values.items():
        series = TARGETS[name].simulate(results, scale, obs.index)
        if series is None:
            raise RuntimeError(f"the run lacks '{TARGETS[name].measure}' for target '{name}'")
        out[name] = series.reindex(obs.index).fillna(0.0).to_numpy(dtype=float)
    return out


def fit(sim: dict[str, np.ndarray], observed: ObservedTargets) -> dict[str, float]:
    """Each target's fit metric for one run's summary."""
    return {
        name: METRICS[TARGETS[name].metric](np.asarray(sim[name], dtype=float), obs.to_numpy())
        for name, obs in observed.values.items()
    }
