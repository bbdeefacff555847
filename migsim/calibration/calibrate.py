"""A calibration from start to report: targets, ABC-SMC, the shipped point and its checks.

:func:`prepare` loads the fit scenario and its corridor, finds which target measures the model
writes (a one-day probe run) and reads the observed targets; :func:`calibrate` runs ABC-SMC
(:mod:`migsim.calibration.smc`) and chooses the shipped point by :data:`SHIPPED_RULE`; the
report (:mod:`migsim.calibration.report`), whose headline is the shipped point's own fit on
fresh seeds, is written from the result.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from migsim.calibration.config import CalibrationConfig
from migsim.calibration.simulate import Simulator, fit_scenario
from migsim.calibration.smc import SmcResult, run_smc
from migsim.calibration.targets import available, load_targets

SHIPPED_RULE = (
    "the particle of the last generation with the smallest distance to the data (ties: the "
    "larger posterior weight)"
)


@dataclass
class Calibration:
    """What :func:`calibrate` found.

    Attributes:
        simulator: The model as calibrated (scenario, corridor, targets).
        smc: The last generation and the run's history in brief.
        shipped: The shipped point (parameter values by address).
        elapsed_s: Wall time of this call.
    """

    simulator: Simulator
    smc: SmcResult
    shipped: dict[str, float]
    elapsed_s: float


def prepare(config: CalibrationConfig) -> Simulator:
    """The simulator of a calibration, with its observed targets read and checked.

    Raises:
        InputError: For a missing observed file, column or month, or an unknown target.
    """
    from migsim.corridor import load_corridor

    scenario = fit_scenario(config)
    corridor = load_corridor(scenario.corridor_path())
    observed = load_targets(config, available(scenario, corridor))
    return Simulator(
        scenario, corridor, dict(config.parameters), observed, config.scale, config.seed,
        config.replicates,
    )  # fmt: skip


def shipped_point(config: CalibrationConfig, particles: pd.DataFrame) -> dict[str, float]:
    """The shipped point, chosen from the last generation by :data:`SHIPPED_RULE`."""
    best = particles.sort_values(["distance", "weight"], ascending=[True, False]).iloc[0]
    return {name: prior.value(best[name]) for name, prior in config.parameters.items()}


def calibrate(
    config: CalibrationConfig,
    out: Path,
    workers: int | None = None,
    dask: str | None = None,
    progress: bool = True,
) -> Calibration:
    """Run (or continue) the calibration and write its outputs to ``out``.

    Args:
        config: The calibration.
        out: The output folder (``history.db`` inside it makes the run resumable).
        workers: Worker processes (default: CPUs), or threads on a Dask cluster.
        dask: ``None``, ``"local"`` or a Dask scheduler address, as for experiments.
        progress: Show progress bars.

    The report (:func:`migsim.calibration.report.write_report`) is written by the caller.
    """
    began = time.perf_counter()
    simulator = prepare(config)
    result = run_smc(config, simulator, Path(out), workers, dask, progress)
    shipped = shipped_point(config, result.particles)
    return Calibration(simulator, result, shipped, time.perf_counter() - began)


def today() -> str:
    """The date a result was written (UTC)."""
    return dt.datetime.now(dt.UTC).date().isoformat()
