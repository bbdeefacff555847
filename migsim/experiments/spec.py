"""Experiment files: which scenarios to run, with which seeds, varying which parameters.

An experiment file is YAML validated with pydantic. :func:`load_experiment` turns every problem
into one :class:`~migsim.errors.InputError` naming the file, the key and the fix (with the
nearest valid name for a misspelt key, lever, parameter or outcome). Parameters are addressed
as in :meth:`migsim.scenario.Scenario.with_parameters`: ``lever.parameter`` (for example
``isthmus_checkpoints.interdiction``), ``behaviour.name`` or ``population.name``.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from migsim.errors import InputError, did_you_mean, read_yaml_mapping, shown, unknown_key
from migsim.limits import MAX_DAYS, MAX_FAMILIES_PER_YEAR, MAX_NUMBER, MAX_RUNS
from migsim.outcomes import MONTHLY_COLUMNS, OUTCOMES

DESIGNS = ("grid", "latin_hypercube", "sobol", "morris")
# Measures that can be kept month by month (columns of :func:`migsim.outcomes.monthly`).
MONTHLY_MEASURES = (*MONTHLY_COLUMNS, "metering_queue", "mpp_waiting")
SIZE = "population.families_per_year"  # a varied population, against the runs' size


class Strict(BaseModel):
    """Base for experiment sections: unknown keys, NaN and infinite numbers are errors."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class ParameterRange(Strict):
    """The values one parameter takes: listed ``values``, or ``bounds`` (with ``steps``)."""

    values: list[float] | None = Field(None, description="values a grid takes, in order")
    bounds: tuple[float, float] | None = Field(None, description="[low, high]")
    steps: int | None = Field(
        None, ge=2, le=MAX_RUNS, description="evenly spaced grid values within bounds"
    )

    def grid_values(self) -> list[float]:
        """The values a grid design takes."""
        if self.values is not None:
            return list(self.values)
        low, high = self.bounds
        return [round(low + (high - low) * k / (self.steps - 1), 12) for k in range(self.steps)]


class Design(Strict):
    """How parameter values are chosen."""

    method: Literal["grid", "latin_hypercube", "sobol", "morris"] = "grid"
    samples: int | None = Field(
        None,
        ge=1,
        le=MAX_RUNS,
        description="latin_hypercube: points; sobol: base samples N (a power of 2; "
        "N × (parameters + 2) points); morris: trajectories (parameters + 1 points each)",
    )
    levels: int = Field(4, ge=2, description="morris: grid levels of each parameter")
    seed: int = Field(0, ge=0, description="seed of the sampling design (not of the runs)")


class Posterior(Strict):
    """Replicates drawn from a calibration's posterior instead of from seeds alone."""

    calibration: str = Field(description="the calibration file, relative to this file")
    calibrated: str | None = Field(
        None,
        description="the calibration's output folder holding posterior.csv (default: "
        "'calibrated' beside the calibration file), relative to this file",
    )
    assumptions: bool = Field(
        True, description="also draw the calibration file's forecast assumptions"
    )
    scale: float | None = Field(
        None, gt=0, le=1, description="run this fraction of the families (default: the "
        "calibration's scale); capacities scale alike",
    )  # fmt: skip


class Experiment(Strict):
    """Scenarios, replicate seeds, parameters to vary and outcomes to keep."""

    name: str
    description: str = ""
    scenarios: dict[str, str] = Field(description="label: scenario file (relative to this file)")
    replicates: int = Field(
        1, ge=1, le=MAX_RUNS, description="runs per design point: seeds base_seed + k"
    )
    base_seed: int = Field(1, ge=0)
    days: int | None = Field(
        None, gt=0, le=MAX_DAYS, description="days to simulate (default: scenario's)"
    )
    families_per_year: float | None = Field(
        None,
        gt=0,
        le=MAX_FAMILIES_PER_YEAR,
        description="the runs' size: first departures a year, capacities and quotas scaled "
        "alike (default: each scenario's own)",
    )
    design: Design = Field(default_factory=Design)
    posterior: Posterior | None = Field(
        None, description="replicate k runs draw k of a calibration's posterior"
    )
    parameters: dict[str, ParameterRange] = Field(default_factory=dict)
    outcomes: list[str] = Field(default_factory=lambda: list(OUTCOMES))
    monthly: list[str] = Field(default_factory=list)
    batch_size: int | None = Field(None, ge=1, description="runs per task (default: adaptive)")
    path: Path | None = Field(None, exclude=True)

    @field_validator("parameters", mode="before")
    @classmethod
    def _values_shorthand(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: {"values": v} if isinstance(v, list) else v for k, v in value.items()}
        return value

    def scenario_path(self, label: str) -> Path:
        """A scenario file, resolved against the experiment file's folder."""
        base = self.path.parent if self.path else Path.cwd()
        return (base / self.scenarios[label]).resolve()

    def calibration_path(self) -> Path | None:
        """The calibration file of a posterior experiment, resolved (None without one)."""
        if self.posterior is None:
            return None
        base = self.path.parent if self.path else Path.cwd()
        return (base / self.posterior.calibration).resolve()

    def calibrated_path(self) -> Path | None:
        """The folder holding the posterior sample (None without a posterior)."""
        calibration = self.calibration_path()
        if calibration is None:
            return None
        if self.posterior.calibrated is None:
            return calibration.parent / "calibrated"
        base = self.path.parent if self.path else Path.cwd()
        return (base / self.posterior.calibrated).resolve()

    def to_yaml(self) -> str:
        """The experiment as YAML, with scenario paths made absolute."""
        data = self.model_dump(mode="json", exclude={"path"}, exclude_none=True)
        data["scenarios"] = {label: str(self.scenario_path(label)) for label in self.scenarios}
        if self.posterior is not None:
            data["posterior"]["calibration"] = str(self.calibration_path())
            data["posterior"]["calibrated"] = str(self.calibrated_path())
        for spec in data["parameters"].values():
            for key in [k for k, v in spec.items() if v is None]:
                del spec[key]
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def _key_path(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _options_at(loc: tuple) -> list[str]:
    """Valid keys at an error location, for a 'did you mean' hint."""
    if len(loc) == 1:
        return [f for f in Experiment.model_fields if f != "path"]
    if loc[0] == "design":
        return list(Design.model_fields)
    if loc[0] == "posterior":
        return list(Posterior.model_fields)
    if loc[0] == "parameters":
        return list(ParameterRange.model_fields)
    return []


def _explain(err: dict) -> tuple[str, str]:
    """A key path and a message for the first pydantic error."""
    loc = tuple(err["loc"])
    # pydantic names tuple items by position and unions by type: keep the user's keys.
    loc = tuple(p for p in loc if not (isinstance(p, str) and p.startswith(("tuple[", "list["))))
    key = _key_path(loc)
    kind, ctx, got = err["type"], err.get("ctx", {}), err.get("input")
    if kind == "extra_forbidden":
        options = _options_at(loc)
        return key, f"unknown key '{loc[-1]}'; {unknown_key(loc[-1], options)}"
    if kind == "missing":
        return key, "is required but missing; add it"
    if kind == "greater_than_equal":
        return key, f"must be at least {ctx['ge']} (got {shown(got)})"
    if kind == "less_than_equal":
        return key, f"must be at most {ctx['le']:,} (got {shown(got)})"
    if kind == "finite_number":
        return key, f"must be a finite number (got {shown(got)})"
    if kind == "greater_than":
        return key, f"must be above {ctx['gt']} (got {shown(got)})"
    if kind == "literal_error":
        return (
            key,
            f"must be one of {', '.join(DESIGNS)} (got {shown(got)}){did_you_mean(got, DESIGNS)}",
        )
    if kind in ("int_parsing", "int_from_float", "int_type"):
        return key, f"must be a whole number (got {shown(got)})"
    if kind in ("float_parsing", "float_type"):
        return key, f"must be a number (got {shown(got)})"
    if kind in ("dict_type", "model_type"):
        return key, f"must be a mapping of keys to values (got {shown(got)})"
    if kind in ("list_type", "tuple_type"):
        return key, f"must be a list such as [0.1, 0.5] (got {shown(got)})"
    if kind == "too_short" or kind == "too_long":
        return key, f"must be a list of two numbers [low, high] (got {shown(got)})"
    return key, f"{err['msg']} (got {shown(got)})"


def parameter_field(address: str) -> tuple[type, Any]:
    """The pydantic field a parameter address names, and the value type (``int`` or ``float``).

    Raises:
        ValueError: For an unknown lever, section or parameter (naming the nearest one), or a
            parameter that is not a number.
    """
    from migsim.policies import LEVERS, Lever
    from migsim.scenario import Behaviour, Population

    head, dot, name = address.partition(".")
    sections = {"behaviour": Behaviour, "population": Population}
    if not dot or not name:
        raise ValueError(
            f"'{address}' is not a parameter address; write lever.parameter (e.g. "
            "isthmus_checkpoints.interdiction), behaviour.NAME or population.NAME"
        )
    if head in sections:
        fields = sections[head].model_fields
        if name not in fields:
            raise ValueError(
                f"section '{head}' has no parameter '{name}'{did_you_mean(name, list(fields))}"
            )
    elif head in LEVERS:
        fields = {k: v for k, v in LEVERS[head].model_fields.items() if k not in Lever.model_fields}
        if name not in fields:
            raise ValueError(
                f"lever '{head}' has no parameter '{name}'{did_you_mean(name, list(fields))}; "
                f"its parameters: {', '.join(fields)}"
            )
    else:
        options = [*LEVERS, *sections]
        raise ValueError(
            f"unknown lever or section '{head}'{did_you_mean(head, options)}; "
            "'migsim levers' lists the levers and their parameters"
        )
    field = fields[name]
    if field.annotation not in (int, float):
        raise ValueError(f"'{address}' is not a number; only numeric parameters can be varied")
    return field.annotation, field


def _limits(field: Any) -> tuple[float, float, bool, bool]:
    """A field's lower and upper limits, and whether each is strict."""
    low, high, low_strict, high_strict = -math.inf, math.inf, False, False
    for item in field.metadata:
        if getattr(item, "ge", None) is not None:
            low = item.ge
        if getattr(item, "gt", None) is not None:
            low, low_strict = item.gt, True
        if getattr(item, "le", None) is not None:
            high = item.le
        if getattr(item, "lt", None) is not None:
            high, high_strict = item.lt, True
    return low, high, low_strict, high_strict


def _check_parameter(path: Path, address: str, spec: ParameterRange, method: str) -> None:
    key = f"parameters.{address}"
    try:
        kind, field = parameter_field(address)
    except ValueError as exc:
        raise InputError(path, str(exc), key=key) from None
    if spec.bounds is not None:
        low, high = spec.bounds
        if low > high:
            raise InputError(
                path,
                f"bounds are reversed ({low:g} > {high:g}); write them as [low, high]",
                key=f"{key}.bounds",
            )
        if low == high:
            raise InputError(
                path,
                f"bounds are equal ({low:g}); give [low, high] with low below high",
                key=f"{key}.bounds",
            )
    if method == "grid":
        if spec.values is None and (spec.bounds is None or spec.steps is None):
            raise InputError(
                path,
                "a grid needs 'values' (e.g. [0.1, 0.3, 0.5]) or 'bounds' with 'steps'",
                key=key,
            )
        if spec.values is not None and spec.bounds is not None:
            raise InputError(path, "give 'values' or 'bounds' with 'steps', not both", key=key)
        if spec.values is not None and not spec.values:
            raise InputError(path, "needs at least one value", key=f"{key}.values")
    else:
        if spec.bounds is None or spec.values is not None or spec.steps is not None:
            raise InputError(
                path,
                f"a {method} design samples between bounds; give only 'bounds: [low, high]'",
                key=key,
            )
    values = spec.values if spec.values is not None else list(spec.bounds)
    low, high, low_strict, high_strict = _limits(field)
    high = min(high, MAX_NUMBER)
    for value in values:
        if kind is int and value != int(value):
            raise InputError(
                path,
                f"{value:g} is not a whole number; '{address}' takes whole numbers "
                f"(e.g. {math.floor(value)} or {math.ceil(value)})",
                key=key,
            )
        if value < low or (low_strict and value == low):
            word = "above" if low_strict else "at least"
            raise InputError(
                path, f"{value:g} is out of range: '{address}' must be {word} {low:g}", key=key
            )
        if value > high or (high_strict and value == high):
            word = "below" if high_strict else "at most"
            raise InputError(
                path, f"{value:g} is out of range: '{address}' must be {word} {high:g}", key=key
            )


def _check_posterior(experiment: Experiment, path: Path) -> None:
    """A posterior experiment: its calibration file and sample exist, and nothing clashes."""
    from migsim.calibration.config import load_config
    from migsim.calibration.posterior import levers_missing, read_posterior
    from migsim.scenario import load_scenario

    if experiment.families_per_year is not None:
        raise InputError(
            path,
            "not with 'posterior': each draw sets its own population; use posterior.scale "
            "to run a fraction of the families (capacities scale alike)",
            key="families_per_year",
        )
    calibration = experiment.calibration_path()
    if not calibration.is_file():
        raise InputError(
            path,
            f"calibration file not found: {experiment.posterior.calibration} (looked for "
            f"{calibration}); paths are relative to the experiment file",
            key="posterior.calibration",
        )
    config = load_config(calibration)
    read_posterior(experiment.calibrated_path(), config)
    drawn = set(config.parameters)
    if experiment.posterior.assumptions:
        drawn |= set(config.forecast.assumptions)
    clash = sorted(set(experiment.parameters) & drawn)
    if clash:
        raise InputError(
            path,
            f"'{clash[0]}' is drawn from the posterior (or its assumptions); vary another "
            "parameter or leave 'posterior' out",
            key=f"parameters.{clash[0]}",
        )
    for label in experiment.scenarios:
        scenario = load_scenario(experiment.scenario_path(label))
        missing = levers_missing(scenario, list(config.parameters))
        if missing:
            raise InputError(
                path,
                f"the scenario has no lever '{missing[0].partition('.')[0]}', whose "
                f"'{missing[0]}' the posterior sets; give a scenario with that lever",
                key=f"scenarios.{label}",
            )


def validate_experiment(experiment: Experiment, path: Path) -> None:
    """Check what pydantic cannot: scenario files, parameter addresses, outcomes, the design.

    Raises:
        InputError: Naming the file and key of the first problem and how to fix it.
    """
    from migsim.scenario import load_scenario

    if not experiment.scenarios:
        raise InputError(path, "needs at least one entry 'label: scenario file'", key="scenarios")
    for label in experiment.scenarios:
        scenario_path = experiment.scenario_path(label)
        if not scenario_path.is_file():
            raise InputError(
                path,
                f"scenario file not found: {experiment.scenarios[label]} (looked for "
                f"{scenario_path}); paths are relative to the experiment file",
                key=f"scenarios.{label}",
            )
        load_scenario(scenario_path)
    if experiment.posterior is not None:
        _check_posterior(experiment, path)
    method = experiment.design.method
    if experiment.families_per_year is not None and SIZE in experiment.parameters:
        raise InputError(
            path,
            "sets the runs' size (families_per_year, which scales capacities alike) and varies "
            f"{SIZE} (more or fewer families, same capacities); keep one",
            key="families_per_year",
        )
    for address, spec in experiment.parameters.items():
        _check_parameter(path, address, spec, method)
    if method != "grid":
        if not experiment.parameters:
            raise InputError(
                path, f"a {method} design needs at least one entry under 'parameters'", key="design"
            )
        if experiment.design.samples is None:
            raise InputError(
                path, f"a {method} design needs 'samples' (e.g. samples: 16)", key="design.samples"
            )
    samples = experiment.design.samples
    if method == "sobol" and samples & (samples - 1):
        raise InputError(
            path,
            f"sobol samples must be a power of 2 (e.g. 8, 16, 64); got {samples}",
            key="design.samples",
        )
    if method == "morris" and samples < 2:
        raise InputError(path, "morris needs at least 2 trajectories", key="design.samples")
    for i, name in enumerate(experiment.outcomes):
        if name not in OUTCOMES:
            raise InputError(
                path,
                f"unknown outcome '{name}'{did_you_mean(name, list(OUTCOMES))}; outcomes are: "
                f"{', '.join(OUTCOMES)}",
                key=f"outcomes[{i}]",
            )
    for i, name in enumerate(experiment.monthly):
        if name not in MONTHLY_MEASURES:
            raise InputError(
                path,
                f"unknown monthly measure '{name}'{did_you_mean(name, MONTHLY_MEASURES)}; measures "
                f"are: {', '.join(MONTHLY_MEASURES)}",
                key=f"monthly[{i}]",
            )
    runs = len(experiment.scenarios) * point_count(experiment) * experiment.replicates
    if runs > MAX_RUNS:
        raise InputError(
            path,
            f"asks for {runs:,} runs (scenarios x design points x replicates); at most "
            f"{MAX_RUNS:,}: fewer replicates, samples or grid values",
            key="replicates",
        )
    if not experiment.outcomes and not experiment.monthly:
        raise InputError(path, "keep at least one outcome or monthly measure", key="outcomes")


def point_count(experiment: Experiment) -> int:
    """How many design points the experiment's design has (before sampling them)."""
    params, design = experiment.parameters, experiment.design
    if design.method == "grid":
        return math.prod(len(spec.grid_values()) for spec in params.values())
    samples = design.samples or 0
    if design.method == "sobol":
        return samples * (len(params) + 2)
    if design.method == "morris":
        return samples * (len(params) + 1)
    return samples


def build_experiment(data: dict, path: str | Path) -> Experiment:
    """Validate an experiment given as a mapping; ``path`` anchors relative scenario paths.

    Raises:
        InputError: Naming ``path`` and the key of the first problem.
    """
    path = Path(path)
    try:
        experiment = Experiment.model_validate(data)
    except ValidationError as exc:
        key, message = _explain(exc.errors()[0])
        raise InputError(path, message, key=key) from None
    experiment.path = path.resolve()
    validate_experiment(experiment, path)
    return experiment


def load_experiment(path: str | Path, **overrides: Any) -> Experiment:
    """Load and validate an experiment file.

    Args:
        path: The YAML file.
        **overrides: Top-level keys to replace (e.g. ``replicates=2``, ``days=60``); a
            ``samples`` override replaces ``design.samples``. ``None`` values are ignored.

    Returns:
        The validated experiment.

    Raises:
        InputError: Naming the file and key of the first problem and how to fix it.
    """
    path = Path(path)
    data = read_yaml_mapping(path, "experiment", "name, scenarios")
    samples = overrides.pop("samples", None)
    data.update({k: v for k, v in overrides.items() if v is not None})
    if samples is not None:
        design = data.get("design")
        data["design"] = {**(design if isinstance(design, dict) else {}), "samples": samples}
    return build_experiment(data, path)
