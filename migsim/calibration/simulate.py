"""Calibration runs: a scenario with parameter values and a seed, reduced to the targets.

Parameters are set with :meth:`migsim.scenario.Scenario.with_parameters`, the same call
experiments use (:func:`parametrised`); the scenario is then run at ``scale`` of its families a
year (every capacity scaled alike, :meth:`~migsim.scenario.Scenario.at_scale`) and its counts
are multiplied back by ``1 / scale``. :class:`Simulator` is the model pyabc calls: a parameter
dictionary in, the targets' summary statistics out.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

import numpy as np

from migsim.calibration.config import CalibrationConfig, Prior
from migsim.calibration.targets import ObservedTargets, summarise_run

WINDOW_END = dt.date(2019, 5, 31)  # the last observed day: calibration runs stop here


def key(address: str) -> str:
    """A parameter's name in pyabc (no dots): ``behaviour.harm_usd`` → ``behaviour__harm_usd``."""
    return address.replace(".", "__")


def fit_scenario(config: CalibrationConfig, end: dt.date = WINDOW_END) -> Any:
    """The scenario as calibrated: from the warm-up start to ``end``."""
    scenario = config.load_scenario()
    out = scenario.with_parameters({"days": (end - scenario.start).days + 1})
    out.path = scenario.path
    return out


def parametrised(scenario: Any, values: dict[str, Any]) -> Any:
    """The scenario with calibrated values, set by ``Scenario.with_parameters``.

    A lever parameter is set on the scenario's own entries of that lever, not on entries in a
    tariff threat's response: the calibration fits the levers in force in spring 2019, and a
    response lever (such as the June 2019 agreement's stronger Isthmus checkpoints) keeps its
    own setting.
    """
    return scenario.with_parameters(values, responses=False) if values else scenario


def run(scenario: Any, corridor: Any, values: dict[str, Any], seed: int, scale: float) -> Any:
    """Run the scenario with parameter values at ``scale``; return its results."""
    from migsim.model import MigrationModel

    scenario = parametrised(scenario, values)
    if scale != 1:
        scenario = scenario.at_scale(scenario.population.families_per_year * scale)
    model = MigrationModel(scenario, seed=seed, corridor=corridor)
    model.run_for(scenario.days)
    return model.results()


def run_seed(base: int, values: dict[str, Any], replicate: int) -> int:
    """A run's seed: a hash of the base seed, the parameter values and the replicate."""
    text = json.dumps([base, values, replicate], sort_keys=True, default=str)
    return int(hashlib.sha256(text.encode()).hexdigest()[:8], 16)


@dataclass
class Simulator:
    """The model as pyabc sees it: parameters in, the targets' summary statistics out.

    Attributes:
        scenario: The fit scenario (warm-up start to the end of May 2019).
        corridor: Its corridor, loaded once.
        priors: The priors by address (for rounding integer parameters).
        observed: The targets in use (their labels).
        scale: Fraction of the families simulated.
        seed: Base of every run's seed.
        replicates: Seeds averaged per particle.
    """

    scenario: Any
    corridor: Any
    priors: dict[str, Prior]
    observed: ObservedTargets
    scale: float
    seed: int
    replicates: int = 1

    def values(self, parameters: dict[str, float]) -> dict[str, Any]:
        """Scenario values (by address) from pyabc's parameters (by key)."""
        return {a: p.value(float(parameters[key(a)])) for a, p in self.priors.items()}

    def summary(self, values: dict[str, Any], seed: int) -> dict[str, np.ndarray]:
        """One run's summary statistics."""
        results = run(self.scenario, self.corridor, values, seed, self.scale)
        return summarise_run(results, self.scale, self.observed)

    def __call__(self, parameters: dict[str, float]) -> dict[str, np.ndarray]:
        """The mean summary over the replicate seeds of one parameter set."""
        values = self.values(parameters)
        runs = [
            self.summary(values, run_seed(self.seed, values, r)) for r in range(self.replicates)
        ]
        return {name: np.mean([r[name] for r in runs], axis=0) for name in runs[0]}
