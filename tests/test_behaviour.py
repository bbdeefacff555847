"""Behaviour mechanisms of the 2019 model, each tested by the direction and size of its effect.

Relatives abroad (a saturating pull), beliefs learned from outcomes with announcements as their
own channel, the smugglers' tiers (express buses from staging places to drop-off crossings),
asylum in Mexico as a wait for COMAR, moving along the border, the warm start, and the
conservation and determinism of a run that exercises them all.

Runs are small and short; where a figure is compared with full scale it is divided by the scale
factor, and effects are compared as means over a few seeds with a margin.
"""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import DEFAULT_CORRIDOR, SHIPPED_SCENARIOS

from migsim.calibration.targets import sector_name
from migsim.families import FamilyState, TravelMode
from migsim.information import Information
from migsim.model import MigrationModel
from migsim.policies.isthmus_checkpoints import IsthmusCheckpoints
from migsim.policies.safe_third_country import SafeThirdCountry
from migsim.scenario import Behaviour, Scenario, load_scenario

BASELINE = SHIPPED_SCENARIOS / "baseline_2019.yaml"
JUNE = SHIPPED_SCENARIOS / "june_2019_agreement.yaml"
NO_ENFORCEMENT = SHIPPED_SCENARIOS / "no_enforcement.yaml"
SEEDS = (1, 2, 3)
SCALE = 60_000  # families a year in the shared runs: a day costs about the same at any scale
DAYS = 90  # recorded days of the shared runs (after the 120-day spin-up)


def run(scenario: Scenario, days: int, seed: int, corridor=None) -> MigrationModel:
    """A model of the scenario (on ``corridor``, default its own) run for ``days`` days."""
    model = MigrationModel(scenario, seed=seed, corridor=corridor)
    model.run_for(days)
    return model


def with_levers(scenario: Scenario, levers) -> Scenario:
    """The scenario with another list of levers."""
    out = scenario.model_copy(update={"levers": list(levers)})
    out.path = scenario.path
    return out


def factor(scenario: Scenario, families_per_year: float) -> float:
    """The scale factor of running ``scenario`` at ``families_per_year``."""
    return families_per_year / scenario.population.families_per_year


def baseline(days: int = DAYS) -> Scenario:
    """The shipped 2019 baseline at full scale, ``days`` long."""
    return load_scenario(BASELINE, days=days)


@pytest.fixture(scope="module")
def baseline_runs() -> list[MigrationModel]:
    """The 2019 baseline at small scale, October–December 2018, one run a seed."""
    scenario = baseline().at_scale(SCALE)
    return [run(scenario, DAYS, seed) for seed in SEEDS]


def total(models: list[MigrationModel], column: str) -> np.ndarray:
    """Each run's total of a daily column over its recorded days."""
    return np.array([m.results().daily[column].sum() for m in models])


# ------------------------------------------------------------------ 1. relatives abroad


def pull_ceiling(b: Behaviour) -> float:
    """The most relatives abroad can multiply departures by, against the start."""
    return (1 + b.network_effect) / (1 + b.network_effect / (1 + b.network_saturation))


@pytest.mark.parametrize(("effect", "saturation"), [(1.0, 1.0), (3.0, 0.5), (50.0, 1.0)])
def test_relatives_pull_starts_at_one_is_concave_and_saturates(effect, saturation):
    corridor = load_scenario(BASELINE).load_corridor()
    behaviour = Behaviour(network_effect=effect, network_saturation=saturation)
    origins = corridor.of_kind("origin")
    start = np.zeros(len(corridor.places))
    start[origins] = np.linspace(5e5, 1.5e6, len(origins))
    info = Information(corridor, behaviour, np.random.default_rng(0), start)
    assert np.allclose(info.network_pull(), 1.0)  # the base hazard holds at the start

    grown = np.arange(0, 9)  # people settled since the start, in multiples of the start stock
    pulls = []
    for k in grown:
        info.settled[origins] = k * start[origins]
        pulls.append(info.network_pull())
    pulls = np.array(pulls)
    at_origins = pulls[:, origins]
    assert (np.diff(at_origins, axis=0) > 0).all()  # more relatives pull more ...
    assert (np.diff(at_origins, n=2, axis=0) < 0).all()  # ... by less and less (concave)
    others = np.setdiff1d(np.arange(len(corridor.places)), origins)
    assert (pulls[:, others] == 1).all()  # no relatives abroad, no pull

    ceiling = pull_ceiling(behaviour)
    assert ceiling == pytest.approx((1 + effect) / (1 + effect / (1 + saturation)))
    assert (at_origins < ceiling).all()
    info.settled[origins] = 1e9 * start[origins]
    assert info.network_pull()[origins] == pytest.approx(ceiling, rel=1e-6)


def test_saturated_relatives_raise_departures_by_the_ceiling():
    # Twin runs with the same seed; in one, every origin's relatives abroad are saturated on
    # day 30. First departures over the next 60 days rise by the pull's ceiling.
    scenario = (
        load_scenario(NO_ENFORCEMENT, days=90).at_scale(20_000).with_parameters({"spinup_days": 0})
    )
    ceiling = pull_ceiling(scenario.behaviour)
    ratios = []
    for seed in SEEDS:
        plain, pulled = MigrationModel(scenario, seed=seed), MigrationModel(scenario, seed=seed)
        plain.run_for(30)
        pulled.run_for(30)
        origins = pulled.departures.origin_ids
        pulled.information.settled[origins] = 1e6 * pulled.information.diaspora_start[origins]
        plain.run_for(60)
        pulled.run_for(60)
        after = [m.results().daily["first_departures"].iloc[30:].sum() for m in (plain, pulled)]
        ratios.append(after[1] / after[0])
    assert ceiling == pytest.approx(4 / 3)
    assert np.mean(ratios) == pytest.approx(ceiling, abs=0.06)


def three_years_without_enforcement(
    families_per_year: float, seed: int, **behaviour: float
) -> MigrationModel:
    """Three years of no enforcement at small scale, relatives abroad scaled alike.

    ``at_scale`` keeps the census stock of relatives abroad at full scale while the families
    who settle are scaled down, so the stock is scaled here to keep the pull's growth as at
    full scale (see test_relatives_pull_grows_alike_at_every_scale).
    """
    full = load_scenario(NO_ENFORCEMENT, days=3 * 365)
    f = factor(full, families_per_year)
    diaspora = {code: people * f for code, people in full.population.diaspora.items()}
    params = {"population.diaspora": diaspora}
    params.update({f"behaviour.{k}": v for k, v in behaviour.items()})
    return run(full.at_scale(families_per_year).with_parameters(params), 3 * 365, seed)


def yearly_first_departures(model: MigrationModel) -> np.ndarray:
    daily = model.results().daily["first_departures"].to_numpy()
    return np.array([daily[k * 365 : (k + 1) * 365].sum() for k in range(3)])


@pytest.mark.parametrize("network_effect", [1.0, 50.0])
def test_three_years_without_enforcement_stay_bounded(network_effect):
    # With the shipped pull, and with one fifty times stronger, relatives abroad grow with the
    # families who settle, yet year 3's first departures are at most twice year 1's.
    model = three_years_without_enforcement(5_000, seed=1, network_effect=network_effect)
    years = yearly_first_departures(model)
    info, origins = model.information, model.departures.origin_ids
    grown = info.diaspora[origins] / info.diaspora_start[origins]
    assert grown.mean() > 1.3  # the stock abroad grew by a third or more
    pull = info.network_pull()[origins]
    assert (pull > 1).all() and (pull < pull_ceiling(model.behaviour)).all()
    assert years[2] <= 2 * years[0], years
    if network_effect == 50.0:
        # A strong pull does raise departures year on year (without it they stay flat).
        assert pull.mean() > 1.15
        assert years[2] >= 1.05 * years[0], years


def test_relatives_pull_grows_alike_at_every_scale():
    full = load_scenario(NO_ENFORCEMENT, days=150).with_parameters({"spinup_days": 0})
    growth = []
    for families_per_year in (5_000, 40_000):
        model = run(full.at_scale(families_per_year), 150, seed=1)
        info, origins = model.information, model.departures.origin_ids
        growth.append((info.diaspora[origins] / info.diaspora_start[origins] - 1).mean())
    assert growth[0] > 0
    assert growth[1] / growth[0] == pytest.approx(1.0, abs=0.25)


# ------------------------------------------------------- 2. beliefs: outcomes and news

BAR_DAY = 60  # the safe-third-country bar starts this many recorded days in
BAR_SHARE = 0.5
BELIEF_DAYS = BAR_DAY + 60


def bar_runs(weight: float, seeds) -> list[dict]:
    """No enforcement but a safe-third-country bar from day ``BAR_DAY``, day by day.

    Returns, per seed: the origins' mean believed and learned chance of staying each day,
    the realised share of US outcomes that stay each day, and the model.
    """
    plain = load_scenario(NO_ENFORCEMENT, days=BELIEF_DAYS).at_scale(20_000)
    bar = SafeThirdCountry(
        lever="safe_third_country",
        start=plain.start + dt.timedelta(days=BAR_DAY),
        barred_share=BAR_SHARE,
    )
    # Learning at the code's default speed, so that beliefs settle within the window (the
    # shipped, calibrated speed takes months; the mechanism is the same).
    scenario = with_levers(plain, [bar]).with_parameters(
        {"behaviour.announcement_weight": weight, "behaviour.release_smoothing": 0.1}
    )
    out = []
    for seed in seeds:
        model = MigrationModel(scenario, seed=seed)
        info, origins = model.information, model.departures.origin_ids
        believed, learned = [], []
        for _ in range(BELIEF_DAYS):
            model.step()
            believed.append(info.believed_release(origins, True).mean())
            learned.append(info.release[origins].mean())
        daily = model.results().daily
        stay = (daily["us_releases"] + daily["evaded"]).to_numpy()
        leave = (daily["us_removals"] + daily["mpp_returns"]).to_numpy()
        out.append(
            {
                "believed": np.array(believed),
                "learned": np.array(learned),
                "stay": stay,
                "outcomes": stay + leave,
                "model": model,
            }
        )
    return out


@pytest.fixture(scope="module")
def unannounced() -> list[dict]:
    return bar_runs(0.0, SEEDS)


@pytest.fixture(scope="module")
def announced() -> list[dict]:
    return bar_runs(0.5, SEEDS[:2])


def realised_share(r: dict, day: int, lag: int, window: int = 25) -> float:
    """The share of US outcomes that stay, over the ``window`` days heard of by ``day``."""
    last = day - lag + 1
    return r["stay"][last - window : last].sum() / r["outcomes"][last - window : last].sum()


def test_without_announcements_beliefs_learn_the_realised_chance_of_staying(unannounced):
    # After the bar, beliefs settle on the realised share of families staying: half what it
    # was, not a quarter (the bar is not counted on top of the outcomes it causes).
    lag = unannounced[0]["model"].behaviour.info_lag_days
    end = BELIEF_DAYS - 1
    gaps, before, after = [], [], []
    for r in unannounced:
        assert np.array_equal(r["believed"], r["learned"])  # no news: belief is what is learned
        realised = realised_share(r, end, lag)
        gaps.append(r["believed"][end] - realised)
        before.append(realised_share(r, BAR_DAY - 1, lag))
        after.append(realised)
    assert np.mean(after) / np.mean(before) == pytest.approx(1 - BAR_SHARE, abs=0.1)
    assert abs(np.mean(gaps)) < 0.035, gaps


def test_learned_chance_of_staying_is_unbiased_when_most_families_stay(unannounced):
    lag = unannounced[0]["model"].behaviour.info_lag_days
    day = BAR_DAY - 1
    gaps = [r["learned"][day] - realised_share(r, day, lag) for r in unannounced]
    assert abs(np.mean(gaps)) < 0.035, gaps


def test_a_lever_moves_beliefs_only_through_outcomes_without_announcements(unannounced):
    lag = unannounced[0]["model"].behaviour.info_lag_days
    moved, dropped = [], []
    for r in unannounced:
        b = r["believed"]
        before = b[BAR_DAY - lag : BAR_DAY].mean()
        moved.append(b[BAR_DAY : BAR_DAY + lag].mean() - before)  # news not yet heard
        dropped.append(before - b[BAR_DAY + lag + 30 :].mean())  # news heard
    assert abs(np.mean(moved)) < 0.03, moved
    assert np.mean(dropped) > 0.2, dropped


def test_an_announcement_lowers_beliefs_at_once_and_decays(announced):
    b = announced[0]["model"].behaviour
    weight, days = b.announcement_weight, b.announcement_days
    jumps = []
    for r in announced:
        believed, learned = r["believed"], r["learned"]
        jumps.append(believed[BAR_DAY] / believed[BAR_DAY - 1])
        assert np.allclose(believed[:BAR_DAY], learned[:BAR_DAY])  # nothing announced before
        for k in (0, 20, 59):
            news = 1 - weight * BAR_SHARE * np.exp(-k / days)
            assert believed[BAR_DAY + k] / learned[BAR_DAY + k] == pytest.approx(news)
    assert np.mean(jumps) == pytest.approx(1 - weight * BAR_SHARE, abs=0.03), jumps


# --------------------------------------------------------------- 3. smuggling tiers


def test_express_buses_reach_the_border_within_days_of_leaving_staging(baseline_runs):
    staging, alone, express = [], [], []
    for model in baseline_runs:
        journeys = model.results().journeys
        by_express = journeys[journeys["mode"] == "express"]
        assert len(by_express) > 100
        assert (by_express["from_staging_days"] >= 1).all()
        staging.append(by_express["from_staging_days"].median())
        express.append(by_express["journey_days"].median())
        alone.append(journeys.loc[journeys["mode"] == "alone", "journey_days"].median())
    assert 2 <= np.mean(staging) <= 7, staging
    assert np.mean(alone) >= 5 * np.mean(staging)
    assert np.mean(express) <= np.mean(alone) / 2


def test_express_families_arrive_in_groups(baseline_runs):
    # Each staging place's group boards the same bus on a dispatch day and is dropped off
    # together; at full scale a group is of the order of the 100–300 reported in 2019.
    f = factor(baseline(), SCALE)
    for model in baseline_runs:
        fam, n = model.families, model.families.n
        every = model.behaviour.express_dispatch_days
        rows = np.flatnonzero((fam.boarded[:n] >= 0) & (fam.mode[:n] == TravelMode.EXPRESS))
        assert (fam.boarded[rows] % every == 0).all()  # buses leave on dispatch days only
        arrived = rows[fam.journey_days[rows] >= 0]
        groups = pd.Series(1, index=[fam.boarded[arrived], fam.border_city[arrived]])
        sizes = groups.groupby(level=[0, 1]).size()
        assert 50 <= sizes.median() / f <= 600, sizes.median() / f
        arrivals = model.results().daily["express_arrivals"]
        assert arrivals[arrivals > 0].mean() / f >= 50


def test_buses_of_a_few_families_spread_a_dispatch_over_roads():
    """Each bus chooses its own road: smaller buses, more roads a staging place's dispatch."""
    from migsim.smuggling import buses

    bus, staging = buses(np.array([0, 1, 0, 0, 2, 1, 0]), 2)
    assert list(bus) == [0, 2, 0, 1, 3, 2, 1] and list(staging) == [0, 0, 1, 2]
    roads = {}
    for size in (None, 5.0):
        scenario = baseline().with_parameters({"behaviour.express_bus_families": size})
        per_day = []
        for seed in SEEDS:
            model = run(scenario.at_scale(SCALE), DAYS, seed)
            fam, n = model.families, model.families.n
            rows = np.flatnonzero((fam.boarded[:n] >= 0) & (fam.border_city[:n] >= 0))
            rows = rows[fam.mode[rows] == TravelMode.EXPRESS]
            dropoffs = pd.Series(fam.border_city[rows]).groupby(fam.boarded[rows]).nunique()
            per_day.append(dropoffs)
        roads[size] = pd.concat(per_day)
    staging_places = len(model.smuggling.express.staging)
    assert roads[None].max() <= staging_places  # one road a staging place and dispatch
    assert roads[5.0].max() > staging_places
    assert roads[5.0].mean() > 1.3 * roads[None].mean()


def test_dearer_smuggling_means_fewer_express_hires(baseline_runs):
    dear = (
        baseline()
        .with_parameters(
            {"anti_smuggling.fee_increase": 1.0, "anti_smuggling.capacity_per_day": 1e9}
        )
        .at_scale(SCALE)
    )
    cheap = total(baseline_runs, "express_hires")
    costly = total([run(dear, DAYS, seed) for seed in SEEDS], "express_hires")
    assert cheap.min() > 500
    # Doubling the fares cuts express hires by about 40% at the shipped fare of $2,000.
    assert costly.mean() < 0.7 * cheap.mean(), (costly, cheap)


def test_drop_offs_are_the_corridors_drop_off_border_cities(baseline_runs):
    model = baseline_runs[0]
    c = model.corridor
    express = model.smuggling.express
    dropoffs = set(c.names(np.flatnonzero(c.group == "dropoff")))
    staging = set(c.names(np.flatnonzero(c.group == "staging")))
    assert dropoffs and staging
    assert set(c.names(express.dropoffs)) == dropoffs
    assert set(c.names(express.staging)) == staging
    for model in baseline_runs:
        fam, n = model.families, model.families.n
        rows = np.flatnonzero((fam.boarded[:n] >= 0) & (fam.journey_days[:n] >= 0))
        assert len(rows) > 100
        assert np.isin(fam.border_city[rows], express.dropoffs).all()


def tamaulipas_share(model: MigrationModel) -> float:
    """Share of express families dropped off in Matamoros or Reynosa."""
    fam, n, c = model.families, model.families.n, model.corridor
    rows = np.flatnonzero((fam.boarded[:n] >= 0) & (fam.journey_days[:n] >= 0))
    tamaulipas = [c.index["Matamoros"], c.index["Reynosa"]]
    return float(np.isin(fam.border_city[rows], tamaulipas).mean())


def test_drop_offs_shift_away_from_enforcement_on_their_roads(baseline_runs):
    # The San Fernando checkpoint lies on the express roads to Matamoros and Reynosa only.
    scenario = baseline().at_scale(SCALE)
    corridor = scenario.load_corridor()
    hard = copy.copy(corridor)
    hard.base_interdiction = corridor.base_interdiction.copy()
    hard.base_interdiction[corridor.index["San Fernando checkpoint"]] = 0.6
    usual = [tamaulipas_share(m) for m in baseline_runs]
    guarded = [tamaulipas_share(run(scenario, DAYS, seed, corridor=hard)) for seed in SEEDS]
    assert np.mean(usual) > 0.35
    # About 10 points fewer (seeds differ by 2 – 4 points).
    assert np.mean(guarded) < np.mean(usual) - 0.07, (guarded, usual)


def dropoff_concentration(model: MigrationModel) -> float:
    """Herfindahl index of the express families' drop-offs (1: all at one)."""
    fam, n = model.families, model.families.n
    rows = np.flatnonzero((fam.boarded[:n] >= 0) & (fam.journey_days[:n] >= 0))
    _, counts = np.unique(fam.border_city[rows], return_counts=True)
    return float(((counts / counts.sum()) ** 2).sum())


def test_a_sharper_drop_off_choice_concentrates_the_buses_on_the_cheapest_roads():
    # At a $200 scale the drop-offs' Herfindahl index is about 0.31 (about three drop-offs'
    # worth), at the families' route-choice scale about 0.21 (about five); seeds differ by
    # less than 0.01.
    concentration = {}
    for scale in (200.0, None):  # None: the families' route-choice scale
        scenario = baseline().with_parameters({"behaviour.dropoff_choice_scale_usd": scale})
        models = [run(scenario.at_scale(SCALE), DAYS, seed) for seed in SEEDS]
        concentration[scale] = [dropoff_concentration(m) for m in models]
    assert np.mean(concentration[200.0]) > np.mean(concentration[None]) + 0.06, concentration


def test_the_drop_off_choice_defaults_to_the_route_choice_scale():
    scenario = baseline(20).at_scale(5_000)
    default = scenario.with_parameters({"behaviour.dropoff_choice_scale_usd": None})
    same = scenario.with_parameters(
        {"behaviour.dropoff_choice_scale_usd": scenario.behaviour.choice_scale_usd}
    )
    a = run(default, 20, 7).results().daily
    b = run(same, 20, 7).results().daily
    pd.testing.assert_frame_equal(a, b)


def sector_shares(model: MigrationModel) -> pd.Series:
    """Each Border Patrol sector's share of the people in families apprehended between ports."""
    ps = model.results().place_series
    rows = ps[ps["measure"] == "us_apprehensions_people"]
    totals = rows.groupby(rows["place"].astype(str).map(sector_name))["value"].sum()
    return totals / totals.sum()


def test_a_heavier_weight_on_death_moves_crossings_from_the_river_and_desert():
    # Rafting the Rio Grande (Rio Grande Valley) and the desert west of Nogales (Tucson) are the
    # deadly crossings; wading at El Paso and the short walk at San Luis (Yuma) the safe ones.
    # From $300,000 to $1.5 million El Paso's share goes from about 15% to about 31%, the Rio
    # Grande Valley's from about 55% to about 40% and Tucson's from about 12% to about 6%.
    shares = {}
    for death in (300_000, 1_500_000):
        scenario = baseline().with_parameters({"behaviour.death_usd": death}).at_scale(SCALE)
        shares[death] = pd.DataFrame([sector_shares(run(scenario, DAYS, s)) for s in SEEDS])
    light, heavy = shares[300_000].mean(), shares[1_500_000].mean()
    assert heavy["El Paso"] > light["El Paso"] + 0.12, (light, heavy)
    assert heavy["Rio Grande Valley"] < light["Rio Grande Valley"] - 0.12, (light, heavy)
    assert heavy["Tucson"] < light["Tucson"] - 0.02, (light, heavy)
    assert heavy["Yuma"] > light["Yuma"], (light, heavy)


def price_rise(model: MigrationModel) -> np.ndarray:
    """Mean rise of the ordinary and express prices over their fees, informed families, USD."""
    fam, n = model.families, model.families.n
    rows = np.flatnonzero(fam.informed[:n])
    b = model.behaviour
    fees = np.array([b.smuggler_fee_usd, b.express_fee_usd]) * model.policy.smuggling_fee_multiplier
    rise = model.smuggling.prices(rows) - fees[:, None] * fam.adults[rows][None, :]
    return rise.mean(axis=1)


def test_smuggling_prices_rise_with_enforcement_on_their_routes(baseline_runs):
    # Checkpoints across the Isthmus from the first day (every express road crosses it):
    # families learn of the stops, and smugglers pass on half the rise in the road's cost.
    full = baseline()
    checkpoints = IsthmusCheckpoints(lever="isthmus_checkpoints", interdiction=0.4)
    enforced = with_levers(full, [*full.levers, checkpoints]).at_scale(SCALE)
    usual = np.array([price_rise(m) for m in baseline_runs])
    dearer = np.array([price_rise(run(enforced, DAYS, seed)) for seed in SEEDS])
    assert usual.mean(axis=0)[1] < 100, usual  # no enforcement added: express prices hold
    assert (dearer.mean(axis=0) - usual.mean(axis=0) > [100, 200]).all(), (dearer, usual)


# ------------------------------------------------------- 4. asylum in Mexico as a wait


def test_asylum_in_mexico_is_a_wait_with_onward_moves(baseline_runs):
    for model in baseline_runs:
        daily = model.results().daily
        claims, people = daily["asylum_claims_mx"].sum(), daily["asylum_claims_mx_people"].sum()
        assert claims > 100
        assert 2 <= people / claims <= 3.5  # family units: 2 plus a Poisson number
        assert daily["asylum_mx_moved_on"].sum() > 0.2 * claims
        assert daily["comar_grants"].sum() > 0
        fam = model.families
        assert fam.counts[FamilyState.SETTLED_MX] > 0
        waiting = fam.in_state(FamilyState.ASYLUM_MX)
        assert len(waiting) > 0.2 * claims  # many still wait for COMAR at the end ...
        assert (fam.comar_until[waiting] >= model.clock).all()  # ... with a decision to come


def test_nobody_moves_on_when_every_claim_is_granted_and_kept():
    scenario = (
        baseline()
        .with_parameters(
            {
                "behaviour.comar_move_on": 0,
                "behaviour.comar_grant": 1,
                "behaviour.comar_granted_move_on": 0,
            }
        )
        .at_scale(SCALE)
    )
    model = run(scenario, DAYS, seed=1)
    daily = model.results().daily
    assert daily["asylum_claims_mx"].sum() > 100
    assert daily["comar_grants"].sum() > 100
    assert daily["asylum_mx_moved_on"].sum() == 0
    assert model.families.counts[FamilyState.SETTLED_MX] > 100


def test_slower_comar_decisions_mean_fewer_decisions(baseline_runs):
    slow = baseline().with_parameters({"behaviour.comar_decision_days": 480}).at_scale(SCALE)
    slow_runs = [run(slow, DAYS, seed) for seed in SEEDS]
    usual, slower = total(baseline_runs, "comar_grants"), total(slow_runs, "comar_grants")
    assert usual.min() > 100
    assert slower.mean() < 0.6 * usual.mean(), (slower, usual)
    waiting = [
        [m.families.counts[FamilyState.ASYLUM_MX] for m in runs]
        for runs in (baseline_runs, slow_runs)
    ]
    assert np.mean(waiting[1]) > 1.2 * np.mean(waiting[0])


# ------------------------------------------------------------ 5. moving along the border


def along_border(model: MigrationModel) -> pd.DataFrame:
    """Link flows between two border cities over the recorded days."""
    c = model.corridor
    flows = model.results().link_flows
    border = set(c.names(c.of_kind("border_city")))
    return flows[flows["source"].isin(border) & flows["target"].isin(border)]


def test_families_move_along_the_border(baseline_runs):
    pairs = {("Matamoros", "Reynosa"): 0, ("Tijuana", "Mexicali"): 0}
    for model in baseline_runs:
        moves = along_border(model)
        assert moves["families"].sum() == model.results().daily["border_moves"].sum() > 0
        by_pair = moves.groupby(["source", "target"], observed=True)["families"].sum()
        for pair in pairs:
            pairs[pair] += by_pair.get(pair, 0)
    assert min(pairs.values()) > 30, pairs


def metering_at_san_ysidro(families_per_day: float) -> Scenario:
    full = baseline()
    levers = [
        lever.model_copy(update={"families_per_day": families_per_day})
        if lever.name == "metering" and lever.ports == ["San Ysidro"]
        else lever
        for lever in full.levers
    ]
    return with_levers(full, levers).at_scale(SCALE)


def moves_from_tijuana(model: MigrationModel, wait_days: float) -> tuple[np.ndarray, np.ndarray]:
    """Families put in Tijuana decide what to do with San Ysidro's expected wait set.

    Returns:
        Whether each family moved along the border, and whether it was informed.
    """
    model = copy.deepcopy(model)  # the same random draws for every wait
    fam, c = model.families, model.corridor
    rows = np.flatnonzero(
        np.isin(fam.state[: fam.n], [FamilyState.AT_ORIGIN, FamilyState.AT_PLACE])
    )
    tijuana = c.index["Tijuana"]
    fam.place[rows] = tijuana
    fam.mode[rows] = TravelMode.ALONE
    model.border.port_wait[c.index["San Ysidro"]] = wait_days
    before = model.ledger["border_moves"]
    model.border.decide(rows, model.clock)
    moved = (fam.state[rows] == FamilyState.TRAVELLING) & np.isin(
        fam.link[rows], model.border.along[tijuana]
    )
    assert moved.sum() == model.ledger["border_moves"] - before
    return moved, fam.informed[rows].copy()


def test_a_long_wait_at_a_port_sends_more_families_along_the_border(baseline_runs):
    # The same families in Tijuana, with the same chance draws, decide with no wait at San
    # Ysidro and with a long one: informed families, who know the wait, move along the border
    # more often; the others decide exactly as before.
    model = baseline_runs[0]
    no_wait, informed = moves_from_tijuana(model, 0.0)
    long_wait, same = moves_from_tijuana(model, 365.0)
    assert np.array_equal(informed, same) and 200 < (~informed).sum()
    assert len(informed) > 1000
    assert np.array_equal(no_wait[~informed], long_wait[~informed])
    assert (long_wait >= no_wait).all()  # nobody who moved stays instead
    assert 0.1 < no_wait[informed].mean() < 0.5
    assert long_wait[informed].mean() > no_wait[informed].mean() + 0.04


def test_tighter_metering_at_a_port_turns_border_moves_away_from_it(baseline_runs):
    # San Ysidro down from 30 families a day to 1: families who know the wait stop moving
    # along the border to Tijuana (and fewer reach Tijuana at all).
    assert baseline_runs[0].spec.levers[0].ports == ["San Ysidro"]

    def into_tijuana(model: MigrationModel) -> tuple[int, int]:
        flows = model.results().link_flows
        moves = along_border(model)
        return (
            moves.loc[moves["target"] == "Tijuana", "families"].sum(),
            flows.loc[flows["target"] == "Tijuana", "families"].sum(),
        )

    usual = np.array([into_tijuana(m) for m in baseline_runs])
    tight = np.array([into_tijuana(run(metering_at_san_ysidro(1), DAYS, s)) for s in SEEDS])
    assert usual[:, 0].min() > 50
    assert tight[:, 0].mean() < 0.5 * usual[:, 0].mean(), (tight, usual)
    assert tight[:, 1].mean() < 0.8 * usual[:, 1].mean(), (tight, usual)


# ------------------------------------------------------------------- 6. warm start


def october_family_unit_people() -> float:
    """Border Patrol family-unit people, October 2018, from the Northern Triangle."""
    observed = pd.read_csv(DEFAULT_CORRIDOR / "observed" / "cbp_family_units_monthly.csv")
    people = observed.set_index("month").loc["2018-10", "usbp_family_unit_individuals"]
    assert people == 23_115
    return people * 0.9657  # Northern Triangle share of family units (FY2018)


def test_the_first_recorded_month_is_at_the_observed_level():
    target = october_family_unit_people()
    october = load_scenario(BASELINE, days=31)
    assert october.spinup_days == 120
    warm = [
        run(october, 31, seed).results().daily["us_apprehensions_people"].sum() for seed in (1, 2)
    ]
    cold_start = october.with_parameters({"spinup_days": 0})
    cold = [
        run(cold_start, 31, seed).results().daily["us_apprehensions_people"].sum()
        for seed in (1, 2)
    ]
    for people in warm:
        assert 0.5 * target <= people <= 1.5 * target, (people, target)
    # Without the spin-up October holds about half as many (express buses reach the border
    # within days, journeys alone take weeks).
    assert np.mean(cold) < 0.55 * target
    assert np.mean(cold) < 0.5 * np.mean(warm)


def test_the_warm_start_holds_at_small_scale():
    october = load_scenario(BASELINE, days=31)
    f = factor(october, SCALE)
    people = run(october.at_scale(SCALE), 31, seed=1).results().daily["us_apprehensions_people"]
    target = october_family_unit_people()
    assert 0.5 * target <= people.sum() / f <= 1.5 * target


# ------------------------------------------------- 7. conservation and determinism


def june_agreement_day_by_day(seed: int) -> pd.DataFrame:
    """A year of the June 2019 agreement at small scale, checking every family every day."""
    scenario = load_scenario(JUNE).at_scale(10_000)
    model = MigrationModel(scenario, seed=seed)
    fam = model.families
    assert fam.counts.sum() == fam.n > 0  # after the spin-up
    for _ in range(scenario.days):
        model.step()
        assert fam.counts.sum() == fam.n
        assert np.array_equal(
            np.bincount(fam.state[: fam.n], minlength=len(fam.counts)), fam.counts
        )
    daily = model.results().daily
    states = daily[[c for c in daily.columns if c.startswith("state_")]].sum(axis=1)
    assert (states == fam.n).iloc[-1] and states.is_monotonic_increasing
    return daily


def test_a_run_of_every_mechanism_conserves_families_and_repeats_under_its_seed():
    daily = june_agreement_day_by_day(seed=3)
    exercised = [
        "express_arrivals",
        "smuggled_departures",
        "border_moves",
        "asylum_claims_mx",
        "asylum_mx_moved_on",
        "comar_grants",
        "mpp_returns",
        "us_removals",
        "mx_apprehensions",
    ]
    for column in exercised:
        assert daily[column].sum() > 0, column
    pd.testing.assert_frame_equal(daily, june_agreement_day_by_day(seed=3))
    other = june_agreement_day_by_day(seed=4)
    assert not daily.equals(other)
    assert (daily["departures"] != other["departures"]).mean() > 0.5


def test_a_fractional_daily_visa_quota_is_not_lost_to_rounding():
    from migsim.policies import parse_lever

    tiny = Path(__file__).parent / "data" / "tiny" / "scenarios" / "tiny.yaml"
    base = load_scenario(tiny, days=60)
    lever = parse_lever({"lever": "humanitarian_visas", "visas_per_month": 45})  # 1.5 a day
    scenario = base.model_copy(update={"levers": [lever], "spinup_days": 0})
    model = MigrationModel(scenario, seed=3, families_per_year=20_000)
    model.run_for(60)
    visas = model.results().daily["humanitarian_visas"].sum()
    assert 80 <= visas <= 90  # int(1.5) a day would give at most 60
