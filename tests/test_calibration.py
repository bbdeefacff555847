"""Tests of calibration: metrics, targets, recovery of a known parameter through pyabc, errors."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import yaml

from migsim.calibration.calibrate import calibrate, prepare
from migsim.calibration.config import load_config
from migsim.calibration.metrics import absolute, ard, at_least, rmse_log, tvd
from migsim.calibration.report import identification, write_report
from migsim.calibration.simulate import parametrised, run
from migsim.calibration.targets import TARGETS, load_targets
from migsim.cli import main
from migsim.errors import InputError
from migsim.scenario import load_scenario

TESTS = Path(__file__).resolve().parent
TINY_YAML = TESTS / "data" / "tiny" / "scenarios" / "tiny.yaml"
TRUE_FAMILIES = 3000.0
MONTHS = ["2019-02", "2019-03"]


def _months(values: list[float]) -> pd.Series:
    return pd.Series(values, index=pd.PeriodIndex(MONTHS, freq="M"))


def test_ard_and_rmse_of_log_counts_by_hand():
    obs = _months([100.0, 200.0])
    sim = _months([110.0, 150.0])
    assert ard(sim, obs) == pytest.approx((0.1 + 0.25) / 2)
    expected = np.sqrt((np.log(1.1) ** 2 + np.log(0.75) ** 2) / 2)
    assert rmse_log(sim, obs) == pytest.approx(expected)
    assert ard(obs, obs) == 0 and rmse_log(obs, obs) == 0


def test_total_variation_distance_over_the_union_of_sectors():
    obs = pd.Series({"Rio Grande Valley": 0.6, "El Paso": 0.4})
    sim = pd.Series({"Rio Grande Valley": 0.3, "Tucson": 0.7})
    assert tvd(sim, obs) == pytest.approx(0.7)
    assert tvd(obs, obs) == 0


def test_sector_shares_apart_from_el_paso_leave_it_out_of_both_sides():
    # A run's people apprehended by sector in the window: El Paso 40, the Valley 30, Tucson 30.
    rows = [("El Paso Sector", 40.0), ("Rio Grande Valley", 30.0), ("Tucson", 30.0)]
    place_series = pd.DataFrame(
        [{"date": "2019-01-15", "place": p, "measure": "us_apprehensions_people", "value": v}
         for p, v in rows]
    )  # fmt: skip
    results = SimpleNamespace(place_series=place_series)
    labels = pd.Index(["Rio Grande Valley", "Tucson", "Yuma", "other"])
    apart = TARGETS["sectors_fy2018_ex_el_paso"].simulate(results, 1.0, labels)
    assert apart.to_dict() == {"Rio Grande Valley": 0.5, "Tucson": 0.5, "Yuma": 0.0, "other": 0.0}
    every = TARGETS["sectors_fy2018"].simulate(results, 1.0, labels.insert(0, "El Paso"))
    assert every["El Paso"] == pytest.approx(0.4) and every["Tucson"] == pytest.approx(0.3)


def test_share_and_lower_bound_metrics_by_hand():
    assert absolute(np.array([0.2]), np.array([0.29])) == pytest.approx(0.09)
    assert at_least(np.array([30.0]), np.array([24.0])) == 0
    assert at_least(np.array([12.0]), np.array([24.0])) == pytest.approx(0.5)


def test_every_target_declares_a_measure_a_metric_and_a_file():
    for name, target in TARGETS.items():
        assert target.name == name
        assert target.measure.partition(":")[0] in ("daily", "place", "journey")
        assert target.file and target.mapping and target.threshold >= 0


def test_calibrated_levers_leave_a_tariff_response_its_own_setting():
    agreement = load_scenario(
        TESTS.parent / "models/northern_triangle_2019/scenarios/june_2019_agreement.yaml"
    )

    def interdictions(scenario) -> tuple[list, list]:
        own = [x.interdiction for x in scenario.levers if x.lever == "isthmus_checkpoints"]
        responses = [
            r.interdiction
            for x in scenario.levers
            for r in getattr(x, "response", None) or []
            if r.lever == "isthmus_checkpoints"
        ]
        return own, responses

    before = interdictions(agreement)
    assert before[0] and before[1]
    after = interdictions(parametrised(agreement, {"isthmus_checkpoints.interdiction": 0.011}))
    assert after == ([0.011] * len(before[0]), before[1])


def test_journey_targets_read_a_table_of_days_by_mode():
    from types import SimpleNamespace

    from migsim.calibration.targets import measures_of

    modes = pd.Categorical(["express", "express", "caravan", "alone"])
    results = SimpleNamespace(
        daily=pd.DataFrame({"us_apprehensions_people": [1.0]}),
        place_series=pd.DataFrame({"measure": pd.Categorical(["us_apprehensions_people"])}),
        journeys=pd.DataFrame(
            {
                "mode": modes,
                "journey_days": [9, 12, 40, 50],
                "from_staging_days": [2, 4, -1, -1],
            }
        ),
    )
    found = measures_of(results)
    assert {"journey:express", "journey:caravan", "daily:us_apprehensions_people"} <= found
    labels = pd.Index(["median_days"])
    assert TARGETS["journey_express"].simulate(results, 1.0, labels).iloc[0] == 3.0
    assert TARGETS["journey_caravan"].simulate(results, 1.0, labels).iloc[0] == 40.0
    results.journeys = None  # a run without the journeys table: no journey target
    assert TARGETS["journey_express"].simulate(results, 1.0, labels) is None


# --- a synthetic case: observed files made by the model at a known parameter ---------------


def _case(root: Path) -> Path:
    """A tiny scenario from 1 October 2018 and its synthetic observed apprehensions."""
    root.mkdir(parents=True, exist_ok=True)
    data = yaml.safe_load(TINY_YAML.read_text())
    data.update(corridor=str(TINY_YAML.parent.parent), start="2018-10-01", days=243)
    (root / "tiny.yaml").write_text(yaml.safe_dump(data))
    scenario = load_scenario(root / "tiny.yaml")
    results = run(scenario, None, {"population.families_per_year": TRUE_FAMILIES}, 99, 1.0)
    daily = results.daily["us_apprehensions_people"]
    by_month = daily.groupby(daily.index.to_period("M")).sum()
    (root / "observed").mkdir(exist_ok=True)
    pd.DataFrame(
        {
            "month": by_month.index.astype(str),
            "usbp_family_unit_individuals": by_month.to_numpy(),
            "usbp_total_apprehensions": 2 * by_month.to_numpy(),
        }
    ).to_csv(root / "observed" / "cbp_family_units_monthly.csv", index=False)
    return root


@pytest.fixture(scope="module")
def case(tmp_path_factory) -> Path:
    """The synthetic case, made once for the module."""
    return _case(tmp_path_factory.mktemp("synthetic"))


def _config(folder: Path, case: Path, **changes) -> Path:
    shutil.copytree(case, folder, dirs_exist_ok=True)
    config = {
        "scenario": "tiny.yaml",
        "seed": 3,
        "generations": 2,
        "population": {"size": 16},
        "parameters": {"population.families_per_year": {"low": 1000, "high": 9000}},
        "targets": {"apprehensions": {"weight": 1.0}},
        "observed": {"nt_share": 1.0},
        "report": {"seeds": 2, "posterior_runs": 4},
    }
    config.update(changes)
    path = folder / "calibration.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def test_a_known_parameter_is_recovered_through_abc_smc_and_the_run_resumes(tmp_path, case):
    out = tmp_path / "out"
    first = calibrate(load_config(_config(tmp_path, case, generations=1)), out, workers=2,
                      progress=False)  # fmt: skip
    assert first.smc.generations == 1
    # The same command with more generations continues the history.
    config = load_config(_config(tmp_path, case))
    result = calibrate(config, out, workers=2, progress=False)
    assert result.smc.generations == 2
    assert result.smc.simulations > first.smc.simulations
    ident = identification(config, result.smc.particles)
    row = ident.loc["population.families_per_year"]
    assert row["posterior_p05"] <= TRUE_FAMILIES <= row["posterior_p95"]
    assert row["width_ratio"] < 0.5
    assert abs(result.shipped["population.families_per_year"] - TRUE_FAMILIES) < 1000
    record = write_report(config, result, out, workers=2, progress=False)
    assert record["shipped_fit_fresh_seeds"]["apprehensions"]["median"] < 0.3
    written = yaml.safe_load((out / "parameters.yaml").read_text())
    assert written["parameters"]["population.families_per_year"]["value"] == pytest.approx(
        result.shipped["population.families_per_year"]
    )
    for name in ("posterior.csv", "parameters.yaml", "fit_targets.csv", "fit_values.csv",
                 "identification.csv", "fit.png", "report.md"):  # fmt: skip
        assert (out / name).is_file()
    assert "| apprehensions | 1 | ard |" in (out / "report.md").read_text()  # its weight
    # Done: running again runs no simulation, and its report keeps the sampling call's record.
    again = calibrate(config, out, workers=1, progress=False)
    assert again.smc.simulations == result.smc.simulations
    write_report(config, again, out, workers=1, progress=False)
    rewritten = yaml.safe_load((out / "parameters.yaml").read_text())
    assert rewritten["elapsed_s_this_call"] == written["elapsed_s_this_call"]


def test_a_history_of_another_calibration_is_refused(tmp_path, case):
    out = tmp_path / "out"
    out.mkdir()
    (out / "history.db").write_text("")
    (out / "smc.json").write_text('{"fingerprint": "other", "abc_id": 1}')
    config = load_config(_config(tmp_path, case))
    with pytest.raises(InputError, match="holds the history of a different calibration"):
        calibrate(config, out, workers=1, progress=False)


def test_shipping_a_point_keeps_the_history_but_another_scenario_does_not(tmp_path, case):
    from migsim.calibration.smc import fingerprint

    config = load_config(_config(tmp_path, case))
    simulator = prepare(config)
    mark = fingerprint(config, simulator)
    # The calibrated parameter shipped into the scenario: the same calibration.
    shipped = parametrised(simulator.scenario, {"population.families_per_year": 4321.0})
    assert fingerprint(config, dataclasses.replace(simulator, scenario=shipped)) == mark
    # A parameter the calibration does not set changed: the particles mean something else.
    other = parametrised(simulator.scenario, {"behaviour.harm_usd": 1234.0})
    assert fingerprint(config, dataclasses.replace(simulator, scenario=other)) != mark


def test_targets_the_model_does_not_write_are_skipped_with_a_note(tmp_path, case, monkeypatch):
    import migsim.calibration.calibrate as calibrate

    real = calibrate.available
    # a model without express buses: its journey target is skipped, the rest fitted
    monkeypatch.setattr(calibrate, "available", lambda *a: real(*a) - {"journey:express"})
    targets = {"apprehensions": {"weight": 1.0}, "journey_express": {"weight": 1.0}}
    (tmp_path / "observed").mkdir()
    shutil.copy(
        TESTS.parent / "models/northern_triangle_2019/observed/journey_times.csv",
        tmp_path / "observed",
    )
    simulator = prepare(load_config(_config(tmp_path, case, targets=targets)))
    assert list(simulator.observed.values) == ["apprehensions"]
    assert "journey:express" in simulator.observed.skipped["journey_express"]


def test_shipped_observed_files_load_for_every_target():
    config = load_config(TESTS.parent / "models/northern_triangle_2019/calibration.yaml")
    observed = load_targets(config)
    assert set(observed.values) == set(TARGETS)
    assert observed.values["el_paso_feb_2019"].iloc[0] == pytest.approx(10509 / 36530)
    # Sector shares: all sectors, and those other than El Paso (whose share rose in the window).
    assert observed.values["sectors_fy2018"].sum() == pytest.approx(1.0)
    apart = observed.values["sectors_fy2018_ex_el_paso"]
    assert "El Paso" not in apart.index and apart.sum() == pytest.approx(1.0)
    assert apart["Rio Grande Valley"] == pytest.approx(63278 / (107212 - 12312))
    # Mexico's returns: families only, by Border Patrol's family share of the same month.
    assert observed.values["mexico_returns"]["2019-05"] == pytest.approx(16507 * 84490 / 132887)
    assert observed.values["comar_nt"].sum() == pytest.approx(17_652, abs=5)


# --- clear errors --------------------------------------------------------------------------


def test_unknown_parameter_is_a_clear_error(tmp_path, case):
    path = _config(tmp_path, case, parameters={"behaviour.harm_us": {"low": 1, "high": 2}})
    with pytest.raises(InputError) as err:
        load_config(path)
    assert str(err.value).startswith(
        f"{path}, key 'parameters.behaviour.harm_us': unknown parameter 'behaviour.harm_us'"
    )


def test_empty_prior_range_is_a_clear_error(tmp_path, case):
    path = _config(tmp_path, case, parameters={"behaviour.harm_usd": {"low": 5000, "high": 5000}})
    with pytest.raises(InputError) as err:
        load_config(path)
    assert str(err.value) == (
        f"{path}, key 'parameters.behaviour.harm_usd': empty prior range [5000, 5000]; "
        "low must be below high"
    )


def test_unknown_key_and_lever_missing_from_the_scenario_are_clear_errors(tmp_path, case):
    path = _config(tmp_path, case, population={"sise": 20})
    with pytest.raises(InputError, match=r"key 'population.sise': unknown key 'sise'; valid"):
        load_config(path)
    path = _config(tmp_path, case, parameters={"isthmus_checkpoints.interdiction":
                                               {"low": 0.1, "high": 0.2}})  # fmt: skip
    with pytest.raises(InputError, match="the scenario has no lever 'isthmus_checkpoints'"):
        load_config(path)


def test_unknown_target_and_missing_month_exit_2_with_the_fix(tmp_path, case, capsys):
    path = _config(tmp_path, case, targets={"aprehensions": {"weight": 1.0}})
    assert main(["calibrate", str(path), "--quiet"]) == 2
    assert "unknown target 'aprehensions'; targets: apprehensions" in capsys.readouterr().err
    path = _config(tmp_path, case)
    file = tmp_path / "observed" / "cbp_family_units_monthly.csv"
    frame = pd.read_csv(file)
    frame[frame["month"] != "2019-03"].to_csv(file, index=False)
    assert main(["calibrate", str(path), "--quiet"]) == 2
    assert (
        "missing month 2019-03 in column 'usbp_family_unit_individuals'; give one row per month "
        "from 2018-10 to 2019-05" in capsys.readouterr().err
    )


def test_forecast_runs_scenarios_under_posterior_draws(tmp_path, case):
    from migsim.calibration.forecast import forecast, write_forecast

    config = load_config(_config(tmp_path, case))
    calibrated = tmp_path / "calibrated"
    calibrated.mkdir()
    pd.DataFrame({"population.families_per_year": [2000.0, 4000.0], "weight": [0.0, 1.0]}).to_csv(
        calibrated / "posterior.csv", index=False
    )
    runs = forecast(config, calibrated, [tmp_path / "tiny.yaml"], dt.date(2019, 6, 30), 1, False)
    assert len(runs[0].runs) == config.report.posterior_runs
    # Only the point with weight is drawn.
    assert {r["values"]["population.families_per_year"] for r in runs[0].runs} == {4000.0}
    bands = runs[0].bands("us_apprehensions_people")
    assert str(bands.index[-1]) == "2019-06"
    write_forecast(runs, tmp_path / "forecast")
    assert (tmp_path / "forecast" / "forecast.md").is_file()


def test_forecast_assumptions_reach_only_scenarios_with_the_lever():
    from migsim.calibration.posterior import has_lever
    from migsim.scenario import load_scenario

    shipped = TESTS.parent / "models/northern_triangle_2019/scenarios"
    agreement = load_scenario(shipped / "june_2019_agreement.yaml")
    baseline = load_scenario(shipped / "baseline_2019.yaml")
    assert has_lever(agreement, "safe_third_country.barred_share")
    assert has_lever(agreement, "anti_smuggling.fee_increase")  # inside the tariff response
    assert not has_lever(baseline, "safe_third_country.barred_share")
    assert not has_lever(baseline, "anti_smuggling.fee_increase")
    config = load_config(TESTS.parent / "models/northern_triangle_2019/calibration.yaml")
    low, high = config.forecast.assumptions["safe_third_country.barred_share"]
    assert 0 < low < 0.5 < high < 1
