"""The ``migsim`` command line: runs, option errors and bad files give status 2 and one line."""

from __future__ import annotations

import os
import subprocess
import sys

import pandas as pd
import pytest
import yaml
from conftest import REPO, TINY_YAML, make_corridor, set_cell

from migsim.cli import main
from migsim.scenario import load_scenario

LEVER_NAMES = [
    "safe_third_country",
    "remain_in_mexico",
    "isthmus_checkpoints",
    "southern_border_enforcement",
    "anti_smuggling",
    "humanitarian_visas",
    "mexican_deportations",
    "mexican_releases",
    "metering",
    "us_holding_capacity",
    "northern_triangle_aid",
    "tariff_threat",
]
TABLES = ("daily.parquet", "place_series.parquet", "link_flows.parquet")


def run_cli(args: list[str], capsys) -> tuple[int, str, str]:
    """Run ``migsim`` in-process; argparse errors come back as their exit status."""
    try:
        status = main(args)
    except SystemExit as exc:
        status = exc.code
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def run_subprocess(args: list[str], cwd) -> subprocess.CompletedProcess:
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONPATH=str(REPO))
    return subprocess.run(
        [sys.executable, "-m", "migsim.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def assert_one_error_line(err: str, *names: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("migsim: error: "), err
    for name in names:
        assert str(name) in lines[0], lines[0]
    assert "Traceback" not in err
    return lines[0]


# ---------------------------------------------------------------------------------- run
def test_run_quiet_writes_the_results_folder(tmp_path, capsys):
    out = tmp_path / "out"
    status, stdout, _ = run_cli(
        ["run", "--scenario", str(TINY_YAML), "--days", "20", "--out", str(out), "--no-plots",
         "--quiet"],
        capsys,
    )  # fmt: skip
    assert status == 0
    assert stdout == ""
    for name in (*TABLES, "summary.csv", "scenario.yaml"):
        assert (out / name).is_file(), name
    assert not (out / "routes.png").exists()
    daily = pd.read_parquet(out / "daily.parquet")
    assert len(daily) == 20
    written = load_scenario(out / "scenario.yaml")
    assert (written.days, written.seed) == (20, 3)


def test_run_prints_the_summary(tmp_path, capsys):
    out = tmp_path / "out"
    status, stdout, _ = run_cli(
        ["run", "--scenario", str(TINY_YAML), "--days", "20", "--out", str(out), "--no-plots",
         "--seed", "4"],
        capsys,
    )  # fmt: skip
    assert status == 0
    assert "families created" in stdout
    assert "total" in stdout
    assert str(out) in stdout
    created = pd.read_parquet(out / "daily.parquet")["first_departures"].sum()
    assert f"{int(created):,}" in stdout
    assert load_scenario(out / "scenario.yaml").seed == 4


def test_run_records_the_families_per_year_it_ran_with(tmp_path, capsys):
    out = tmp_path / "out"
    status, _, _ = run_cli(
        ["run", "--scenario", str(TINY_YAML), "--days", "20", "--out", str(out), "--no-plots",
         "--quiet", "--families-per-year", "20000"],
        capsys,
    )  # fmt: skip
    assert status == 0
    written = load_scenario(out / "scenario.yaml")
    assert written.population.families_per_year == 20000
    # The run is the scenario in miniature: its capacities scale with its size.
    full = load_scenario(TINY_YAML)
    ratio = 20000 / full.population.families_per_year
    assert written.capacity_scale == pytest.approx(ratio)
    assert written.behaviour.us_port_capacity == pytest.approx(
        full.behaviour.us_port_capacity * ratio
    )
    again = tmp_path / "again"
    run_cli(
        ["run", "--scenario", str(out / "scenario.yaml"), "--out", str(again), "--no-plots",
         "--quiet"],
        capsys,
    )  # fmt: skip
    pd.testing.assert_frame_equal(
        pd.read_parquet(again / "daily.parquet"), pd.read_parquet(out / "daily.parquet")
    )


def test_run_as_a_program(tmp_path):
    done = run_subprocess(
        ["run", "--scenario", str(TINY_YAML), "--days", "10", "--out", "out", "--no-plots"],
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert "families created" in done.stdout
    assert (tmp_path / "out" / "daily.parquet").is_file()


def test_bad_scenario_as_a_program(tmp_path):
    folder = make_corridor(tmp_path)
    path = folder / "scenarios" / "tiny.yaml"
    path.write_text(path.read_text().replace("levers:", "levrs:"))
    done = run_subprocess(["run", "--scenario", str(path), "--days", "10"], cwd=tmp_path)
    assert done.returncode == 2
    assert_one_error_line(done.stderr, path, "levers")
    assert not (tmp_path / "results").exists()


# -------------------------------------------------------------------------- bad options
@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--days", "-3"),
        ("--days", "abc"),
        ("--days", "0"),
        ("--families-per-year", "0"),
        ("--families-per-year", "lots"),
        ("--seed", "x"),
        ("--seed", "-1"),
        ("--days", str(10**12)),
        ("--families-per-year", "1e12"),
        ("--families-per-year", "inf"),
        ("--families-per-year", "nan"),
    ],
)
def test_bad_options_exit_2_naming_the_option(tmp_path, capsys, monkeypatch, option, value):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as info:
        main(["run", "--scenario", str(TINY_YAML), "--out", str(out), option, value])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert option in err
    assert value in err
    assert "Traceback" not in err
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_unknown_command_exits_2(capsys):
    with pytest.raises(SystemExit) as info:
        main(["rnu"])
    assert info.value.code == 2


# -------------------------------------------------------------------- bad scenario files
def rename(mapping: dict, old: str, new: str) -> None:
    mapping[new] = mapping.pop(old)


def edit_yaml(path, edit) -> None:
    data = yaml.safe_load(path.read_text())
    edit(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False))


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        (lambda d: rename(d, "levers", "levrs"), ["levrs", "'levers'"]),
        (lambda d: d["levers"][0].update(lever="meterin"), ["meterin", "'metering'"]),
        (
            lambda d: rename(d["levers"][0], "families_per_day", "families_per_dya"),
            ["families_per_dya", "'families_per_day'"],
        ),
        (
            lambda d: d["levers"][1].update(shar=0.3),
            ["shar", "'share'"],
        ),
        (lambda d: d["population"].update(families_per_year=-5), ["families_per_year"]),
        (lambda d: d["population"]["origins"].update(Hom={"share": 1}), ["Hom", "'Home'"]),
        (lambda d: d.update(start="2019-13-01"), ["start"]),
        (
            lambda d: d["population"].update(
                caravans=[{"date": "2019-01-05", "origin": "Tapachula", "families": 9}]
            ),
            ["population.caravans[0].origin", "'Tapachula' is not an origin"],
        ),
        (
            lambda d: d["population"].update(families_per_year=1e12),
            ["population.families_per_year", "10000000"],
        ),
    ],
    ids=["unknown-key", "unknown-lever", "misspelt-parameter", "misspelt-parameter-2",
         "negative-families", "unknown-origin", "bad-date", "caravan-not-origin", "families-huge"],
)  # fmt: skip
def test_bad_scenario_file_exits_2_with_one_line(tmp_path, capsys, monkeypatch, edit, words):
    monkeypatch.chdir(tmp_path)
    folder = make_corridor(tmp_path)
    path = folder / "scenarios" / "tiny.yaml"
    edit_yaml(path, edit)
    status, stdout, err = run_cli(["run", "--scenario", str(path), "--days", "5"], capsys)
    assert status == 2
    assert_one_error_line(err, path, *words)
    assert stdout == ""
    assert not (tmp_path / "results").exists()


def test_a_run_that_outgrows_memory_stops_with_a_message(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("migsim.scenario.MAX_FAMILIES_CREATED", 20)
    out = tmp_path / "out"
    status, stdout, err = run_cli(
        ["run", "--scenario", str(TINY_YAML), "--days", "60", "--out", str(out), "--quiet"], capsys
    )
    assert status == 2
    line = assert_one_error_line(err, TINY_YAML, "key 'days'", "more than the 20 that fit")
    assert "network_effect" in line
    assert not out.exists()


def test_missing_corridor_folder_names_the_scenario_and_folder(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    folder = make_corridor(tmp_path)
    path = folder / "scenarios" / "tiny.yaml"
    edit_yaml(path, lambda d: d.update(corridor="../nowhere"))
    status, _, err = run_cli(["run", "--scenario", str(path), "--days", "5"], capsys)
    assert status == 2
    line = assert_one_error_line(err, "nowhere")
    assert str(path) in line, "the message should name the scenario file that points there"
    assert not (tmp_path / "results").exists()


def test_missing_scenario_file(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "absent.yaml"
    status, _, err = run_cli(["run", "--scenario", str(path)], capsys)
    assert status == 2
    assert_one_error_line(err, path)
    assert list(tmp_path.iterdir()) == []


def test_malformed_corridor_via_scenario(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    folder = make_corridor(tmp_path, links_edit=lambda f: set_cell(f, 6, "mode", "bsu"))
    out = tmp_path / "out"
    status, _, err = run_cli(
        ["run", "--scenario", str(folder / "scenarios" / "tiny.yaml"), "--out", str(out)], capsys
    )
    assert status == 2
    line = assert_one_error_line(err, folder / "links.csv", "row 6", "bsu")
    assert "'bus'" in line
    assert not out.exists()


def test_out_that_is_a_file(tmp_path, capsys):
    out = tmp_path / "out"
    out.write_text("not a folder")
    status, _, err = run_cli(["run", "--scenario", str(TINY_YAML), "--out", str(out)], capsys)
    assert status == 2
    assert_one_error_line(err, out)
    assert out.read_text() == "not a folder"


# -------------------------------------------------------------------------------- levers
def test_levers_lists_every_lever(capsys):
    status, stdout, _ = run_cli(["levers"], capsys)
    assert status == 0
    listed = [line for line in stdout.splitlines() if line and not line.startswith(" ")]
    assert sorted(listed) == sorted(LEVER_NAMES)
    for name in LEVER_NAMES:
        assert name in stdout
    assert "families_per_day" in stdout
    assert "officers" in stdout


# ----------------------------------------------------- the machine, not the input: exit 1
def test_a_full_disk_during_run_exits_1_and_leaves_nothing(tmp_path, capsys, monkeypatch):
    import errno

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", full)
    out = tmp_path / "out"
    args = ["run", "--scenario", str(TINY_YAML), "--days", "5", "--quiet", "--no-plots"]
    status, _, err = run_cli([*args, "--out", str(out)], capsys)
    assert status == 1
    assert_one_error_line(err, "No space left on device; nothing was written")
    assert list(tmp_path.iterdir()) == []


def test_damaged_results_read_back_exit_1_without_a_traceback(tmp_path, capsys):
    out = tmp_path / "run"
    args = ["run", "--scenario", str(TINY_YAML), "--days", "10", "--quiet", "--no-plots"]
    assert run_cli([*args, "--out", str(out)], capsys)[0] == 0
    daily = out / "daily.parquet"
    whole = daily.read_bytes()
    daily.write_bytes(whole[:200])
    status, _, err = run_cli(["map", str(out), "--out", str(tmp_path / "map.png")], capsys)
    assert status == 1
    assert_one_error_line(err, "daily.parquet", "damaged or truncated")
    daily.write_bytes(whole)
    (out / "scenario.yaml").write_bytes(b"\x89PNG\r\n\x1a\n")
    status, _, err = run_cli(["map", str(out), "--out", str(tmp_path / "map.png")], capsys)
    assert status == 1
    assert_one_error_line(err, "could not be read back")


@pytest.mark.parametrize(
    "command",
    [
        ["run", "--scenario", str(TINY_YAML), "--days", "5", "--quiet", "--out"],
        ["experiment", "run", str(REPO / "experiments" / "checkpoints_vs_mpp.yaml"), "--out"],
        ["flee", "export", str(TINY_YAML)],
    ],
    ids=["run", "experiment", "flee-export"],
)
def test_out_under_a_file_exits_2_naming_the_file(tmp_path, capsys, command):
    notes = tmp_path / "notes.txt"
    notes.write_text("keep")
    status, _, err = run_cli([*command, str(notes / "sub")], capsys)
    assert status == 2
    assert_one_error_line(err, "lies under", "notes.txt', which is a file, not a folder")
    assert notes.read_text() == "keep"


def test_no_python_warning_reaches_the_user(tmp_path, monkeypatch):
    """Neither numpy's arithmetic warnings nor the fork server's fork-with-threads warning."""
    monkeypatch.setenv("PYTHONWARNINGS", "default")
    experiment = tmp_path / "e.yaml"
    experiment.write_text(
        yaml.safe_dump(
            {
                "name": "e",
                "scenarios": {"tiny": str(TINY_YAML)},
                "replicates": 3,
                "days": 15,
                "outcomes": ["deaths"],
            }  # fmt: skip
        )
    )
    for args in (
        ["run", "--scenario", str(TINY_YAML), "--days", "30", "--quiet", "--no-plots"],
        ["experiment", "run", str(experiment), "--workers", "2", "--quiet", "--out", "e"],
    ):
        done = run_subprocess(args, tmp_path)
        assert done.returncode == 0, done.stderr
        assert "Warning" not in done.stderr, done.stderr


@pytest.mark.parametrize(
    "command",
    [
        ["run", "--scenario", str(TINY_YAML), "--days", "5", "--quiet", "--no-plots", "--out"],
        ["experiment", "run", str(REPO / "experiments" / "checkpoints_vs_mpp.yaml"), "--days",
         "5", "--replicates", "1", "--quiet", "--out"],
        ["flee", "export", str(TINY_YAML)],
    ],
    ids=["run", "experiment", "flee-export"],
)  # fmt: skip
def test_a_read_only_folder_exits_1_with_one_line(tmp_path, capsys, monkeypatch, command):
    """As in a read-only folder (simulated: the tests may run as root, who may write anywhere)."""
    import errno

    real_mkdir = os.mkdir
    read_only = tmp_path / "ro"

    def mkdir(path, *args, **kwargs):
        if str(path).startswith(str(read_only)):
            raise OSError(errno.EROFS, "Read-only file system", str(path))
        return real_mkdir(path, *args, **kwargs)

    monkeypatch.setattr(os, "mkdir", mkdir)
    status, _, err = run_cli([*command, str(read_only / "out")], capsys)
    assert status == 1
    assert_one_error_line(err, "Read-only file system; nothing was written")
    assert not read_only.exists()


def test_compare_replicates_beyond_the_limit_exit_2(tmp_path, capsys):
    args = ["compare", str(TINY_YAML), str(TINY_YAML), "--replicates", "50001"]
    status, _, err = run_cli([*args, "--out", str(tmp_path / "o")], capsys)
    assert status == 2
    assert "50001 is too many; give at most 50,000 replicates (of each of two scenarios)" in err
    assert list(tmp_path.iterdir()) == []
