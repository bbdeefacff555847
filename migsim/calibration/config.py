"""The calibration file: the scenario, the parameters with prior ranges, the data and the budget.

:func:`load_config` validates a calibration YAML file (see ``docs/calibration.md``) and turns
every problem into one :class:`~migsim.errors.InputError` naming the file, the key and the fix.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from migsim.errors import InputError, read_yaml_mapping
from migsim.scenario import Scenario, load_scenario

MAX_PARAMETERS = 10


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Prior(_Strict):
    """A uniform prior range for one parameter."""

    low: float
    high: float
    integer: bool = False


class Observed(_Strict):
    """Where the observed series are, and how they map onto model outputs."""

    folder: str = Field(description="folder of observed CSV files, relative to the config")
    apprehensions_file: str = "cbp_family_units_monthly.csv"
    apprehensions_column: str = "usbp_family_unit_individuals"
    returns_file: str = "mexico_returns_monthly.csv"
    returns_column: str = "returned_by_mexico"
    sectors_file: str = "cbp_family_units_by_sector_fy.csv"
    sectors_column: str = "fy2018"
    nt_share: float = Field(
        0.966, gt=0, le=1, description="Northern Triangle share of observed family units"
    )
    apprehensions_from: str = "2018-10"
    returns_from: str = "2018-12"
    to: str = "2019-05"


class Weights(_Strict):
    """Weights of the three measures in the distance between a run and the data."""

    apprehensions: float = Field(1.0, ge=0)
    returns: float = Field(1.0, ge=0)
    sectors: float = Field(1.0, ge=0)


class CalibrationConfig(_Strict):
    """A calibration: a scenario, parameters with priors, observed data and a budget."""

    scenario: str = Field(description="scenario YAML, relative to the config file")
    start: dt.date | None = Field(None, description="earlier start, for a warm-up")
    scale: float = Field(
        1.0, gt=0, le=1, description="simulate at this fraction of families_per_year"
    )
    points: int = Field(40, ge=2, description="Latin hypercube points")
    replicates: int = Field(2, ge=1, description="seeds per point")
    seed: int = Field(1, ge=0)
    accept: int = Field(8, ge=2, description="points kept by ABC rejection (the posterior)")
    parameters: dict[str, Prior]
    observed: Observed
    weights: Weights = Field(default_factory=Weights)
    path: Path | None = Field(None, exclude=True)

    def scenario_path(self) -> Path:
        """The scenario file, resolved against the config's folder."""
        base = self.path.parent if self.path else Path.cwd()
        return (base / self.scenario).resolve()

    def observed_folder(self) -> Path:
        """The observed-data folder, resolved against the config's folder."""
        base = self.path.parent if self.path else Path.cwd()
        return (base / self.observed.folder).resolve()

    def load_scenario(self) -> Scenario:
        """The scenario, with the warm-up start (days extended to keep the same end)."""
        scenario = load_scenario(self.scenario_path())
        if self.start is not None and self.start != scenario.start:
            extra = (scenario.start - self.start).days
            scenario = scenario.with_parameters(
                {"start": self.start, "days": scenario.days + extra}
            )
            scenario.path = self.scenario_path()
        return scenario

    def fit_end(self) -> dt.date:
        """The last day of the fitted window (end of the ``observed.to`` month)."""
        month = _month(self.observed.to)
        return (month + 1).to_timestamp(how="start").date() - dt.timedelta(days=1)


def _month(text: str):
    import pandas as pd

    return pd.Period(text, freq="M")


def load_config(path: str | Path) -> CalibrationConfig:
    """Load and validate a calibration file.

    Raises:
        InputError: Naming the file and key of the first problem and how to fix it.
    """
    path = Path(path)
    data = read_yaml_mapping(path, "calibration", "scenario, parameters, observed")
    try:
        config = CalibrationConfig.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(str(p) for p in err["loc"])
        if err["type"] == "extra_forbidden":
            raise InputError(path, f"unknown key '{err['loc'][-1]}'", key=key) from None
        if err["type"] == "missing":
            raise InputError(path, "is required but missing; add it", key=key) from None
        raise InputError(path, err["msg"], key=key) from None
    config.path = path
    _check_parameters(path, config)
    if config.accept > config.points:
        raise InputError(path, f"must be at most points ({config.points})", key="accept")
    from migsim.calibration.observed import load_observed

    load_observed(config)  # every observed file and month, checked before any run
    return config


def _check_parameters(path: Path, config: CalibrationConfig) -> None:
    """Each parameter must exist in the scenario and have a non-empty range."""
    if not config.parameters:
        raise InputError(path, "name at least one parameter to calibrate", key="parameters")
    if len(config.parameters) > MAX_PARAMETERS:
        raise InputError(
            path,
            f"{len(config.parameters)} parameters; calibrate at most {MAX_PARAMETERS}",
            key="parameters",
        )
    scenario_file = config.scenario_path()
    scenario = load_scenario(scenario_file)
    for address, prior in config.parameters.items():
        key = f"parameters.{address}"
        if not prior.low < prior.high:
            raise InputError(
                path,
                f"empty prior range [{prior.low:g}, {prior.high:g}]; low must be below high",
                key=key,
            )
        try:
            scenario.with_parameters({address: _value(prior, prior.low)})
        except ValueError as exc:
            raise InputError(path, str(exc), key=key) from None
        except ValidationError as exc:
            msg = exc.errors()[0]["msg"]
            raise InputError(
                path, f"the low end {prior.low:g} is not a valid value ({msg})", key=key
            ) from None


def _value(prior: Prior, x: float) -> Any:
    return int(round(x)) if prior.integer else float(x)
