"""Draws from a calibration's posterior, with the forecast's swept assumptions.

A forecast (:mod:`migsim.calibration.forecast`) and an experiment over the posterior
(``posterior:`` in an experiment file) run draw ``k`` in every scenario: one parameter set
picked by weight from the calibration's last generation (``posterior.csv``) and one uniform
draw of each assumption the calibration file's ``forecast`` section sweeps. Scenarios run
with the same draw and seed are paired, so differences between them carry no noise from the
parameters' draws.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from migsim.calibration.config import CalibrationConfig
from migsim.errors import InputError
from migsim.scenario import Scenario


@dataclass(frozen=True)
class Draw:
    """One draw: calibrated values and assumed values, by parameter address.

    Attributes:
        values: The calibrated parameters' values (set on a scenario's own lever entries,
            not on a tariff threat's response).
        assumed: The swept assumptions' values (set wherever the scenario has the lever,
            responses included).
    """

    values: dict[str, Any]
    assumed: dict[str, float]

    def assumed_in(self, scenario: Scenario) -> dict[str, float]:
        """The assumptions that apply to a scenario: those of the levers it has."""
        return {a: v for a, v in self.assumed.items() if has_lever(scenario, a)}


def read_posterior(calibrated: Path, config: CalibrationConfig) -> pd.DataFrame:
    """The last generation written by a calibration: parameter columns and ``weight``."""
    file = Path(calibrated) / "posterior.csv"
    if not file.is_file():
        raise InputError(file, "no posterior sample here; run 'migsim calibrate' first")
    frame = pd.read_csv(file)
    missing = [name for name in [*config.parameters, "weight"] if name not in frame.columns]
    if missing:
        raise InputError(file, f"has no column for {', '.join(missing)}; recalibrate")
    return frame[[*config.parameters, "weight"]]


def has_lever(scenario: Scenario, address: str) -> bool:
    """Whether a scenario has the lever a parameter address names (responses included)."""
    name = address.partition(".")[0]
    for lever in scenario.levers:
        if lever.name == name:
            return True
        if any(r.name == name for r in getattr(lever, "response", [])):
            return True
    return False


def posterior_draws(
    config: CalibrationConfig, calibrated: Path, n: int, seed: int, assumptions: bool = True
) -> list[Draw]:
    """``n`` draws: posterior rows by weight, each with its assumptions drawn uniformly.

    Args:
        config: The calibration file (its parameters, priors and forecast assumptions).
        calibrated: The calibration's output folder (``posterior.csv``).
        n: Draws.
        seed: Seed of the draws.
        assumptions: Whether to draw the forecast's assumptions (else none are set).
    """
    posterior = read_posterior(calibrated, config)
    weights = posterior["weight"].to_numpy(dtype=float)
    swept = config.forecast.assumptions if assumptions else {}
    draws = []
    for k in range(n):
        # Draw k's own stream: more draws leave the first ones as they were.
        rng = np.random.default_rng([seed, k])
        row = posterior.iloc[int(rng.choice(len(posterior), p=weights / weights.sum()))]
        values = {a: p.value(row[a]) for a, p in config.parameters.items()}
        assumed = {a: float(rng.uniform(low, high)) for a, (low, high) in swept.items()}
        draws.append(Draw(values, assumed))
    return draws


def levers_missing(scenario: Scenario, addresses: list[str]) -> list[str]:
    """Calibrated lever parameters whose lever is not among a scenario's own levers.

    Calibrated values are set on a scenario's own entries of a lever (not a tariff threat's
    response); setting one on a scenario without the lever would add the lever from the first
    day, a different scenario.
    """
    own = {lever.name for lever in scenario.levers}
    sections = ("behaviour", "population")
    return [a for a in addresses if a.partition(".")[0] not in (*sections, *own)]
