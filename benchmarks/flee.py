"""Speed of the Flee rule set on a synthetic Flee scenario of ~50 locations and ~200,000 agents.

Writes a synthetic scenario in Flee's format (10 conflict zones, 34 towns and 6 camps on a
random road network of about 130 routes, 200,000 people displaced on day 1, a border closure),
reads it back with :mod:`migsim.interop.flee` and runs it with
:class:`~migsim.flee.model.FleeModel`, printing agent-days per second: agents in the
simulation summed over days, over the wall time of the daily steps. The whole command (read, run,
write the results) is timed too.

With ``--flee-python PATH``, the same folder is also run for ``--flee-days`` days by Flee itself
(the ``flee`` package from PyPI installed in that interpreter's environment), with its rules set
to the published ones by a ``simsetting.yml``, and its agent-days per second over the daily
``evolve`` calls are printed beside migsim's.

Usage: python benchmarks/flee.py [--agents 200000] [--days 100] [--seed 1] [--keep DIR]
                                 [--flee-python PATH --flee-days 3]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from migsim.flee.model import FleeModel  # noqa: E402
from migsim.flee.rules import FleeRules  # noqa: E402
from migsim.interop.flee import read_flee_scenario, read_validation  # noqa: E402

N_CONFLICT, N_TOWN, N_CAMP = 10, 34, 6

# Runs Flee on a folder: argv = input folder, validation folder, simsetting.yml, days, seed.
# Prints one JSON line with the seconds spent in Ecosystem.evolve and the agent-days simulated.
FLEE_DRIVER = """
import contextlib, io, json, os, random, sys, time
import numpy as np
from flee import InputGeography, flee, spawning
from flee.SimulationSettings import SimulationSettings
from flee.datamanager import handle_refugee_data, read_period
folder, data, settings, days, seed = sys.argv[1:6]
np.random.seed(int(seed)); random.seed(int(seed))
evolve = 0.0; agent_days = 0
with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
    SimulationSettings.ReadFromYML(settings)
    SimulationSettings.ConflictInputFile = os.path.join(folder, "conflicts.csv")
    start, length = read_period.read_conflict_period(os.path.join(folder, "sim_period.csv"))
    eco = flee.Ecosystem()
    geo = InputGeography.InputGeography()
    geo.ReadLocationsFromCSV(os.path.join(folder, "locations.csv"))
    geo.ReadConflictInputCSV(os.path.join(folder, "conflicts.csv"))
    geo.ReadLinksFromCSV(os.path.join(folder, "routes.csv"))
    geo.ReadClosuresFromCSV(os.path.join(folder, "closures.csv"))
    eco, names = geo.StoreInputGeographyInEcosystem(eco)
    table = handle_refugee_data.RefugeeTable(
        csvformat="generic", data_directory=data, start_date=start, data_layout="data_layout.csv"
    )
    for camp in eco.get_camp_names():
        spawning.add_initial_refugees(eco, table, names[camp])
    for t in range(int(days)):
        geo.AddNewConflictZones(eco, t)
        spawning.spawn_daily_displaced(eco, t, table)
        spawning.refresh_spawn_weights(eco)
        eco.enact_border_closures(t)
        began = time.perf_counter()
        eco.evolve()
        evolve += time.perf_counter() - began
        agent_days += eco.numAgents()
print(json.dumps({"evolve_s": evolve, "agent_days": agent_days}))
"""

PAPER_SETTINGS = """\
log_levels: {agent: 0, link: 0, camp: 0, conflict: 0, init: 0}
spawn_rules: {take_from_population: False, insert_day0: True, conflict_zone_spawning_only: True}
move_rules:
  max_move_speed: 200.0
  camp_weight: 2.0
  conflict_weight: 0.25
  conflict_movechance: 1.0
  camp_movechance: 0.001
  default_movechance: 0.3
  awareness_level: 1
  capacity_buffer: 0.9
  capacity_scaling: 1.0
  softening: 0.0
optimisations: {hasten: 1}
"""


def write_scenario(folder: Path, agents: int, days: int, seed: int) -> tuple[Path, Path]:
    """Write the synthetic scenario; return the input and validation folders."""
    rng = np.random.default_rng(seed)
    inputs, data = folder / "input_csv", folder / "source_data"
    inputs.mkdir(parents=True, exist_ok=True)
    data.mkdir(parents=True, exist_ok=True)
    n = N_CONFLICT + N_TOWN + N_CAMP
    # Conflict zones in the west, towns in the middle, camps in the east (km on a plane).
    x = np.concatenate(
        [
            rng.uniform(0, 300, N_CONFLICT),
            rng.uniform(100, 900, N_TOWN),
            rng.uniform(900, 1100, N_CAMP),
        ]
    )
    y = rng.uniform(0, 800, n)
    kind = ["conflict_zone"] * N_CONFLICT + ["town"] * N_TOWN + ["camp"] * N_CAMP
    names = [f"Z{i}" for i in range(N_CONFLICT)] + [f"T{i}" for i in range(N_TOWN)]
    names += [f"Camp{i}" for i in range(N_CAMP)]
    country = (
        ["Home"] * (N_CONFLICT + N_TOWN) + ["East"] * (N_CAMP // 2) + ["North"] * (N_CAMP // 2)
    )
    pop = [int(p) for p in rng.integers(5_000, 200_000, N_CONFLICT)] + [0] * N_TOWN
    pop += [int(c) for c in rng.integers(40_000, 120_000, N_CAMP)]  # camp capacities
    lines = ["#name,region,country,latitude,longitude,location_type,conflict_date,population"]
    for i in range(n):
        date = "0" if kind[i] == "conflict_zone" else ""
        lines.append(
            f"{names[i]},R{i % 5},{country[i]},{y[i] / 111:.4f},{x[i] / 111:.4f},{kind[i]},"
            f"{date},{pop[i]}"
        )
    (inputs / "locations.csv").write_text("\n".join(lines) + "\n")
    # Routes: each location to its three nearest neighbours, road distance 1.2 x straight line.
    d = np.hypot(x[:, None] - x[None, :], y[:, None] - y[None, :])
    pairs = set()
    for i in range(n):
        for j in np.argsort(d[i])[1:4]:
            pairs.add((min(i, int(j)), max(i, int(j))))
    order = np.argsort(x)  # a chain west to east keeps the network connected
    for a, b in zip(order[:-1], order[1:], strict=True):
        pairs.add((min(int(a), int(b)), max(int(a), int(b))))
    routes = ["#name1,name2,distance,forced_redirection"]
    routes += [f"{names[a]},{names[b]},{max(5.0, 1.2 * d[a, b]):.1f},0" for a, b in sorted(pairs)]
    (inputs / "routes.csv").write_text("\n".join(routes) + "\n")
    (inputs / "closures.csv").write_text(
        "#closure_type,name1,name2,closure_start,closure_end\ncountry,Home,North,0,30\n"
    )
    header = "#Day," + ",".join(names[:N_CONFLICT])
    rows = [f"{t}," + ",".join(["1"] * N_CONFLICT) for t in range(days)]
    (inputs / "conflicts.csv").write_text("\n".join([header, *rows]) + "\n")
    (inputs / "sim_period.csv").write_text(f"StartDate,2020-01-01\nLength,{days}\n")
    layout = ["total,refugees.csv"] + [f"{c},{c}.csv" for c in names[-N_CAMP:]]
    (data / "data_layout.csv").write_text("\n".join(layout) + "\n")
    (data / "refugees.csv").write_text(
        f"#Date,Refugee_numbers\n2020-01-01,0\n2020-01-02,{agents}\n2021-01-01,{agents}\n"
    )
    share = rng.dirichlet(np.ones(N_CAMP))
    for c, s in zip(names[-N_CAMP:], share, strict=True):
        (data / f"{c}.csv").write_text(
            f"#Date,Refugee_numbers\n2020-01-01,0\n2020-03-01,{int(0.8 * agents * s)}\n"
        )
    (folder / "simsetting.yml").write_text(PAPER_SETTINGS)
    return inputs, data


def run_migsim(inputs: Path, data: Path, days: int, seed: int) -> dict:
    """Read, run and write the scenario with migsim; return the timings."""
    began = time.perf_counter()
    scenario = read_flee_scenario(inputs)
    validation = read_validation(data, scenario)
    model = FleeModel(scenario, validation, FleeRules.paper(), seed=seed, days=days)
    results = model.run()
    with tempfile.TemporaryDirectory() as out:
        results.write(out)
    whole = time.perf_counter() - began
    return {
        "model": "migsim flee rules",
        "locations": len(scenario.locations),
        "routes": len(scenario.routes),
        "agents": int(results.agents[-1]),
        "days": days,
        "agent_days": results.agent_days,
        "step_s": round(results.seconds, 3),
        "agent_days_per_s": results.agent_days / results.seconds,
        "whole_command_s": round(whole, 3),
        "ard": round(results.ard, 4),
    }


def run_flee(python: str, folder: Path, inputs: Path, data: Path, days: int, seed: int) -> dict:
    """Run the scenario with Flee itself in another interpreter; return the timings."""
    proc = subprocess.run(
        [python, "-c", FLEE_DRIVER, str(inputs), str(data), str(folder / "simsetting.yml"),
         str(days), str(seed)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    figures = json.loads(proc.stdout.strip().splitlines()[-1])
    return {
        "model": "Flee (PyPI package)",
        "days": days,
        "agent_days": figures["agent_days"],
        "step_s": round(figures["evolve_s"], 3),
        "agent_days_per_s": figures["agent_days"] / figures["evolve_s"],
    }


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=200_000)
    parser.add_argument("--days", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", metavar="DIR", help="write the scenario here and keep it")
    parser.add_argument("--flee-python", metavar="PATH", help="a Python with Flee installed")
    parser.add_argument("--flee-days", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.keep) if args.keep else Path(tmp) / "synthetic"
        inputs, data = write_scenario(folder, args.agents, args.days, args.seed)
        rows = [run_migsim(inputs, data, args.days, args.seed)]
        if args.flee_python:
            rows.append(run_flee(args.flee_python, folder, inputs, data, args.flee_days, args.seed))
            short = run_migsim(inputs, data, args.flee_days, args.seed)
            short["model"] = f"migsim flee rules, first {args.flee_days} days"
            rows.append(short)
    for row in rows:
        print(json.dumps({k: round(v) if k == "agent_days_per_s" else v for k, v in row.items()}))


if __name__ == "__main__":
    main()
