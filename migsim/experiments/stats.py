"""Summaries of an experiment's table: means with 95% intervals, differences, sensitivity indices.

Sobol and Morris indices come from SALib.

Intervals are Student-t 95% confidence intervals of the mean over runs. Replicate ``k`` of every
scenario and design point uses the same seed (common random numbers), so differences between
two scenarios are taken replicate by replicate (paired), which makes their intervals narrower.
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
import pandas as pd

MONTHLY_COLUMN = re.compile(r"^(?P<measure>[a-z_]+)\[(?P<month>\d{4}-\d{2})\]$")


def interval(values: Any, level: float = 0.95) -> tuple[float, float, float]:
    """Mean and the bounds of its confidence interval (NaN bounds for fewer than 2 values)."""
    from scipy import stats

    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    if len(x) == 0:
        return math.nan, math.nan, math.nan
    mean = float(x.mean())
    if len(x) < 2:
        return mean, math.nan, math.nan
    half = float(stats.t.ppf(0.5 + level / 2, len(x) - 1) * x.std(ddof=1) / math.sqrt(len(x)))
    return mean, mean - half, mean + half


def ok_runs(table: pd.DataFrame) -> pd.DataFrame:
    """The runs that finished."""
    return table[table["status"] == "ok"]


def scalar_columns(table: pd.DataFrame, meta: dict) -> list[str]:
    """The scalar outcome columns of a table, in the experiment's order."""
    return [c for c in meta["outcomes"] if c in table.columns]


def monthly_columns(table: pd.DataFrame) -> dict[str, list[str]]:
    """Monthly outcome columns by measure, in month order."""
    out: dict[str, list[str]] = {}
    for column in table.columns:
        match = MONTHLY_COLUMN.match(str(column))
        if match:
            out.setdefault(match["measure"], []).append(column)
    return {k: sorted(v, key=lambda c: MONTHLY_COLUMN.match(c)["month"]) for k, v in out.items()}


def summary(table: pd.DataFrame, meta: dict, by: list[str]) -> pd.DataFrame:
    """Mean, 95% interval and run count of every scalar outcome, for each group of runs."""
    rows = []
    runs = ok_runs(table)
    for key, group in runs.groupby(by, sort=False):
        key = key if isinstance(key, tuple) else (key,)
        for outcome in scalar_columns(table, meta):
            mean, low, high = interval(group[outcome])
            rows.append(
                {**dict(zip(by, key, strict=True)), "outcome": outcome, "mean": mean,
                 "low": low, "high": high, "runs": int(group[outcome].notna().sum())}
            )  # fmt: skip
    return pd.DataFrame(rows)


def compare(table: pd.DataFrame, outcomes: list[str], a: str, b: str) -> pd.DataFrame:
    """Means of two scenarios with 95% intervals, and the difference B − A paired by seed.

    Returns:
        One row per outcome: ``outcome, a_mean, a_low, a_high, b_mean, …, diff_mean, diff_low,
        diff_high, pairs``.
    """
    runs = ok_runs(table)
    first = runs[runs["scenario"] == a].set_index("seed")
    second = runs[runs["scenario"] == b].set_index("seed")
    seeds = first.index.intersection(second.index)
    rows = []
    for outcome in outcomes:
        row: dict[str, Any] = {"outcome": outcome}
        for prefix, frame in (("a", first), ("b", second)):
            mean, low, high = interval(frame[outcome])
            row.update({f"{prefix}_mean": mean, f"{prefix}_low": low, f"{prefix}_high": high})
        diff = second.loc[seeds, outcome] - first.loc[seeds, outcome]
        mean, low, high = interval(diff)
        row.update(diff_mean=mean, diff_low=low, diff_high=high, pairs=len(seeds))
        rows.append(row)
    return pd.DataFrame(rows)


def _salib_problem(meta: dict) -> dict:
    return {
        "num_vars": len(meta["parameters"]),
        "names": list(meta["parameters"]),
        "bounds": [list(b) for b in meta["bounds"]],
    }


def point_means(table: pd.DataFrame, meta: dict, scenario: str, outcome: str) -> pd.Series:
    """An outcome's mean over replicates at each design point of one scenario, in point order.

    Raises:
        ValueError: If a design point has no finished run (the analysis needs every point).
    """
    runs = ok_runs(table)
    runs = runs[runs["scenario"] == scenario]
    means = runs.groupby("point")[outcome].mean().reindex(range(meta["points"]))
    missing = int(means.isna().sum())
    if missing:
        raise ValueError(
            f"{missing} of {meta['points']} design points of '{scenario}' have no finished run "
            f"for '{outcome}'; run the experiment again (or with --retry-failed) to complete it"
        )
    return means


def sobol_indices(table: pd.DataFrame, meta: dict, scenario: str, outcome: str) -> pd.DataFrame:
    """First-order (S1) and total (ST) Sobol indices with 95% intervals, per parameter."""
    from SALib.analyze import sobol

    y = point_means(table, meta, scenario, outcome).to_numpy()
    if np.ptp(y) == 0:  # the outcome never changes: no parameter matters
        zeros = np.zeros(len(meta["parameters"]))
        result = {"S1": zeros, "S1_conf": zeros, "ST": zeros, "ST_conf": zeros}
    else:
        result = sobol.analyze(
            _salib_problem(meta), y, calc_second_order=False, conf_level=0.95,
            seed=meta["design_seed"],
        )  # fmt: skip
    return pd.DataFrame(
        {
            "parameter": meta["parameters"],
            "S1": result["S1"],
            "S1_conf": result["S1_conf"],
            "ST": result["ST"],
            "ST_conf": result["ST_conf"],
        }
    )


def morris_indices(table: pd.DataFrame, meta: dict, scenario: str, outcome: str) -> pd.DataFrame:
    """Morris elementary-effect measures μ, μ* (with its 95% interval) and σ, per parameter."""
    from SALib.analyze import morris

    y = point_means(table, meta, scenario, outcome).to_numpy()
    runs = ok_runs(table)
    first = runs[runs["scenario"] == scenario].groupby("point")[meta["parameters"]].first()
    x = first.reindex(range(meta["points"])).to_numpy(dtype=float)
    result = morris.analyze(
        _salib_problem(meta), x, y, num_levels=meta["levels"], conf_level=0.95,
        seed=meta["design_seed"],
    )  # fmt: skip
    return pd.DataFrame(
        {
            "parameter": meta["parameters"],
            "mu": result["mu"],
            "mu_star": result["mu_star"],
            "mu_star_conf": result["mu_star_conf"],
            "sigma": result["sigma"],
        }
    )
