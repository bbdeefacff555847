"""The ``migsim calibrate`` and ``migsim forecast`` commands."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from migsim.errors import InputError


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{value} must be above 0")
    return value


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date (YYYY-MM-DD)") from None


def register(sub: argparse._SubParsersAction) -> None:
    """Add the calibration commands to the ``migsim`` parser."""
    cal = sub.add_parser(
        "calibrate",
        help="calibrate parameters to observed data (Latin hypercube + ABC rejection)",
        description="Run a calibration file: Latin hypercube points over the priors, replicate "
        "runs on a process pool, ABC rejection. Finished runs are kept in OUT/runs, so running "
        "the same command again resumes.",
        epilog="example: migsim calibrate models/northern_triangle_2019/calibration.yaml "
        "--out results/calibration --workers 2",
    )
    cal.add_argument("config", type=Path, help="calibration YAML file")
    cal.add_argument("--out", type=Path, help="output folder (default: 'calibrated' beside it)")
    cal.add_argument("--workers", type=_positive_int, metavar="N", help="worker processes")
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
    fc.add_argument("--workers", type=_positive_int, metavar="N", help="worker processes")
    fc.add_argument("--quiet", action="store_true", help="no progress bar")
    fc.set_defaults(func=_forecast)


def _calibrate(args: argparse.Namespace) -> int:
    from migsim.calibration.calibrate import calibrate
    from migsim.calibration.config import load_config

    config = load_config(args.config)
    out = args.out or args.config.parent / "calibrated"
    result = calibrate(config, out, args.workers, progress=not args.quiet)
    if not args.quiet:
        best = result.posterior.iloc[0]
        print(
            f"{len(result.runs)} runs ({result.ran} now) in {result.elapsed_s:.0f} s; "
            f"closest point: ARD apprehensions {best['ard_apprehensions']:.3f}, ARD returns "
            f"{best['ard_returns']:.3f}, sector TVD {best['tvd_sectors']:.3f}; "
            f"report: {out / 'report.md'}",
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
