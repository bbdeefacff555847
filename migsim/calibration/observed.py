"""Observed series for calibration, checked month by month and mapped onto model measures.

:func:`load_observed` reads the observed CSV files named in a calibration file and returns the
monthly family-unit apprehensions (people, scaled by the Northern Triangle share), Mexico's
monthly returns (people) and the shares of family-unit apprehensions by Border Patrol sector.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from migsim.calibration.config import CalibrationConfig
from migsim.errors import InputError


@dataclass
class ObservedData:
    """The observed targets of a calibration.

    Attributes:
        apprehensions: Border Patrol family-unit apprehensions of Northern Triangle people
            by month (observed counts × ``nt_share``).
        returns: People returned by Mexico by month.
        sectors: Share of family-unit apprehensions by sector (sums to 1).
    """

    apprehensions: pd.Series
    returns: pd.Series
    sectors: pd.Series


def _monthly(file: Path, column: str, first: str, last: str) -> pd.Series:
    if not file.is_file():
        raise InputError(file, "observed file not found; check the observed folder and file names")
    frame = pd.read_csv(file)
    for needed in ("month", column):
        if needed not in frame.columns:
            raise InputError(file, f"has no column '{needed}'; columns: {', '.join(frame.columns)}")
    try:
        months = pd.PeriodIndex(frame["month"].astype(str), freq="M")
    except (ValueError, TypeError):
        raise InputError(file, "column 'month' must hold months as YYYY-MM") from None
    series = pd.Series(pd.to_numeric(frame[column], errors="coerce").to_numpy(), index=months)
    wanted = pd.period_range(first, last, freq="M")
    for month in wanted:
        if month not in series.index or pd.isna(series.get(month)):
            raise InputError(
                file,
                f"missing month {month} in column '{column}'; give one row per month from "
                f"{wanted[0]} to {wanted[-1]}",
            )
        if series[month] <= 0:
            raise InputError(file, f"month {month} has {series[month]:g}; counts must be above 0")
    out = series.loc[wanted].astype(float)
    out.index.name = "month"
    return out


def sector_name(place: str) -> str:
    """A model sector's name as in CBP tables (``El Paso Sector`` → ``El Paso``)."""
    return place.removesuffix(" Sector")


def load_observed(config: CalibrationConfig) -> ObservedData:
    """Read and check the observed series a calibration fits.

    Raises:
        InputError: For a missing file, column or month, naming the file and the fix.
    """
    obs, folder = config.observed, config.observed_folder()
    apprehensions = _monthly(
        folder / obs.apprehensions_file, obs.apprehensions_column, obs.apprehensions_from, obs.to
    )
    returns = _monthly(folder / obs.returns_file, obs.returns_column, obs.returns_from, obs.to)
    file = folder / obs.sectors_file
    if not file.is_file():
        raise InputError(file, "observed file not found; check the observed folder and file names")
    frame = pd.read_csv(file)
    if "sector" not in frame.columns or obs.sectors_column not in frame.columns:
        raise InputError(file, f"needs columns 'sector' and '{obs.sectors_column}'")
    by_sector = frame.set_index("sector")[obs.sectors_column].astype(float)
    return ObservedData(
        apprehensions=apprehensions * obs.nt_share,
        returns=returns,
        sectors=by_sector / by_sector.sum(),
    )
