"""Time a year of the model at one size: set-up with its spin-up, and the 365 recorded days.

Runs the June 2019 agreement scenario in a warm process (the model imported and numba's
kernels loaded by a tiny run first) and prints JSON: CPU and wall seconds of building the model
(set-up and the spin-up before ``start``) and of the year, the best of ``--reps`` repeats by
CPU time, and the families created.

For instruction counts, ``--stop`` ends the process after the warm-up (``none``), after
building the model (``init``) or after the year (``run``); the differences of three
callgrind counts are the set-up with spin-up and the year:

    valgrind --tool=callgrind --callgrind-out-file=/dev/null \\
        .venv/bin/python benchmarks/small.py 1000 --stop run

Usage: python benchmarks/small.py SIZE [--reps 3] [--stop none|init|run]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

SCENARIO = (
    Path(__file__).resolve().parent.parent
    / "models"
    / "northern_triangle_2019"
    / "scenarios"
    / "june_2019_agreement.yaml"
)


def main() -> None:
    """Time the model at one size and print the figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("size", type=float, help="first departures a year")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--stop", choices=("none", "init", "run"))
    args = parser.parse_args()

    from migsim.model import MigrationModel
    from migsim.scenario import load_scenario

    scenario = load_scenario(SCENARIO, days=365)
    warm = scenario.model_copy(update={"spinup_days": 0})
    MigrationModel(warm, families_per_year=500).run_for(2)  # imports, numba's kernels
    if args.stop is not None:
        if args.stop != "none":
            model = MigrationModel(scenario, families_per_year=args.size)
            if args.stop == "run":
                model.run_for(365)
        return
    best = None
    for _ in range(args.reps):
        cpu0, wall0 = time.process_time(), time.perf_counter()
        model = MigrationModel(scenario, families_per_year=args.size)
        cpu1, wall1 = time.process_time(), time.perf_counter()
        model.run_for(365)
        cpu2, wall2 = time.process_time(), time.perf_counter()
        figures = {
            "families_per_year": args.size,
            "created": model.families.n,
            "setup_and_spinup_cpu_s": round(cpu1 - cpu0, 3),
            "year_cpu_s": round(cpu2 - cpu1, 3),
            "total_cpu_s": round(cpu2 - cpu0, 3),
            "setup_and_spinup_wall_s": round(wall1 - wall0, 3),
            "year_wall_s": round(wall2 - wall1, 3),
            "total_wall_s": round(wall2 - wall0, 3),
        }
        if best is None or figures["total_cpu_s"] < best["total_cpu_s"]:
            best = figures
    print(json.dumps(best))


if __name__ == "__main__":
    main()
