"""Whole-period runs for the app's instant answers: run both sides over several seeds at once.

When a lever or a run choice changes, the app runs the whole period of each side for a few
seeds in a pool of worker processes and keeps, from each run, only what the page shows: the
daily series, the headline counts, the families per link and the departures they are
counted against (:class:`RunOutcome`). Outcomes are cached by what defines a run
(:class:`RunSpec`), so going back to an earlier setting costs nothing.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field

import pandas as pd

from migsim.app.levers import (
    DEFAULT_FAMILIES_PER_YEAR,
    MY_SETTINGS,
    describe_changes,
    model_at_scale,
    preset,
    scenario_for,
)
from migsim.app.lifeline import end_with_parent

BAND_SEEDS = 3
# Outcomes remembered (oldest forgotten first): a class's afternoon of lever changes.
REMEMBERED = 2000
# The daily series the page draws (the rest of a run's daily table stays in the worker).
DAILY_COLUMNS = (
    "first_departures",
    "departures",
    "us_apprehensions_families",
    "us_port_arrivals_families",
    "mx_apprehensions",
    "deportations",
    "waiting_total",
    "mpp_waiting",
    "asylum_claims_mx",
    "victimisation_incidents",
    "deaths",
)
# The headline cards: key, title, and what is counted.
HEADLINES: tuple[tuple[str, str, str], ...] = (
    ("reached_us", "Reached the US", "families that reached the US at least once"),
    ("stopped_mx", "Stopped in Mexico", "apprehensions in Mexico (a family may count twice)"),
    ("waiting", "Waiting at the border", "families in Mexican border cities on the last day"),
    ("harmed", "Harmed", "crimes suffered by families on the way"),
    ("died", "Died", "families in which someone died"),
)


@dataclass(frozen=True)
class RunSpec:
    """What defines one run: its choice, lever settings, scale, seed and length."""

    choice: str
    settings: tuple[tuple[str, float], ...] = ()
    families_per_year: int = DEFAULT_FAMILIES_PER_YEAR
    seed: int = 1
    days: int | None = None

    @classmethod
    def of(
        cls,
        choice: str,
        settings: Mapping[str, float] | None,
        families_per_year: float,
        seed: int,
        days: int | None = None,
    ) -> RunSpec:
        """A run; the lever settings count only for ``MY_SETTINGS``."""
        kept = tuple(sorted((settings or {}).items())) if choice == MY_SETTINGS else ()
        return cls(choice, kept, int(families_per_year), int(seed), days)


# Outcomes, sides and comparisons compare by identity (eq=False): the page redraws a picture
# only for a new answer, and their tables would make equality slow or ambiguous.
@dataclass(eq=False)
class RunOutcome:
    """What the page shows of one finished run.

    Attributes:
        spec: The run.
        daily: The series of ``DAILY_COLUMNS``, one row a day, indexed by date.
        headline: The headline counts, by the keys of ``HEADLINES``.
        departures: All departures over the run (new attempts included): the denominator of
            shares "per 1,000 departures".
        links: Families setting off along each link over the run (``source, target, mode,
            families``).
        final_states: Families in each state on the last day.
        warm_days: Days simulated before the first recorded day (0: the run starts empty).
        seconds: How long the run took in its worker.
    """

    spec: RunSpec
    daily: pd.DataFrame
    headline: dict[str, float]
    departures: float
    links: pd.DataFrame
    final_states: dict[str, int]
    warm_days: int = 0
    seconds: float = 0.0


def run_outcome(spec: RunSpec) -> RunOutcome:
    """Run one whole period and keep what the page shows (runs in a worker process)."""
    began = time.perf_counter()
    scenario = scenario_for(spec.choice, dict(spec.settings))
    if spec.days is not None:
        scenario = scenario.model_copy(update={"days": int(spec.days)})
    model = model_at_scale(scenario, spec.families_per_year, seed=spec.seed)
    model.run_for(model.spec.days)
    results = model.results()
    daily = results.daily
    columns = [c for c in DAILY_COLUMNS if c in daily.columns]
    totals = daily[columns].sum()
    headline = {
        "reached_us": float(len(results.journey_days)),
        "stopped_mx": float(totals.get("mx_apprehensions", 0.0)),
        "waiting": float(daily["waiting_total"].iloc[-1]) if len(daily) else 0.0,
        "harmed": float(totals.get("victimisation_incidents", 0.0)),
        "died": float(totals.get("deaths", 0.0)),
    }
    return RunOutcome(
        spec=spec,
        daily=daily[columns].astype(float),
        headline=headline,
        departures=float(totals.get("departures", 0.0)),
        links=results.link_totals(),
        final_states=dict(results.final_states),
        warm_days=int(getattr(scenario, "spinup_days", 0) or 0),
        seconds=time.perf_counter() - began,
    )


def _warm() -> int:
    """Import and load what a run needs, so the first real run is not slow."""
    preset("Baseline 2019")
    preset("June 2019 agreement")
    return os.getpid()


def _pool(workers: int) -> Executor:
    # forkserver: workers start from a clean process with migsim imported, not from a copy of
    # the web server's threads.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["migsim.app.runs", "migsim.app.forkserver_lifeline"])
    return ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=end_with_parent)


class Superseded(Exception):
    """A newer request came before these runs were done."""


@dataclass
class Runner:
    """Runs whole periods in worker processes and remembers their outcomes.

    Args:
        workers: Worker processes (default: the CPUs this process may use, at most 4);
            0 makes every run in this process (for tests and notebooks).
    """

    workers: int = field(default_factory=lambda: min(4, len(os.sched_getaffinity(0))))
    _executor: Executor | None = None
    _cache: dict[RunSpec, RunOutcome] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def executor(self) -> Executor:
        """The worker pool, started (and warmed) on first use."""
        with self._lock:
            if self._executor is None:
                pool = _pool(self.workers)
                for future in [pool.submit(_warm) for _ in range(self.workers)]:
                    future.result()
                self._executor = pool
        return self._executor

    def start(self) -> None:
        """Start the worker pool in the background (the first answer then does not wait)."""
        threading.Thread(target=self.executor, daemon=True, name="migsim-workers").start()

    def outcomes(
        self,
        specs: Sequence[RunSpec],
        is_current: Callable[[], bool] = lambda: True,
        *,
        at_once: int | None = None,
    ) -> list[RunOutcome]:
        """The outcomes of these runs, running those not yet known in parallel.

        Args:
            specs: The runs.
            is_current: Asked while waiting; once it is false (a newer request came), runs not
                yet started are dropped and :class:`Superseded` is raised. Runs already
                started finish and are remembered.

            at_once: At most this many runs in the pool at a time (default: one per
                worker); fewer leave workers free for a request that comes meanwhile.

        Raises:
            Superseded: If ``is_current`` turned false before every run was done.
        """
        missing = list(dict.fromkeys(s for s in specs if s not in self._cache))
        if self.workers < 1:
            for spec in missing:
                if not is_current():
                    raise Superseded
                self._cache[spec] = run_outcome(spec)
        elif missing:
            for attempt in (1, 2):
                try:
                    todo = [s for s in missing if s not in self._cache]
                    self._run_in_pool(todo, is_current, at_once or self.workers)
                    break
                except BrokenProcessPool:
                    # A worker died (killed, out of memory, or a crash in a run): start a new
                    # pool and try once more; a run that kills its worker twice is an error
                    # for the page to show, never a crash of the server itself.
                    with self._lock:
                        self._executor = None
                    if attempt == 2:
                        raise RuntimeError("a run stopped its worker process twice") from None
        found = [self._cache[s] for s in specs]
        for old in list(self._cache)[: max(0, len(self._cache) - REMEMBERED)]:
            del self._cache[old]
        return found

    def _run_in_pool(
        self, missing: list[RunSpec], is_current: Callable[[], bool], at_once: int
    ) -> None:
        # At most one run per worker is handed to the pool at a time: a run handed over cannot
        # be taken back, so a newer request never waits behind more than the runs in hand.
        pool = self.executor()
        waiting = list(missing)
        running: dict[Future, RunSpec] = {}
        while waiting or running:
            if not is_current():
                for future, spec in running.items():
                    future.add_done_callback(self._remember(spec))
                raise Superseded
            while waiting and len(running) < at_once:
                spec = waiting.pop(0)
                running[pool.submit(run_outcome, spec)] = spec
            done, _ = wait(running, timeout=0.05, return_when=FIRST_COMPLETED)
            for future in done:
                self._cache[running.pop(future)] = future.result()

    def _remember(self, spec: RunSpec) -> Callable[[Future], None]:
        def remember(future: Future) -> None:
            if not future.cancelled() and future.exception() is None:
                self._cache[spec] = future.result()

        return remember

    def shutdown(self) -> None:
        """Stop the worker processes."""
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None


@dataclass(eq=False)
class Side:
    """One side of a comparison: its choice, lever note and one outcome per seed."""

    choice: str
    note: str
    outcomes: list[RunOutcome]

    @property
    def shown(self) -> RunOutcome:
        """The run of the chosen seed (the first)."""
        return self.outcomes[0]


@dataclass(eq=False)
class Comparison:
    """Both sides' whole-period runs, over the same seeds.

    Attributes:
        sides: The left side, and the right one when there is one.
        families_per_year: The runs' scale (new families a year at the base rate).
        full_scale: The 2019 scenarios' own figure; ``factor`` converts counts to it.
        seeds: The seeds of the band (the first is the chosen seed).
        seconds: Wall time from the request to the outcomes.
    """

    sides: list[Side]
    families_per_year: float
    full_scale: float
    seeds: tuple[int, ...]
    seconds: float

    @property
    def factor(self) -> float:
        """What multiplies a count in these runs to 2019's numbers."""
        return self.full_scale / self.families_per_year


def compare(
    runner: Runner,
    left: str,
    right: str | None,
    settings: Mapping[str, float] | None = None,
    *,
    families_per_year: float = DEFAULT_FAMILIES_PER_YEAR,
    seed: int = 1,
    seeds: int = BAND_SEEDS,
    days: int | None = None,
    is_current: Callable[[], bool] = lambda: True,
    at_once: int | None = None,
) -> Comparison:
    """Run the left and right choices over ``seeds`` seeds from ``seed`` on, in parallel.

    ``is_current`` and ``at_once`` are passed to :meth:`Runner.outcomes`.
    """
    began = time.perf_counter()
    chosen = [left] if right is None else [left, right]
    band = tuple(range(int(seed), int(seed) + max(1, int(seeds))))
    specs = {
        (choice, s): RunSpec.of(choice, settings, families_per_year, s, days)
        for choice in chosen
        for s in band
    }
    # The chosen seed of both sides first, then the band.
    order = sorted(specs, key=lambda key: (band.index(key[1]), chosen.index(key[0])))
    outcomes = runner.outcomes([specs[k] for k in order], is_current, at_once=at_once)
    found = dict(zip(order, outcomes, strict=True))
    sides = [
        Side(
            choice,
            describe_changes(settings or {}) if choice == MY_SETTINGS else "",
            [found[(choice, s)] for s in band],
        )
        for choice in chosen
    ]
    return Comparison(
        sides=sides,
        families_per_year=float(families_per_year),
        full_scale=float(preset("Baseline 2019").population.families_per_year),
        seeds=band,
        seconds=time.perf_counter() - began,
    )
