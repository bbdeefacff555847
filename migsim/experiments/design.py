"""Design points: the parameter values of each point of a grid, Latin hypercube, Sobol or Morris.

Sampling designs come from SALib and are reproducible from ``design.seed``. Point ``k`` is row
``k`` of the sample matrix, which the Sobol and Morris analyses rely on. Whole-number
parameters (days, counts) are rounded.
"""

from __future__ import annotations

import itertools

import numpy as np

from migsim.experiments.spec import Experiment, parameter_field


def problem(experiment: Experiment) -> dict:
    """The SALib problem: parameter names and bounds (empty for a grid without bounds)."""
    names = list(experiment.parameters)
    bounds = [list(spec.bounds) if spec.bounds else [np.nan, np.nan] for spec in
              experiment.parameters.values()]  # fmt: skip
    return {"num_vars": len(names), "names": names, "bounds": bounds}


def sample_matrix(experiment: Experiment) -> np.ndarray:
    """One row per design point, one column per parameter (a single empty row if none)."""
    params = experiment.parameters
    if not params:
        return np.zeros((1, 0))
    design = experiment.design
    if design.method == "grid":
        rows = list(itertools.product(*(spec.grid_values() for spec in params.values())))
        return np.asarray(rows, dtype=float)
    spec = problem(experiment)
    if design.method == "latin_hypercube":
        from SALib.sample import latin

        return latin.sample(spec, design.samples, seed=design.seed)
    if design.method == "sobol":
        from SALib.sample import sobol

        return sobol.sample(spec, design.samples, calc_second_order=False, seed=design.seed)
    from SALib.sample import morris

    return morris.sample(spec, design.samples, num_levels=design.levels, seed=design.seed)


def design_points(experiment: Experiment) -> list[dict[str, float | int]]:
    """The parameter values of every design point, in design order."""
    matrix = sample_matrix(experiment)
    kinds = [parameter_field(address)[0] for address in experiment.parameters]
    points = []
    for row in matrix:
        point: dict[str, float | int] = {}
        for address, kind, value in zip(experiment.parameters, kinds, row, strict=True):
            point[address] = int(round(value)) if kind is int else float(value)
        points.append(point)
    return points
