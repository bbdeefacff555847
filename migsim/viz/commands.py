"""Commands that draw and show runs: ``migsim map``, ``migsim animate`` and ``migsim app``.

``map`` and ``animate`` read a results folder written by ``migsim run`` and write a PNG, GIF or
MP4 into it (or to ``--out``); ``app`` serves the teaching app (``migsim/app/``) on this
computer, without reaching the internet.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
from pathlib import Path

from migsim.cliargs import positive_int
from migsim.errors import InputError

APP_FILE = Path(__file__).resolve().parent.parent / "app" / "page.py"
DEFAULT_PORT = 8765


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a port number") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{value} is not a port number (0 to 65535)")
    return value


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``map``, ``animate`` and ``app`` commands."""
    draw = subparsers.add_parser(
        "map",
        help="draw a results folder's route map, or how its flows differ from another run",
        description="Draw where families travelled and waited in a run, with the places where "
        "enforcement was in force, on a map of Mexico and Central America. With --compare, "
        "draw how families' routes changed from RESULTS_DIR to the other run instead: each "
        "link's share of the run's departures (per 1,000), so a run where fewer families set "
        "off does not look smaller everywhere (--counts compares families instead).",
        epilog="examples: migsim map results/baseline_2019\n"
        "          migsim map results/baseline_2019 --compare results/june_2019_agreement",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    draw.add_argument("results", metavar="RESULTS_DIR", help="a folder written by 'migsim run'")
    draw.add_argument(
        "--compare", metavar="OTHER", help="another results folder to compare with RESULTS_DIR"
    )
    draw.add_argument(
        "--counts",
        action="store_true",
        help="with --compare: compare families on each link, not shares per 1,000 departures",
    )
    draw.add_argument(
        "--out",
        metavar="PNG",
        help="the picture to write (default: routes.png, or compare_OTHER.png, in RESULTS_DIR)",
    )
    draw.set_defaults(func=cmd_map)

    animate = subparsers.add_parser(
        "animate",
        help="animate a results folder: weekly link flows and families waiting, day by day",
        description="Animate a run: each frame shows the families setting off along each link "
        "over the past week (link widths), the families waiting in each place (circles), "
        "where enforcement is in force, and the date. Writes animation.gif, and "
        "animation.mp4 when ffmpeg is installed, into RESULTS_DIR (or --out).",
        epilog="example: migsim animate results/baseline_2019 --every 3 --fps 8",
    )
    animate.add_argument("results", metavar="RESULTS_DIR", help="a folder written by 'migsim run'")
    animate.add_argument(
        "--out", metavar="FILE", help="the animation to write, ending .gif or .mp4"
    )
    animate.add_argument(
        "--every", type=positive_int, default=7, metavar="DAYS", help="days between frames (7)"
    )
    animate.add_argument(
        "--window",
        type=positive_int,
        default=7,
        metavar="DAYS",
        help="days of link flows each frame adds up (7)",
    )
    animate.add_argument(
        "--fps", type=positive_int, default=5, metavar="N", help="frames per second (5)"
    )
    animate.set_defaults(func=cmd_animate)

    app = subparsers.add_parser(
        "app",
        help="open the teaching app in a web browser",
        description="Serve the teaching app on this computer and open it in the web browser: "
        "compare the 2019 scenarios or your own lever settings side by side on the same "
        "seeds, answered at once for the whole year (cards, curves with a band over seeds, "
        "where families go instead), or watch families move day by day. Nothing is "
        "downloaded. Stop it with Ctrl+C (or kill). docs/app.md is the guide.",
        epilog="example: migsim app --port 8765",
    )
    app.add_argument(
        "--port", type=_port, default=DEFAULT_PORT, help=f"port to serve on ({DEFAULT_PORT})"
    )
    app.add_argument(
        "--host", default="127.0.0.1", help="address to serve on (127.0.0.1: this computer only)"
    )
    app.add_argument("--no-open", action="store_true", help="do not open a web browser")
    app.set_defaults(func=cmd_app)


def _png_path(out: str, default: Path) -> Path:
    path = Path(out)
    if path.is_dir():
        return path / default.name
    if path.suffix.lower() != ".png":
        raise InputError(out, "give a file name ending .png (or an existing folder)", key="--out")
    return path


def cmd_map(args: argparse.Namespace) -> int:
    """Write a run's route map, or the difference map of two runs."""
    from migsim.outcomes import per_thousand_departures
    from migsim.results import Results
    from migsim.viz.maps import plot_flow_difference, plot_routes

    folder = Path(args.results)
    results = Results.read(folder)
    enforcement = _enforcement(folder)
    if args.compare is None:
        out = folder / "routes.png"
        out = _png_path(args.out, out) if args.out else out
        out.parent.mkdir(parents=True, exist_ok=True)
        plot_routes(
            results.graph,
            results.link_totals(),
            waiting=results.waiting_at_end(),
            title=f"Family flows — {results.title}",
            path=out,
            enforcement=enforcement,
        )
    else:
        other_folder = Path(args.compare)
        other = Results.read(other_folder)
        if set(other.graph.nodes) != set(results.graph.nodes):
            raise InputError(
                other_folder,
                f"was run on another corridor than {folder}; compare runs of the same corridor",
            )
        out = folder / f"compare_{other_folder.resolve().name}.png"
        out = _png_path(args.out, out) if args.out else out
        out.parent.mkdir(parents=True, exist_ok=True)
        name_a, name_b = _name(results, folder), _name(other, other_folder)
        flows_a, flows_b = results.link_totals(), other.link_totals()
        unit, title = "families", f"Where families travelled in {name_b} compared with {name_a}"
        if not args.counts:  # each run's flows per 1,000 of its own departures
            flows_a = per_thousand_departures(flows_a, _departures(results))
            flows_b = per_thousand_departures(flows_b, _departures(other))
            unit, title = "per 1,000 departures", f"{title} (shares per 1,000 departures)"
        plot_flow_difference(
            results.graph,
            flows_a,
            flows_b,
            title=title,
            names=(name_a, name_b),
            path=out,
            enforcement=_enforcement(other_folder),
            unit=unit,
        )
    print(f"wrote {out}")
    return 0


def _departures(results) -> float:
    """Departures over a run (new attempts included), 0 if the run did not record them."""
    return float(results.daily["departures"].sum()) if "departures" in results.daily else 0.0


def _name(results, folder: Path) -> str:
    """The scenario name of a results folder (its title before the dates)."""
    return results.title.split(":")[0] or folder.name


def _enforcement(folder: Path):
    """Where the levers of a results folder's scenario were in force during the run."""
    from migsim.corridor import load_corridor
    from migsim.scenario import load_scenario
    from migsim.viz.maps import enforcement_over_run

    scenario = load_scenario(folder / "scenario.yaml")
    return enforcement_over_run(scenario, load_corridor(scenario.corridor_path()))


def cmd_animate(args: argparse.Namespace) -> int:
    """Write a run's animation (GIF, and MP4 when ffmpeg is there)."""
    from migsim.results import Results
    from migsim.viz.animation import animate_run, mp4_available

    folder = Path(args.results)
    Results.read(folder)  # a clear message if it is not a results folder
    if args.out:
        targets = [Path(args.out)]
    else:
        targets = [folder / "animation.gif"]
        if mp4_available():
            targets.append(folder / "animation.mp4")
    for target in targets:
        animate_run(folder, target, every_days=args.every, window_days=args.window, fps=args.fps)
        print(f"wrote {target}")
    if not args.out and not mp4_available():
        print("(no animation.mp4: install ffmpeg to get one)")
    return 0


def app_command(port: int, host: str = "127.0.0.1", *, open_browser: bool = True) -> list[str]:
    """The command that serves the teaching app (a ``solara run`` of ``migsim/app/page.py``)."""
    command = [
        sys.executable,
        "-m",
        "solara",
        "run",
        str(APP_FILE),
        "--host",
        host,
        "--port",
        str(port),
        "--production",
        "--no-check-version",
    ]
    if not open_browser:
        command.append("--no-open")
    return command


def app_environment() -> dict[str, str]:
    """The environment the app is served in: no telemetry, nothing fetched from the internet."""
    return {
        **os.environ,
        "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
        "SOLARA_THEME_SHOW_BANNER": "False",
        "SOLARA_THEME_TITLE": "migsim",
        # Stopping the app stops its worker processes too; their semaphores go with them.
        "PYTHONWARNINGS": "ignore:resource_tracker:UserWarning",
        "MPLBACKEND": "Agg",
    }


def cmd_app(args: argparse.Namespace) -> int:
    """Serve the teaching app until Ctrl+C."""
    import importlib.util

    if importlib.util.find_spec("solara") is None:
        print(
            "migsim: error: the app needs solara; install migsim with its dependencies "
            "(pip install -e .)",
            file=sys.stderr,
        )
        return 2
    url = f"http://{args.host}:{args.port}"
    print(f"Serving the migsim teaching app at {url} (press Ctrl+C to stop).", flush=True)
    # The server runs in a session of its own, with its worker processes: stopping this
    # command (Ctrl+C, or kill) stops them all together.
    server = subprocess.Popen(
        app_command(args.port, args.host, open_browser=not args.no_open),
        env=app_environment(),
        start_new_session=True,
    )

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        return server.wait()
    except KeyboardInterrupt:
        stop_server(server)
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)


def stop_server(server: subprocess.Popen, timeout: float = 10.0) -> None:
    """Stop the app's server and every process it started (its session)."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(server.pid, sig)
        except ProcessLookupError:
            return
        try:
            server.wait(timeout=timeout)
            return
        except subprocess.TimeoutExpired:
            continue
