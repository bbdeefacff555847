"""The ``migsim`` command line.

Every command turns bad input into one message naming the file, row or key and the fix, and
exits with status 2, without a traceback.
"""

from __future__ import annotations

import argparse
import functools
import importlib
import sys
import textwrap
from pathlib import Path

from migsim import cliargs
from migsim.errors import DamagedFileError, InputError, quiet_numeric_warnings


def cmd_run(args: argparse.Namespace) -> int:
    """Run one scenario and write its results folder."""
    from tqdm import tqdm

    from migsim.calibration.compare import against_observed, config_for
    from migsim.model import MigrationModel
    from migsim.outfolder import check_replaceable
    from migsim.results import RUN_FILES
    from migsim.scenario import check_families_created, load_scenario
    from migsim.viz.pictures import draw_run

    scenario = load_scenario(args.scenario, days=args.days, seed=args.seed)
    out = Path(args.out) if args.out else Path("results") / Path(scenario.path).stem
    check_replaceable(out, RUN_FILES, "results")  # before the run, not after
    corridor = scenario.load_corridor()
    # A smaller (or larger) run is the scenario in miniature: capacities scale alike.
    sized = scenario
    if args.families_per_year is not None:
        sized = scenario.at_scale(args.families_per_year)
    model = MigrationModel(sized, corridor=corridor)
    with tqdm(total=scenario.days, unit="day", desc=scenario.name, disable=args.quiet) as bar:
        for day in range(scenario.days):
            model.step()
            check_families_created(sized, model.families_created, day)
            bar.update(1)
            bar.set_postfix(families=f"{model.families_created:,}", refresh=False)
    results = model.results()
    scale = sized.capacity_scale  # the run's size against full size (a saved miniature too)
    comparison = against_observed(results, scenario, scale)
    observed = comparison.apprehensions if comparison else None
    pictures = functools.partial(draw_run, observed=observed)
    results.write(out, pictures=None if args.no_plots else pictures)
    if not args.quiet:
        print(results.format_summary())
        if comparison:
            print("\n" + comparison.format())
        elif config_for(scenario) is None:
            print(
                "\nNo comparison with observed data: the scenario's corridor folder has no "
                "calibration.yaml (a results folder's copy has none; run the model's own)."
            )
        else:
            print(
                "\nNo comparison with observed data: the run does not cover every month the "
                "calibration compares (run the scenario's whole year)."
            )
        written = sorted(p.name + ("/" if p.is_dir() else "") for p in out.iterdir())
        print(f"\nResults in {out}/: {', '.join(written)}")
    return 0


def cmd_levers(args: argparse.Namespace) -> int:
    """Print every lever with its parameters, units, defaults and sources."""
    from migsim.policies import LEVERS, lever_parameters

    for name, cls in LEVERS.items():
        print(f"{name}\n  {cls.summary}")
        for row in lever_parameters(cls):
            default = row["default"]
            default = "[] (all)" if default == [] else default
            print(f"  - {row['parameter']} = {default} {row['units']}".rstrip())
            print(
                textwrap.fill(
                    row["source"], 96, initial_indent="      ", subsequent_indent="      "
                )
            )
        print("  schedule: start, full (end of ramp), end — dates YYYY-MM-DD, all optional\n")
    return 0


# Modules that add their own commands: each has ``register(subparsers)``, which adds a parser
# whose ``func`` takes the parsed arguments and returns an exit status.
COMMAND_MODULES: tuple[str, ...] = (
    "migsim.calibration.cli",
    "migsim.experiments.cli",
    "migsim.flee.commands",
    "migsim.viz.commands",
)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every ``migsim`` command."""
    parser = argparse.ArgumentParser(
        prog="migsim",
        description="Agent-based simulation of Northern Triangle families travelling through "
        "Mexico towards the US, and of the policy levers that change their journeys.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser(
        "run",
        help="run a scenario and write its results folder",
        description="Run a scenario day by day and write daily series, link flows, the "
        "scenario used, a route-flow map and time-series plots to a results folder.",
        epilog="example: migsim run --scenario models/northern_triangle_2019/scenarios/"
        "june_2019_agreement.yaml --days 180 --families-per-year 50000 --out results/june",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument("--scenario", metavar="PATH", help="scenario YAML (default: baseline 2019)")
    run.add_argument("--days", type=cliargs.days, metavar="N", help="days to simulate")
    run.add_argument(
        "--families-per-year",
        type=cliargs.families_per_year,
        metavar="N",
        help="first departures a year at the base hazard (default: the scenario's); "
        "capacities and quotas scale alike",
    )
    run.add_argument("--seed", type=cliargs.non_negative_int, metavar="N", help="random seed")
    run.add_argument("--out", metavar="DIR", help="results folder (default: results/SCENARIO)")
    run.add_argument("--no-plots", action="store_true", help="skip routes.png and series.png")
    run.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    run.set_defaults(func=cmd_run)

    levers = sub.add_parser(
        "levers",
        help="list every policy lever with parameters, units, defaults and sources",
        description="List every policy lever a scenario can use.",
        epilog="example: migsim levers",
    )
    levers.set_defaults(func=cmd_levers)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``migsim`` command.

    Exit status 2 is for bad input (the message names the file, row or key and the fix), 1 for
    the machine or a damaged file written earlier (a full disk, a read-only folder, a truncated
    results file), 130 for an interruption; never a traceback for any of these.
    """
    quiet_numeric_warnings()
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except InputError as exc:
        print(f"migsim: error: {exc}", file=sys.stderr)
        return 2
    except DamagedFileError as exc:
        print(f"migsim: error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # the machine, not the input: a full disk, a read-only folder
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"migsim: error: {where}{exc.strerror or exc}; nothing was written", file=sys.stderr)
        return 1
    except MemoryError:
        print(
            "migsim: error: out of memory; nothing was written: simulate fewer days or "
            "families, or use fewer --workers",
            file=sys.stderr,
        )
        return 1
    except (UnicodeDecodeError, *_damaged_file_errors()) as exc:  # a results file read back
        print(
            f"migsim: error: a file could not be read back ({type(exc).__name__}: "
            f"{str(exc).splitlines()[0][:200]}): it is damaged or truncated; write it again "
            "with the command that made it",
            file=sys.stderr,
        )
        return 1
    except KeyboardInterrupt:
        print("migsim: interrupted; nothing was written", file=sys.stderr)
        return 130


def _damaged_file_errors() -> tuple[type[Exception], ...]:
    """The errors of the Parquet and YAML readers on a damaged file (once they are imported)."""
    errors: list[type[Exception]] = []
    if "pyarrow" in sys.modules:
        errors.append(sys.modules["pyarrow"].ArrowException)
    if "yaml" in sys.modules:
        errors.append(sys.modules["yaml"].YAMLError)
    return tuple(errors)


if __name__ == "__main__":
    sys.exit(main())
