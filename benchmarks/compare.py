"""Time checkouts of migsim side by side: ``benchmarks/small.py`` of each, interleaved.

Each round runs ``small.py SIZE`` once from each checkout in turn (its own process, warm: the
model imported and numba's kernels loaded before timing), so all meet the same load on the
machine; prints each round's CPU seconds and each checkout's best round as JSON lines.

Usage: python benchmarks/compare.py OLD_CHECKOUT NEW_CHECKOUT [MORE ...] [--sizes 1000 20000]
    [--rounds 3] [--reps 2]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path


def time_checkout(checkout: Path, size: float, reps: int) -> dict:
    """``small.py``'s figures for one size, run from ``checkout`` (its migsim imported)."""
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    script = checkout / "benchmarks" / "small.py"
    out = subprocess.run(
        [sys.executable, str(script), str(size), "--reps", str(reps)],
        env=env, cwd=checkout, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return json.loads(out.stdout.splitlines()[-1])


def main() -> None:
    """Run the checkouts, interleaved, at each size and print their figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkouts", type=Path, nargs="+", help="folders holding migsim/")
    parser.add_argument("--sizes", type=float, nargs="+", default=[1000, 20000, 100000])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--reps", type=int, default=2)
    args = parser.parse_args()
    for size in args.sizes:
        best: dict[str, dict] = {}
        for round_ in range(args.rounds):
            for checkout in args.checkouts:
                name = str(checkout)
                figures = time_checkout(checkout.resolve(), size, args.reps)
                print(json.dumps({"round": round_, "code": name, **figures}), flush=True)
                if name not in best or figures["total_cpu_s"] < best[name]["total_cpu_s"]:
                    best[name] = figures
        for name, figures in best.items():
            print(json.dumps({"best": name, **figures}), flush=True)


if __name__ == "__main__":
    main()
