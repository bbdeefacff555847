"""ABC-SMC with pyabc: priors, distance, population sizes, samplers, and a resumable run.

:func:`run_smc` builds a :class:`pyabc.ABCSMC` from a calibration file and runs it, keeping
pyabc's history in ``OUT/history.db`` (SQLite). Each generation is written when it completes,
so running the same command again continues from the last complete generation (an interrupted
generation is sampled again); a history made under a different calibration file is refused.

Samplers: one process (``workers=1``), pyabc's multicore sampler on this machine, or pyabc's
:class:`~pyabc.sampler.DaskDistributedSampler` on the Dask cluster that experiments use
(:func:`migsim.experiments.runner.open_workers` starts or connects it).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from migsim.calibration.config import CalibrationConfig
from migsim.calibration.metrics import METRICS
from migsim.calibration.simulate import Simulator, key, parametrised
from migsim.calibration.targets import TARGETS, ObservedTargets
from migsim.corridor import corridor_files
from migsim.errors import InputError

HISTORY = "history.db"
STATE = "smc.json"


def quiet_pyabc() -> None:
    """Silence pyabc's INFO logging (the progress bar reports instead)."""
    logging.getLogger("ABC").setLevel(logging.WARNING)


def prior(config: CalibrationConfig) -> Any:
    """The prior for pyabc: independent uniform (or log-uniform) ranges."""
    import pyabc

    rvs = {}
    for address, p in config.parameters.items():
        if p.log:
            rvs[key(address)] = pyabc.RV("loguniform", p.low, p.high)
        else:
            rvs[key(address)] = pyabc.RV("uniform", p.low, p.high - p.low)
    return pyabc.Distribution(**rvs)


@dataclass
class MetricDistance:
    """The weighted sum of each target's fit metric over its threshold (picklable)."""

    weights: dict[str, float]

    def __call__(self, x: dict[str, np.ndarray], x_0: dict[str, np.ndarray]) -> float:
        """Distance between a run's summary ``x`` and the observed ``x_0``."""
        total = 0.0
        for name, weight in self.weights.items():
            if weight:
                target = TARGETS[name]
                scale = target.threshold if target.threshold > 0 else 0.1
                total += weight * METRICS[target.metric](x[name], x_0[name]) / scale
        return total


def distance(config: CalibrationConfig, observed: ObservedTargets) -> Any:
    """The pyabc distance for the calibration's ``distance`` setting.

    ``adaptive``: an :class:`~pyabc.distance.AdaptivePNormDistance` over every observed value,
    each scaled by its spread among the last generation's simulations, with each target's
    weight shared among its values (a target of eight months weighs what a single share does).
    """
    import pyabc

    if config.distance.kind == "metrics":
        return MetricDistance(dict(observed.weights))
    fixed = {}
    for name, series in observed.values.items():
        for ix in range(len(series)):
            fixed[f"{name}:{ix}"] = observed.weights[name] / len(series)
    return pyabc.AdaptivePNormDistance(p=config.distance.p, fixed_weights=fixed)


def population(config: CalibrationConfig) -> Any:
    """The pyabc population strategy: constant, or adapted to the posterior's spread."""
    import pyabc

    pop = config.population
    if not pop.adaptive:
        return pyabc.ConstantPopulationSize(pop.size)

    class SteadyAdaptivePopulationSize(pyabc.AdaptivePopulationSize):
        """Adaptive sizes that keep the last size when the bootstrap fit fails.

        pyabc fits a power law to bootstrapped coefficients of variation; with few particles
        and many parameters the fit can fail (non-finite values), which would end the run.
        """

        def update(self, *args: Any, **kwargs: Any) -> None:
            try:
                super().update(*args, **kwargs)
            except (ValueError, RuntimeError, np.linalg.LinAlgError):
                logging.getLogger("ABC.Adaptation").warning(
                    "population size not adapted (fit failed); keeping %d", self.nr_particles
                )

    return SteadyAdaptivePopulationSize(
        pop.size, mean_cv=pop.mean_cv, max_population_size=pop.max, min_population_size=pop.min
    )


@contextlib.contextmanager
def sampler(workers: int | None, dask: str | None, progress: bool) -> Iterator[Any]:
    """A pyabc sampler for the block: one process, this machine's cores, or a Dask cluster."""
    import os

    import pyabc

    if dask is not None:
        from distributed import default_client

        from migsim.experiments.runner import open_workers

        with open_workers(workers, dask) as pool:
            yield pyabc.sampler.DaskDistributedSampler(
                default_client(), client_max_jobs=pool.workers, batch_size=1
            )
        return
    n = workers or os.cpu_count() or 1
    out = pyabc.SingleCoreSampler() if n == 1 else pyabc.MulticoreEvalParallelSampler(n)
    out.show_progress = progress
    yield out


def fingerprint(config: CalibrationConfig, simulator: Simulator) -> str:
    """A hash of what the history's particles depend on (not the stopping rules).

    The scenario enters with every calibrated parameter set to its prior's lower end: each
    particle sets those itself, so shipping a calibration's point into the scenario does not
    make its own history look like another calibration's. Its corridor enters by the content
    of its files, not by where the checkout is, so a history moves with the model folder.
    """
    settings = config.model_dump(
        mode="json",
        exclude={"generations", "max_simulations", "min_acceptance_rate", "report", "forecast"},
    )
    observed = {k: v.round(6).tolist() for k, v in simulator.observed.values.items()}
    lows = {address: prior.value(prior.low) for address, prior in config.parameters.items()}
    files = hashlib.sha256(b"".join(corridor_files(simulator.scenario.corridor_path())))
    scenario = parametrised(simulator.scenario, lows).to_yaml(corridor=files.hexdigest())
    text = json.dumps([settings, observed, scenario], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


@dataclass
class SmcResult:
    """The last generation of a calibration.

    Attributes:
        particles: One row per particle: parameter values (by address), ``weight``,
            ``distance`` and ``generation``.
        summaries: Each particle's summary statistics (row order of ``particles``).
        generations: Generations in the history.
        simulations: Simulations run in all.
        epsilons: The acceptance threshold of each generation.
        populations: Particles in each generation.
    """

    particles: pd.DataFrame
    summaries: list[dict[str, np.ndarray]]
    generations: int
    simulations: int
    epsilons: list[float]
    populations: list[int]


def _generation_bar(total: int, done: int, show: bool) -> Any:
    from tqdm import tqdm

    return tqdm(
        total=total, initial=done, unit="gen", desc="ABC-SMC generations", disable=not show,
        dynamic_ncols=True,
    )  # fmt: skip


def run_smc(
    config: CalibrationConfig,
    simulator: Simulator,
    out: Path,
    workers: int | None = None,
    dask: str | None = None,
    progress: bool = True,
) -> SmcResult:
    """Run (or continue) the ABC-SMC calibration into ``out``; return its last generation.

    Raises:
        InputError: If ``out`` holds the history of a different calibration.
    """
    import pyabc

    quiet_pyabc()
    out.mkdir(parents=True, exist_ok=True)
    db, state_file = out / HISTORY, out / STATE
    mark = fingerprint(config, simulator)
    state = json.loads(state_file.read_text()) if state_file.is_file() and db.is_file() else None
    if state is not None and state["fingerprint"] != mark:
        raise InputError(
            out,
            "holds the history of a different calibration (the scenario, priors, targets, "
            f"distance or populations changed); use another --out or remove {db.name} and "
            f"{state_file.name}",
        )
    with sampler(workers, dask, progress) as chosen:
        abc = pyabc.ABCSMC(
            simulator, prior(config), distance(config, simulator.observed),
            population_size=population(config), sampler=chosen,
        )  # fmt: skip
        url = f"sqlite:///{db.resolve()}"
        if state is None:
            history = abc.new(url, simulator.observed.summary(), meta_info={"migsim": mark})
            state_file.write_text(json.dumps({"fingerprint": mark, "abc_id": history.id}))
        else:
            history = abc.load(url, state["abc_id"])
        done = history.n_populations if history.max_t >= 0 else 0
        left = config.generations - done
        if left > 0 and not _stopped(config, history):
            bar = _generation_bar(config.generations, done, progress)
            append = history.append_population

            def counted(*args: Any, **kwargs: Any) -> Any:
                result = append(*args, **kwargs)
                bar.set_postfix(eps=f"{args[1]:.3g}", sims=history.total_nr_simulations)
                bar.update(1)
                return result

            history.append_population = counted  # one tick a completed generation
            try:
                abc.run(
                    max_nr_populations=left,
                    max_total_nr_simulations=config.max_simulations or np.inf,
                    min_acceptance_rate=config.min_acceptance_rate,
                )
            finally:
                bar.close()
    return read_result(config, history)


def _stopped(config: CalibrationConfig, history: Any) -> bool:
    """Whether a stopping rule other than the generations already ended the run."""
    return bool(config.max_simulations and history.total_nr_simulations >= config.max_simulations)


def read_result(config: CalibrationConfig, history: Any) -> SmcResult:
    """The last generation of a history, by address."""
    t = history.max_t
    pop = history.get_population(t)
    rows, summaries = [], []
    for particle in pop.particles:
        values = {a: p.value(float(particle.parameter[key(a)])) for a, p in
                  config.parameters.items()}  # fmt: skip
        rows.append({**values, "weight": particle.weight, "distance": particle.distance})
        summaries.append({k: np.asarray(v, dtype=float) for k, v in particle.sum_stat.items()})
    particles = pd.DataFrame(rows)
    particles["weight"] /= particles["weight"].sum()
    particles["generation"] = t
    pops = history.get_all_populations()
    pops = pops[pops["t"] >= 0]
    return SmcResult(
        particles=particles,
        summaries=summaries,
        generations=t + 1,
        simulations=int(history.total_nr_simulations),
        epsilons=[float(e) for e in pops["epsilon"]],
        populations=[int(n) for n in history.get_nr_particles_per_population().loc[0:]],
    )
