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
import pandas as pd
import yaml

from migsim.calibration.calibrate import prepare
from migsim.calibration.config import load_config
from migsim.calibration.report import FRESH_SEED
from migsim.calibration.smc import MetricDistance
from migsim.calibration.targets import TARGETS, fit
from migsim.experiments.runner import open_workers


def summaries(simulator: Any, point: dict[str, Any], seeds: list[int], workers: int) -> list:
    """Each seed's summary of the targets."""
    with open_workers(workers) as pool:
        futures = [pool.executor.submit(simulator.summary, point, s) for s in seeds]
        return [f.result() for f in futures]


def fits(simulator: Any, runs: list[dict[str, np.ndarray]]) -> pd.DataFrame:
    """Each run's metric per target (rows: runs) and its distance."""
    distance = MetricDistance(dict(simulator.observed.weights))
    observed = simulator.observed.summary()
    rows = [{**fit(r, simulator.observed), "distance": distance(r, observed)} for r in runs]
    return pd.DataFrame(rows)


def values(simulator: Any, runs: list[dict[str, np.ndarray]]) -> pd.DataFrame:
    """Each observed value against the runs' median and range."""
    rows = []
    for name, obs in simulator.observed.values.items():
        sims = np.vstack([r[name] for r in runs])
        for i, label in enumerate(obs.index):
            rows.append(
                {
                    "target": name, "label": str(label), "observed": float(obs.iloc[i]),
                    "median": float(np.median(sims[:, i])), "min": float(sims[:, i].min()),
                    "max": float(sims[:, i].max()),
                }
            )  # fmt: skip
    return pd.DataFrame(rows)


def table(metrics: pd.DataFrame) -> pd.DataFrame:
    """Median and range of each target's metric, with its threshold."""
    rows = []
    for name in metrics.columns.drop("distance"):
        target = TARGETS[name]
        rows.append(
            {
                "target": name, "metric": target.metric, "threshold": target.threshold,
                "median": metrics[name].median(), "min": metrics[name].min(),
                "max": metrics[name].max(),
            }
        )  # fmt: skip
    return pd.DataFrame(rows).set_index("target")


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
        metrics = fits(simulator, runs)
        table(metrics).to_csv(out / f"{label}_full_scale.csv", float_format="%.4f")
        by_value = values(simulator, runs)
        by_value.to_csv(out / f"{label}_values.csv", index=False, float_format="%.4f")
        medians[label] = float(np.median(metrics["distance"]))
        print(f"{label}: distance {medians[label]:.3f} (median of {args.seeds} fresh seeds)")
        print(table(metrics).round(3).to_string())
    better = medians["shipped_point"] < medians["values_that_ship"]
    print("ship the calibrated point" if better else "keep the values the scenarios carry")


if __name__ == "__main__":
    main()
