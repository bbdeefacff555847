"""Fit metrics between simulated and observed series.

- ARD, the average relative deviation: the mean over months of ``|sim − obs| / obs``;
- RMSE of log counts: ``sqrt(mean((log sim − log obs)²))`` (a simulated 0 counts as 1);
- total variation distance between two distributions: half the sum of absolute differences.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def ard(sim: pd.Series, obs: pd.Series) -> float:
    """Mean over the observed months of ``|sim − obs| / obs``."""
    sim = sim.reindex(obs.index).fillna(0.0)
    return float(np.mean(np.abs(sim.to_numpy() - obs.to_numpy()) / obs.to_numpy()))


def rmse_log(sim: pd.Series, obs: pd.Series) -> float:
    """Root mean square error of log counts over the observed months."""
    sim = sim.reindex(obs.index).fillna(0.0)
    diff = np.log(np.maximum(sim.to_numpy(), 1.0)) - np.log(obs.to_numpy())
    return float(np.sqrt(np.mean(diff**2)))


def tvd(sim: pd.Series, obs: pd.Series) -> float:
    """Total variation distance between two shares over the union of their categories."""
    index = obs.index.union(sim.index)
    a = sim.reindex(index).fillna(0.0)
    b = obs.reindex(index).fillna(0.0)
    a = a / a.sum() if a.sum() else a
    return float(0.5 * np.abs(a - b).sum())
