"""Tests of experiments: files, designs, the process pool and Dask paths, resuming, reports."""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from migsim.cli import main
from migsim.errors import InputError
from migsim.experiments import load_experiment, plan_runs, run_experiment
from migsim.experiments.design import design_points

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
TINY = TESTS / "data" / "tiny"
TINY_YAML = TINY / "scenarios" / "tiny.yaml"
VOLATILE = ["elapsed_s", "cpu_s", "host"]  # differ between executions of the same run

SWEEP = {
    "name": "tiny sweep",
    "scenarios": {"tiny": str(TINY_YAML)},
    "replicates": 2,
    "base_seed": 5,
    "days": 40,
    "parameters": {
        "isthmus_checkpoints.interdiction": [0.0, 0.4],
        "remain_in_mexico.share": {"bounds": [0.1, 0.7], "steps": 2},
    },
    "outcomes": ["us_apprehensions_people", "mx_apprehensions", "deaths", "share_reaching_us"],
    "monthly": ["us_apprehensions_people"],
}


def write_yaml(path: Path, data: dict) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def scenario_copy(folder: Path, name: str, extra_levers: list[dict] | None = None) -> Path:
    """The tiny scenario written elsewhere (absolute corridor), with extra lever entries."""
    data = yaml.safe_load(TINY_YAML.read_text(encoding="utf-8"))
    data["corridor"] = str(TINY)
    data["name"] = name
    data["levers"] = data["levers"] + (extra_levers or [])
    return write_yaml(folder / f"{name}.yaml", data)


def group_alive(group: int) -> bool:
    """Whether a process group started by a test still has a live (not zombie) member."""
    for status in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = status.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == group and fields[0] != "Z":
            return True
    return False


def stable(table: pd.DataFrame) -> pd.DataFrame:
    return table.drop(columns=VOLATILE).reset_index(drop=True)


@pytest.fixture(scope="module")
def pool():
    """One process pool shared by the tests that only need some executor."""
    context = multiprocessing.get_context("forkserver")
    with cf.ProcessPoolExecutor(max_workers=2, mp_context=context) as executor:
        yield executor


@pytest.fixture(scope="module")
def sweep_file(tmp_path_factory) -> Path:
    return write_yaml(tmp_path_factory.mktemp("sweep") / "sweep.yaml", SWEEP)


@pytest.fixture(scope="module")
def pool_sweep(sweep_file, tmp_path_factory):
    """The sweep run on the default local process pool (2 workers)."""
    out = tmp_path_factory.mktemp("pool") / "out"
    summary = run_experiment(load_experiment(sweep_file), out, workers=2, progress=False)
    return out, summary


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """A real Dask LocalCluster: a scheduler and two worker processes on loopback."""
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address="127.0.0.1:0",
        local_directory=str(tmp_path_factory.mktemp("dask")),
    ) as local:
        yield local


# ------------------------------------------------------------------ experiment files
def bad(tmp_path: Path, **changes) -> Path:
    data = {**SWEEP, **changes}
    return write_yaml(tmp_path / "bad.yaml", {k: v for k, v in data.items() if v is not None})


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"parameters": {"isthmus_checkpoint.interdiction": [0.1, 0.2]}},
            "key 'parameters.isthmus_checkpoint.interdiction': unknown lever or section "
            "'isthmus_checkpoint' (did you mean 'isthmus_checkpoints'?); 'migsim levers' lists "
            "the levers and their parameters",
        ),
        (
            {"parameters": {"isthmus_checkpoints.interdictoin": [0.1, 0.2]}},
            "key 'parameters.isthmus_checkpoints.interdictoin': lever 'isthmus_checkpoints' has "
            "no parameter 'interdictoin' (did you mean 'interdiction'?); its parameters: "
            "interdiction, capacity_per_day",
        ),
        (
            {
                "design": {"method": "latin_hypercube", "samples": 4},
                "parameters": {"remain_in_mexico.share": {"bounds": [0.8, 0.1]}},
            },
            "key 'parameters.remain_in_mexico.share.bounds': bounds are reversed (0.8 > 0.1); "
            "write them as [low, high]",
        ),
        ({"replicates": 0}, "key 'replicates': must be at least 1 (got 0)"),
        ({"replicate": 3}, "key 'replicate': unknown key 'replicate'; did you mean 'replicates'?"),
        (
            {"parameters": {"remain_in_mexico.share": [0.5, 1.5]}},
            "key 'parameters.remain_in_mexico.share': 1.5 is out of range: "
            "'remain_in_mexico.share' must be at most 1",
        ),
        (
            {"parameters": {"remain_in_mexico.ports": [1, 2]}},
            "key 'parameters.remain_in_mexico.ports': 'remain_in_mexico.ports' is not a number; "
            "only numeric parameters can be varied",
        ),
        (
            {"outcomes": ["us_apprehension_people"]},
            "key 'outcomes[0]': unknown outcome 'us_apprehension_people' (did you mean "
            "'us_apprehensions_people'?); outcomes are: ",
        ),
        (
            {"design": {"method": "sobol", "samples": 12}, "parameters": {
                "remain_in_mexico.share": {"bounds": [0.1, 0.8]}}},
            "key 'design.samples': sobol samples must be a power of 2 (e.g. 8, 16, 64); got 12",
        ),
        (
            {"design": {"method": "sobl"}},
            "key 'design.method': must be one of grid, latin_hypercube, sobol, morris (got "
            "'sobl') (did you mean 'sobol'?)",
        ),
        (
            {"scenarios": {"tiny": "nowhere/tiny.yaml"}},
            "key 'scenarios.tiny': scenario file not found: nowhere/tiny.yaml (looked for ",
        ),
        (
            {"parameters": {"remain_in_mexico.share": [0.5, float("nan")]}},
            "key 'parameters.remain_in_mexico.share.values[1]': must be a finite number (got nan)",
        ),
        (
            {"parameters": {"behaviour.harm_usd": [1000, float("inf")]}},
            "key 'parameters.behaviour.harm_usd.values[1]': must be a finite number (got inf)",
        ),
        (
            {"parameters": {"behaviour.harm_usd": [1000, 1e300]}},
            "key 'parameters.behaviour.harm_usd': 1e+300 is out of range: 'behaviour.harm_usd' "
            "must be at most 1e+09",
        ),
        (
            {"parameters": {"behaviour.info_lag_days": [7, 1.5]}},
            "key 'parameters.behaviour.info_lag_days': 1.5 is not a whole number; "
            "'behaviour.info_lag_days' takes whole numbers (e.g. 1 or 2)",
        ),
        ({"days": 10**9}, "key 'days': must be at most 3,650 (got 1000000000)"),
        ({"families_per_year": float("inf")}, "key 'families_per_year': must be a finite number "
         "(got inf)"),
        ({"replicates": 10**9}, "key 'replicates': must be at most 100,000 (got 1000000000)"),
        (
            {"replicates": 30_000},
            "key 'replicates': asks for 120,000 runs (scenarios x design points x replicates); "
            "at most 100,000: fewer replicates, samples or grid values",
        ),
    ],
    ids=["lever", "parameter", "bounds", "replicates", "key", "range", "not-number", "outcome",
         "sobol-samples", "method", "scenario", "nan", "inf", "huge", "int-1.5",
         "days", "families-inf", "replicates-huge", "runs"],
)  # fmt: skip
def test_malformed_experiment_files(tmp_path, changes, expected):
    path = bad(tmp_path, **changes)
    with pytest.raises(InputError) as caught:
        load_experiment(path)
    message = str(caught.value)
    assert message.startswith(f"{path}, ")
    if expected.endswith(": ") or expected.endswith("(looked for "):
        assert message.startswith(f"{path}, {expected}")
    else:
        assert message == f"{path}, {expected}"


def test_bad_file_on_the_command_line_exits_2(tmp_path, capsys):
    path = bad(tmp_path, replicates=0)
    assert main(["experiment", "run", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err == f"migsim: error: {path}, key 'replicates': must be at least 1 (got 0)\n"
    assert not (tmp_path / "out").exists()


def test_shipped_experiments_are_valid():
    sizes = {}
    for name in ("june_2019_agreement", "checkpoints_vs_mpp", "sobol_levers"):
        experiment = load_experiment(REPO / "experiments" / f"{name}.yaml")
        runs = plan_runs(experiment)
        assert len({run.run_id for run in runs}) == len(runs)
        sizes[name] = len(runs)
    assert sizes == {"june_2019_agreement": 60, "checkpoints_vs_mpp": 50, "sobol_levers": 112}
    sobol = load_experiment(REPO / "experiments" / "sobol_levers.yaml")
    from migsim.policies import LEVERS

    assert {address.split(".")[0] for address in sobol.parameters} == set(LEVERS)


def test_the_shipped_attribution_runs_over_the_shipped_posterior():
    experiment = load_experiment(REPO / "experiments" / "june_2019_attribution.yaml")
    runs = plan_runs(experiment)
    assert len(runs) == 12 * 40
    by_label: dict[str, list] = {}
    for run in runs:
        by_label.setdefault(run.scenario, []).append(run)
    baseline, agreement = by_label["baseline"], by_label["agreement"]
    # Every scenario runs the same 40 draws of the calibrated parameters.
    assert [r.calibrated for r in baseline] == [r.calibrated for r in agreement]
    assert len({tuple(sorted(r.calibrated.items())) for r in baseline}) > 10
    # The agreement's assumptions are drawn only where their levers are.
    assert all("safe_third_country.barred_share" in r.assumed for r in agreement)
    assert not any(r.assumed for r in baseline)
    assert not any("safe_third_country.barred_share" in r.assumed
                   for r in by_label["without_transit_bar"])  # fmt: skip


# ------------------------------------------------------------------ designs and runs
def test_designs_and_common_random_numbers(tmp_path, sweep_file):
    experiment = load_experiment(sweep_file)
    points = design_points(experiment)
    assert points == [
        {"isthmus_checkpoints.interdiction": a, "remain_in_mexico.share": b}
        for a in (0.0, 0.4)
        for b in (0.1, 0.7)
    ]
    runs = plan_runs(experiment)
    assert len(runs) == 8
    assert [run.seed for run in runs] == [5, 6] * 4  # the same seeds at every point
    assert [run.run_id for run in plan_runs(load_experiment(sweep_file))] == [
        run.run_id for run in runs
    ]
    more = plan_runs(load_experiment(sweep_file, replicates=3))
    assert {run.run_id for run in runs} < {run.run_id for run in more}

    sampled = {
        "latin_hypercube": ({"method": "latin_hypercube", "samples": 7}, 7),
        "sobol": ({"method": "sobol", "samples": 4}, 4 * (3 + 2)),
        "morris": ({"method": "morris", "samples": 3, "levels": 4}, 3 * (3 + 1)),
    }
    parameters = {
        "remain_in_mexico.share": {"bounds": [0.0, 0.8]},
        "isthmus_checkpoints.interdiction": {"bounds": [0.0, 0.5]},
        "northern_triangle_aid.lag_days": {"bounds": [0, 90]},
    }
    for name, (design, count) in sampled.items():
        path = bad(tmp_path, design=design, parameters=parameters, replicates=1)
        points = design_points(load_experiment(path))
        assert len(points) == count, name
        assert all(isinstance(p["northern_triangle_aid.lag_days"], int) for p in points)
        assert all(0.0 <= p["remain_in_mexico.share"] <= 0.8 for p in points)


def test_failed_runs_are_recorded_and_the_rest_go_on(tmp_path):
    broken = scenario_copy(
        tmp_path, "broken", [{"lever": "remain_in_mexico", "ports": ["Nowhere"], "share": 0.5}]
    )
    path = write_yaml(
        tmp_path / "mixed.yaml",
        {"name": "mixed", "scenarios": {"tiny": str(TINY_YAML), "broken": str(broken)},
         "replicates": 2, "days": 15, "outcomes": ["us_apprehensions_people"]},
    )  # fmt: skip
    with cf.ThreadPoolExecutor(2) as executor:
        summary = run_experiment(
            load_experiment(path), tmp_path / "out", executor=executor, progress=False
        )
    table = summary.table
    assert list(table["status"]) == ["ok", "ok", "failed", "failed"]
    assert summary.failed == 2 and summary.lost == 0 and not summary.complete
    errors = table.loc[table["status"] == "failed", "error"]
    assert all(e.startswith("InputError: ") and "unknown place 'Nowhere'" in e for e in errors)
    assert table.loc[table["status"] == "failed", "us_apprehensions_people"].isna().all()
    # Failed runs are not run again unless asked.
    with cf.ThreadPoolExecutor(2) as executor:
        again = run_experiment(
            load_experiment(path), tmp_path / "out", executor=executor, progress=False
        )
        assert again.ran == 0 and again.failed == 2
        retried = run_experiment(
            load_experiment(path),
            tmp_path / "out",
            executor=executor,
            progress=False,
            retry_failed=True,
        )
    assert retried.ran == 2 and retried.failed == 2


def test_two_labels_for_one_scenario_file_keep_their_own_runs(tmp_path):
    path = write_yaml(
        tmp_path / "twice.yaml",
        {"name": "twice", "scenarios": {"a": str(TINY_YAML), "b": str(TINY_YAML)}, "days": 5},
    )
    runs = plan_runs(load_experiment(path))
    assert len({run.run_id for run in runs}) == len(runs) == 2


def posterior_experiment(tmp_path: Path, **changes) -> Path:
    """A tiny calibration with a two-point posterior, and an experiment over it."""
    base = scenario_copy(tmp_path, "base")
    barred = scenario_copy(tmp_path, "barred", [{"lever": "safe_third_country"}])
    bare = yaml.safe_load(base.read_text(encoding="utf-8"))
    write_yaml(tmp_path / "bare.yaml", {**bare, "levers": []})  # no lever the posterior sets
    write_yaml(
        tmp_path / "calibration.yaml",
        {"scenario": "base.yaml", "scale": 0.5,
         "parameters": {"population.families_per_year": {"low": 1000, "high": 9000},
                        "remain_in_mexico.share": {"low": 0.1, "high": 0.9}},
         "forecast": {"assumptions": {"safe_third_country.barred_share": [0.2, 0.8]}}},
    )  # fmt: skip
    (tmp_path / "calibrated").mkdir()
    pd.DataFrame(
        {"population.families_per_year": [3000.0, 5000.0], "remain_in_mexico.share": [0.2, 0.6],
         "weight": [0.5, 0.5]}
    ).to_csv(tmp_path / "calibrated" / "posterior.csv", index=False)  # fmt: skip
    data = {
        "name": "over the posterior",
        "scenarios": {"base": str(base), "barred": str(barred)},
        "replicates": 6,
        "base_seed": 2,
        "days": 20,
        "posterior": {"calibration": "calibration.yaml"},
        "outcomes": ["us_apprehensions_people"],
        **changes,
    }
    return write_yaml(tmp_path / "posterior.yaml", data)


def test_replicates_of_a_posterior_experiment_are_paired_posterior_draws(tmp_path):
    experiment = load_experiment(posterior_experiment(tmp_path))
    runs = plan_runs(experiment)
    base, barred = runs[:6], runs[6:]
    # Replicate k runs draw k, with seed base_seed + k, in every scenario.
    assert [r.calibrated for r in base] == [r.calibrated for r in barred]
    assert [r.seed for r in base] == [r.seed for r in barred] == list(range(2, 8))
    draws = {r.calibrated["population.families_per_year"] for r in base}
    assert draws == {3000.0, 5000.0}  # by weight, both points drawn in six
    for r in base:  # the pairs of the posterior rows are kept
        share = {3000.0: 0.2, 5000.0: 0.6}[r.calibrated["population.families_per_year"]]
        assert r.calibrated["remain_in_mexico.share"] == share
    # The swept assumption reaches only the scenario with the lever.
    assert all(r.assumed == {} for r in base)
    assert all(0.2 <= r.assumed["safe_third_country.barred_share"] <= 0.8 for r in barred)
    assert len({r.assumed["safe_third_country.barred_share"] for r in barred}) == 6
    assert [r.run_id for r in plan_runs(load_experiment(tmp_path / "posterior.yaml"))] == [
        r.run_id for r in runs
    ]
    with cf.ThreadPoolExecutor(2) as executor:
        table = run_experiment(experiment, tmp_path / "out", executor=executor,
                               progress=False).table  # fmt: skip
    assert (table["status"] == "ok").all()
    # Each run simulates its draw's families at the calibration's scale (0.5).
    expected = table["population.families_per_year"] * 0.5
    assert (table["families_per_year"] == expected).all()


def test_a_posterior_run_scales_its_draw_and_its_own_capacities_alike(tmp_path):
    from migsim.experiments.runs import make_setups, run_scenario

    path = posterior_experiment(
        tmp_path, parameters={"mexican_deportations.deportations_per_day": [40]}
    )
    experiment = load_experiment(path)
    run = plan_runs(experiment)[0]
    scenario = run_scenario(run, make_setups(experiment)["base"])
    drawn = run.calibrated["population.families_per_year"]
    assert scenario.population.families_per_year == drawn * 0.5
    (deportations,) = [lever for lever in scenario.levers if lever.name == "mexican_deportations"]
    assert deportations.deportations_per_day == 40 * 0.5  # a capacity at half the families
    (mpp,) = [lever for lever in scenario.levers if lever.name == "remain_in_mexico"]
    assert mpp.share == run.calibrated["remain_in_mexico.share"]


def test_an_experiments_size_runs_its_scenarios_in_miniature(tmp_path):
    from migsim.experiments.runs import make_setups, run_scenario
    from migsim.scenario import load_scenario

    baseline = REPO / "models/northern_triangle_2019/scenarios/baseline_2019.yaml"
    data = {"name": "small", "scenarios": {"base": str(baseline)}, "families_per_year": 50_000,
            "parameters": {"metering.families_per_day": [30]}}  # fmt: skip
    path = tmp_path / "small.yaml"
    path.write_text(yaml.safe_dump(data))
    experiment = load_experiment(path)
    run = plan_runs(experiment)[0]
    scenario = run_scenario(run, make_setups(experiment)["base"])
    full = load_scenario(baseline)
    ratio = 50_000 / full.population.families_per_year
    assert scenario.population.families_per_year == 50_000
    assert scenario.capacity_scale == pytest.approx(ratio)

    def per_day(s, lever, name):
        return [getattr(entry, name) for entry in s.levers if entry.name == lever]

    deportations = per_day(full, "mexican_deportations", "deportations_per_day")
    assert per_day(scenario, "mexican_deportations", "deportations_per_day") == pytest.approx(
        [d * ratio for d in deportations]
    )
    # A swept capacity is given at full size and scaled with the rest.
    metering = per_day(scenario, "metering", "families_per_day")
    assert metering and metering == pytest.approx([30 * ratio] * len(metering))


def test_an_experiments_size_and_a_varied_population_are_not_both_allowed(tmp_path):
    data = {"name": "both", "scenarios": {"t": str(TINY_YAML)}, "families_per_year": 1000,
            "parameters": {"population.families_per_year": [500, 900]}}  # fmt: skip
    path = tmp_path / "both.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(InputError, match="families_per_year.*keep one"):
        load_experiment(path)


def test_more_posterior_draws_keep_the_first_ones():
    from migsim.calibration.config import load_config
    from migsim.calibration.posterior import posterior_draws

    config = load_config(REPO / "models/northern_triangle_2019/calibration.yaml")
    calibrated = REPO / "models/northern_triangle_2019/calibrated"
    assert posterior_draws(config, calibrated, 5, 1)[:3] == posterior_draws(
        config, calibrated, 3, 1
    )


@pytest.mark.parametrize(
    ("changes", "key", "message"),
    [
        ({"families_per_year": 1000}, "families_per_year", "not with 'posterior'"),
        ({"parameters": {"safe_third_country.barred_share": [0.3]}},
         "parameters.safe_third_country.barred_share", "is drawn from the posterior"),
        ({"scenarios": {"bare": "bare.yaml"}}, "scenarios.bare",
         "the scenario has no lever 'remain_in_mexico'"),
        ({"parameters": {"remain_in_mexico.share": [0.3]}}, "parameters.remain_in_mexico.share",
         "is drawn from the posterior"),
        ({"posterior": {"calibration": "nowhere.yaml"}}, "posterior.calibration",
         "calibration file not found"),
        ({"posterior": {"calibration": "calibration.yaml", "scale": 2}}, "posterior.scale",
         "must be at most 1"),
    ],
)  # fmt: skip
def test_bad_posterior_settings_name_the_key_and_the_fix(tmp_path, changes, key, message):
    path = posterior_experiment(tmp_path, **changes)
    with pytest.raises(InputError) as raised:
        load_experiment(path)
    assert key in str(raised.value) and message in str(raised.value)


# ------------------------------------------------------------------ executors
def test_process_pool_sweep(pool_sweep):
    out, summary = pool_sweep
    assert summary.complete and summary.total == summary.ran == 8
    table = pd.read_parquet(out / "results.parquet")
    assert len(table) == 8 and table["run_id"].is_unique
    assert list(table.columns[:11]) == [
        "run_id", "experiment", "scenario", "scenario_file", "point", "replicate", "seed",
        "days", "families_per_year", "isthmus_checkpoints.interdiction", "remain_in_mexico.share",
    ]  # fmt: skip
    assert {"us_apprehensions_people[2019-01]", "us_apprehensions_people[2019-02]"} <= set(
        table.columns
    )
    # Stronger checkpoints stop more families in Mexico (same seeds, so paired).
    by = table.groupby("isthmus_checkpoints.interdiction")["mx_apprehensions"].mean()
    assert by[0.4] > by[0.0]


def test_dask_local_cluster_gives_the_same_table(pool_sweep, sweep_file, cluster, tmp_path):
    _, expected = pool_sweep
    summary = run_experiment(
        load_experiment(sweep_file),
        tmp_path / "out",
        dask=cluster.scheduler_address,
        batch_size=3,
        progress=False,
    )
    assert summary.complete
    pd.testing.assert_frame_equal(stable(summary.table), stable(expected.table))


def test_dask_sweep_survives_a_killed_worker(pool_sweep, sweep_file, cluster, tmp_path):
    from distributed import Client

    _, expected = pool_sweep
    out = tmp_path / "out"
    result: dict = {}

    def sweep() -> None:
        result["summary"] = run_experiment(
            load_experiment(sweep_file),
            out,
            dask=cluster.scheduler_address,
            batch_size=1,
            progress=False,
        )

    thread = threading.Thread(target=sweep)
    thread.start()
    with Client(cluster.scheduler_address, timeout="20s") as client:
        deadline = time.monotonic() + 60
        while not list((out / "runs").glob("part-*.parquet")):
            assert time.monotonic() < deadline, "no run finished"
            time.sleep(0.05)
        busy = [w for w, keys in client.processing().items() if keys]
        victim = busy[0] if busy else next(iter(client.scheduler_info()["workers"]))
        pid = client.run(os.getpid, workers=[victim])[victim]
        parts_at_kill = len(list((out / "runs").glob("part-*.parquet")))
        os.kill(pid, signal.SIGKILL)
    thread.join(timeout=120)
    assert not thread.is_alive()
    assert parts_at_kill < 8
    summary = result["summary"]
    assert summary.complete and summary.lost == 0
    pd.testing.assert_frame_equal(stable(summary.table), stable(expected.table))


def test_interrupted_experiment_resumes_without_repeating_or_losing_runs(tmp_path):
    path = write_yaml(
        tmp_path / "resume.yaml", {**SWEEP, "name": "resume", "replicates": 3, "days": 30}
    )
    out = tmp_path / "out"
    command = [sys.executable, "-m", "migsim.cli", "experiment", "run", str(path), "--out",
               str(out), "--workers", "2", "--batch-size", "1", "--quiet"]  # fmt: skip
    process = subprocess.Popen(command, cwd=REPO, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while len(list((out / "runs").glob("part-*.parquet"))) < 3:
            assert process.poll() is None, "the experiment ended before it could be killed"
            assert time.monotonic() < deadline, "no runs finished"
            time.sleep(0.02)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
        # The pool's workers notice that the command is gone and stop by themselves.
        deadline = time.monotonic() + 20
        while group_alive(process.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not group_alive(process.pid), "pool processes outlived the killed command"
    finally:
        if group_alive(process.pid):
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode == -signal.SIGKILL
    assert not (out / "results.parquet").exists()
    before = {p.name: p.stat().st_mtime_ns for p in (out / "runs").glob("part-*.parquet")}
    assert 3 <= len(before) < 12

    assert main(["experiment", "run", str(path), "--out", str(out), "--workers", "2",
                 "--quiet"]) == 0  # fmt: skip
    parts = sorted((out / "runs").glob("part-*.parquet"))
    for name, mtime in before.items():  # finished runs were kept, not redone
        assert (out / "runs" / name).stat().st_mtime_ns == mtime
    ids = pd.concat(pd.read_parquet(p) for p in parts)["run_id"]
    planned = [run.run_id for run in plan_runs(load_experiment(path))]
    assert ids.is_unique  # no run repeated
    assert sorted(ids) == sorted(planned)  # none missing
    table = pd.read_parquet(out / "results.parquet")
    assert list(table["run_id"]) == planned and (table["status"] == "ok").all()

    again = run_experiment(load_experiment(path), out, progress=False)
    assert again.ran == 0 and again.already_done == 12
    assert sorted((out / "runs").glob("part-*.parquet")) == parts


# ------------------------------------------------------------------ reports and comparisons
def test_report_of_a_sweep(pool_sweep, capsys):
    out, _ = pool_sweep
    assert main(["experiment", "report", str(out)]) == 0
    printed = capsys.readouterr().out.split()
    names = {Path(p).name for p in printed}
    assert {"summary.csv", "series.png", "sweep_deaths.png", "grid_mx_apprehensions.png"} <= names
    for path in printed:
        assert Path(path).stat().st_size > 1000


@pytest.mark.parametrize(
    ("design", "files"),
    [
        ({"method": "sobol", "samples": 2}, ["sobol_us_apprehensions_people.png", "sobol.csv"]),
        ({"method": "morris", "samples": 2}, ["morris_us_apprehensions_people.png", "morris.csv"]),
    ],
)
def test_report_of_sensitivity(tmp_path, pool, design, files):
    path = bad(
        tmp_path,
        replicates=1,
        days=30,
        design=design,
        parameters={
            "isthmus_checkpoints.interdiction": {"bounds": [0.0, 0.5]},
            "remain_in_mexico.share": {"bounds": [0.0, 0.8]},
        },
        monthly=None,
    )
    out = tmp_path / "out"
    run_experiment(load_experiment(path), out, executor=pool, progress=False)
    from migsim.experiments.report import write_report

    written = {p.name for p in write_report(out)}
    assert set(files) <= written
    indices = pd.read_csv(out / "report" / files[1])
    assert set(indices["parameter"]) == set(SWEEP["parameters"])
    column = "ST" if design["method"] == "sobol" else "mu_star"
    assert indices[column].notna().all()


def test_report_of_an_unfinished_folder(tmp_path, capsys):
    (tmp_path / "out").mkdir()
    assert main(["experiment", "report", str(tmp_path / "out")]) == 2
    assert "is not a finished experiment folder (missing results.parquet" in capsys.readouterr().err


def test_compare_two_scenarios(tmp_path, capsys):
    a = scenario_copy(tmp_path, "plain")
    b = scenario_copy(tmp_path, "checkpoints", [{"lever": "isthmus_checkpoints",
                                                "interdiction": 0.4}])  # fmt: skip
    out = tmp_path / "cmp"
    status = main(["compare", str(a), str(b), "--replicates", "3", "--days", "45", "--workers",
                   "2", "--out", str(out), "--quiet"])  # fmt: skip
    assert status == 0
    text = capsys.readouterr().out
    lines = text.splitlines()
    assert lines[0] == (
        "plain vs checkpoints: 3 and 3 runs (seeds 1–3), 45 days, 3,000 families a year"
    )
    assert lines[2].split() == ["outcome", "A:", "plain", "B:", "checkpoints", "B", "−", "A",
                                "(paired", "by", "seed)"]  # fmt: skip
    assert any(line.startswith("mx_apprehensions ") for line in lines)
    table = pd.read_csv(out / "compare.csv").set_index("outcome")
    assert table.loc["mx_apprehensions", "diff_mean"] > 0
    assert table.loc["mx_apprehensions", "pairs"] == 3
    assert (out / "compare.png").stat().st_size > 1000


@pytest.mark.parametrize(
    ("file", "damage", "words"),
    [
        ("results.parquet", lambda b: b[:100], "results.parquet: cannot be read (Could not open"),
        ("experiment.json", lambda b: b"garbage{", "experiment.json: cannot be read (JSONDecode"),
        ("experiment.json", lambda b: b"\xff\xfe[", "experiment.json: cannot be read (Unicode"),
        ("experiment.json", lambda b: b"[1, 2]", "cannot be read (not a JSON object)"),
        ("experiment.json", lambda b: b'{"name": "x"}', "cannot be read (no str 'method')"),
    ],
    ids=["truncated-table", "garbage-json", "binary-json", "json-list", "json-keys"],
)
def test_report_on_a_damaged_experiment_folder_exits_1(
    pool_sweep, tmp_path, capsys, file, damage, words
):
    import shutil

    folder = tmp_path / "copy"
    shutil.copytree(pool_sweep[0], folder)
    path = folder / file
    path.write_bytes(damage(path.read_bytes()))
    assert main(["experiment", "report", str(folder)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"migsim: error: {folder}/") and words in err
    assert "damaged or truncated; run 'migsim experiment run'" in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_a_full_disk_during_an_experiment_exits_1(sweep_file, tmp_path, capsys, monkeypatch):
    import errno

    from migsim.experiments import store

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(store, "write_part", full)
    status = main(["experiment", "run", str(sweep_file), "--out", str(tmp_path / "o"), "--quiet"])
    assert status == 1
    err = capsys.readouterr().err
    assert err == "migsim: error: No space left on device; nothing was written\n"


def test_an_experiment_file_built_to_exhaust_memory_is_refused_fast(tmp_path):
    text = 'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n'
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True):
        text += f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]\n"
    path = tmp_path / "laughs.yaml"
    path.write_text(text + "name: *i\n")
    started = time.perf_counter()
    with pytest.raises(InputError) as info:
        load_experiment(path)
    assert time.perf_counter() - started < 2
    assert str(info.value) == (
        f"{path}: holds more than 100,000 values (counting each use of an alias in full); "
        "simplify the file"
    )


def test_a_damaged_part_file_is_run_again_with_a_note(pool_sweep, tmp_path, capsys):
    import shutil

    from migsim.experiments import store

    folder = tmp_path / "copy"
    shutil.copytree(pool_sweep[0], folder)
    part = sorted((folder / "runs").glob("part-*.parquet"))[0]
    part.write_bytes(part.read_bytes()[:50])
    table = store.read_parts(folder)
    assert len(table) < len(pd.read_parquet(folder / "results.parquet"))
    err = capsys.readouterr().err
    assert err.startswith(f"migsim: note: {part} cannot be read (") and err.count("\n") == 1
    assert err.endswith("its runs will be run again\n")


def test_lever_shares_off_in_turn_and_alone():
    import numpy as np
    import pandas as pd

    from migsim.experiments.attribution import lever_shares

    rng = np.random.default_rng(1)
    seeds = 30
    noise = rng.normal(0, 5, seeds)
    base = 1000 + noise
    # lever a cuts 60, lever b cuts 40, together 100 (no interaction)
    totals = pd.DataFrame(
        {
            "baseline": base,
            "agreement": base - 100 + rng.normal(0, 2, seeds),
            "without_a": base - 40,
            "without_b": base - 60,
            "only_a": base - 60,
            "only_b": base - 40,
        }
    )
    shares = lever_shares(totals).set_index("lever")
    assert shares.loc["a", "share_off"] == pytest.approx(0.6, abs=0.05)
    assert shares.loc["b", "share_alone"] == pytest.approx(0.4, abs=0.05)
    assert shares.loc["a", "share_off_p05"] < 0.6 < shares.loc["a", "share_off_p95"]
    assert shares.attrs["effect"] == pytest.approx(-100, abs=3)
    # Each replicate's own share spreads wider than the mean share's band.
    each = (shares.loc["a", "share_off_each_p05"], shares.loc["a", "share_off_each_p95"])
    assert each[0] < shares.loc["a", "share_off_p05"] < shares.loc["a", "share_off_p95"] < each[1]
