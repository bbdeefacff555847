"""Approximate Bayesian calibration: Latin hypercube, replicate runs, ABC rejection.

:func:`calibrate` draws ``points`` parameter sets from the uniform priors of a calibration file
with a Latin hypercube (SALib), runs each with ``replicates`` seeds on a process pool, writes
every run to ``runs/`` as soon as it finishes (a rerun skips the runs already there), scores
each point by its distance to the observed data, and keeps the ``accept`` closest points as the
approximate posterior (ABC rejection). It then writes the posterior sample, an interval per
parameter, and the fit report (:mod:`migsim.calibration.report`).
"""

from __future__ import annotations

import concurrent.futures as cf
import datetime as dt
import hashlib
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from migsim.calibration.config import CalibrationConfig, _value
from migsim.calibration.metrics import ard, rmse_log, tvd
from migsim.calibration.observed import ObservedData, load_observed
from migsim.calibration.simulate import Task, monthly_series, simulate


@dataclass
class CalibrationResult:
    """What :func:`calibrate` found.

    Attributes:
        points: One row per design point: parameter values, metrics and distance.
        posterior: The accepted points (rows of ``points``).
        runs: Every run, by key.
        observed: The observed targets.
        elapsed_s: Wall time of this call.
        ran: Runs done by this call (the others were found in ``runs/``).
    """

    points: pd.DataFrame
    posterior: pd.DataFrame
    runs: dict[str, dict[str, Any]]
    observed: ObservedData
    elapsed_s: float
    ran: int


def design(config: CalibrationConfig) -> pd.DataFrame:
    """The Latin hypercube sample over the priors: one row per point, a column per address."""
    from SALib.sample import latin

    names = list(config.parameters)
    problem = {
        "num_vars": len(names),
        "names": names,
        "bounds": [[p.low, p.high] for p in config.parameters.values()],
    }
    sample = latin.sample(problem, config.points, seed=config.seed)
    frame = pd.DataFrame(sample, columns=names)
    for name, prior in config.parameters.items():
        frame[name] = [_value(prior, x) for x in frame[name]]
    frame.index.name = "point"
    return frame


def _fingerprint(config: CalibrationConfig, scenario_yaml: str) -> str:
    """A hash of what determines every run: scenario, scale and seeds' base."""
    text = json.dumps([scenario_yaml, config.scale, config.seed], default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:8]


def run_key(point: int, replicate: int, parameters: dict[str, float], fingerprint: str) -> str:
    """A run's file name: point, replicate and a hash of its values."""
    text = json.dumps([parameters, replicate, fingerprint], sort_keys=True)
    return f"p{point:03d}_r{replicate}_{hashlib.sha256(text.encode()).hexdigest()[:10]}"


def execute(
    tasks: list[Task],
    folder: Path,
    workers: int | None = None,
    progress: bool = True,
    label: str = "runs",
) -> tuple[dict[str, dict[str, Any]], int]:
    """Run the tasks not yet in ``folder`` on a process pool, writing each as it finishes.

    Returns:
        Every task's run (read back or new) by key, and how many ran now.
    """
    from migsim.experiments.runner import open_workers

    folder.mkdir(parents=True, exist_ok=True)
    done: dict[str, dict[str, Any]] = {}
    todo = []
    for task in tasks:
        file = folder / f"{task.key}.json"
        if file.is_file():
            done[task.key] = json.loads(file.read_text(encoding="utf-8"))
        else:
            todo.append(task)
    if not todo:
        return done, 0
    bar = _bar(len(tasks), len(done), progress, label)
    with open_workers(workers) as pool:
        futures = [pool.executor.submit(simulate, task) for task in todo]
        for future in cf.as_completed(futures):
            run = future.result()
            _write_json(folder / f"{run['key']}.json", run)
            done[run["key"]] = run
            bar(1)
    bar(0, close=True)
    return done, len(todo)


def _bar(total: int, initial: int, show: bool, label: str) -> Callable[..., None]:
    if not show:
        return lambda n, close=False: None
    from tqdm import tqdm

    bar = tqdm(total=total, initial=initial, unit="run", desc=label, dynamic_ncols=True)

    def update(n: int, close: bool = False) -> None:
        if n:
            bar.update(n)
        if close:
            bar.close()

    return update


def _write_json(file: Path, data: Any) -> None:
    tmp = file.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1, default=str), encoding="utf-8")
    os.replace(tmp, file)


def mean_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Mean monthly series and sector shares over replicate runs."""
    measures = runs[0]["monthly"]
    monthly = {
        m: pd.concat([monthly_series(r, m) for r in runs], axis=1).mean(axis=1) for m in measures
    }
    sectors = pd.DataFrame([r["sectors"] for r in runs]).fillna(0.0).mean()
    return {"monthly": monthly, "sectors": sectors}


def score(mean: dict[str, Any], observed: ObservedData) -> dict[str, float]:
    """Fit metrics of a (mean) run against the observed data."""
    app = mean["monthly"]["us_apprehensions_people"]
    ret = mean["monthly"]["deportations_people"]
    return {
        "ard_apprehensions": ard(app, observed.apprehensions),
        "rmse_log_apprehensions": rmse_log(app, observed.apprehensions),
        "ard_returns": ard(ret, observed.returns),
        "rmse_log_returns": rmse_log(ret, observed.returns),
        "tvd_sectors": tvd(mean["sectors"], observed.sectors),
    }


def distance(metrics: dict[str, float], config: CalibrationConfig) -> float:
    """The weighted distance used for ABC rejection."""
    w = config.weights
    return (
        w.apprehensions * metrics["ard_apprehensions"]
        + w.returns * metrics["ard_returns"]
        + w.sectors * metrics["tvd_sectors"]
    )


def make_tasks(
    config: CalibrationConfig,
    rows: pd.DataFrame,
    scenario: Any = None,
    fingerprint_extra: str = "",
) -> list[Task]:
    """Tasks for every row of a design and every replicate."""
    from migsim.corridor import load_corridor

    scenario = scenario if scenario is not None else config.load_scenario()
    corridor = load_corridor(scenario.corridor_path())
    # The calibrated parameters' defaults do not change any run (every run sets them), so they
    # are fixed at their prior's low end before hashing: writing calibrated defaults into the
    # scenario keeps the runs already done.
    neutral = scenario.with_parameters({a: _value(p, p.low) for a, p in config.parameters.items()})
    fingerprint = _fingerprint(config, neutral.to_yaml() + fingerprint_extra)
    sectors_from = pd.Period(config.observed.apprehensions_from, freq="M").start_time.date()
    tasks = []
    for point, row in rows.iterrows():
        values = {k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()}
        for rep in range(config.replicates):
            tasks.append(
                Task(
                    key=run_key(int(point), rep, values, fingerprint),
                    scenario=scenario,
                    corridor=corridor,
                    parameters=values,
                    seed=config.seed + rep,
                    scale=config.scale,
                    sectors_from=sectors_from,
                    extra={"point": int(point), "replicate": rep},
                )
            )
    return tasks


def fit_scenario(config: CalibrationConfig) -> Any:
    """The scenario as calibrated: the warm-up start, run to the end of the fitted window."""
    scenario = config.load_scenario()
    days = (config.fit_end() - scenario.start).days + 1
    out = scenario.with_parameters({"days": days})
    out.path = scenario.path
    return out


def calibrate(
    config: CalibrationConfig,
    out: Path,
    workers: int | None = None,
    progress: bool = True,
) -> CalibrationResult:
    """Run the calibration and write its outputs to ``out``.

    Args:
        config: The calibration.
        out: The output folder (``runs/`` inside it keeps finished runs for resuming).
        workers: Worker processes (default: CPUs).
        progress: Show a progress bar.
    """
    began = time.perf_counter()
    observed = load_observed(config)
    rows = design(config)
    scenario = fit_scenario(config)
    tasks = make_tasks(config, rows, scenario)
    runs, ran = execute(tasks, Path(out) / "runs", workers, progress, "calibration runs")
    by_point: dict[int, list[dict[str, Any]]] = {}
    for task in tasks:
        by_point.setdefault(task.extra["point"], []).append(runs[task.key])
    records = []
    for point, point_runs in sorted(by_point.items()):
        metrics = score(mean_run(point_runs), observed)
        records.append({"point": point, **metrics, "distance": distance(metrics, config)})
    points = rows.join(pd.DataFrame(records).set_index("point"))
    posterior = points.nsmallest(config.accept, "distance")
    result = CalibrationResult(points, posterior, runs, observed, time.perf_counter() - began, ran)
    from migsim.calibration.report import write_outputs

    write_outputs(config, result, Path(out), by_point)
    return result


def summarise(config: CalibrationConfig, posterior: pd.DataFrame) -> dict[str, Any]:
    """Per parameter: prior range, posterior median and 90% interval (5th–95th percentile)."""
    out = {}
    for name, prior in config.parameters.items():
        values = posterior[name].to_numpy(dtype=float)
        median = float(np.median(values))
        out[name] = {
            "value": _value(prior, median),
            "low_5": float(np.percentile(values, 5)),
            "high_95": float(np.percentile(values, 95)),
            "prior": [prior.low, prior.high],
        }
    return out


def today() -> str:
    """The date a result was written (UTC)."""
    return dt.datetime.now(dt.UTC).date().isoformat()
