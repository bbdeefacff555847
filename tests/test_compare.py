"""A run against what was observed: ``migsim run`` prints the targets' fit and draws the curve."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import REPO, TINY_YAML

from migsim.calibration.compare import against_observed
from migsim.calibration.config import load_config
from migsim.calibration.targets import TARGETS
from migsim.cli import main
from migsim.model import MigrationModel
from migsim.scenario import load_scenario

BASELINE = REPO / "models/northern_triangle_2019/scenarios/baseline_2019.yaml"
CONFIG = REPO / "models/northern_triangle_2019/calibration.yaml"
SMALL = 4000.0  # families a year: small enough to be quick, counts are scaled back


@pytest.fixture(scope="module")
def small_run():
    scenario = load_scenario(BASELINE)
    scale = SMALL / scenario.population.families_per_year
    model = MigrationModel(scenario.at_scale(SMALL), seed=5)
    model.run_for(scenario.days)
    return scenario, model.results(), scale


def test_a_run_over_the_window_is_compared_with_every_target(small_run):
    scenario, results, scale = small_run
    comparison = against_observed(results, scenario, scale)
    assert comparison is not None
    wanted = set(load_config(CONFIG).targets)
    assert set(comparison.fit.index) == wanted <= set(TARGETS)
    assert list(comparison.apprehensions.index) == [
        "2018-10", "2018-11", "2018-12", "2019-01", "2019-02", "2019-03", "2019-04", "2019-05",
    ]  # fmt: skip
    # The observed curve is the calibration's (people, Northern Triangle share of CBP's count).
    assert comparison.apprehensions["observed"].iloc[-1] == pytest.approx(84_490 * 0.9657, rel=1e-3)
    # The run's counts are scaled back to full size: the same order as observed, not 1/50 of it.
    ratio = comparison.apprehensions["simulated"].sum() / comparison.apprehensions["observed"].sum()
    assert 0.2 < ratio < 5
    apprehensions = comparison.fit.loc["apprehensions"]
    sim, obs = comparison.apprehensions["simulated"], comparison.apprehensions["observed"]
    assert apprehensions["value"] == pytest.approx(float(np.mean(np.abs(sim - obs) / obs)))
    assert apprehensions["meets"] == (apprehensions["value"] <= 0.15)
    text = comparison.format()
    assert "apprehensions" in text and "2019-05" in text and "target ≤ 0.15" in text


def test_a_run_short_of_the_window_or_without_observed_data_is_not_compared(small_run):
    scenario, results, scale = small_run
    short = load_scenario(BASELINE, days=60)
    model = MigrationModel(short.at_scale(SMALL), seed=5)
    model.run_for(short.days)
    assert against_observed(model.results(), short, scale) is None
    tiny = load_scenario(TINY_YAML, days=5)  # its corridor folder has no calibration.yaml
    model = MigrationModel(tiny, seed=1)
    model.run_for(5)
    assert against_observed(model.results(), tiny) is None


def test_migsim_run_prints_the_fit_and_draws_the_observed_curve(tmp_path, capsys):
    out = tmp_path / "run"
    status = main(["run", "--families-per-year", str(int(SMALL)), "--out", str(out)])
    printed = capsys.readouterr().out
    assert status == 0
    assert "Against what was observed, 2018-10 to 2019-05" in printed
    assert "observed    81,592" in printed  # May 2019, Northern Triangle people
    # Targets at weight 0 in the calibration file are marked as reported, not fitted.
    (reported,) = [
        line for line in printed.splitlines() if line.strip().startswith("sectors_fy2018 ")
    ]
    assert "reported, not fitted" in reported
    assert (out / "series.png").stat().st_size > 0
