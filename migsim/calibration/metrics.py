"""Fit metrics between simulated and observed values (series or arrays on the same labels).

- ARD, the average relative deviation: the mean over labels of ``|sim − obs| / obs``;
- RMSE of log counts: ``sqrt(mean((log sim − log obs)²))`` (a simulated 0 counts as 1);
- total variation distance between two distributions: half the sum of absolute differences;
- absolute difference (of one share), and the shortfall below a lower bound.

:data:`METRICS` names them for the targets (:mod:`migsim.calibration.targets`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

Values = pd.Series | np.ndarray


def _pair(sim: Values, obs: Values) -> tuple[np.ndarray, np.ndarray]:
    """Both as float arrays; series are aligned on the observed labels (missing = 0)."""
    if isinstance(sim, pd.Series) and isinstance(obs, pd.Series):
        sim = sim.reindex(obs.index.union(sim.index) if _shares(obs) else obs.index)
        obs = obs.reindex(sim.index)
        return sim.fillna(0.0).to_numpy(float), obs.fillna(0.0).to_numpy(float)
    return np.asarray(sim, dtype=float), np.asarray(obs, dtype=float)


def _shares(obs: pd.Series) -> bool:
    return bool(np.isclose(obs.sum(), 1.0)) and bool((obs <= 1).all())


def ard(sim: Values, obs: Values) -> float:
    """Mean over the observed labels of ``|sim − obs| / obs``."""
    s, o = _pair(sim, obs)
    return float(np.mean(np.abs(s - o) / o))


def rmse_log(sim: Values, obs: Values) -> float:
    """Root mean square error of log counts over the observed labels."""
    s, o = _pair(sim, obs)
    return float(np.sqrt(np.mean((np.log(np.maximum(s, 1.0)) - np.log(o)) ** 2)))


def tvd(sim: Values, obs: Values) -> float:
    """Total variation distance between two shares (the simulated ones renormalised)."""
    s, o = _pair(sim, obs)
    s = s / s.sum() if s.sum() else s
    return float(0.5 * np.abs(s - o).sum())


def absolute(sim: Values, obs: Values) -> float:
    """Mean absolute difference (of a share: points as a fraction)."""
    s, o = _pair(sim, obs)
    return float(np.mean(np.abs(s - o)))


def at_least(sim: Values, obs: Values) -> float:
    """Relative shortfall below an observed lower bound: ``max(0, (obs − sim) / obs)``."""
    s, o = _pair(sim, obs)
    return float(np.mean(np.maximum(0.0, (o - s) / o)))


METRICS: dict[str, Callable[[Values, Values], float]] = {
    "ard": ard,
    "rmse_log": rmse_log,
    "tvd": tvd,
    "abs": absolute,
    "at_least": at_least,
}
