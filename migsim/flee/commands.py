"""The ``migsim flee`` commands: run a Flee scenario folder, and export a migsim corridor to Flee.

``migsim flee run FOLDER`` runs a Flee scenario with the Flee rule set
(:mod:`migsim.flee.model`), writes the daily camp populations and prints the averaged
relative difference from the validation data. ``migsim flee export SCENARIO DIR`` writes the
corridor of a migsim scenario as a Flee input folder.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from migsim.cliargs import flee_days, non_negative_int
from migsim.errors import InputError


def cmd_run(args: argparse.Namespace) -> int:
    """Run a Flee scenario folder and write its camp populations and ARD."""
    from migsim.flee.model import FleeModel
    from migsim.flee.results import RESULT_FILES
    from migsim.flee.rules import FleeRules
    from migsim.interop.flee import default_validation_folder, read_flee_scenario, read_validation
    from migsim.outfolder import check_replaceable

    scenario = read_flee_scenario(args.folder)
    folder = Path(args.validation) if args.validation else None
    if folder is None:
        folder = default_validation_folder(scenario.folder or Path(args.folder))
        if folder is None:
            raise InputError(
                args.folder,
                "no validation folder (source_data/ with data_layout.csv) beside the scenario; "
                "give one with --validation FOLDER: new agents come from the observed total",
            )
    validation = read_validation(folder, scenario)
    rules = FleeRules.flee3() if args.defaults == "flee3" else FleeRules.paper()
    notes = [f"{name} (not read)" for name in scenario.ignored] + scenario.notes
    notes += validation.notes
    if scenario.settings:
        rules, ignored = rules.with_settings(scenario.settings, scenario.settings_path or "")
        notes += [f"simsetting.yml: {key} (not used by the flee rule set)" for key in ignored]
    out = Path(args.out) if args.out else Path("results") / "flee" / scenario.name
    check_replaceable(out, RESULT_FILES, "Flee results")  # before the run, not after
    model = FleeModel(scenario, validation, rules, seed=args.seed, days=args.days)
    results = model.run()
    results.notes = notes
    results.write(out)
    if not args.quiet:
        print(results.summary())
        for note in notes:
            print(f"note: {note}")
        print(f"\nResults in {out}/: camp_populations.csv, observed.csv, ard_daily.csv, ard.txt")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """Write the corridor of a migsim scenario as a Flee input folder."""
    from migsim.interop.flee import FLEE_INPUT_FILES, FleeScenario, write_flee_scenario
    from migsim.outfolder import write_folder
    from migsim.scenario import load_scenario

    scenario = load_scenario(args.scenario)
    corridor = scenario.load_corridor()
    flee = FleeScenario.from_migsim(corridor, scenario)
    out = write_folder(
        args.dir,
        lambda folder: write_flee_scenario(flee, folder),
        names=FLEE_INPUT_FILES,
        what="Flee input",
    )
    types: dict[str, int] = {}
    for loc in flee.locations:
        types[loc.location_type] = types.get(loc.location_type, 0) + 1
    counts = ", ".join(f"{n} {t}" for t, n in types.items())
    print(f"Wrote {out}/: locations.csv ({len(flee.locations)} locations: {counts}),")
    print(f"routes.csv ({len(flee.routes)} routes), closures.csv, sim_period.csv, conflicts.csv")
    print("Add a validation folder (data_layout.csv, the observed total and camp files) to run it.")
    return 0


def register(subparsers: Any) -> None:
    """Add the ``flee`` command and its ``run`` and ``export`` subcommands."""
    flee = subparsers.add_parser(
        "flee",
        help="run Flee-format scenarios; export a corridor to Flee's format",
        description="Speak Flee's language: run a Flee scenario folder with Flee's published "
        "movement rules and score it against its validation data, or write a migsim corridor "
        "as a Flee input folder.",
    )
    sub = flee.add_subparsers(dest="flee_command", required=True, metavar="COMMAND")
    run = sub.add_parser(
        "run",
        help="run a Flee scenario folder; write camp populations and the ARD",
        description="Run a Flee scenario folder (locations.csv, routes.csv, sim_period.csv and "
        "optionally closures.csv, conflicts.csv, simsetting.yml; or a folder whose input_csv/ "
        "holds them) with the Flee rule set. Writes daily camp populations and the averaged "
        "relative difference (ARD) from the validation data.",
        epilog="example: migsim flee run tests/data/flee/small --out results/flee/small",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument("folder", metavar="FOLDER", help="the Flee scenario folder")
    run.add_argument(
        "--validation",
        metavar="FOLDER",
        help="validation folder with data_layout.csv (default: source_data/ beside the scenario)",
    )
    run.add_argument("--days", type=flee_days, metavar="N", help="days (default: sim_period.csv)")
    run.add_argument(
        "--seed", type=non_negative_int, default=0, metavar="N", help="random seed (0)"
    )
    run.add_argument(
        "--defaults",
        choices=("paper", "flee3"),
        default="paper",
        help="rule defaults where simsetting.yml is silent: the published ones (paper, the "
        "default) or Flee 3's",
    )
    run.add_argument("--out", metavar="DIR", help="results folder (default: results/flee/NAME)")
    run.add_argument("--quiet", action="store_true", help="print nothing")
    run.set_defaults(func=cmd_run)
    export = sub.add_parser(
        "export",
        help="write a migsim scenario's corridor as a Flee input folder",
        description="Write the corridor of a migsim scenario as a Flee input folder: "
        "locations.csv (origins as conflict zones, US ports and sectors as camps, other places "
        "as towns), routes.csv, closures.csv, sim_period.csv and conflicts.csv.",
        epilog="example: migsim flee export models/northern_triangle_2019/scenarios/"
        "baseline_2019.yaml flee_baseline",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    export.add_argument("scenario", metavar="SCENARIO", help="a migsim scenario YAML file")
    export.add_argument("dir", metavar="DIR", help="the folder to write")
    export.set_defaults(func=cmd_export)
