"""``migsim map`` and ``migsim animate``: pictures of results folders, and clear errors."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest
from PIL import Image

from migsim.cli import main
from migsim.corridor import load_corridor
from migsim.model import MigrationModel
from migsim.results import Results
from migsim.scenario import load_scenario
from migsim.viz.animation import FlowMap, mp4_available, results_frames
from migsim.viz.maps import Enforcement, enforcement_over_run, plot_routes

TESTS = Path(__file__).resolve().parent
TINY_YAML = TESTS / "data" / "tiny" / "scenarios" / "tiny.yaml"
SHIPPED = TESTS.parent / "models" / "northern_triangle_2019" / "scenarios"
DAYS = 40


def _write_run(folder: Path, extra: dict | None = None) -> Path:
    scenario = load_scenario(TINY_YAML, days=DAYS)
    if extra:
        scenario = scenario.with_parameters(extra)
    model = MigrationModel(scenario, seed=5)
    for _ in range(DAYS):
        model.step()
    return model.results().write(folder)


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> tuple[Path, Path]:
    """Two tiny results folders: as written, and with Isthmus checkpoints from day one."""
    root = tmp_path_factory.mktemp("runs")
    plain = _write_run(root / "plain")
    stopped = _write_run(root / "checkpoints", {"isthmus_checkpoints.interdiction": 0.5})
    return plain, stopped


def _places(folder: Path) -> int:
    return len(Results.read(folder).graph.nodes)


def test_map_writes_a_route_map_into_the_results_folder(runs, capsys):
    plain, _ = runs
    assert main(["map", str(plain)]) == 0
    picture = plain / "routes.png"
    assert picture.is_file() and picture.stat().st_size > 40_000
    with Image.open(picture) as image:
        assert image.width > 1000 and image.height > 700
    assert str(picture) in capsys.readouterr().out


def test_route_map_marks_every_place_and_the_enforcement(runs):
    _, stopped = runs
    results = Results.read(stopped)
    scenario = load_scenario(stopped / "scenario.yaml")
    enforcement = enforcement_over_run(scenario, load_corridor(scenario.corridor_path()))
    assert enforcement.stopping == ("Checkpoint",)
    assert enforcement.metering_ports == ("Hidalgo",)
    assert enforcement.mpp_cities == ("Reynosa",)
    fig = plot_routes(results.graph, results.link_totals(), enforcement=enforcement)
    ax = fig.axes[0]
    markers = sum(
        len(c.get_offsets()) for c in ax.collections if str(c.get_gid()).startswith("nodes:")
    )
    assert markers == _places(stopped)
    marks = {c.get_gid(): len(c.get_offsets()) for c in ax.collections}
    assert marks["enforcement:stopping"] == 1
    assert marks["enforcement:mpp_cities"] == 1
    assert marks["enforcement:metering_ports"] == 1
    plt.close(fig)


def test_map_compare_writes_a_difference_map(runs, tmp_path):
    plain, stopped = runs
    out = tmp_path / "difference.png"
    assert main(["map", str(plain), "--compare", str(stopped), "--out", str(out)]) == 0
    assert out.is_file() and out.stat().st_size > 40_000
    assert main(["map", str(plain), "--compare", str(stopped)]) == 0
    assert (plain / "compare_checkpoints.png").is_file()
    counts = tmp_path / "counts.png"
    argv = ["map", str(plain), "--compare", str(stopped), "--counts", "--out", str(counts)]
    assert main(argv) == 0
    assert counts.is_file()


def test_the_difference_map_compares_shares_of_each_runs_departures(runs, monkeypatch):
    from migsim.viz import maps

    plain, stopped = runs
    drawn = {}
    monkeypatch.setattr(maps, "plot_flow_difference", lambda *a, **k: drawn.update(k, flows=a))
    for extra, unit in (([], "per 1,000 departures"), (["--counts"], "families")):
        assert main(["map", str(plain), "--compare", str(stopped), *extra]) == 0
        assert drawn["unit"] == unit
    counts = drawn["flows"][2]["families"].to_numpy()  # the other run's, with --counts
    departures = Results.read(stopped).daily["departures"].sum()
    main(["map", str(plain), "--compare", str(stopped)])
    per_thousand = drawn["flows"][2]["families"].to_numpy()
    assert per_thousand == pytest.approx(counts * 1000 / departures)


@pytest.mark.parametrize("args", [["map"], ["animate"], ["map", "--compare"]])
def test_a_folder_that_is_not_a_results_folder_is_an_input_error(runs, tmp_path, capsys, args):
    plain, _ = runs
    if args[-1] == "--compare":
        argv = ["map", str(plain), "--compare", str(tmp_path)]
    else:
        argv = [*args, str(tmp_path)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "is not a migsim results folder" in err and "Traceback" not in err
    assert str(tmp_path) in err


def test_bad_output_names_are_input_errors(runs, tmp_path, capsys):
    plain, _ = runs
    assert main(["map", str(plain), "--out", str(tmp_path / "map.jpg")]) == 2
    assert "ending .png" in capsys.readouterr().err
    assert main(["animate", str(plain), "--out", str(tmp_path / "film.avi")]) == 2
    assert ".gif or .mp4" in capsys.readouterr().err


def test_animate_writes_a_gif_and_an_mp4_into_the_results_folder(runs, capsys):
    plain, _ = runs
    assert main(["animate", str(plain), "--every", "10", "--fps", "4"]) == 0
    gif = plain / "animation.gif"
    assert gif.stat().st_size > 20_000
    with Image.open(gif) as frames:
        assert frames.n_frames == len(range(0, DAYS, 10)) + 1  # and the last day
        assert frames.width >= 600
    assert (plain / "animation.mp4").is_file() == mp4_available()
    if mp4_available():
        assert (plain / "animation.mp4").stat().st_size > 10_000
    assert "animation.gif" in capsys.readouterr().out


def test_animate_out_writes_one_file(runs, tmp_path):
    _, stopped = runs
    out = tmp_path / "film.gif"
    assert main(["animate", str(stopped), "--out", str(out), "--every", "40"]) == 0
    assert out.is_file() and not (tmp_path / "film.mp4").exists()


def test_frames_add_up_a_moving_week_of_link_flows(runs):
    plain, _ = runs
    results, frames, flow_top, waiting_top = results_frames(plain, every_days=5, window_days=7)
    flows = results.link_flows
    week = flows[flows["date"] > flows["date"].max() - np.timedelta64(7, "D")]
    assert frames[-1].flows.sum() == pytest.approx(week["families"].sum())
    assert frames[0].caption.startswith("01 Jan 2019")
    assert flow_top > 0 and waiting_top >= 0
    assert isinstance(frames[-1].enforcement, Enforcement)


def test_flow_map_draws_one_marker_per_place(runs):
    plain, _ = runs
    results, frames, flow_top, waiting_top = results_frames(plain, every_days=10)
    fig, ax = plt.subplots()
    flow_map = FlowMap(ax, results.graph, flow_top=flow_top, waiting_top=waiting_top)
    flow_map.show(frames[-1])
    assert flow_map.drawn_places() == _places(plain)
    widths = np.asarray(flow_map.flow_lines.get_linewidths())
    assert widths.max() > 0 and len(widths) == len(flow_map.pairs)
    plt.close(fig)


def test_enforcement_over_the_june_2019_agreement():
    scenario = load_scenario(SHIPPED / "june_2019_agreement.yaml")
    corridor = load_corridor(scenario.corridor_path())
    found = enforcement_over_run(scenario, corridor)
    kinds = {
        corridor.places[i]: corridor.graph.nodes[corridor.places[i]]["kind"]
        for i in range(len(corridor.places))
    }
    assert {kinds[p] for p in found.stopping} == {"checkpoint", "crossing"}
    assert {"Tijuana", "Ciudad Juarez", "Matamoros", "Nuevo Laredo"} <= set(found.mpp_cities)
    assert len(found.metering_ports) == len(corridor.of_kind("us_port"))
    none = load_scenario(SHIPPED / "no_enforcement.yaml")
    assert not enforcement_over_run(none, corridor)
