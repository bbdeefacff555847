"""Speed of experiments: a large ensemble, and what each executor adds per run.

1. Ensemble: RUNS runs (default 100) of the June 2019 agreement scenario at 100,000 first
   departures a year for 365 days, on the default local process pool (one worker per CPU), as
   ``migsim experiment run`` does it (start-up of the pool included).
2. Overhead: 200 one-day runs of the tiny test scenario, on an already started process pool and
   an already started Dask LocalCluster (same worker count), with one run per task and with
   adaptive batches. Overhead per run = wall time / runs − mean run time / workers.

Usage: python benchmarks/experiments.py [--runs 100] [--days 365] [--families-per-year 100000]
       [--workers N] [--skip-ensemble] [--skip-overhead]
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import multiprocessing
import os
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
AGREEMENT = REPO / "models" / "northern_triangle_2019" / "scenarios" / "june_2019_agreement.yaml"
TINY = REPO / "tests" / "data" / "tiny" / "scenarios" / "tiny.yaml"


def experiment(name: str, scenario: Path, replicates: int, days: int, families: float | None):
    """An in-memory experiment of one scenario and replicate seeds."""
    from migsim.experiments.spec import build_experiment

    data = {
        "name": name,
        "scenarios": {scenario.stem: str(scenario)},
        "replicates": replicates,
        "days": days,
        "outcomes": ["us_apprehensions_people", "deaths"],
    }
    if families:
        data["families_per_year"] = families
    return build_experiment(data, REPO / "benchmarks" / "-")


def ensemble(runs: int, days: int, families: float, workers: int) -> None:
    """Time the large ensemble end to end on the default process pool."""
    from migsim.experiments import run_experiment

    spec = experiment("ensemble", AGREEMENT, runs, days, families)
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        summary = run_experiment(spec, Path(tmp) / "out", workers=workers, progress=True)
        wall = time.perf_counter() - start
    table = summary.table
    mean_run, cpu = table["elapsed_s"].mean(), table["cpu_s"]
    print(f"\n## Ensemble: {runs} runs x {days} days x {families:,.0f} families a year")
    print(f"workers: {workers}; ok: {(table['status'] == 'ok').sum()}/{runs}")
    print(f"wall: {wall:.1f} s ({wall / 60:.2f} min); mean run (in worker): {mean_run:.2f} s; "
          f"runs per minute: {60 * runs / wall:.1f}")  # fmt: skip
    # On a busy machine wall time measures the other load too; CPU time does not.
    print(f"CPU per run: mean {cpu.mean():.2f} s, min {cpu.min():.2f} s; CPU-bound estimate on "
          f"{workers} idle cores: {cpu.sum() / workers / 60:.2f} min")  # fmt: skip


def _warm(executor: cf.Executor, workers: int) -> None:
    """Make every worker import the model before timing."""
    from migsim.experiments.runs import run_batch  # noqa: F401

    list(executor.map(_import_model, range(4 * workers)))


def _import_model(_: int) -> int:
    import migsim.experiments.runs  # noqa: F401
    import migsim.model  # noqa: F401

    return os.getpid()


def overhead(workers: int, runs: int = 200) -> None:
    """Time short runs on a warm process pool and a warm Dask LocalCluster."""
    from distributed import Client, LocalCluster

    from migsim.experiments import run_experiment

    spec = experiment("overhead", TINY, runs, 1, None)
    rows = []

    def measure(label: str, executor: cf.Executor, batch_size: int | None) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            summary = run_experiment(
                spec, Path(tmp) / "out", workers=workers, executor=executor,
                batch_size=batch_size, progress=False,
            )  # fmt: skip
            wall = time.perf_counter() - start
        mean_run = summary.table["elapsed_s"].mean()
        per_run = wall / runs - mean_run / workers
        batch = "1 run a task" if batch_size == 1 else "adaptive batches"
        rows.append((label, batch, wall, mean_run * 1000, per_run * 1000))

    start = time.perf_counter()
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["migsim.experiments.runs", "migsim.model"])
    with cf.ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        _warm(pool, workers)
        pool_start = time.perf_counter() - start
        measure("process pool", pool, 1)
        measure("process pool", pool, None)
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        with LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
            dashboard_address="127.0.0.1:0", local_directory=tmp,
        ) as cluster, Client(cluster) as client:  # fmt: skip
            executor = client.get_executor(pure=False)
            _warm(executor, workers)
            dask_start = time.perf_counter() - start
            measure("Dask LocalCluster", executor, 1)
            measure("Dask LocalCluster", executor, None)
    print(f"\n## Overhead: {runs} one-day runs of the tiny scenario, {workers} workers")
    print(f"start-up (workers importing the model): process pool {pool_start:.1f} s, "
          f"Dask LocalCluster {dask_start:.1f} s")  # fmt: skip
    print("| executor | batching | wall (s) | mean run (ms) | overhead per run (ms) |")
    print("|---|---|---|---|---|")
    for label, batch, wall, mean_run, per_run in rows:
        print(f"| {label} | {batch} | {wall:.2f} | {mean_run:.1f} | {per_run:.1f} |")


def main() -> None:
    """Run the benchmarks and print their figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--families-per-year", type=float, default=100_000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--skip-ensemble", action="store_true")
    parser.add_argument("--skip-overhead", action="store_true")
    args = parser.parse_args()
    print(f"CPUs: {os.cpu_count()}; load average before: {os.getloadavg()[0]:.2f}")
    if not args.skip_overhead:
        overhead(args.workers)
    if not args.skip_ensemble:
        ensemble(args.runs, args.days, args.families_per_year, args.workers)
    print(f"\nload average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
