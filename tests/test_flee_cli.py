"""The ``migsim flee run`` and ``migsim flee export`` commands."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from migsim.cli import main
from migsim.interop.flee import read_flee_scenario

TESTS = Path(__file__).resolve().parent
SMALL = TESTS / "data" / "flee" / "small"
BASELINE = TESTS.parent / "models" / "northern_triangle_2019" / "scenarios" / "baseline_2019.yaml"


def test_run_writes_camp_populations_and_ard(tmp_path: Path, capsys):
    out = tmp_path / "out"
    assert main(["flee", "run", str(SMALL), "--out", str(out), "--seed", "3"]) == 0
    printed = capsys.readouterr().out
    assert "averaged relative difference (ARD):" in printed and "Camp2" in printed
    assert sorted(p.name for p in out.iterdir()) == [
        "ard.txt", "ard_daily.csv", "camp_populations.csv", "observed.csv",
    ]  # fmt: skip
    pops = pd.read_csv(out / "camp_populations.csv")
    assert list(pops.columns) == ["day", "date", "Camp1", "Camp2", "Camp3", "total"]
    assert len(pops) == 30 and (pops[["Camp1", "Camp2", "Camp3"]].sum(axis=1) == pops.total).all()
    ard = float((out / "ard.txt").read_text().split()[0])
    assert f"{ard:.4f}" in printed
    daily = pd.read_csv(out / "ard_daily.csv")
    assert daily.ard.mean() == pytest.approx(ard, abs=1e-6)
    # The same seed gives the same numbers.
    again = tmp_path / "again"
    assert main(["flee", "run", str(SMALL), "--out", str(again), "--seed", "3", "--quiet"]) == 0
    assert capsys.readouterr().out == ""
    assert (again / "camp_populations.csv").read_text() == (
        out / "camp_populations.csv"
    ).read_text()


def test_run_options(tmp_path: Path):
    out = tmp_path / "out"
    args = ["flee", "run", str(SMALL / "input_csv"), "--validation", str(SMALL / "source_data")]
    assert main([*args, "--days", "12", "--defaults", "flee3", "--out", str(out), "--quiet"]) == 0
    assert len(pd.read_csv(out / "camp_populations.csv")) == 12


def test_malformed_file_exits_2_with_file_and_line(tmp_path: Path, capsys):
    shutil.copytree(SMALL, tmp_path / "s")
    routes = tmp_path / "s" / "input_csv" / "routes.csv"
    routes.write_text(routes.read_text().replace("B,D,170,0", "B,Dee,170,0"))
    out = tmp_path / "out"
    assert main(["flee", "run", str(tmp_path / "s"), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "routes.csv, row 5:" in err and "unknown location 'Dee'" in err
    assert "Traceback" not in err and not out.exists()


def test_missing_validation_and_bad_out_exit_2(tmp_path: Path, capsys):
    shutil.copytree(SMALL / "input_csv", tmp_path / "inputs")
    assert main(["flee", "run", str(tmp_path / "inputs")]) == 2
    assert "--validation FOLDER" in capsys.readouterr().err
    (tmp_path / "file").write_text("x")
    assert main(["flee", "run", str(SMALL), "--out", str(tmp_path / "file")]) == 2
    assert "exists and is not a folder" in capsys.readouterr().err


def test_export_then_run_the_exported_corridor(tmp_path: Path, capsys):
    out = tmp_path / "flee"
    assert main(["flee", "export", str(BASELINE), str(out)]) == 0
    printed = capsys.readouterr().out
    assert "87 locations: 6 conflict_zone, 64 town, 17 camp" in printed
    # Observed data for the exported corridor: a rising total and a few families at each camp.
    flee = read_flee_scenario(out)
    data = tmp_path / "observed"
    data.mkdir()
    layout = ["total,total.csv"] + [f"{c},camp{i}.csv" for i, c in enumerate(flee.camp_names)]
    (data / "data_layout.csv").write_text("\n".join(layout) + "\n")
    (data / "total.csv").write_text("#Date,Refugee_numbers\n2018-10-01,170\n2018-10-21,20000\n")
    for i, _ in enumerate(flee.camp_names):
        (data / f"camp{i}.csv").write_text(f"2018-10-01,10\n2018-10-21,{100 * (i + 1)}\n")
    results = tmp_path / "results"
    args = ["flee", "run", str(out), "--validation", str(data), "--days", "30"]
    assert main([*args, "--out", str(results)]) == 0
    pops = pd.read_csv(results / "camp_populations.csv")
    assert len(pops) == 30 and pops.total.iloc[0] == 170
    assert 0 <= float((results / "ard.txt").read_text().split()[0]) <= 2


def test_export_bad_scenario_exits_2(tmp_path: Path, capsys):
    assert main(["flee", "export", str(tmp_path / "nope.yaml"), str(tmp_path / "out")]) == 2
    assert "scenario file not found" in capsys.readouterr().err


def test_run_and_export_never_replace_a_folder_holding_a_users_files(tmp_path: Path, capsys):
    for command in (
        ["flee", "run", str(SMALL), "--quiet", "--out"],
        ["flee", "export", str(BASELINE)],
    ):
        out = tmp_path / command[1]
        out.mkdir()
        (out / "thesis.docx").write_text("mine")
        assert main([*command, str(out)]) == 2
        err = capsys.readouterr().err
        assert "holds files migsim did not write (thesis.docx)" in err
        assert [p.name for p in out.iterdir()] == ["thesis.docx"]
        (out / "thesis.docx").unlink()
        assert main([*command, str(out)]) == 0  # an empty folder, then its own files
        assert main([*command, str(out)]) == 0
        capsys.readouterr()


def test_flee_conventions_run_and_report_their_ard(tmp_path: Path, capsys):
    shutil.copytree(SMALL, tmp_path / "s")
    closures = tmp_path / "s" / "input_csv" / "closures.csv"
    closures.write_text(
        closures.read_text().replace("country,Alpha,Gamma,0,10", "country,Alpha,Gamma,20,0")
    )
    layout = tmp_path / "s" / "source_data" / "data_layout.csv"
    layout.write_text(layout.read_text() + "Elsewhere,nowhere.csv\n")
    out = tmp_path / "out"
    assert main(["flee", "run", str(tmp_path / "s"), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "averaged relative difference (ARD): " in printed
    assert "note: closures.csv, row 2: closure_end 0 is before closure_start 20" in printed
    assert "note: data_layout.csv, row 5: 'Elsewhere' is not a camp" in printed
    assert (out / "ard.txt").is_file()


def test_days_beyond_the_limit_exit_2(tmp_path: Path, capsys):
    with pytest.raises(SystemExit) as info:
        main(["flee", "run", str(SMALL), "--days", "10000000", "--out", str(tmp_path / "o")])
    assert info.value.code == 2
    assert "10000000 is too many; give at most 36,500 days" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()
