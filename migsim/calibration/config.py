"""The calibration file: scenario, priors, targets, distance, populations and generations.

:func:`load_config` validates a calibration YAML file (see ``docs/calibration.md``) and turns
every problem into one :class:`~migsim.errors.InputError` naming the file, the key and the fix.
It checks the file itself and the parameters against the scenario; the observed files are
checked by :func:`migsim.calibration.targets.load_targets`, which reads them.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from migsim.errors import InputError, read_yaml_mapping
from migsim.scenario import Scenario, load_scenario

MAX_PARAMETERS = 10


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Prior(_Strict):
    """A prior for one parameter: uniform on [low, high], or on [log low, log high]."""

    low: float
    high: float
    integer: bool = Field(False, description="round each draw to a whole number")
    log: bool = Field(False, description="uniform in the logarithm (both ends above 0)")

    def value(self, x: float) -> Any:
        """A drawn value as the scenario takes it (rounded for an integer parameter)."""
        return int(round(x)) if self.integer else float(x)


class TargetChoice(_Strict):
    """A target the distance uses, with its weight."""

    weight: float = Field(1.0, ge=0, description="weight in the distance (0: report only)")


class Observed(_Strict):
    """Where the observed files are, and the shares that map them onto the model."""

    folder: str = Field("observed", description="folder of observed CSV files")
    nt_share: float = Field(
        0.9657, gt=0, le=1, description="Northern Triangle share of Border Patrol family units"
    )
    families_share: Literal["us_monthly"] | float = Field(
        "us_monthly",
        description="share of Mexico's returns who travel as families: a number, or "
        "'us_monthly' for Border Patrol's family-unit share of the same month",
    )


class Distance(_Strict):
    """How a run's summary is compared with the data."""

    kind: Literal["adaptive", "metrics"] = Field(
        "adaptive",
        description="'adaptive': a p-norm over every monthly value and share, each scaled by "
        "its spread in the last generation; 'metrics': the weighted sum of each target's fit "
        "metric over its threshold",
    )
    p: float = Field(1.0, ge=1, description="the p of the p-norm (adaptive)")


class Populations(_Strict):
    """Particles a generation: fixed, or adapted to the posterior's spread."""

    size: int = Field(200, ge=5, description="particles in the first generation")
    adaptive: bool = Field(False, description="adapt later generations' sizes")
    min: int = Field(50, ge=5, description="smallest adapted population")
    max: int = Field(1000, ge=5, description="largest adapted population")
    mean_cv: float = Field(0.1, gt=0, description="target coefficient of variation")

    @model_validator(mode="after")
    def _ordered(self) -> Populations:
        if self.min > self.max:
            raise ValueError(f"min ({self.min}) must be at most max ({self.max})")
        return self


class Report(_Strict):
    """The fit report's runs."""

    seeds: int = Field(8, ge=1, description="fresh seeds for the shipped point")
    posterior_runs: int = Field(
        40, ge=2, description="posterior points drawn by weight and run on fresh seeds"
    )
    shipped_scale: float | None = Field(
        None,
        gt=0,
        le=1,
        description="scale of the shipped point's runs on fresh seeds (default: the "
        "calibration's; 1 checks what ships at full size)",
    )


class ForecastSettings(_Strict):
    """Structural assumptions the forecast sweeps: each run draws each one uniformly."""

    assumptions: dict[str, tuple[float, float]] = Field(
        default_factory=dict,
        description="lever or behaviour parameter (lever.name) -> [low, high]: drawn uniformly "
        "for every forecast run, in the scenarios that have that lever",
    )

    @field_validator("assumptions", mode="after")
    @classmethod
    def _ordered(cls, value: dict[str, tuple[float, float]]) -> dict[str, tuple[float, float]]:
        for name, (low, high) in value.items():
            if not low <= high:
                raise ValueError(f"{name}: [low, high] with low <= high (got [{low}, {high}])")
        return value


class CalibrationConfig(_Strict):
    """A calibration: a scenario, priors, targets, the distance and the budget."""

    scenario: str = Field(description="scenario YAML, relative to the config file")
    start: dt.date | None = Field(None, description="earlier start, for a warm-up")
    scale: float = Field(
        1.0, gt=0, le=1, description="simulate at this fraction of families_per_year"
    )
    seed: int = Field(1, ge=0, description="seed of the sampler; each run's seed follows it")
    replicates: int = Field(1, ge=1, description="seeds averaged in each particle's summary")
    generations: int = Field(6, ge=1, description="ABC-SMC generations in all")
    max_simulations: int | None = Field(
        None, ge=1, description="stop once this many simulations have been run in all"
    )
    min_acceptance_rate: float = Field(0.0, ge=0, lt=1, description="stop below this rate")
    population: Populations = Field(default_factory=Populations)
    distance: Distance = Field(default_factory=Distance)
    parameters: dict[str, Prior]
    targets: dict[str, TargetChoice] | None = Field(
        None, description="targets in the distance, with weights (default: every target)"
    )
    observed: Observed = Field(default_factory=Observed)
    report: Report = Field(default_factory=Report)
    forecast: ForecastSettings = Field(default_factory=ForecastSettings)
    path: Path | None = Field(None, exclude=True)

    def _base(self) -> Path:
        return self.path.parent if self.path else Path.cwd()

    def scenario_path(self) -> Path:
        """The scenario file, resolved against the config's folder."""
        return (self._base() / self.scenario).resolve()

    def observed_folder(self) -> Path:
        """The observed-data folder, resolved against the config's folder."""
        return (self._base() / self.observed.folder).resolve()

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


def _problem(path: Path, exc: ValidationError) -> InputError:
    """The first validation problem as one message naming the key and the fix."""
    err = exc.errors()[0]
    key = ".".join(str(p) for p in err["loc"])
    if err["type"] == "extra_forbidden":
        model: type[BaseModel] = CalibrationConfig
        for part in err["loc"][:-1]:
            field = model.model_fields.get(str(part))
            inner = getattr(field, "annotation", None) if field else None
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                model = inner
        valid = ", ".join(k for k in model.model_fields if k != "path")
        return InputError(path, f"unknown key '{err['loc'][-1]}'; valid keys: {valid}", key=key)
    if err["type"] == "missing":
        return InputError(path, "is required but missing; add it", key=key)
    msg = err["msg"].removeprefix("Value error, ")
    got = f" (got {err['input']!r})" if "input" in err and err["type"] != "value_error" else ""
    return InputError(path, f"{msg}{got}", key=key)


def load_config(path: str | Path) -> CalibrationConfig:
    """Load and validate a calibration file.

    Raises:
        InputError: Naming the file and key of the first problem and how to fix it.
    """
    path = Path(path)
    data = read_yaml_mapping(path, "calibration", "scenario, parameters, targets")
    try:
        config = CalibrationConfig.model_validate(data)
    except ValidationError as exc:
        raise _problem(path, exc) from None
    config.path = path
    if not config.scenario_path().is_file():
        raise InputError(
            path, f"scenario file {config.scenario_path()} not found; fix the path", key="scenario"
        )
    _check_parameters(path, config)
    if config.population.adaptive and not (
        config.population.min <= config.population.size <= config.population.max
    ):
        raise InputError(
            path,
            f"size {config.population.size} must lie between min and max when adaptive",
            key="population.size",
        )
    return config


def _check_parameters(path: Path, config: CalibrationConfig) -> None:
    """Each parameter must exist in the scenario and have a usable range."""
    if not config.parameters:
        raise InputError(path, "name at least one parameter to calibrate", key="parameters")
    if len(config.parameters) > MAX_PARAMETERS:
        raise InputError(
            path,
            f"{len(config.parameters)} parameters; calibrate at most {MAX_PARAMETERS}",
            key="parameters",
        )
    scenario = load_scenario(config.scenario_path())
    levers = {lever.lever for lever in scenario.levers}
    for address, prior in config.parameters.items():
        key = f"parameters.{address}"
        if not prior.low < prior.high:
            raise InputError(
                path,
                f"empty prior range [{prior.low:g}, {prior.high:g}]; low must be below high",
                key=key,
            )
        if prior.log and prior.low <= 0:
            raise InputError(path, "a log prior needs low above 0; raise low", key=key)
        head = address.partition(".")[0]
        if "." in address and head not in ("behaviour", "population") and head not in levers:
            raise InputError(
                path,
                f"the scenario has no lever '{head}'; add it to the scenario or drop the "
                "parameter (a calibration fits the levers the scenario has)",
                key=key,
            )
        try:
            scenario.with_parameters({address: prior.value(prior.low)})
        except ValidationError as exc:  # a ValueError too: caught first
            msg = exc.errors()[0]["msg"]
            raise InputError(
                path, f"the low end {prior.low:g} is not a valid value ({msg})", key=key
            ) from None
        except ValueError as exc:
            raise InputError(path, str(exc), key=key) from None
