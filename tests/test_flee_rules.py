"""The Flee rule set: move chances, route weights, capacity, speed, closures, spawning, the ARD."""

from __future__ import annotations

import datetime as dt
import math
import shutil
from pathlib import Path

import numpy as np
import pytest

from migsim.errors import InputError
from migsim.flee.model import FleeModel, run_flee
from migsim.flee.results import averaged_relative_difference
from migsim.flee.rules import FleeRules
from migsim.interop.flee import (
    FleeClosure,
    FleeLocation,
    FleeRoute,
    FleeScenario,
    ObservedSeries,
    ValidationData,
    read_flee_scenario,
    read_validation,
)

SMALL = Path(__file__).resolve().parent / "data" / "flee" / "small"


def build(
    locations: list[tuple],
    routes: list[tuple],
    *,
    closures: tuple[FleeClosure, ...] = (),
    conflicts: np.ndarray | None = None,
    days: int = 5,
) -> FleeScenario:
    """A scenario from (name, type[, population[, country[, conflict_date]]]) and
    (name1, name2, distance[, forced]) tuples."""
    locs = []
    for spec in locations:
        name, ltype, pop, country, date = (*spec, *("", "town", 0, "X", 0)[len(spec) :])
        locs.append(
            FleeLocation(
                name,
                country=country,
                location_type=ltype,
                conflict_date=date if ltype == "conflict_zone" else None,
                population=pop,
            )
        )
    rts = [FleeRoute(*r) for r in routes]
    return FleeScenario("test", locs, rts, list(closures), conflicts, dt.date(2020, 1, 1), days)


def flat(value: float) -> ObservedSeries:
    return ObservedSeries([], np.array([0.0]), np.array([float(value)]))


def observed(sc: FleeScenario, totals: list[float] | None = None) -> ValidationData:
    total = flat(0) if totals is None else ObservedSeries(
        [], np.arange(len(totals), dtype=float), np.array(totals, dtype=float)
    )  # fmt: skip
    return ValidationData(Path("."), total, {c: flat(0) for c in sc.camp_names})


def model(sc: FleeScenario, seed: int = 1, totals: list[float] | None = None, **rules) -> FleeModel:
    return FleeModel(sc, observed(sc, totals), FleeRules(**rules), seed=seed)


def destinations(m: FleeModel) -> dict[str, float]:
    """Share of agents on a route, by the route's end."""
    on = m.route[: m.n][m.route[: m.n] >= 0]
    names = [loc.name for loc in m.scenario_data.locations]
    ends = np.bincount(m.route_dst[on], minlength=len(names))
    return {names[i]: ends[i] / max(1, on.size) for i in range(len(names)) if ends[i]}


def leaving_share(m: FleeModel, name: str) -> float:
    i = m.scenario_data.index[name]
    here = m.location[: m.n] == i
    return float((m.route[: m.n][here] >= 0).mean())


# -- leaving ------------------------------------------------------------------------------------


def test_daily_move_chance_by_location_type():
    far = 5000.0  # routes longer than the trip: who left is still on the route
    sc = build(
        [("Zone", "conflict_zone"), ("Town", "town"), ("Camp", "camp"), ("Idp", "idpcamp"),
         ("Hub", "forwarding_hub"), ("Mark", "marker"), ("Away", "town")],
        [(n, "Away", far) for n in ("Zone", "Town", "Camp", "Idp", "Hub", "Mark")],
    )  # fmt: skip
    m = model(sc)
    for name, count in (("Zone", 2000), ("Town", 20000), ("Camp", 100000), ("Idp", 20000)):
        m.place(name, count)
    m.place("Hub", 1000)
    m.place("Mark", 1000)
    m.step()
    assert leaving_share(m, "Zone") == 1.0
    assert leaving_share(m, "Town") == pytest.approx(0.3, abs=0.015)
    assert 0.0005 < leaving_share(m, "Camp") < 0.0015
    assert leaving_share(m, "Idp") == pytest.approx(0.1, abs=0.01)
    assert leaving_share(m, "Hub") == 1.0 and leaving_share(m, "Mark") == 1.0


def test_move_chances_follow_the_rules():
    sc = build([("Town", "town"), ("Away", "town")], [("Town", "Away", 5000.0)])
    m = model(sc, town_move_chance=0.6)
    m.place("Town", 20000)
    m.step()
    assert leaving_share(m, "Town") == pytest.approx(0.6, abs=0.015)


# -- where to ------------------------------------------------------------------------------------

STAR = (
    [("O", "conflict_zone"), ("K", "camp"), ("U", "town"), ("Z", "conflict_zone")],
    [("O", "K", 1000.0), ("O", "U", 1000.0), ("O", "Z", 500.0)],
)


@pytest.mark.parametrize(
    ("rules", "expected"),
    [
        # score / distance: camp 2/1000, town 1/1000, conflict zone 0.25/500 -> 4 : 2 : 1
        ({}, {"K": 4 / 7, "U": 2 / 7, "Z": 1 / 7}),
        # softening adds km: 2/2000, 1/2000, 0.25/1500 -> 6 : 3 : 1
        ({"softening": 1000.0}, {"K": 0.6, "U": 0.3, "Z": 0.1}),
        # awareness 0: distance only
        ({"awareness_level": 0}, {"K": 0.25, "U": 0.25, "Z": 0.5}),
        # awareness -1: no weighting at all
        ({"awareness_level": -1}, {"K": 1 / 3, "U": 1 / 3, "Z": 1 / 3}),
        # awareness 2: U and Z only see O (a conflict zone, 0.25); the camp keeps its 2
        (
            {"awareness_level": 2},
            {"K": 0.002 / 0.00275, "U": 0.00025 / 0.00275, "Z": 0.0005 / 0.00275},
        ),  # fmt: skip
        # camp and conflict weights are parameters
        ({"camp_weight": 1.0, "conflict_weight": 1.0}, {"K": 0.25, "U": 0.25, "Z": 0.5}),
    ],
)
def test_destinations_weighted_by_score_over_distance(rules, expected):
    m = model(build(*STAR), **rules)
    m.place("O", 60000)
    m.step()
    shares = destinations(m)
    assert shares.keys() == expected.keys()
    for name, share in expected.items():
        assert shares[name] == pytest.approx(share, abs=0.01), name


def test_conflict_intensity_softens_the_conflict_weight():
    # Z at intensity 0.5 scores 0.25 ** 0.5 = 0.5: 2/1000, 1/1000, 0.5/500 -> 2 : 1 : 1
    conflicts = np.array([[1.0, 0.0, 0.0, 0.5]] * 5)
    m = model(build(*STAR, conflicts=conflicts))
    m.place("O", 60000)
    m.step()
    shares = destinations(m)
    assert [shares[k] for k in "KUZ"] == pytest.approx([0.5, 0.25, 0.25], abs=0.01)


@pytest.mark.parametrize(
    ("in_camp", "scaling", "camp_share"),
    [
        (800, 1.0, 2 / 3),  # under 90% of capacity: full attraction (2 : 1)
        (950, 1.0, 1 / 2),  # halfway between 90% and 100%: attraction halved (1 : 1)
        (1000, 1.0, 0.0),  # full: no attraction
        (1000, 2.0, 2 / 3),  # capacity doubled by capacity_scaling
    ],
)
def test_camp_capacity_multiplier(in_camp, scaling, camp_share):
    sc = build(
        [("O", "conflict_zone"), ("K", "camp", 1000), ("U", "town")],
        [("O", "K", 1000.0), ("O", "U", 1000.0)],
    )
    m = model(sc, capacity_scaling=scaling)
    m.place("K", in_camp)
    m.place("O", 30000)
    m.step()
    assert destinations(m).get("K", 0.0) == pytest.approx(camp_share, abs=0.012)


def test_all_routes_weightless_means_an_even_choice():
    sc = build(
        [("O", "conflict_zone"), ("K1", "camp", 10), ("K2", "camp", 10)],
        [("O", "K1", 1000.0), ("O", "K2", 1000.0)],
    )
    m = model(sc)
    m.place("K1", 10)
    m.place("K2", 10)
    m.place("O", 20000)
    m.step()
    assert destinations(m)["K1"] == pytest.approx(0.5, abs=0.015)


# -- travel --------------------------------------------------------------------------------------


def test_speed_limit_makes_long_routes_take_days():
    sc = build(
        [("O", "conflict_zone"), ("K", "camp"), ("K2", "camp")],
        [("O", "K", 450.0), ("K", "K2", 5000.0)],
    )
    m = model(sc)
    m.place("O", 100)
    arrived = []
    for _ in range(3):
        m.step()
        arrived.append(int(m.counts[1]))
    # 200 + 200 + 50 km: all arrive on the third day (a few may leave the camp again at once).
    assert arrived[:2] == [0, 0] and arrived[2] >= 95
    first_route = m.route[: m.n] == 0
    assert not first_route.any()


def test_max_move_speed_is_a_parameter():
    sc = build([("O", "conflict_zone"), ("K", "camp")], [("O", "K", 450.0)])
    m = model(sc, max_move_speed=450.0)
    m.place("O", 100)
    m.step()
    assert int(m.counts[1]) == 100


def test_moves_chain_within_a_day_and_forced_redirection():
    # O -50- U -100- K, and everyone leaving U is sent on to K.
    sc = build(
        [("O", "conflict_zone"), ("U", "town"), ("K", "camp")],
        [("O", "U", 50.0), ("U", "K", 100.0, 2)],
    )
    m = model(sc)
    m.place("O", 20000)
    m.step()
    # All reach U with 150 km left; 30% of them leave it the same day, all to K.
    k, u = m.counts[2] / 20000, m.counts[1] / 20000
    assert k == pytest.approx(0.3, abs=0.015) and k + u == pytest.approx(1.0, abs=0.002)
    m.step()
    assert m.counts[2] / 20000 == pytest.approx(0.3 + 0.7 * 0.3, abs=0.015)
    assert m.counts[0] == 0  # nobody is sent back towards O


@pytest.mark.parametrize("lifted", [False, True])
def test_removing_a_forced_redirection_frees_the_choice(lifted):
    closures = (FleeClosure("remove_forced_redirection", "U", "K", 0, -1),) if lifted else ()
    sc = build(
        [("O", "conflict_zone"), ("U", "town"), ("K", "camp")],
        [("O", "U", 5000.0), ("U", "K", 5000.0, 2)],
        closures=closures,
    )
    m = model(sc)
    m.place("U", 30000)
    m.step()
    # Free choice: U -> K weighs 2/5000 and U -> O 0.25/5000, so a ninth head back to O.
    assert destinations(m).get("O", 0.0) == pytest.approx(1 / 9 if lifted else 0.0, abs=0.015)


# -- closures ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "closure",
    [
        FleeClosure("country", "X", "Y", 0, 2),
        FleeClosure("location", "K", "", 0, 2),
        FleeClosure("link", "O", "K", 0, 2),
    ],
)
def test_closures_shut_routes_while_in_force(closure):
    sc = build(
        [("O", "conflict_zone", 0, "X"), ("K", "camp", 0, "Y"), ("U", "town", 0, "X")],
        [("O", "K", 1000.0), ("O", "U", 1000.0)],
        closures=(closure,),
    )
    m = model(sc)
    m.place("O", 3000)
    m.step()
    assert destinations(m) == {"U": 1.0}
    m.step()
    m.place("O", 30000)
    m.step()  # day 2: reopened
    fresh = m.route[m.n - 30000 : m.n]
    assert (m.route_dst[fresh] == 1).mean() == pytest.approx(2 / 3, abs=0.015)


def test_closed_camp_is_a_town():
    sc = build(
        [("K", "camp"), ("F", "town")],
        [("K", "F", 5000.0)],
        closures=(FleeClosure("camp", "K", "", 0, -1),),
    )
    m = model(sc)
    m.place("K", 20000)
    m.step()
    assert leaving_share(m, "K") == pytest.approx(0.3, abs=0.015)


def test_a_row_ending_before_it_starts_forces_a_route_until_its_start_as_in_flee():
    # routes.csv forces nothing; the row's reopening (day 0) forces U -> K until its start (2).
    closures = (FleeClosure("remove_forced_redirection", "U", "K", 2, 0),)
    sc = build(
        [("O", "conflict_zone"), ("U", "town"), ("K", "camp")],
        [("O", "U", 5000.0), ("U", "K", 5000.0)],
        closures=closures,
    )
    m = model(sc)
    m.place("U", 30000)
    m.step()
    assert destinations(m) == {"K": 1.0}
    m.step()
    m.place("U", 30000)
    m.step()  # day 2: the redirection is lifted, and a ninth head back to O
    fresh = m.route[m.n - 30000 : m.n]
    fresh = fresh[fresh >= 0]  # those who left U
    assert (m.route_dst[fresh] == 0).mean() == pytest.approx(1 / 9, abs=0.015)


def test_reopening_a_camp_on_a_town_makes_it_a_camp_as_in_flee():
    sc = build(
        [("T", "town"), ("F", "town")],
        [("T", "F", 5000.0)],
        closures=(FleeClosure("camp", "T", "", 5, 0),),
    )
    m = model(sc)
    m.place("T", 20000)
    m.step()
    assert leaving_share(m, "T") == pytest.approx(0.001, abs=0.002)


# -- spawning ------------------------------------------------------------------------------------


def test_new_agents_follow_increases_in_the_observed_total_with_a_debt():
    sc = build([("O", "conflict_zone"), ("K", "camp")], [("O", "K", 5000.0)], days=6)
    m = model(sc, totals=[0, 100, 300, 250, 260, 400])
    # +100, +200, -50 (owed), +10 (still owing 40), +140 - 40
    assert m._spawn_plan.tolist() == [0, 100, 200, 0, 0, 100]
    m.run()
    assert m.agents_per_day.tolist() == [0, 100, 300, 300, 300, 400]


def test_camps_start_with_their_observed_day0_population():
    sc = build([("O", "conflict_zone"), ("K", "camp")], [("O", "K", 5000.0)], days=2)
    v = ValidationData(
        Path("."),
        ObservedSeries([], np.array([0.0, 1.0]), np.array([500.0, 600.0])),
        {"K": flat(300)},
    )
    m = FleeModel(sc, v, FleeRules(), seed=1)
    assert m.n == 300 and m.counts[1] == 300
    m.run()
    assert m.agents_per_day.tolist() == [300, 400]
    cold = FleeModel(sc, v, FleeRules(insert_day0=False), seed=1)
    assert cold.n == 0
    cold.run()
    assert cold.agents_per_day.tolist() == [500, 600]


def test_spawn_locations_weighted_by_population_and_intensity():
    zones = [("P1", "conflict_zone", 3000), ("P2", "conflict_zone", 1000), ("K", "camp")]
    routes = [("P1", "K", 5000.0), ("P2", "K", 5000.0)]
    m = model(build(zones, routes, days=2), totals=[0, 40000])
    m.run()
    assert (m.location[: m.n] == 0).mean() == pytest.approx(0.75, abs=0.01)
    conflicts = np.array([[0.5, 1.0, 0.0]] * 2)
    m = model(build(zones, routes, conflicts=conflicts, days=2), totals=[0, 40000])
    m.run()
    assert (m.location[: m.n] == 0).mean() == pytest.approx(0.6, abs=0.01)


def test_agents_spawn_only_in_active_conflict_zones():
    zones = [("P1", "conflict_zone", 1000, "X", 0), ("P2", "conflict_zone", 1000, "X", 3),
             ("K", "camp", 0, "X", 0)]  # fmt: skip
    routes = [("P1", "K", 5000.0), ("P2", "K", 5000.0)]
    m = model(build(zones, routes, days=4), totals=[0, 1000, 2000, 3000])
    for _ in range(3):
        m.step()
    assert m.n == 2000 and (m.location[: m.n] == 0).all()
    m.step()
    assert (m.location[2000 : m.n] == 1).mean() == pytest.approx(0.5, abs=0.06)


def test_new_agents_wait_when_no_conflict_zone_is_active():
    sc = build([("O", "conflict_zone", 10, "X", 9), ("K", "camp")], [("O", "K", 50.0)], days=3)
    results = model(sc, totals=[0, 10, 20]).run()
    assert results.unplaced == 20 and results.agents[-1] == 0
    assert "not placed" in results.summary()


# -- the run as a whole ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small():
    sc = read_flee_scenario(SMALL)
    return sc, read_validation(SMALL / "source_data", sc)


def test_same_seed_same_run_and_nobody_lost(small):
    sc, v = small
    a, b = FleeModel(sc, v, seed=5), FleeModel(sc, v, seed=5)
    for _ in range(sc.length):
        a.step()
        b.step()
        at = a.route[: a.n] < 0
        assert np.array_equal(a.counts, np.bincount(a.location[: a.n][at], minlength=7))
    assert np.array_equal(a.simulated, b.simulated)
    on_route = int((a.route[: a.n] >= 0).sum())
    assert a.counts.sum() + on_route == a.n == a.agents_per_day[-1]
    assert a.in_transit[-1] == on_route
    c = FleeModel(sc, v, seed=6).run()
    assert not np.array_equal(c.simulated, a.simulated)
    with pytest.raises(RuntimeError, match="over"):
        a.step()


# Day 19 and day 29 camp populations of the small scenario in Flee 3.1 itself (mean of 12 runs,
# simsetting.yml with the published parameters: 200 km a day, camp weight 2, conflict weight
# 0.25, softening 0), for a check that this rule set stays close to Flee.
FLEE_REFERENCE = {19: [836.7, 1890.1, 348.2], 29: [828.2, 3104.1, 728.7]}


def test_close_to_flee_on_the_small_scenario(small):
    sc, v = small
    runs = np.array([FleeModel(sc, v, seed=s).run().simulated for s in range(6)])
    mean = runs.mean(axis=0)
    for day, flee in FLEE_REFERENCE.items():
        assert mean[day] == pytest.approx(flee, rel=0.05), day


def test_results_and_files(small, tmp_path: Path):
    sc, v = small
    r = FleeModel(sc, v, seed=1).run()
    assert r.camps == ["Camp1", "Camp2", "Camp3"] and r.simulated.shape == (30, 3)
    assert r.observed[0].tolist() == [50, 50, 0] and r.simulated[0].tolist() == [50, 50, 0]
    assert r.ard == pytest.approx(np.nanmean(r.daily_ard)) and 0.05 < r.ard < 0.6
    assert r.simulated[:10, 2].sum() == 0  # Camp3 is across the closed Alpha-Gamma border
    r.write(tmp_path)
    pops = (tmp_path / "camp_populations.csv").read_text().splitlines()
    assert pops[0] == "day,date,Camp1,Camp2,Camp3,total"
    assert pops[1] == "0,2020-01-01,50,50,0,100"
    assert float((tmp_path / "ard.txt").read_text().split()[0]) == pytest.approx(r.ard, abs=1e-6)
    daily = (tmp_path / "ard_daily.csv").read_text().splitlines()
    assert daily[0] == "day,date,simulated_total,observed_total,ard" and len(daily) == 31


# -- settings ------------------------------------------------------------------------------------


def test_simsetting_yml_sets_the_rules(tmp_path: Path):
    shutil.copytree(SMALL, tmp_path / "s")
    (tmp_path / "s" / "simsetting.yml").write_text(
        "log_levels:\n  agent: 0\nmove_rules:\n  max_move_speed: 360\n  camp_weight: 1.5\n"
        "  max_walk_speed: 35\nspawn_rules:\n  insert_day0: False\n"
    )
    sc = read_flee_scenario(tmp_path / "s")
    assert sc.settings_path == tmp_path / "s" / "simsetting.yml"
    r = run_flee(sc, read_validation(tmp_path / "s" / "source_data", sc), days=3)
    assert (r.rules.max_move_speed, r.rules.camp_weight, r.rules.insert_day0) == (360, 1.5, False)
    assert r.notes == ["simsetting.yml: move_rules.max_walk_speed"]
    assert r.simulated[0].sum() < 100  # camps start empty


@pytest.mark.parametrize(
    ("yaml_text", "key", "words"),
    [
        ("move_rules:\n  camp_weight: heavy\n", "move_rules.camp_weight", "must be a number"),
        ("move_rules:\n  awareness_level: 1.5\n", "move_rules.awareness_level", "whole number"),
        ("move_rules:\n  awareness_level: 7\n", "awareness_level", "-1, 0, 1, 2 or 3"),
        ("move_rules:\n  camp_movechance: 2\n", "camp_move_chance", "between 0 and 1"),
        ("spawn_rules:\n  insert_day0: 1\n", "spawn_rules.insert_day0", "True or False"),
    ],
)
def test_bad_settings_name_the_key(yaml_text, key, words):
    import yaml

    with pytest.raises(InputError) as info:
        FleeRules().with_settings(yaml.safe_load(yaml_text), "simsetting.yml")
    assert info.value.key == key and words in info.value.message


def test_flee3_defaults():
    r = FleeRules.flee3()
    assert (r.max_move_speed, r.camp_weight, r.softening) == (360.0, 1.0, 10.0)
    assert r.conflict_weight == pytest.approx(1 / math.sqrt(10))
    assert FleeRules.paper() == FleeRules()


# -- the averaged relative difference -----------------------------------------------------------


def test_ard_is_zero_for_a_perfect_or_rescaled_match():
    obs = np.array([[10.0, 30.0], [20.0, 20.0]])
    assert averaged_relative_difference(obs, obs)[0] == 0.0
    assert averaged_relative_difference(obs * 3, obs)[0] == pytest.approx(0.0)


def test_ard_by_hand():
    sim = np.array([[10.0, 0.0], [3.0, 1.0], [6.0, 2.0]])
    obs = np.array([[5.0, 5.0], [2.0, 2.0], [4.0, 4.0]])
    # day 0: |10-5| + |0-5| over 10 = 1; day 1: |3-2| + |1-2| over 4 = 0.5;
    # day 2: rescaled by 8/8: |6-4| + |2-4| over 8 = 0.5
    ard, daily = averaged_relative_difference(sim, obs)
    assert daily.tolist() == [1.0, 0.5, 0.5]
    assert ard == pytest.approx(2 / 3)


def test_ard_days_without_observations_are_left_out_and_empty_simulation_scores_one():
    sim = np.array([[0.0, 0.0], [5.0, 5.0], [0.0, 0.0]])
    obs = np.array([[0.0, 0.0], [5.0, 5.0], [1.0, 3.0]])
    ard, daily = averaged_relative_difference(sim, obs)
    assert math.isnan(daily[0]) and daily[1] == 0.0 and daily[2] == 1.0
    assert ard == 0.5
    assert math.isnan(averaged_relative_difference(np.zeros((2, 1)), np.zeros((2, 1)))[0])
    with pytest.raises(ValueError, match="shapes differ"):
        averaged_relative_difference(np.zeros((2, 1)), np.zeros((2, 2)))
