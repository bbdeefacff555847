"""The teaching app's model, lever settings and pictures, without a browser."""

from __future__ import annotations

import io
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from PIL import Image

from migsim import app
from migsim.agents import FamilyState
from migsim.app import charts, instead, page, runs, watch
from migsim.policies import LEVERS
from migsim.viz.animation import (
    along_polylines,
    families_on_the_move,
    road_polylines,
    text_sizes,
)
from migsim.viz.maps import MAP_EXTENT

SMALL = {"families_per_year": 3000, "days": 12}


def _image(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_every_lever_has_a_control_with_an_explanation_and_a_fact():
    assert {control.lever for control in app.LEVER_CONTROLS} == set(LEVERS)
    for control in app.LEVER_CONTROLS:
        assert len(re.findall(r"[.!?](?:\s|$)", control.how)) == 2, control.key
        assert control.fact().startswith("The lever's own default")
        if not control.is_switch:
            level = app.baseline_levels()[control.key]
            assert control.low <= level <= control.high
            steps = (level - control.low) / control.step
            assert steps == pytest.approx(round(steps)), "a slider must be able to show it"


def _levers(scenario, name):
    return [lever for lever in scenario.levers if lever.name == name]


def test_baseline_levels_describe_the_baseline_and_leave_it_unchanged():
    baseline = app.preset("Baseline 2019")
    levels = app.baseline_levels()
    (isthmus,) = _levers(baseline, "isthmus_checkpoints")
    assert levels["isthmus_checkpoints.interdiction"] == isthmus.interdiction
    visas = max(_levers(baseline, "humanitarian_visas"), key=lambda lever: lever.start)
    assert levels["humanitarian_visas.visas_per_month"] == visas.visas_per_month
    assert levels["southern_border_enforcement.officers"] == 0  # not in the baseline
    assert levels["tariff_threat"] == 0
    assert app.lever_scenario(levels) is app.preset("Baseline 2019")
    assert app.describe_changes(levels) == "as in the baseline 2019"


def test_my_lever_settings_change_add_and_remove_levers():
    settings = {
        **app.baseline_levels(),
        "isthmus_checkpoints.interdiction": 0.4,
        "southern_border_enforcement.officers": 6000,
        "metering.families_per_day": 0,
        "tariff_threat": 1,
    }
    scenario = app.lever_scenario(settings)
    names = [lever.name for lever in scenario.levers]
    assert "metering" not in names
    isthmus = [lever for lever in scenario.levers if lever.name == "isthmus_checkpoints"]
    assert [lever.interdiction for lever in isthmus] == [0.4]
    guard = [lever for lever in scenario.levers if lever.name == "southern_border_enforcement"]
    assert guard[0].officers == 6000 and guard[0].start is None  # from the first day
    (threat,) = [lever for lever in scenario.levers if lever.name == "tariff_threat"]
    response = {lever.name: lever for lever in threat.response}
    (june_threat,) = _levers(app.preset("June 2019 agreement"), "tariff_threat")
    june = {lever.name: lever for lever in june_threat.response}
    assert response["isthmus_checkpoints"] == june["isthmus_checkpoints"]  # as in June, on top
    assert "metering" not in response
    text = app.describe_changes(settings)
    assert "Isthmus checkpoints 0.4" in text and "Metering off" in text
    off = app.lever_scenario(app.levers_off())
    assert off.levers == []


def test_classroom_runs_two_scenarios_on_the_same_seed():
    room = watch.Classroom("Baseline 2019", "Baseline 2019", seed=4, **SMALL)
    assert len(room.runs) == 2
    for _ in range(SMALL["days"]):
        room.step()
    left, right = (run.model for run in room.runs)
    assert left.day == right.day == room.day == SMALL["days"]
    assert not room.running
    np.testing.assert_array_equal(left.families.state, right.families.state)
    room.step()  # past the end: nothing happens
    assert room.day == SMALL["days"]


def test_one_run_and_the_right_run_choices():
    room = watch.Classroom("No enforcement", app.ONE_RUN, **SMALL)
    assert [run.choice for run in room.runs] == ["No enforcement"]
    settings = {**app.baseline_levels(), "safe_third_country.barred_share": 0.5}
    room = watch.Classroom("Baseline 2019", app.MY_SETTINGS, levers=settings, **SMALL)
    assert room.runs[1].note == "Safe third country 0.5"
    assert room.runs[1].model.spec.name == app.MY_SETTINGS
    with pytest.raises(ValueError, match="unknown run"):
        watch.Classroom("Atlantis", **SMALL)


def test_show_from_may_runs_the_months_before_at_once():
    room = watch.Classroom(
        "Baseline 2019",
        app.ONE_RUN,
        families_per_year=1000,
        start_at="May 2019 (a month before the agreement)",
    )
    assert room.day == 212 and f"{room.date:%Y-%m-%d}" == "2019-04-30"


def test_pictures_are_pngs_drawn_at_the_size_they_are_shown():
    room = watch.Classroom(**SMALL)
    for _ in range(8):
        room.step()
    left = _image(watch.map_png(room, 0))
    right = _image(watch.map_png(room, 1))
    width, fontsize = watch.LAYOUTS["side by side"]
    assert left.size == right.size and left.width == round(width * watch.IMAGE_DPI)
    assert np.asarray(left).std() > 20  # a picture, not a blank
    folder = str(room.runs[0].model.corridor.folder)
    drawer = watch._live_map(folder)
    assert drawer.drawn_places() == len(room.runs[0].model.corridor.places)
    assert min(text_sizes(drawer.fig)) >= 10  # every name, caption and title
    stacked = _image(watch.map_png(room, 0, "one under the other"))
    assert stacked.width == round(watch.LAYOUTS["one under the other"][0] * watch.IMAGE_DPI)
    key = _image(watch.map_key_png(folder))
    assert key.width <= 940  # shown at its own size under the maps, as wide as the page
    saved = _image(watch.with_key(watch.map_png(room, 0), watch.map_key_png(folder)))
    assert saved.size == (max(left.width, key.width), left.height + key.height)


def test_every_watch_map_zooms():
    room = watch.Classroom(**SMALL)
    room.step()
    whole = _image(watch.map_png(room, 0))
    for name, extent in instead.ZOOMS.items():
        picture = _image(watch.map_png(room, 0, extent=extent))
        drawer = watch._live_map(str(room.runs[0].model.corridor.folder), extent=extent)
        ax = drawer.map.ax
        assert (*ax.get_xlim(), *ax.get_ylim()) == pytest.approx(extent), name
        assert picture.width == whole.width
    south = watch._live_map(
        str(room.runs[0].model.corridor.folder),
        extent=instead.ZOOMS["Southern border and the Isthmus"],
    )
    names = {text.get_text() for text in south.map.ax.texts}
    assert "Ciudad Hidalgo / Tecún Umán" in names  # crossings named when zoomed in


@pytest.fixture(scope="module")
def comparison():
    runner = runs.Runner(workers=0)
    return runs.compare(
        runner,
        "Baseline 2019",
        "June 2019 agreement",
        families_per_year=3000,
        seed=2,
        seeds=2,
        days=40,
    )


def test_a_comparison_holds_both_sides_over_the_seeds(comparison):
    assert [side.choice for side in comparison.sides] == ["Baseline 2019", "June 2019 agreement"]
    assert comparison.seeds == (2, 3)
    for side in comparison.sides:
        assert [o.spec.seed for o in side.outcomes] == [2, 3]
        assert len(side.shown.daily) == 40
        assert set(side.shown.headline) == {key for key, _, _ in runs.HEADLINES}
        assert side.shown.departures >= side.shown.daily["first_departures"].sum() > 0
    assert comparison.factor == pytest.approx(
        app.preset("Baseline 2019").population.families_per_year / 3000
    )
    again = runs.compare(
        runs.Runner(workers=0),
        "Baseline 2019",
        None,
        families_per_year=3000,
        seed=2,
        seeds=1,
        days=40,
    )
    pd.testing.assert_frame_equal(again.sides[0].shown.daily, comparison.sides[0].shown.daily)


def test_charts_of_a_comparison_are_wide_pictures(comparison):
    curves = _image(page.figure_png(charts.curves_figure(comparison)))
    assert curves.size == (960, 560)
    assert np.asarray(curves.convert("L")).std() > 20
    bars = charts.outcomes_figure(comparison)
    assert len(bars.axes[0].patches) >= 2 * len(charts.OUTCOMES)  # and "other", if any
    html = page.card_html(comparison, "reached_us", "Reached the US", "families")
    assert html.count("<tr>") == 3 and "Change" in html and "2019's numbers" in html


def test_where_families_go_instead_is_counted_per_thousand_departures(comparison):
    graph = page.corridor_graph()
    table = instead.instead_table(comparison, graph)
    assert 0 < len(table) <= instead.TABLE_ROWS
    left = comparison.sides[0].shown
    row = table.iloc[0]
    assert row["left per 1,000"] == pytest.approx(row["left families"] * 1000 / left.departures)
    changes = table["change per 1,000"].abs().to_numpy()
    assert (np.diff(changes) <= 1e-9).all()  # most changed first
    assert "<table" in page.table_html(table)
    figure = instead.instead_map(comparison, graph)
    assert "per 1,000 departures" in figure.axes[0].get_title()
    plt.close(figure)
    south = instead.ZOOMS["Southern border and the Isthmus"]
    zoomed = instead.instead_map(comparison, graph, zoom="Southern border and the Isthmus")
    assert min(text_sizes(zoomed)) >= 10  # drawn at the width it is shown
    ax = zoomed.axes[0]
    assert (*ax.get_xlim(), *ax.get_ylim()) == pytest.approx(south)
    names = {text.get_text() for text in ax.texts}
    assert "Ciudad Hidalgo / Tecún Umán" in names  # crossings named when zoomed in
    plt.close(zoomed)


def test_families_on_the_move_are_placed_on_the_map():
    room = watch.Classroom("Baseline 2019", app.ONE_RUN, families_per_year=20000, days=30)
    for _ in range(30):
        room.step()
    model = room.runs[0].model
    dots, per_dot = families_on_the_move(model, limit=500)
    moving = model.families.counts[[FamilyState.TRAVELLING, FamilyState.AT_PLACE]].sum()
    assert per_dot >= 1 and 0 < len(dots) <= moving
    assert len(dots) == pytest.approx(moving / per_dot, rel=0.25)
    lon_min, lon_max, lat_min, lat_max = MAP_EXTENT
    assert (dots[:, 0] > lon_min).all() and (dots[:, 0] < lon_max).all()
    assert (dots[:, 1] > lat_min).all() and (dots[:, 1] < lat_max).all()
    again, _ = families_on_the_move(model, limit=500)
    np.testing.assert_array_equal(dots, again)  # the same families every time: no flicker


def _distance_to_line(points: np.ndarray, line: np.ndarray) -> np.ndarray:
    """Each point's distance (degrees) to the nearest piece of a polyline."""
    start, end = line[:-1][None], line[1:][None]
    step = end - start
    share = np.einsum("pki,pki->pk", points[:, None] - start, step) / np.einsum(
        "pki,pki->pk", step, step
    )
    nearest = start + np.clip(share, 0, 1)[..., None] * step
    return np.linalg.norm(points[:, None] - nearest, axis=2).min(axis=1)


def test_families_on_the_move_follow_the_roads_the_map_draws():
    from migsim.app.levers import preset
    from migsim.corridor import load_corridor
    from migsim.viz.roads import link_path

    corridor = load_corridor(preset("Baseline 2019").corridor_path())
    link = corridor.links.index(("Hermosillo", "Tijuana"))
    positions = {p: (corridor.lon[i], corridor.lat[i]) for i, p in enumerate(corridor.places)}
    line = np.array(link_path("Hermosillo", "Tijuana", positions))
    assert len(line) > 2  # a road with waypoints
    points, along = road_polylines(corridor)
    progress = np.linspace(0, 1, 41)
    where, heading = along_polylines(
        points[[link] * len(progress)], along[[link] * len(progress)], progress
    )
    assert _distance_to_line(where, line) == pytest.approx(0, abs=1e-9)  # on the drawn road
    np.testing.assert_allclose(where[[0, -1]], line[[0, -1]])
    np.testing.assert_allclose(np.linalg.norm(heading, axis=1), 1)
    # Even steps of the way are even steps along the road, not along the straight chord.
    walked = np.concatenate([[0], np.cumsum(np.linalg.norm(np.diff(where, axis=0), axis=1))])
    np.testing.assert_allclose(walked / walked[-1], progress, atol=0.02)  # (corners cut)
    chord = line[[0, -1]]
    assert _distance_to_line(where, chord).max() > 0.5  # not the straight line across the gulf


def test_the_page_and_its_lessons():
    assert callable(page.Page)
    start = page.Choices().with_levers({})
    assert start.settings == app.baseline_levels()
    off = start.with_levers(app.levers_off())
    assert off.settings == app.levers_off() and hash(off) != hash(start)
    for index, (name, setup, notes) in enumerate(page.LESSONS):
        page.apply_lesson(index)
        now = page.choices.value
        assert (now.left, now.right) == (setup["left"], setup["right"]) and name and notes
        assert now.settings == {**app.baseline_levels(), **setup.get("levers", {})}
    page.set_levers({"metering.families_per_day": 0})
    assert page.choices.value.settings["metering.families_per_day"] == 0


def test_capacities_scale_with_the_families():
    june = app.preset("June 2019 agreement")
    tenth = june.population.families_per_year / 10
    small = june.at_scale(tenth)
    assert small.population.families_per_year == tenth
    assert [c.families for c in small.population.caravans] == [
        round(c.families / 10) for c in june.population.caravans
    ]
    for before, after in zip(_levers(june, "metering"), _levers(small, "metering"), strict=True):
        assert after.families_per_day == pytest.approx(before.families_per_day / 10)
    (threat,) = _levers(small, "tariff_threat")
    (june_threat,) = _levers(june, "tariff_threat")
    isthmus = [lever for lever in threat.response if lever.name == "isthmus_checkpoints"]
    full = [lever for lever in june_threat.response if lever.name == "isthmus_checkpoints"]
    assert isthmus[0].capacity_per_day == pytest.approx(full[0].capacity_per_day / 10)
    assert isthmus[0].interdiction == full[0].interdiction  # probabilities stay as they are
    room = watch.Classroom("June 2019 agreement", app.ONE_RUN, families_per_year=tenth, days=2)
    corridor = room.runs[0].model.corridor
    finite = np.isfinite(corridor.capacity_per_day)
    fresh = watch.load_corridor(corridor.folder).capacity_per_day
    np.testing.assert_allclose(corridor.capacity_per_day[finite], fresh[finite] / 10)


def _session_members(session: int) -> list[int]:
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == session:  # after the name: state, ppid, pgrp, session
            members.append(int(stat.parent.name))
    return members


def test_kill_stops_the_app_server_and_its_workers(tmp_path):
    """``kill PID`` of ``migsim app`` leaves no server and no worker process behind."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app_cli = Path(sys.executable).parent / "migsim"
    process = subprocess.Popen(
        [str(app_cli), "app", "--no-open", "--port", str(port)],
        env={**os.environ, "HOME": str(tmp_path)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2):
                    break
            except OSError:
                assert time.monotonic() < deadline and process.poll() is None, "no app"
                time.sleep(0.3)
        children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
        (server,) = [int(pid) for pid in children]
        while len(_session_members(server)) < 3:  # the server, its fork server and workers
            assert time.monotonic() < deadline + 60, "the app started no worker processes"
            time.sleep(0.3)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
        deadline = time.monotonic() + 15
        while _session_members(server):
            assert time.monotonic() < deadline, "the server or its workers still run"
            time.sleep(0.2)
    finally:
        if process.poll() is None:
            process.kill()
