"""The ``migsim experiment run|report|attribute`` and ``migsim compare`` commands."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from migsim import cliargs
from migsim.cliargs import non_negative_int, positive_int
from migsim.errors import InputError
from migsim.limits import MAX_RUNS


def _say(message: str) -> None:
    print(message, file=sys.stderr)


def _add_execution(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--workers", type=positive_int, metavar="N", help="worker processes (default: CPUs)"
    )
    parser.add_argument(
        "--dask",
        metavar="ADDRESS|local",
        help="run on a Dask cluster: a scheduler address (tcp://host:8786) or 'local' to start "
        "a LocalCluster on this machine",
    )
    parser.add_argument(
        "--batch-size", type=positive_int, metavar="N", help="runs per task (default: adaptive)"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar or messages")


def _finish(summary, out: Path, quiet: bool) -> int:
    """Print how an experiment ended; exit status 1 if runs failed or were lost."""
    if not quiet:
        for error in summary.errors:
            _say(error)
        _say(
            f"{summary.total} runs: {summary.total - summary.failed - summary.lost} ok, "
            f"{summary.failed} failed, {summary.lost} unfinished; {summary.ran} ran now, in "
            f"{summary.elapsed_s:.0f} s; table: {out / 'results.parquet'}"
        )
    if summary.failed:
        failed = summary.table[summary.table["status"] != "ok"]
        _say(f"{len(failed)} run(s) failed, e.g. run {failed['run_id'].iloc[0]}: "
             f"{failed['error'].iloc[0]}")  # fmt: skip
        _say("rerun with --retry-failed after fixing the cause")
    if summary.lost:
        _say("some runs did not finish; run the same command again to finish them")
    return 0 if summary.complete else 1


def cmd_experiment_run(args: argparse.Namespace) -> int:
    """Run (or resume) an experiment file."""
    from migsim.experiments.runner import run_experiment
    from migsim.experiments.spec import load_experiment

    experiment = load_experiment(
        args.file, replicates=args.replicates, days=args.days, samples=args.samples
    )
    out = Path(args.out) if args.out else Path("results") / Path(args.file).stem
    try:
        summary = run_experiment(
            experiment,
            out,
            workers=args.workers,
            dask=args.dask,
            batch_size=args.batch_size,
            retry_failed=args.retry_failed,
            progress=not args.quiet,
            log=None if args.quiet else _say,
        )
    except KeyboardInterrupt:
        _say(f"interrupted; finished runs are kept in {out}/runs: run the same command again to "
             "finish")  # fmt: skip
        return 130
    status = _finish(summary, out, args.quiet)
    if not args.quiet:
        _say(f"plots: migsim experiment report {out}")
    return status


def cmd_experiment_report(args: argparse.Namespace) -> int:
    """Draw the plots of a finished experiment."""
    from migsim.experiments.report import write_report

    folder = Path(args.folder)
    if not folder.is_dir():
        raise InputError(folder, "folder not found; give the --out folder of an experiment")
    for path in write_report(folder):
        print(path)
    return 0


def cmd_experiment_attribute(args: argparse.Namespace) -> int:
    """Print each lever's share of a package's effect, from an attribution experiment."""
    from migsim.experiments.attribution import format_shares, lever_shares, window_totals
    from migsim.experiments.store import read_results

    folder = Path(args.folder)
    if not folder.is_dir():
        raise InputError(folder, "folder not found; give the --out folder of an experiment")
    table, _ = read_results(folder)
    totals = window_totals(table, args.measure, args.first, args.last)
    print(format_shares(lever_shares(totals), args.measure, args.first, args.last))
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    """Compare two scenarios over replicate seeds."""
    from migsim.experiments.compare import compare_scenarios, comparison_experiment

    experiment = comparison_experiment(
        args.a,
        args.b,
        replicates=args.replicates,
        base_seed=args.seed,
        days=args.days,
        families_per_year=args.families_per_year,
    )
    out = Path(args.out) if args.out else (
        Path("results") / "compare" / f"{Path(args.a).stem}-vs-{Path(args.b).stem}"
    )  # fmt: skip
    try:
        summary, _, text = compare_scenarios(
            experiment,
            out,
            workers=args.workers,
            dask=args.dask,
            batch_size=args.batch_size,
            progress=not args.quiet,
            log=None if args.quiet else _say,
        )
    except KeyboardInterrupt:
        _say(f"interrupted; finished runs are kept in {out}/runs: run the same command again")
        return 130
    print(text)
    if not args.quiet:
        print(f"\nTable: {out / 'compare.csv'}; plot: {out / 'compare.png'}")
    return _finish(summary, out, quiet=True)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``experiment`` (with ``run`` and ``report``) and ``compare``."""
    experiment = subparsers.add_parser(
        "experiment",
        help="run experiments (ensembles, sweeps, sensitivity) and report on them",
        description="Run the runs of an experiment file on a local process pool or a Dask "
        "cluster, resumably, and draw plots of the results.",
    )
    sub = experiment.add_subparsers(dest="experiment_command", required=True, metavar="COMMAND")
    run = sub.add_parser(
        "run",
        help="run (or resume) an experiment file",
        description="Run every run of an experiment not yet in the results folder and write "
        "OUT/results.parquet. Running the same command again after an interruption finishes "
        "the experiment without repeating or losing a run.",
        epilog="example: migsim experiment run experiments/checkpoints_vs_mpp.yaml --out "
        "results/sweep",
    )
    run.add_argument("file", metavar="FILE", help="experiment YAML")
    run.add_argument("--out", metavar="DIR", help="results folder (default: results/FILE-NAME)")
    run.add_argument(
        "--replicates", type=cliargs.replicates, metavar="N", help="override the file's replicates"
    )
    run.add_argument("--days", type=cliargs.days, metavar="N", help="override the days simulated")
    run.add_argument(
        "--samples",
        type=cliargs.whole(1, MAX_RUNS, "samples"),
        metavar="N",
        help="override design.samples (Latin hypercube, Sobol, Morris)",
    )
    run.add_argument(
        "--retry-failed", action="store_true", help="run again the runs recorded as failed"
    )
    _add_execution(run)
    run.set_defaults(func=cmd_experiment_run)

    report = sub.add_parser(
        "report",
        help="plot a finished experiment",
        description="Write plots and tables of a finished experiment to DIR/report/: series "
        "with bands; for sweeps, outcomes against each parameter; for Sobol, S1/ST bars; for "
        "Morris, mu*-sigma.",
        epilog="example: migsim experiment report results/sweep",
    )
    report.add_argument("folder", metavar="DIR", help="the experiment's results folder")
    report.set_defaults(func=cmd_experiment_report)

    attribute = sub.add_parser(
        "attribute",
        help="each lever's share of a package's effect (off in turn, on alone)",
        description="From an attribution experiment (scenarios 'baseline', 'agreement', "
        "'without_LEVER' and 'only_LEVER' on common seeds), print each lever's share of the "
        "package's effect on a monthly measure summed over a window, with 90%% bands from "
        "resampling the seeds.",
        epilog="example: migsim experiment attribute results/attribution --measure "
        "us_apprehensions_people --from 2019-06 --to 2019-12",
    )
    attribute.add_argument("folder", metavar="DIR", help="the experiment's results folder")
    attribute.add_argument(
        "--measure", default="us_apprehensions_people", help="a monthly measure of the runs"
    )
    attribute.add_argument("--from", dest="first", default="2019-06", metavar="YYYY-MM")
    attribute.add_argument("--to", dest="last", default="2019-12", metavar="YYYY-MM")
    attribute.set_defaults(func=cmd_experiment_attribute)

    compare = subparsers.add_parser(
        "compare",
        help="compare two scenarios: outcome means with 95%% intervals and the difference",
        description="Run two scenarios with the same replicate seeds and print outcome means "
        "with 95% intervals and the paired difference B - A; plot the key monthly series with "
        "bands.",
        epilog="example: migsim compare models/northern_triangle_2019/scenarios/baseline_2019"
        ".yaml models/northern_triangle_2019/scenarios/june_2019_agreement.yaml --replicates 4 "
        "--days 300 --families-per-year 30000",
    )
    compare.add_argument("a", metavar="A.yaml", help="first scenario file")
    compare.add_argument("b", metavar="B.yaml", help="second scenario file")
    compare.add_argument(
        "--replicates",
        type=cliargs.whole(1, MAX_RUNS // 2, "replicates (of each of two scenarios)"),
        default=10,
        metavar="N",
        help="runs each (default 10)",
    )
    compare.add_argument(
        "--seed", type=non_negative_int, default=1, metavar="N", help="first seed (default 1)"
    )
    compare.add_argument("--days", type=cliargs.days, metavar="N", help="days to simulate")
    compare.add_argument(
        "--families-per-year",
        type=cliargs.families_per_year,
        metavar="N",
        help="the runs' size: first departures a year, capacities and quotas scaled alike",
    )
    compare.add_argument(
        "--out", metavar="DIR", help="results folder (default: results/compare/A-vs-B)"
    )
    _add_execution(compare)
    compare.set_defaults(func=cmd_compare)
