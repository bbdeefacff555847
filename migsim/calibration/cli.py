"""The ``migsim calibrate`` and ``migsim forecast`` commands."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from migsim.cliargs import positive_int
from migsim.errors import InputError


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date (YYYY-MM-DD)") from None


def register(sub: argparse._SubParsersAction) -> None:
    """Add the calibration commands to the ``migsim`` parser."""
    cal = sub.add_parser(
        "calibrate",
        help="calibrate parameters to observed data (ABC-SMC with pyabc)",
        description="Run a calibration file: ABC-SMC over the priors (pyabc), on this "
        "machine's cores or a Dask cluster, then check the shipped point and the posterior on "
        "fresh seeds and write the report. The history is kept in OUT/history.db, so running "
        "the same command again continues from the last complete generation.",
        epilog="example: migsim calibrate models/northern_triangle_2019/calibration.yaml "
        "--out models/northern_triangle_2019/calibrated --workers 2",
    )
    cal.add_argument("config", type=Path, help="calibration YAML file")
    cal.add_argument("--out", type=Path, help="output folder (default: 'calibrated' beside it)")
    cal.add_argument("--workers", type=positive_int, metavar="N", help="worker processes")
    cal.add_argument(
        "--dask",
        metavar="ADDRESS|local",
        help="run on a Dask cluster: a scheduler address (tcp://host:8786) or 'local' to start "
        "a LocalCluster on this machine",
    )
    cal.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    cal.set_defaults(func=_calibrate)

    fc = sub.add_parser(
        "forecast",
        help="run scenarios under a calibration's posterior, with 90%% bands",
        description="Run each scenario once per posterior point of a calibration, to --to, and "
        "write monthly medians and 90%% bands (forecast.csv, forecast.png, forecast.md).",
        epilog="example: migsim forecast models/northern_triangle_2019/calibration.yaml "
        "models/northern_triangle_2019/scenarios/june_2019_agreement.yaml "
        "--calibrated models/northern_triangle_2019/calibrated --to 2019-12-31",
    )
    fc.add_argument("config", type=Path, help="the calibration YAML file")
    fc.add_argument("scenarios", type=Path, nargs="+", help="scenario YAML files")
    fc.add_argument("--calibrated", type=Path, help="calibration output folder")
    fc.add_argument("--to", type=_date, default=dt.date(2019, 12, 31), help="last day to run")
    fc.add_argument("--out", type=Path, help="output folder (default: CALIBRATED/forecast)")
    fc.add_argument("--workers", type=positive_int, metavar="N", help="worker processes")
    fc.add_argument("--quiet", action="store_true", help="no progress bar")
    fc.set_defaults(func=_forecast)


def _calibrate(args: argparse.Namespace) -> int:
    from migsim.calibration.calibrate import calibrate
    from migsim.calibration.config import load_config
    from migsim.calibration.report import write_report

    config = load_config(args.config)
    out = args.out or args.config.parent / "calibrated"
    progress = not args.quiet
    result = calibrate(config, out, args.workers, args.dask, progress)
    record = write_report(config, result, out, args.workers, args.dask, progress)
    if not args.quiet:
        fits = ", ".join(
            f"{name} {fit['median']:.3f}" for name, fit in record["shipped_fit_fresh_seeds"].items()
        )
        print(
            f"{record['generations']} generations, {record['simulations']} simulations; "
            f"shipped point on fresh seeds (median metric): {fits}; report: {out / 'report.md'}",
            file=sys.stderr,
        )
    return 0


def _forecast(args: argparse.Namespace) -> int:
    from migsim.calibration.config import load_config
    from migsim.calibration.forecast import forecast, write_forecast

    config = load_config(args.config)
    calibrated = args.calibrated or args.config.parent / "calibrated"
    for path in args.scenarios:
        if not path.is_file():
            raise InputError(path, "scenario file not found")
    runs = forecast(
        config, calibrated, args.scenarios, args.to, args.workers, progress=not args.quiet
    )
    out = args.out or calibrated / "forecast"
    write_forecast(runs, out)
    if not args.quiet:
        print(f"forecast written to {out}", file=sys.stderr)
    return 0
