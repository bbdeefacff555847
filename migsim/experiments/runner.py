"""Running an experiment on a local process pool or a Dask cluster, resumably.

:func:`run_experiment` plans the runs, skips those already in the results folder, sends the
rest to a ``concurrent.futures`` executor in batches, writes each finished batch as a part
file, and finally writes the combined ``results.parquet``. The executor is a local process pool
by default; with ``dask="local"`` a Dask ``LocalCluster`` is started, and with a scheduler
address (``tcp://host:8786``) the runs go to that cluster. The model is deterministic for a
seed, so every executor gives the same table.

Batches start at one run each; once run times are known, each batch holds about a second of
work (at most :data:`MAX_BATCH` runs, and never so many that workers would sit idle at the end),
so scheduling costs little even for very short runs.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import logging
import math
import multiprocessing
import os
import shutil
import sys
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from migsim.errors import InputError
from migsim.experiments import store
from migsim.experiments.design import problem
from migsim.experiments.runs import (
    ID_COLUMNS,
    Batch,
    Run,
    make_setups,
    plan_runs,
    run_batch,
    run_scale,
    start_worker,
)
from migsim.experiments.spec import Experiment, parameter_field

TARGET_BATCH_S = 1.0  # wall time a batch aims for once run times are known
MAX_BATCH = 64
MAX_POOL_RESTARTS = 3


@dataclass
class RunSummary:
    """What :func:`run_experiment` did.

    Attributes:
        out: The results folder.
        total: Runs in the experiment.
        already_done: Runs found in the folder before this call.
        ran: Runs finished by this call (succeeded or failed).
        failed: Runs in the table recorded as failed (the run raised an error).
        lost: Runs left unfinished because workers were lost; running again retries them.
        elapsed_s: Wall time of this call.
        table: The combined results table (also in ``results.parquet``).
        errors: Messages about lost batches.
    """

    out: Path
    total: int
    already_done: int
    ran: int
    failed: int
    lost: int
    elapsed_s: float
    table: pd.DataFrame
    errors: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """Whether every run has a row and none failed."""
        return self.lost == 0 and self.failed == 0


class Workers:
    """An executor with its worker count, a description, and a way to restart it."""

    def __init__(
        self,
        workers: int | None = None,
        dask: str | None = None,
        executor: cf.Executor | None = None,
    ) -> None:
        self.workers = workers or os.cpu_count() or 1
        self.dask = dask
        self._given = executor
        self._client = None
        self._cluster = None
        self._tmp: str | None = None
        self.dashboard: str | None = None
        self.executor = self._start()

    def _start(self) -> cf.Executor:
        if self._given is not None:
            self.description = f"the given executor ({type(self._given).__name__})"
            return self._given
        if self.dask is None:
            self.description = f"a local process pool of {self.workers}"
            return self._process_pool()
        return self._dask_executor()

    def _process_pool(self) -> cf.Executor:
        method = "forkserver" if sys.platform.startswith("linux") else "spawn"
        context = multiprocessing.get_context(method)
        if method == "forkserver":
            # The fork server must stay single-threaded: importing numpy (OpenBLAS) or pyarrow
            # (jemalloc) there starts threads, and forking a threaded process can deadlock the
            # child. Each worker imports the model once, when it takes its first run.
            context.set_forkserver_preload([])
        return cf.ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=context,
            initializer=start_worker,
            initargs=(os.getpid(),),
        )

    def _dask_executor(self) -> cf.Executor:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise InputError("--dask", "needs Dask: pip install 'dask[distributed]'") from None
        if self.dask == "local":
            self._tmp = tempfile.mkdtemp(prefix="migsim-dask-")
            self._cluster = LocalCluster(
                n_workers=self.workers,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address="127.0.0.1:0",
                local_directory=self._tmp,
                silence_logs=logging.ERROR,
            )
            self._client = Client(self._cluster)
            self.description = f"a Dask LocalCluster of {self.workers}"
        else:
            try:
                self._client = Client(self.dask, timeout="15s")
            except (OSError, TimeoutError, ValueError) as exc:
                raise InputError(
                    "--dask",
                    f"cannot connect to a Dask scheduler at '{self.dask}' ({exc}); start one "
                    "('dask scheduler', then 'dask worker ADDRESS' on each machine) or use "
                    "--dask local",
                ) from None
            try:
                self._client.wait_for_workers(1, timeout=60)
            except TimeoutError:
                self._client.close()
                raise InputError(
                    "--dask", f"no workers joined the scheduler at '{self.dask}' within 60 s"
                ) from None
            self.workers = max(1, sum(self._client.nthreads().values()))
            self.description = f"the Dask cluster at {self.dask} ({self.workers} threads)"
        self.dashboard = getattr(self._client, "dashboard_link", None)
        return self._client.get_executor(pure=False)

    def restart(self) -> bool:
        """Replace a broken process pool; False if this executor cannot be restarted."""
        if self._given is not None or self.dask is not None:
            return False
        self.executor.shutdown(wait=False, cancel_futures=True)
        self.executor = self._process_pool()
        return True

    def close(self, wait: bool = True) -> None:
        """Shut the executor down, and the Dask client and cluster this object started."""
        if self._given is None:
            if isinstance(self.executor, cf.ProcessPoolExecutor):
                self.executor.shutdown(wait=wait, cancel_futures=True)
            else:  # Dask's executor: its futures are cancelled with the client
                self.executor.shutdown(wait=wait)
        if self._client is not None:
            self._client.close()
        if self._cluster is not None:
            self._cluster.close()
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)


@contextlib.contextmanager
def open_workers(
    workers: int | None = None, dask: str | None = None, executor: cf.Executor | None = None
) -> Iterator[Workers]:
    """Start workers for the block and stop them after it (without waiting on an interrupt)."""
    pool = Workers(workers, dask, executor)
    try:
        yield pool
    except BaseException:
        pool.close(wait=False)
        raise
    pool.close()


def experiment_meta(experiment: Experiment, runs: list[Run]) -> dict[str, Any]:
    """What a report needs to know about an experiment besides its table."""
    spec = problem(experiment)
    return {
        "name": experiment.name,
        "description": experiment.description,
        "file": str(experiment.path) if experiment.path else None,
        "method": experiment.design.method,
        "samples": experiment.design.samples,
        "levels": experiment.design.levels,
        "design_seed": experiment.design.seed,
        "parameters": spec["names"],
        "bounds": [None if math.isnan(b[0]) else b for b in spec["bounds"]],
        "kinds": {a: parameter_field(a)[0].__name__ for a in experiment.parameters},
        "scenarios": {
            label: str(experiment.scenario_path(label)) for label in experiment.scenarios
        },  # fmt: skip
        "replicates": experiment.replicates,
        "base_seed": experiment.base_seed,
        "days": experiment.days,
        "families_per_year": experiment.families_per_year,
        "posterior": (
            None
            if experiment.posterior is None
            else {
                "calibration": str(experiment.calibration_path()),
                "calibrated": str(experiment.calibrated_path()),
                "assumptions": experiment.posterior.assumptions,
                "scale": run_scale(experiment),
            }
        ),
        "outcomes": list(experiment.outcomes),
        "monthly": list(experiment.monthly),
        "points": max((r.point for r in runs), default=-1) + 1,
        "runs": len(runs),
    }


class _Progress:
    """A tqdm bar of runs done, failed and time left (or nothing when quiet)."""

    def __init__(self, total: int, done: int, failed: int, name: str, enabled: bool) -> None:
        from tqdm import tqdm

        self.failed = failed
        self.bar = tqdm(
            total=total,
            initial=done,
            unit="run",
            desc=name,
            disable=not enabled,
            dynamic_ncols=True,
            smoothing=0.1,
        )
        self.bar.set_postfix(failed=failed, refresh=False)

    def update(self, done: int, failed: int) -> None:
        self.failed += failed
        self.bar.set_postfix(failed=self.failed, refresh=False)
        self.bar.update(done)

    def close(self) -> None:
        self.bar.close()


def _batch_size(fixed: int | None, mean_s: float | None, queued: int, workers: int) -> int:
    if fixed:
        return fixed
    if mean_s is None:
        return 1
    by_time = int(TARGET_BATCH_S / max(mean_s, 1e-4))
    balanced = math.ceil(queued / (2 * workers))
    return max(1, min(by_time, MAX_BATCH, balanced))


def _dispatch(
    pending: list[Run],
    setups: dict,
    pool: Workers,
    out: Path,
    batch_size: int | None,
    progress: _Progress,
    errors: list[str],
) -> tuple[int, int]:
    """Send runs in batches, write each finished batch; return (finished, lost) run counts."""
    queue: deque[Run] = deque(pending)
    in_flight: dict[cf.Future, list[Run]] = {}
    finished = lost = restarts = 0
    mean_s: float | None = None
    while queue or in_flight:
        while queue and len(in_flight) < 2 * pool.workers:
            size = _batch_size(batch_size, mean_s, len(queue), pool.workers)
            runs = [queue.popleft() for _ in range(min(size, len(queue)))]
            batch = Batch(runs, {label: setups[label] for label in {r.scenario for r in runs}})
            in_flight[pool.executor.submit(run_batch, batch)] = runs
        done, _ = cf.wait(in_flight, return_when=cf.FIRST_COMPLETED)
        broken: list[Run] = []
        for future in done:
            runs = in_flight.pop(future)
            try:
                rows = future.result()
            except cf.process.BrokenProcessPool:
                broken.extend(runs)
                continue
            except Exception as exc:  # noqa: BLE001 - e.g. a Dask KilledWorker
                lost += len(runs)
                errors.append(f"{len(runs)} run(s) lost: {type(exc).__name__}: {exc}")
                progress.update(0, 0)
                continue
            store.write_part(out, rows)
            finished += len(rows)
            seconds = [r["elapsed_s"] for r in rows]
            batch_mean = sum(seconds) / len(seconds)
            mean_s = batch_mean if mean_s is None else 0.7 * mean_s + 0.3 * batch_mean
            progress.update(len(rows), sum(r["status"] != "ok" for r in rows))
        if broken:
            # Every batch in flight fails when a pool process dies: send them again.
            for future in list(in_flight):
                broken.extend(in_flight.pop(future))
            restarts += 1
            if restarts > MAX_POOL_RESTARTS or not pool.restart():
                lost += len(broken) + len(queue)
                errors.append(
                    f"{len(broken) + len(queue)} run(s) lost: worker processes kept dying "
                    "(out of memory?)"
                )
                return finished, lost
            errors.append(f"a worker process died; restarted the pool ({restarts})")
            queue.extendleft(reversed(broken))
    return finished, lost


def run_experiment(
    experiment: Experiment,
    out: str | Path,
    *,
    workers: int | None = None,
    dask: str | None = None,
    executor: cf.Executor | None = None,
    batch_size: int | None = None,
    retry_failed: bool = False,
    progress: bool = True,
    log: Callable[[str], None] | None = None,
) -> RunSummary:
    """Run every run of an experiment not yet in ``out``, and write ``out/results.parquet``.

    Args:
        experiment: The validated experiment.
        out: The results folder (created if missing; reused to resume).
        workers: Worker processes (default: one per CPU; for a Dask address, its threads).
        dask: ``None`` for a local process pool, ``"local"`` for a Dask LocalCluster, or a
            scheduler address such as ``tcp://10.0.0.5:8786``.
        executor: Any ``concurrent.futures`` executor to use instead (kept open).
        batch_size: Runs per task (default: the experiment's, else adaptive).
        retry_failed: Run again the runs recorded as failed.
        progress: Show a progress bar.
        log: Where to write status lines (default: nowhere).

    Returns:
        A summary with the combined table.
    """
    started = time.perf_counter()
    say = log or (lambda _message: None)
    out = Path(out)
    runs = plan_runs(experiment)
    store.prepare(out)
    store.write_meta(out, experiment_meta(experiment, runs), experiment.to_yaml())
    existing = store.read_parts(out)
    planned = {run.run_id for run in runs}
    keep = existing["status"] == "ok" if retry_failed else existing["status"].notna()
    done = set(existing.loc[keep, "run_id"]) & planned
    failed_before = int((existing["run_id"].isin(done) & (existing["status"] != "ok")).sum())
    pending = [run for run in runs if run.run_id not in done]
    extra = len(set(existing["run_id"]) - planned)
    if extra:
        say(f"{extra} run(s) in {out / store.RUNS} are not part of this experiment; left out")
    errors: list[str] = []
    finished = lost = 0
    if pending:
        setups = make_setups(experiment)
        with open_workers(workers, dask, executor) as pool:
            say(
                f"{experiment.name}: {len(runs)} runs ({len(done)} already done) on "
                f"{pool.description}; results in {out}/"
            )
            if pool.dashboard:
                say(f"Dask dashboard: {pool.dashboard}")
            bar = _Progress(len(runs), len(done), failed_before, experiment.name, progress)
            try:
                finished, lost = _dispatch(
                    pending, setups, pool, out, batch_size or experiment.batch_size, bar, errors
                )
            finally:
                bar.close()
    else:
        say(f"{experiment.name}: all {len(runs)} runs already done; results in {out}/")
    drawn = dict.fromkeys(a for run in runs for a in (*run.calibrated, *run.assumed))
    columns = [*ID_COLUMNS, *drawn, *experiment.parameters]
    table = store.combine(out, [run.run_id for run in runs], columns)
    return RunSummary(
        out=out,
        total=len(runs),
        already_done=len(done),
        ran=finished,
        failed=int((table["status"] != "ok").sum()) if len(table) else 0,
        lost=lost,
        elapsed_s=time.perf_counter() - started,
        table=table,
        errors=errors,
    )
