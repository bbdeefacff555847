"""Each lever moves outcomes the documented way, beyond noise, over several seeds.

Runs the tiny test corridor with no lever, then with one lever on from the first day, for the
same five seeds (common random numbers), and checks the paired difference of an outcome is
larger than twice its standard error and in the documented direction.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from migsim.model import MigrationModel
from migsim.outcomes import scalar_outcomes
from migsim.policies import LEVERS, parse_lever
from migsim.scenario import load_scenario

TINY = Path(__file__).parent / "data" / "tiny" / "scenarios" / "tiny.yaml"
SEEDS = (1, 2, 3, 4, 5)
DAYS = 150
FAMILIES = 4000


def _scenario(levers: tuple = ()):
    base = load_scenario(TINY, days=DAYS)
    return base.model_copy(update={"levers": [parse_lever(dict(spec)) for spec in levers]})


def _run(levers: tuple, seed: int) -> MigrationModel:
    model = MigrationModel(_scenario(levers), seed=seed, families_per_year=FAMILIES)
    model.run_for(DAYS)
    return model


@cache
def _outcomes(levers: tuple) -> pd.DataFrame:
    rows = []
    for seed in SEEDS:
        results = _run(levers, seed).results()
        row = scalar_outcomes(results)
        total = results.daily.sum()
        for name in (
            "turned_back", "exit_permits", "humanitarian_visas", "smuggled_departures",
            "mx_apprehensions", "deportations",
        ):  # fmt: skip
            row[name] = float(total[name])
        row["peak_mx_detained"] = float(results.daily["mx_detained"].max())
        flows = results.link_totals()
        out = flows[flows["source"] == "Tapachula"]
        via = out.loc[out["target"] == "Checkpoint", "families"].sum()
        row["share_via_checkpoint"] = via / max(out["families"].sum(), 1)
        row["fee_per_smuggled"] = row["smuggler_revenue_usd"] / max(row["smuggled_departures"], 1)
        rows.append(row)
    return pd.DataFrame(rows, index=list(SEEDS))


def _lever(**spec) -> tuple:
    return (tuple(sorted(spec.items())),)


def _effect(levers: tuple, outcome: str) -> tuple[float, float]:
    """Mean paired difference (lever − none) and its standard error."""
    diff = _outcomes(levers)[outcome] - _outcomes(())[outcome]
    return float(diff.mean()), float(diff.std(ddof=1) / np.sqrt(len(diff)))


CASES = [
    # (lever spec, outcome, direction)
    (_lever(lever="safe_third_country", barred_share=1.0), "us_releases", -1),
    (_lever(lever="safe_third_country", barred_share=1.0), "asylum_claims_mx", +1),
    (_lever(lever="safe_third_country", barred_share=1.0), "departures", -1),
    (_lever(lever="remain_in_mexico", share=0.6), "peak_mpp_waiting", +1),
    (_lever(lever="remain_in_mexico", share=0.6), "us_releases", -1),
    (_lever(lever="isthmus_checkpoints", interdiction=0.5), "mx_apprehensions", +1),
    (_lever(lever="isthmus_checkpoints", interdiction=0.5), "share_via_checkpoint", -1),
    (_lever(lever="southern_border_enforcement", officers=6000), "mx_apprehensions", +1),
    (_lever(lever="southern_border_enforcement", officers=6000), "turned_back", +1),
    (_lever(lever="anti_smuggling", capacity_per_day=1), "smuggled_departures", -1),
    (_lever(lever="anti_smuggling", fee_increase=1.0), "smuggled_departures", -1),
    (_lever(lever="humanitarian_visas", visas_per_month=3000), "humanitarian_visas", +1),
    (_lever(lever="humanitarian_visas", visas_per_month=3000), "mx_apprehensions", -1),
    (_lever(lever="mexican_deportations", detention_places=5, deportations_per_day=0.3),
     "peak_mx_detained", +1),
    (_lever(lever="mexican_deportations", detention_places=5, deportations_per_day=0.3),
     "exit_permits", +1),
    (_lever(lever="mexican_releases", share=0.5), "exit_permits", +1),
    (_lever(lever="mexican_releases", share=0.5), "deportations", -1),
    (_lever(lever="metering", families_per_day=1), "peak_metering_queue", +1),
    (_lever(lever="us_holding_capacity", families_per_sector=3, processing_days=6),
     "peak_us_holding", -1),
    (_lever(lever="northern_triangle_aid", hazard_change=0.5, lag_days=0), "departures", +1),
    (_lever(lever="northern_triangle_aid", hazard_change=-0.5, lag_days=0), "departures", -1),
]  # fmt: skip


@pytest.mark.parametrize(("levers", "outcome", "direction"), CASES)
def test_lever_effect_beyond_noise(levers, outcome, direction):
    mean, se = _effect(levers, outcome)
    assert direction * mean > 0, f"{outcome} moved the wrong way: {mean:+.3g}"
    assert abs(mean) > 2 * se, f"{outcome}: effect {mean:+.3g} within noise (se {se:.3g})"


@pytest.mark.parametrize("share", [0.2, 0.5, 0.8])
def test_mexico_releases_its_share_of_the_families_it_stops(share):
    """Released with an exit permit: the share of the stopped, the others deported."""
    runs = _outcomes(_lever(lever="mexican_releases", share=share))
    stopped = runs["mx_apprehensions"]  # turned-back families are not apprehended
    assert (runs["exit_permits"] / stopped).mean() == pytest.approx(share, abs=0.04)
    assert (runs["deportations"] / stopped).mean() == pytest.approx(1 - share, abs=0.04)


def test_tariff_threat_switches_on_its_response_after_the_lag():
    start = dt.date(2019, 1, 31)
    threat = dict(
        lever="tariff_threat",
        start=start,
        full=start + dt.timedelta(days=60),
        response_lag_days=10,
        response=[{"lever": "southern_border_enforcement", "officers": 20000}],
    )
    model = MigrationModel(_scenario((threat,)), seed=1, families_per_year=FAMILIES)
    model.run_for(DAYS)
    daily = model.results().daily
    lag_end = pd.Timestamp(start + dt.timedelta(days=10))
    assert (daily.loc[: pd.Timestamp(start - dt.timedelta(days=1)), "tariff_pct"] == 0).all()
    assert daily.loc[pd.Timestamp(start), "tariff_pct"] == pytest.approx(5.0)
    assert daily["tariff_pct"].max() == pytest.approx(25.0)
    # Identical to no threat until Mexico responds, then more families stopped.
    none = _run((), seed=1).results().daily
    until = pd.Timestamp(start + dt.timedelta(days=9))
    pd.testing.assert_frame_equal(
        daily.loc[:until].drop(columns="tariff_pct"), none.loc[:until].drop(columns="tariff_pct")
    )
    after = daily.loc[lag_end:, "mx_apprehensions"].mean()
    assert after > 2 * none.loc[lag_end:, "mx_apprehensions"].mean()


@pytest.mark.parametrize("name", sorted(LEVERS))
def test_a_lever_switched_off_changes_nothing(name):
    """A lever whose schedule starts after the run gives the same output as no lever."""
    late = dt.date(2030, 1, 1)
    spec = {"lever": name, "start": late}
    if name == "tariff_threat":
        spec["response"] = [{"lever": "metering"}]
    with_lever = _run((spec,), seed=3).results()
    without = _run((), seed=3).results()
    pd.testing.assert_frame_equal(with_lever.daily, without.daily)
    pd.testing.assert_frame_equal(with_lever.link_flows, without.link_flows)
