"""Speed and memory of migsim at scale, and against the per-agent reference.

Runs the 2019 agreement scenario (every lever active at some point) for 365 days at 100,000,
300,000 and 1,000,000 families a year, each size in a fresh process so peak memory is its own,
and prints per size: wall seconds, agent-days per second (families alive in the simulation —
created and not yet in a final state — summed over days), decisions per second, and peak
resident memory. Then times the per-agent reference (``reference.py``) on the 100,000 case.

Usage: python benchmarks/run.py [--sizes 100000 300000 1000000] [--days 365] [--no-reference]
       [--reference-size N]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCENARIO = (
    HERE.parent / "models" / "northern_triangle_2019" / "scenarios" / "june_2019_agreement.yaml"
)
FINAL = ("released_us", "removed", "evaded_us", "asylum_mx", "died")


def measure(size: float, days: int, reference: bool) -> dict:
    """Run one model in this process and return its figures."""
    sys.path.insert(0, str(HERE))
    import numpy as np
    from reference import PerAgentModel

    from migsim.agents import FamilyState
    from migsim.model import MigrationModel
    from migsim.scenario import load_scenario

    scenario = load_scenario(SCENARIO, days=days)
    cls = PerAgentModel if reference else MigrationModel
    start = time.perf_counter()
    model = cls(scenario, families_per_year=size)
    agent_days = 0
    final = [FamilyState[name.upper()] for name in FINAL]
    for _ in range(days):
        model.step()
        agent_days += model.families.n - int(model.families.counts[final].sum())
    wall = time.perf_counter() - start
    daily = model.datacollector.get_model_vars_dataframe()
    decisions = int(model.decisions_taken)
    return {
        "families_per_year": size,
        "model": "per-agent reference" if reference else "migsim",
        "families_created": model.families.n,
        "wall_s": round(wall, 2),
        "agent_days": agent_days,
        "agent_days_per_s": agent_days / wall,
        "decisions": decisions,
        "decisions_per_s": decisions / wall,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "us_apprehensions_families": float(daily["us_apprehensions_families"].sum()),
        "state_total_ok": bool(model.families.counts.sum() == model.families.n),
        "rng": str(np.random.default_rng().bit_generator.__class__.__name__),
    }


def main() -> None:
    """Run each size in its own process and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=float, nargs="+", default=[1e5, 3e5, 1e6])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--no-reference", action="store_true")
    parser.add_argument(
        "--reference-size",
        type=float,
        help="families a year for the per-agent reference (default: the smallest size)",
    )
    parser.add_argument(
        "--one",
        nargs=2,
        metavar=("SIZE", "REFERENCE"),
        help="run one size in this process and print its figures as JSON (REFERENCE 1: the "
        "per-agent reference, 0: migsim); for profilers and instruction counts",
    )
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(float(args.one[0]), args.days, args.one[1] == "1")))
        return
    ref_size = args.reference_size or min(args.sizes)
    jobs = [
        (s, False) for s in sorted({*args.sizes, ref_size} if not args.no_reference else args.sizes)
    ]
    if not args.no_reference:
        jobs.append((ref_size, True))
    rows = []
    for size, ref in jobs:
        cmd = [
            sys.executable,
            __file__,
            "--days",
            str(args.days),
            "--one",
            str(size),
            str(int(ref)),
        ]
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        rows.append(json.loads(out.strip().splitlines()[-1]))
        r = rows[-1]
        print(
            f"{r['model']:>20} {r['families_per_year']:>10,.0f}/yr  {r['wall_s']:7.2f} s  "
            f"{r['agent_days_per_s'] / 1e6:7.2f} M agent-days/s  "
            f"{r['decisions_per_s'] / 1e6:6.2f} M decisions/s  {r['peak_rss_mib']:7.0f} MiB  "
            f"created {r['families_created']:,}",
            flush=True,
        )
    fast = {r["families_per_year"]: r for r in rows if r["model"] == "migsim"}
    ref = [r for r in rows if r["model"] != "migsim"]
    if ref:
        base = fast[ref[0]["families_per_year"]]
        print(f"per-agent reference / migsim wall time: {ref[0]['wall_s'] / base['wall_s']:.1f}x")
    if len(fast) > 1:
        lo, hi = min(fast), max(fast)
        print(f"wall time {hi:,.0f} / {lo:,.0f}: {fast[hi]['wall_s'] / fast[lo]['wall_s']:.1f}x")


if __name__ == "__main__":
    main()
