"""One run against what was observed: the calibration's targets, for ``migsim run``.

A model folder with a ``calibration.yaml`` beside its scenarios declares its observed data and
how each figure maps onto the model (:mod:`migsim.calibration.targets`). A run of any of its
scenarios that covers the observed window (October 2018 to May 2019 for the Northern Triangle
model) is compared with them here, with the same metrics and thresholds as the calibration's
report: the run prints each target's fit and ``series.png`` draws the monthly family-unit
apprehensions on the observed curve.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from migsim.calibration.config import load_config
from migsim.calibration.targets import TARGETS, fit, load_targets, measures_of, summarise_run

CONFIG = "calibration.yaml"


@dataclass
class Comparison:
    """A run's fit to the observed targets.

    Attributes:
        fit: One row per target: what it is, metric, value, threshold and whether it meets it.
        apprehensions: Monthly family-unit apprehensions (Northern Triangle people), observed
            and simulated, indexed by month (``YYYY-MM``).
        config: The calibration file the targets come from.
        scale: The run's size against full size (its counts were divided by it).
    """

    fit: pd.DataFrame
    apprehensions: pd.DataFrame
    config: Path
    scale: float = 1.0

    def format(self) -> str:
        """The comparison as printed after a run's summary."""
        months = self.apprehensions.index
        lines = [
            f"Against what was observed, {months[0]} to {months[-1]} "
            f"(targets of {os.path.relpath(self.config)}):"
        ]
        if self.scale != 1:
            lines.append(
                f"  (the run's counts × {1 / self.scale:.3g}: it ran at {self.scale:.3g} of "
                "full size, capacities scaled alike)"
            )
        width = max(len(str(name)) for name in self.fit.index)
        for name, row in self.fit.iterrows():
            mark = "meets" if row["meets"] else "misses"
            fitted = "" if row["weight"] > 0 else "; reported, not fitted"
            lines.append(
                f"  {name:<{width}} {row['metric']:<8} {row['value']:7.3f}  "
                f"(target ≤ {row['threshold']:g}: {mark}{fitted})"
            )
        lines.append("  family-unit apprehensions a month (Northern Triangle people):")
        for month, row in self.apprehensions.iterrows():
            lines.append(
                f"    {month}  observed {row['observed']:>9,.0f}  run {row['simulated']:>9,.0f}"
            )
        return "\n".join(lines)


def config_for(scenario: Any) -> Path | None:
    """The calibration file of a scenario's model folder, if it has one."""
    path = scenario.corridor_path() / CONFIG
    return path if path.is_file() else None


def against_observed(results: Any, scenario: Any, scale: float = 1.0) -> Comparison | None:
    """Compare a run with its model's observed targets.

    Args:
        results: The run's results.
        scenario: The scenario it ran (its model folder holds ``calibration.yaml``).
        scale: The run's families a year over the scenario's (counts are divided by it).

    Returns:
        ``None`` when the model folder has no calibration file or the run does not cover
        every observed month.
    """
    path = config_for(scenario)
    if path is None:
        return None
    config = load_config(path)
    observed = load_targets(config, measures_of(results))
    months = observed.values["apprehensions"].index if "apprehensions" in observed.values else []
    if len(months) == 0 or not covers(results.daily.index, months):
        return None
    values = summarise_run(results, scale, observed)
    metrics = fit(values, observed)
    rows = []
    for name, value in metrics.items():
        target = TARGETS[name]
        rows.append(
            {
                "target": name, "what": target.what, "metric": target.metric, "value": value,
                "threshold": target.threshold, "meets": bool(value <= target.threshold),
                "weight": observed.weights[name],
            }
        )  # fmt: skip
    table = pd.DataFrame(
        {"observed": observed.values["apprehensions"], "simulated": values["apprehensions"]}
    )
    return Comparison(pd.DataFrame(rows).set_index("target"), table, path, scale)


def covers(days: pd.DatetimeIndex, months: pd.Index) -> bool:
    """Whether the run's days include every day of the observed months."""
    periods = pd.PeriodIndex([str(m) for m in months], freq="M")
    first = periods.min().start_time.date()
    last = periods.max().end_time.date()
    return bool(days.min().date() <= first and days.max().date() >= last)
