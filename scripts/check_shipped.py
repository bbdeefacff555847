r"""Whether a calibration's shipped point fits better than the values the scenarios carry now.

The rule for shipping a calibration (docs/calibration.md): its shipped point replaces the
scenarios' values only if, on the same fresh seeds at full scale with the spin-up, its fit is
better by the calibration's own distance (each target's metric over its threshold, weighted as
in the calibration file; the median over seeds). This script runs both on the report's fresh
seeds and writes, into ``CALIBRATED/shipped_check/``, each target's metric (median and range)
for ``values_that_ship_full_scale.csv`` (the scenario as it is) and
``shipped_point_full_scale.csv`` (the calibration's point), with ``*_values.csv`` beside them
(each observed value against the runs' median and range); it prints the two distances and the
verdict::

    python scripts/check_shipped.py models/northern_triangle_2019/calibration.yaml \
        models/northern_triangle_2019/calibrated
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from migsim.calibration.calibrate import prepare
from migsim.calibration.config import load_config
from migsim.calibration.report import FRESH_SEED, fit_tables
from migsim.calibration.smc import MetricDistance
from migsim.experiments.runner import open_workers


def summaries(simulator: Any, point: dict[str, Any], seeds: list[int], workers: int) -> list:
    """Each seed's summary of the targets."""
    with open_workers(workers) as pool:
        futures = [pool.executor.submit(simulator.summary, point, s) for s in seeds]
        return [f.result() for f in futures]


def distances(simulator: Any, runs: list[dict[str, np.ndarray]]) -> np.ndarray:
    """Each run's distance to the data, as the calibration measures it."""
    distance = MetricDistance(dict(simulator.observed.weights))
    observed = simulator.observed.summary()
    return np.array([distance(r, observed) for r in runs])


# The report's columns for the runs of one point (its posterior columns are not used here).
TARGET_COLUMNS = ["metric", "threshold", "shipped_median", "shipped_min", "shipped_max"]
VALUE_COLUMNS = ["target", "label", "observed", "shipped_median", "shipped_min", "shipped_max"]


def main() -> None:
    """Check the shipped point against the scenario's values and write the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config")
    parser.add_argument("calibrated")
    parser.add_argument("--seeds", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    config = load_config(args.config)
    calibrated = Path(args.calibrated)
    record = yaml.safe_load((calibrated / "parameters.yaml").read_text(encoding="utf-8"))
    simulator = dataclasses.replace(prepare(config), scale=1.0)
    seeds = [FRESH_SEED + i for i in range(args.seeds)]
    out = calibrated / "shipped_check"
    out.mkdir(exist_ok=True)
    medians = {}
    for label, point in (
        ("values_that_ship", {}),
        ("shipped_point", record["shipped_point"]),
    ):
        runs = summaries(simulator, point, seeds, args.workers)
        by_target, by_value = fit_tables(simulator, runs, runs)
        by_target = by_target[TARGET_COLUMNS]
        by_target.to_csv(out / f"{label}_full_scale.csv", float_format="%.4f")
        by_value[VALUE_COLUMNS].to_csv(
            out / f"{label}_values.csv", index=False, float_format="%.4f"
        )
        medians[label] = float(np.median(distances(simulator, runs)))
        print(f"{label}: distance {medians[label]:.3f} (median of {args.seeds} fresh seeds)")
        print(by_target.round(3).to_string())
    better = medians["shipped_point"] < medians["values_that_ship"]
    print("ship the calibrated point" if better else "keep the values the scenarios carry")


if __name__ == "__main__":
    main()
