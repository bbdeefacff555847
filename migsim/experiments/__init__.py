"""Experiments: ensembles, scenario comparisons, parameter sweeps and global sensitivity.

An experiment file (YAML, see ``docs/experiments.md``) names scenarios, replicate seeds,
parameters to vary and the outcomes to keep. :func:`load_experiment` validates it,
:func:`plan_runs` expands it into runs, and :func:`run_experiment` executes them on a local
process pool or a Dask cluster, writing finished runs batch by batch so that an interrupted
experiment resumes where it stopped. Names are imported on first use, so that the command line
starts quickly.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "Experiment": "migsim.experiments.spec",
    "load_experiment": "migsim.experiments.spec",
    "Run": "migsim.experiments.runs",
    "plan_runs": "migsim.experiments.runs",
    "RunSummary": "migsim.experiments.runner",
    "run_experiment": "migsim.experiments.runner",
    "comparison_experiment": "migsim.experiments.compare",
    "compare_scenarios": "migsim.experiments.compare",
    "write_report": "migsim.experiments.report",
}
__all__ = list(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'migsim.experiments' has no attribute '{name}'")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
