"""Runs: one scenario, one set of parameter values and one seed, turned into one table row.

:func:`plan_runs` expands an experiment into runs. A run's id is a hash of everything that
determines its outcome (the scenario and corridor contents, parameter values, seed, days,
families a year and the outcomes kept) and of its place (the scenario's label, the design
point), so a resumed experiment can tell which runs it has.
:func:`run_batch` is what workers execute: it takes the scenarios and corridors with it, so
workers on other machines need migsim installed but not the experiment's files.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import threading
import time
import traceback
from dataclasses import dataclass, field
from typing import Any

from migsim.calibration.posterior import Draw, posterior_draws
from migsim.errors import quiet_numeric_warnings
from migsim.experiments.design import design_points
from migsim.experiments.spec import Experiment
from migsim.outfolder import process_gone

# Columns that identify a run, before its parameters and outcomes.
ID_COLUMNS = ("run_id", "experiment", "scenario", "scenario_file", "point", "replicate", "seed",
              "days", "families_per_year")  # fmt: skip
STATUS_COLUMNS = ("status", "error", "elapsed_s", "cpu_s", "host")
# Days between checks that a run has not outgrown memory (scenario.check_families_created).
CHECK_EVERY_DAYS = 30


@dataclass(frozen=True)
class Run:
    """One run of an experiment.

    Attributes:
        run_id: A hash of the run's content (16 hex digits).
        scenario: The scenario's label in the experiment.
        point: The design point (row of the sample matrix).
        replicate: The replicate number; the seed is ``base_seed + replicate``.
        seed: The model's random seed.
        parameters: Parameter values by address (e.g. ``remain_in_mexico.share``).
        calibrated: A posterior draw's values (set on the scenario's own levers), if any.
        assumed: A posterior draw's assumed values (where the scenario has the lever).
    """

    run_id: str
    scenario: str
    point: int
    replicate: int
    seed: int
    parameters: dict[str, float | int] = field(hash=False)
    calibrated: dict[str, Any] = field(default_factory=dict, hash=False)
    assumed: dict[str, float] = field(default_factory=dict, hash=False)


@dataclass
class Setup:
    """What a worker needs to run a scenario: the scenario, its corridor and the options."""

    label: str
    scenario: Any
    corridor: Any
    file: str
    days: int
    families_per_year: float | None
    outcomes: list[str]
    monthly: list[str]
    experiment: str
    scale: float = 1.0


@dataclass
class Batch:
    """Runs sent to a worker as one task, with the set-ups of their scenarios."""

    runs: list[Run]
    setups: dict[str, Setup]


def _digest(*parts: bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(hashlib.sha256(part).digest())
    return h.hexdigest()


def scenario_digest(experiment: Experiment, label: str) -> str:
    """A hash of a scenario file's validated content and its corridor's files."""
    from migsim.corridor import corridor_files
    from migsim.scenario import load_scenario

    scenario = load_scenario(experiment.scenario_path(label))
    parts = [scenario.model_dump_json(exclude={"path", "corridor"}).encode()]
    return _digest(*parts, *corridor_files(scenario.corridor_path()))


def run_days(experiment: Experiment, label: str) -> int:
    """Days each run of a scenario simulates."""
    from migsim.scenario import load_scenario

    if experiment.days is not None:
        return experiment.days
    return load_scenario(experiment.scenario_path(label)).days


def draws_of(experiment: Experiment) -> list[Draw]:
    """A posterior experiment's draws, one a replicate (:mod:`migsim.calibration.posterior`)."""
    from migsim.calibration.config import load_config

    if experiment.posterior is None:
        return []
    config = load_config(experiment.calibration_path())
    return posterior_draws(
        config, experiment.calibrated_path(), experiment.replicates, experiment.base_seed,
        experiment.posterior.assumptions,
    )  # fmt: skip


def run_scale(experiment: Experiment) -> float:
    """The fraction of the families a run simulates (a posterior experiment's scale)."""
    from migsim.calibration.config import load_config

    if experiment.posterior is None:
        return 1.0
    if experiment.posterior.scale is not None:
        return experiment.posterior.scale
    return load_config(experiment.calibration_path()).scale


def plan_runs(experiment: Experiment) -> list[Run]:
    """Every run of the experiment: scenarios × design points × replicates, in that order.

    In a posterior experiment replicate ``k`` runs posterior draw ``k`` with seed
    ``base_seed + k`` in every scenario and at every point.
    """
    from migsim.scenario import load_scenario

    points = design_points(experiment)
    draws = draws_of(experiment)
    scale = run_scale(experiment)
    runs = []
    for label in experiment.scenarios:
        digest = scenario_digest(experiment, label)
        days = run_days(experiment, label)
        scenario = load_scenario(experiment.scenario_path(label)) if draws else None
        for point, values in enumerate(points):
            for replicate in range(experiment.replicates):
                seed = experiment.base_seed + replicate
                calibrated = draws[replicate].values if draws else {}
                assumed = draws[replicate].assumed_in(scenario) if draws else {}
                # The label and the point's index too: two labels may name the same file, and
                # a design may hold the same values twice (a Sobol column of whole numbers);
                # each needs its own row.
                content = {
                    "label": label,
                    "scenario": digest,
                    "point": point,
                    "parameters": {k: repr(v) for k, v in sorted(values.items())},
                    "seed": seed,
                    "days": days,
                    "families_per_year": repr(experiment.families_per_year),
                    "size": "at_scale",  # a size scales capacities alike (not before)
                    "outcomes": experiment.outcomes,
                    "monthly": experiment.monthly,
                }
                if draws:
                    content["posterior"] = {k: repr(v) for k, v in sorted(calibrated.items())}
                    content["assumed"] = {k: repr(v) for k, v in sorted(assumed.items())}
                    content["scale"] = repr(scale)
                run_id = _digest(json.dumps(content, sort_keys=True).encode())[:16]
                runs.append(Run(run_id, label, point, replicate, seed, values, calibrated, assumed))
    return runs


def make_setups(experiment: Experiment) -> dict[str, Setup]:
    """Load each scenario and its corridor once, for sending to workers."""
    from migsim.scenario import load_scenario

    setups = {}
    for label in experiment.scenarios:
        path = experiment.scenario_path(label)
        scenario = load_scenario(path)
        setups[label] = Setup(
            label=label,
            scenario=scenario,
            corridor=scenario.load_corridor(),
            file=str(path),
            days=run_days(experiment, label),
            families_per_year=experiment.families_per_year,
            outcomes=list(experiment.outcomes),
            monthly=list(experiment.monthly),
            experiment=experiment.name,
            scale=run_scale(experiment),
        )
    return setups


def outcome_row(results: Any, setup: Setup) -> dict[str, float]:
    """A run's kept outcomes: scalars by name, monthly measures as ``name[YYYY-MM]``."""
    from migsim.outcomes import monthly, scalar_outcomes

    row = scalar_outcomes(results, setup.outcomes)
    if setup.monthly:
        table = monthly(results)
        for measure in setup.monthly:
            for month, value in table[measure].items():
                row[f"{measure}[{month}]"] = float(value)
    return row


def run_scenario(run: Run, setup: Setup) -> Any:
    """The scenario a run simulates: its draw's values, then its own, then its size.

    The size (``families_per_year``, or a posterior's ``scale``) comes last and scales every
    capacity and quota set before it alike (:meth:`Scenario.at_scale`), so a smaller run is
    the scenario in miniature, not a smaller population meeting full-size limits.
    """
    scenario = setup.scenario
    if run.calibrated:  # a posterior draw: the levers in force, not a response's
        scenario = scenario.with_parameters(run.calibrated, responses=False)
    values: dict[str, Any] = {"days": setup.days}
    values.update(run.assumed)
    values.update(run.parameters)
    scenario = scenario.with_parameters(values)
    if setup.families_per_year is not None:
        scenario = scenario.at_scale(setup.families_per_year)
    elif setup.scale != 1:
        scenario = scenario.at_scale(scenario.population.families_per_year * setup.scale)
    return scenario


def execute_run(run: Run, setup: Setup) -> dict[str, Any]:
    """Run one model and return its table row; an exception is recorded, not raised."""
    from migsim.model import MigrationModel
    from migsim.scenario import check_families_created

    row: dict[str, Any] = {
        "run_id": run.run_id,
        "experiment": setup.experiment,
        "scenario": run.scenario,
        "scenario_file": setup.file,
        "point": run.point,
        "replicate": run.replicate,
        "seed": run.seed,
        "days": setup.days,
        "families_per_year": (
            setup.families_per_year
            if setup.families_per_year is not None
            else float(setup.scenario.population.families_per_year)
        ),
        **run.calibrated,
        **run.assumed,
        **run.parameters,
    }
    start, cpu = time.perf_counter(), time.process_time()
    try:
        scenario = run_scenario(run, setup)
        row["families_per_year"] = float(scenario.population.families_per_year)
        model = MigrationModel(scenario, seed=run.seed, corridor=setup.corridor)
        for done in range(0, scenario.days, CHECK_EVERY_DAYS):
            days = min(CHECK_EVERY_DAYS, scenario.days - done)
            model.run_for(days)
            check_families_created(scenario, model.families_created, done + days - 1)
        outcomes = outcome_row(model.results(), setup)
        row.update(status="ok", error=None)
        row.update(outcomes)
    except Exception as exc:  # a failed run is recorded with its error; the rest go on
        last = traceback.extract_tb(exc.__traceback__)[-1:]
        where = f" (at {last[0].filename}:{last[0].lineno})" if last else ""
        row.update(status="failed", error=f"{type(exc).__name__}: {exc}{where}")
    row["elapsed_s"] = time.perf_counter() - start
    row["cpu_s"] = time.process_time() - cpu
    row["host"] = socket.gethostname()
    return row


def start_worker(pid: int) -> None:
    """Set up a pool worker: numpy's warnings kept quiet, and an eye on the parent process."""
    quiet_numeric_warnings()
    watch_parent(pid)


def watch_parent(pid: int, every_s: float = 1.0) -> None:
    """In a pool worker: exit as soon as the process that started the experiment is gone.

    A worker left behind by a killed command would otherwise finish the runs queued for it,
    whose results nobody can write.
    """

    def watch() -> None:
        while not process_gone(pid):
            time.sleep(every_s)
        os._exit(1)

    threading.Thread(target=watch, name="migsim-watch-parent", daemon=True).start()


def run_batch(batch: Batch) -> list[dict[str, Any]]:
    """Execute a batch of runs (in a worker) and return one row per run."""
    return [execute_run(run, batch.setups[run.scenario]) for run in batch.runs]
