"""Behaviour of a run: nothing lost, reproducible, families follow links, levers and risks bite."""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import (
    SHIPPED_SCENARIOS,
    TINY,
    TINY_YAML,
    make_corridor,
    run_model,
    state_bincount,
    time_limit,
    with_days,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from migsim.agents import Family, FamilyState, TravelMode
from migsim.corridor import LINK_COLUMNS, LINK_MODES, PLACE_COLUMNS, Corridor, load_corridor
from migsim.errors import InputError
from migsim.families import plain
from migsim.model import MigrationModel
from migsim.results import Results
from migsim.scenario import load_scenario

S = FamilyState
STATE_COLUMNS = [f"state_{s.label}" for s in FamilyState]


def assert_conserved(model: MigrationModel, day: int) -> None:
    fam = model.families
    assert fam.counts.sum() == fam.n, f"day {day}: state counts sum to {fam.counts.sum()}"
    counted = state_bincount(model)
    assert np.array_equal(fam.counts, counted), (
        f"day {day}: running counts {fam.counts.tolist()} != states {counted.tolist()}"
    )


def assert_daily_states_sum_to_created(model: MigrationModel) -> None:
    daily = model.datacollector.get_model_vars_dataframe()
    created = model.families_at_start + daily["first_departures"].cumsum().to_numpy()
    totals = daily[STATE_COLUMNS].sum(axis=1).to_numpy()
    assert np.array_equal(totals, created)
    assert created[-1] == model.families.n


# --------------------------------------------------------------------------- conservation
def high_churn(scenario):
    """The scenario with families often giving up, trying again and coming back from MPP."""
    behaviour = scenario.behaviour.model_copy(update={"retry_hazard": 0.2, "waiting_give_up": 0.05})
    levers = [
        lever.model_copy(update={"mean_wait_days": 10.0})
        if lever.name == "remain_in_mexico"
        else lever
        for lever in scenario.levers
    ]
    churn = scenario.model_copy(update={"behaviour": behaviour, "levers": levers})
    churn.path = scenario.path
    return churn


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("variant", ["tiny", "high-churn"])
def test_every_family_is_in_exactly_one_state_every_day(tiny_scenario, variant, seed):
    days = 150 if variant == "tiny" else 120
    scenario = tiny_scenario if variant == "tiny" else high_churn(tiny_scenario)
    model = MigrationModel(with_days(scenario, days), seed=seed)
    for day in range(days):
        model.step()
        assert_conserved(model, day)
    assert model.families.n > 500
    assert_daily_states_sum_to_created(model)


@st.composite
def corridors(draw):
    """A random layered corridor: origins, crossings, 1-2 layers of cities, border, US."""

    def risk(high: float = 0.3) -> float:
        return draw(st.floats(0, high, allow_nan=False))

    places: list[dict] = []

    def place(name: str, kind: str, group: str = "", **extra) -> str:
        row = dict.fromkeys(PLACE_COLUMNS, "")
        row.update(name=name, kind=kind, group=group, source="test")
        row["lat"] = str(draw(st.floats(10, 33)))
        row["lon"] = str(draw(st.floats(-118, -85)))
        row["mean_stay_days"] = str(draw(st.integers(0, 4)))
        row["base_interdiction"] = str(risk() if kind in ("crossing", "checkpoint") else 0)
        row["capacity_per_day"] = str(draw(st.one_of(st.just(""), st.integers(1, 30))))
        row.update(extra)
        places.append(row)
        return name

    origins = [place(f"O{i}", "origin") for i in range(draw(st.integers(1, 2)))]
    crossings = [
        place(f"X{i}", "crossing", draw(st.sampled_from(["formal", "ford"])))
        for i in range(draw(st.integers(1, 3)))
    ]
    n_cities = draw(st.integers(1, 4))
    n_layers = draw(st.integers(1, min(2, n_cities)))
    first = draw(st.integers(1, n_cities - 1)) if n_layers == 2 else n_cities
    city_layers = [list(range(first)), list(range(first, n_cities))][:n_layers]
    layers_of_cities = []
    for layer in city_layers:
        names = []
        for i in layer:
            kind = draw(st.sampled_from(["city", "city", "checkpoint"]))
            names.append(place(f"C{i}", kind, "isthmus" if kind == "checkpoint" else ""))
        layers_of_cities.append(names)
    sectors = [place(f"S{i}", "us_sector") for i in range(draw(st.integers(1, 2)))]
    borders, port_of, sector_of = [], {}, {}
    for i in range(draw(st.integers(1, 2))):
        has_port, has_sector = draw(st.sampled_from([(True, False), (False, True), (True, True)]))
        if i == 0:
            has_port = True  # at least one US port
        name = place(f"B{i}", "border_city")
        borders.append(name)
        if has_sector:
            sector_of[name] = draw(st.sampled_from(sectors))
        if has_port:
            port_of[name] = place(f"P{i}", "us_port", sector=sector_of.get(name, ""))

    links: list[dict] = []

    def link(u: str, v: str) -> None:
        mode = draw(st.sampled_from(LINK_MODES))
        row = dict.fromkeys(LINK_COLUMNS, "")
        row.update({"from": u, "to": v, "mode": mode, "distance_source": "test"})
        row["distance_km"] = str(draw(st.floats(1, 800)))
        row["speed_km_per_day"] = str(draw(st.sampled_from([10, 25, 150, 400])))
        row["cost_usd"] = str(draw(st.integers(0, 300)))
        row["victimisation_risk"] = str(risk())
        row["death_risk"] = str(risk(0.02))
        links.append(row)

    def connect(sources: list[str], targets: list[str]) -> None:
        for u in sources:
            for v in draw(st.lists(st.sampled_from(targets), min_size=1, unique=True)):
                link(u, v)

    layers = [origins, crossings, *layers_of_cities]
    for sources, targets in zip(layers, layers[1:], strict=False):
        connect(sources, targets)
    with_port = [b for b in borders if b in port_of]
    for u in layers[-1]:
        chosen = draw(st.lists(st.sampled_from(borders), min_size=1, unique=True))
        if not any(b in port_of for b in chosen):
            chosen.append(draw(st.sampled_from(with_port)))
        for v in chosen:
            link(u, v)
    for b in borders:
        if b in port_of:
            link(b, port_of[b])
        if b in sector_of:
            link(b, sector_of[b])
    return places, links, origins


@st.composite
def levers(draw):
    """Random levers whose capacities are whole families a day, on from a random day."""
    start = st.one_of(st.none(), st.integers(0, 39))
    options = {
        "metering": {"families_per_day": st.integers(1, 20)},
        "remain_in_mexico": {"share": st.floats(0, 1), "mean_wait_days": st.integers(1, 30)},
        "mexican_deportations": {
            "detention_places": st.integers(0, 60),
            "deportations_per_day": st.integers(0, 10),
        },
        "us_holding_capacity": {"families_per_sector": st.integers(1, 40)},
        "southern_border_enforcement": {"officers": st.integers(0, 12000)},
        "isthmus_checkpoints": {
            "interdiction": st.floats(0, 1),
            "capacity_per_day": st.integers(1, 50),
        },
        "humanitarian_visas": {"visas_per_month": st.integers(0, 300)},
        "safe_third_country": {"barred_share": st.floats(0, 1)},
        "anti_smuggling": {"capacity_per_day": st.integers(0, 20)},
        "northern_triangle_aid": {
            "hazard_change": st.floats(-0.9, 2),
            "lag_days": st.integers(0, 20),
        },
        "tariff_threat": {"response_lag_days": st.integers(0, 10)},
    }
    out = []
    for name in draw(st.lists(st.sampled_from(sorted(options)), max_size=5)):
        spec = {"lever": name}
        spec.update({key: draw(value) for key, value in options[name].items()})
        day = draw(start)
        if day is not None:
            spec["start"] = (dt.date(2019, 1, 1) + dt.timedelta(days=day)).isoformat()
        if name == "tariff_threat":
            spec["response"] = [
                {"lever": "southern_border_enforcement", "officers": 6000},
                {"lever": "isthmus_checkpoints", "interdiction": 0.5},
            ]
        out.append(spec)
    return out


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_conservation_on_random_corridors(data):
    places, links, origins = data.draw(corridors())
    population = {
        "families_per_year": data.draw(st.integers(500, 5000)),
        "origins": {o: {"share": data.draw(st.floats(0.1, 1))} for o in origins},
    }
    if data.draw(st.booleans()):
        population["caravans"] = [
            {
                "date": "2019-01-05",
                "origin": data.draw(st.sampled_from(origins)),
                "families": data.draw(st.integers(1, 60)),
                "days": data.draw(st.integers(1, 4)),
            }
        ]
    scenario = {
        "name": "random corridor",
        "corridor": "..",
        "start": "2019-01-01",
        "days": 40,
        "seed": data.draw(st.integers(0, 1000)),
        "population": population,
        "levers": data.draw(levers()),
    }
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        pd.DataFrame(places, columns=list(PLACE_COLUMNS)).to_csv(folder / "places.csv", index=False)
        pd.DataFrame(links, columns=list(LINK_COLUMNS)).to_csv(folder / "links.csv", index=False)
        (folder / "scenarios").mkdir()
        path = folder / "scenarios" / "random.yaml"
        path.write_text(yaml.safe_dump(scenario), encoding="utf-8")
        model = MigrationModel(load_scenario(path))
        with time_limit(30):
            for day in range(40):
                model.step()
                assert_conserved(model, day)
        assert_daily_states_sum_to_created(model)


# ---------------------------------------------------------------------------- determinism
def test_same_seed_gives_identical_results(tiny_scenario):
    first = run_model(tiny_scenario, days=120, seed=11)
    second = run_model(tiny_scenario, days=120, seed=11)
    a, b = first.results(), second.results()
    pd.testing.assert_frame_equal(a.daily, b.daily)
    pd.testing.assert_frame_equal(a.link_flows, b.link_flows)
    pd.testing.assert_frame_equal(a.place_series, b.place_series)
    n = first.families.n
    assert n == second.families.n
    assert np.array_equal(first.families.state[:n], second.families.state[:n])
    assert np.array_equal(first.families.place[:n], second.families.place[:n])
    assert a.final_states == b.final_states


def test_different_seed_gives_different_results(tiny_scenario, tiny_run):
    other = run_model(tiny_scenario, days=120, seed=8)
    assert not tiny_run.results().daily.equals(other.results().daily)


def test_seed_defaults_to_the_scenario_seed(tiny_scenario):
    assert tiny_scenario.seed == 3
    implicit = run_model(tiny_scenario, days=30)
    explicit = run_model(tiny_scenario, days=30, seed=3)
    pd.testing.assert_frame_equal(implicit.results().daily, explicit.results().daily)


# ------------------------------------------------------------------------- moving on links
def test_travelling_families_are_on_a_link_out_of_the_place_they_left(tiny_scenario):
    model = MigrationModel(with_days(tiny_scenario, 150), seed=5)
    c, fam = model.corridor, model.families
    edges = set(c.graph.edges)
    seen = 0
    for day in range(150):
        model.step()
        rows = fam.in_state(FamilyState.TRAVELLING)
        links = fam.link[rows]
        assert (links >= 0).all(), f"day {day}: a travelling family has no link"
        assert np.array_equal(c.link_src[links], fam.place[rows]), f"day {day}"
        assert all(c.links[e] in edges for e in np.unique(links))
        seen += len(rows)
    assert seen > 0
    flows = model.results().link_flows
    assert len(flows) > 0
    pairs = set(zip(flows["source"].astype(str), flows["target"].astype(str), strict=True))
    assert pairs <= edges
    modes = {(u, v): d["mode"] for u, v, d in c.graph.edges(data=True)}
    for u, v, mode in zip(flows["source"], flows["target"], flows["mode"], strict=True):
        assert modes[(u, v)] == mode


def test_link_flows_count_every_family_setting_off(tiny_run):
    flows = tiny_run.results().link_flows
    daily = tiny_run.results().daily
    out_of_home = flows[flows["source"] == "Home"].groupby("date")["families"].sum()
    departures = daily["departures"]
    assert out_of_home.sum() > 0
    # Every departure sets off along a link out of Home the same day (nobody is stuck there).
    pd.testing.assert_series_equal(
        out_of_home.reindex(departures.index, fill_value=0).astype(float),
        departures.astype(float),
        check_names=False,
        check_freq=False,
    )


def test_nobody_goes_through_a_crossing_with_no_way_on(tmp_path, tiny_scenario):
    folder = make_corridor(tmp_path, links_edit=lambda f: f[f["from"] != "Bridge"])
    closed = run_model(load_scenario(folder / "scenarios" / "tiny.yaml"), days=60, seed=2)
    flows = closed.results().link_totals()
    into_bridge = flows[(flows["source"] == "Home") & (flows["target"] == "Bridge")]
    assert into_bridge["families"].sum() == 0
    bridge = closed.corridor.index["Bridge"]
    assert not (closed.families.place[: closed.families.n] == bridge).any()
    assert closed.families.n > 0
    assert flows[flows["source"] == "Home"]["families"].sum() > 0  # they went by the ford

    open_ = run_model(tiny_scenario, days=60, seed=2).results().link_totals()
    via = open_[(open_["source"] == "Home") & (open_["target"] == "Bridge")]
    assert via["families"].sum() > 0


def _share_via_trail(scenario, seed: int) -> float:
    totals = run_model(scenario, days=50, seed=seed).results().link_totals()
    out = totals[totals["source"] == "Tapachula"]
    return out.loc[out["target"] == "Trail", "families"].sum() / out["families"].sum()


def test_a_riskier_link_carries_a_smaller_share_of_flow(tmp_path, tiny_scenario):
    def riskier(links: pd.DataFrame) -> pd.DataFrame:
        row = (links["from"] == "Tapachula") & (links["to"] == "Trail")
        assert links.loc[row, "victimisation_risk"].tolist() == ["0.15"]
        links.loc[row, "victimisation_risk"] = "0.6"
        return links

    folder = make_corridor(tmp_path, links_edit=riskier)
    risky = load_scenario(folder / "scenarios" / "tiny.yaml")
    seeds = range(5)
    base = np.array([_share_via_trail(tiny_scenario, s) for s in seeds])
    high = np.array([_share_via_trail(risky, s) for s in seeds])
    assert base.mean() > 0
    diff = base.mean() - high.mean()
    se = np.sqrt(base.var(ddof=1) / len(base) + high.var(ddof=1) / len(high))
    assert diff > 2 * se, f"share via Trail {base.mean():.3f} -> {high.mean():.3f} (se {se:.4f})"


def _route_probabilities_at(model: MigrationModel, place: str, variant: int) -> dict[str, float]:
    c = model.corridor
    i = c.index[place]
    cum = model.costs.route_cumulative[:, i, variant]
    prob = np.diff(np.r_[0.0, cum])
    return {c.places[c.link_dst[e]]: p for e, p in zip(c.out_links[i], prob, strict=True) if e >= 0}


def test_smugglers_who_count_days_keep_smuggled_families_off_the_slow_trail(tiny_scenario):
    # Variant = 6 × mode + 3 × informed + risk class: 7 is smuggled, 1 alone (both moderate).
    def at_tapachula(cost_per_day: float) -> tuple[dict, dict]:
        scenario = tiny_scenario.with_parameters(
            {"behaviour.smuggler_cost_per_day_usd": cost_per_day}
        )
        model = MigrationModel(scenario)
        model.step()
        return (
            _route_probabilities_at(model, "Tapachula", 7),
            _route_probabilities_at(model, "Tapachula", 1),
        )

    cheap_smuggled, cheap_alone = at_tapachula(0.0)
    dear_smuggled, dear_alone = at_tapachula(1000.0)
    # The trail takes 15 days to Monterrey against 6 by bus through the checkpoint.
    assert dear_smuggled["Trail"] < 0.5 * cheap_smuggled["Trail"]
    assert cheap_alone == pytest.approx(dear_alone)  # lone families weigh their own time


def _smuggled_border_cities(smuggler_crossings: list[str] | None) -> set[str]:
    scenario = load_scenario(SHIPPED_SCENARIOS / "baseline_2019.yaml").with_parameters(
        {
            "population.families_per_year": 20000,
            "population.money_median_usd": 12000,  # most families can pay a smuggler
            "behaviour.express_fee_usd": 9000,  # ordinary smugglers rather than express buses
            "behaviour.smuggler_crossings": smuggler_crossings,
        }
    )
    model = run_model(scenario, days=150, seed=3)
    fam, c = model.families, model.corridor
    # Smuggled on this journey (a family home again travels alone until it hires anew) and
    # past the border city of this journey.
    past_border = np.isin(
        fam.state[: fam.n],
        [S.WAITING, S.RETURNED_MPP, S.APPREHENDED_US, S.RELEASED_US, S.REMOVED, S.EVADED_US],
    )
    rows = np.flatnonzero((fam.mode[: fam.n] == TravelMode.SMUGGLER) & past_border)
    assert len(rows) > 200
    return set(c.names(np.unique(fam.border_city[rows])))


def test_smuggled_families_cross_where_their_smugglers_work():
    assert _smuggled_border_cities(["Reynosa", "Matamoros"]) == {"Reynosa", "Matamoros"}
    # Without named crossings smugglers take families to other border cities too.
    assert len(_smuggled_border_cities(None) - {"Reynosa", "Matamoros"}) >= 2


def test_unknown_smuggler_crossing_is_named_with_the_nearest_border_city(tiny_scenario):
    scenario = tiny_scenario.with_parameters({"behaviour.smuggler_crossings": ["Reynsoa"]})
    with pytest.raises(InputError) as info:
        MigrationModel(scenario)
    assert str(info.value) == (
        f"{scenario.path}, key 'behaviour.smuggler_crossings': 'Reynsoa' is not a border city "
        "in the corridor (did you mean 'Reynosa'?); border cities are: Reynosa"
    )


def test_asylum_choice_scale_defaults_to_five_times_the_route_scale(tiny_scenario):
    explicit = tiny_scenario.with_parameters(
        {"behaviour.asylum_choice_scale_usd": 5 * tiny_scenario.behaviour.choice_scale_usd}
    )
    default = run_model(tiny_scenario, days=120, seed=2).results().daily
    pd.testing.assert_frame_equal(run_model(explicit, days=120, seed=2).results().daily, default)


def test_a_sharper_asylum_decision_sends_fewer_families_home_from_the_border(tiny_scenario):
    # Going home is the worst option at the border for families who believe they can stay in
    # the US; the sharper the choice, the fewer pick it.
    def gave_up(scale: float) -> float:
        scenario = tiny_scenario.with_parameters({"behaviour.asylum_choice_scale_usd": scale})
        runs = [run_model(scenario, days=200, seed=s).results().daily for s in range(3)]
        return sum(r["gave_up"].sum() for r in runs) / sum(r["departures"].sum() for r in runs)

    assert gave_up(300.0) < 0.5 * gave_up(20000.0)


def _daily_departures(scenario, seed: int, **population) -> pd.Series:
    changed = scenario.with_parameters(
        {
            **{f"population.{k}": v for k, v in population.items()},
            "population.families_per_year": 20000,
            # Nothing heard changes departures: the calendar alone moves them.
            "behaviour.pull_elasticity": 0.0,
            "behaviour.network_effect": 0.0,
        }
    )
    return run_model(changed, days=365, seed=seed).results().daily["first_departures"]


def test_departures_dip_over_the_holidays_by_the_dip(tiny_scenario):
    from migsim.departures import in_holidays

    assert in_holidays(dt.date(2019, 12, 15), "12-15", "01-15")
    assert in_holidays(dt.date(2019, 1, 14), "12-15", "01-15")
    assert not in_holidays(dt.date(2019, 1, 15), "12-15", "01-15")
    assert not in_holidays(dt.date(2019, 12, 14), "12-15", "01-15")
    assert in_holidays(dt.date(2019, 7, 1), "06-01", "08-01")
    ratios = {"holidays": [], "rest": []}
    for seed in (1, 2, 3):
        dipped = _daily_departures(tiny_scenario, seed, holiday_dip=0.6)
        plain = _daily_departures(tiny_scenario, seed, holiday_dip=0.0)
        inside = [in_holidays(d.date(), "12-15", "01-15") for d in dipped.index]
        outside = [not x for x in inside]
        ratios["holidays"].append(dipped[inside].sum() / plain[inside].sum())
        ratios["rest"].append(dipped[outside].sum() / plain[outside].sum())
    assert np.mean(ratios["holidays"]) == pytest.approx(0.4, abs=0.05)
    assert np.mean(ratios["rest"]) == pytest.approx(1.0, abs=0.05)


def _departures_by_month(scenario, amplitude: float, seed: int) -> pd.Series:
    seasonal = scenario.with_parameters(
        {
            "population.seasonal_amplitude": amplitude,
            "population.families_per_year": 20000,
            # Nothing heard changes departures: the season alone moves them.
            "behaviour.pull_elasticity": 0.0,
            "behaviour.network_effect": 0.0,
        }
    )
    daily = run_model(seasonal, days=365, seed=seed).results().daily["first_departures"]
    return daily.groupby(daily.index.month).sum()


def test_departures_follow_the_season(tiny_scenario):
    # Peak on 15 April: April's hazard is about 1 + 0.5 and October's about 1 - 0.5.
    months = _departures_by_month(tiny_scenario, 0.5, seed=1)
    assert 2.4 < months[4] / months[10] < 3.6
    flat = _departures_by_month(tiny_scenario, 0.0, seed=1)
    assert 0.85 < flat[4] / flat[10] < 1.15


# ------------------------------------------------------------------------------- agents
def test_one_family_agent_per_family_created(tiny_run):
    agents = tiny_run.agents
    n = tiny_run.families.n
    assert n > 0
    assert len(agents) == n
    assert all(isinstance(a, Family) for a in agents)
    assert sorted(a.row for a in agents) == list(range(n))
    assert len({a.unique_id for a in agents}) == n
    assert len(tiny_run.agents_by_type[Family]) == n


def test_family_attributes_read_the_family_table(tiny_run):
    model = tiny_run
    fam, c = model.families, model.corridor
    crossings = {f"stopped at {p}" for p in ("Bridge", "Ford", "Checkpoint")}
    states = set()
    for agent in model.agents:
        row = agent.row
        assert agent.state == FamilyState(fam.state[row])
        states.add(agent.state)
        assert agent.origin == "Home"
        assert agent.place in c.places
        assert agent.place == c.places[fam.place[row]]
        assert 2 <= agent.size <= 12
        assert agent.risk_attitude in ("bold", "moderate", "cautious")
        assert 0 <= agent.claim_strength <= 1
        assert agent.attempts >= 1
        assert agent.mode in ("alone", "smuggler", "caravan")
        knows = agent.knows
        assert set(knows) == crossings | {"stay in the US"}
        assert all(0 <= v <= 1 for v in knows.values()), knows
        assert "Family" in repr(agent)
    assert len(states) >= 4  # families have spread over the journey's states
    # Travelling families are somewhere on the corridor's links, not at the US.
    travelling = [a for a in model.agents if a.state == FamilyState.TRAVELLING]
    assert travelling
    assert all(c.graph.out_degree(a.place) > 0 for a in travelling)


def test_uninformed_families_know_only_ordinary_conditions(tiny_run):
    model = tiny_run
    base = dict(zip(model.corridor.places, model.corridor.base_interdiction, strict=True))
    prior = model.spec.behaviour.release_prior
    uninformed = [a for a in model.agents if not a.informed]
    assert uninformed
    for agent in uninformed[:50]:
        knows = agent.knows
        # announcements reach everybody; rumours of outcomes only the informed
        heard = 1 - model.spec.behaviour.announcement_weight * model.information.announced
        assert knows["stay in the US"] == pytest.approx(prior * heard)
        for place in ("Bridge", "Ford", "Checkpoint"):
            assert knows[f"stopped at {place}"] == pytest.approx(base[place])


# ------------------------------------------------------------------------------ results
def test_plain_state_codes_find_the_same_families_as_the_states(tiny_run):
    codes = plain(FamilyState)
    fam = tiny_run.families
    column = fam.state[: fam.n]
    for state in FamilyState:
        code = getattr(codes, state.name)
        assert type(code) is int and code == state
        assert np.array_equal(column == code, column == state)
        assert (column == code).sum() == fam.counts[state]


def test_summary_state_totals_equal_families_created(tiny_run):
    results = tiny_run.results()
    created = tiny_run.families.n
    assert results.families_created == created
    assert sum(results.final_states.values()) == created
    summary = results.summary().set_index("figure")["value"]
    assert summary["families created"] == created
    last = results.daily.iloc[-1]
    for state, count in results.final_states.items():
        assert last[f"state_{state}"] == count
    text = results.format_summary()
    assert f"{created:,}" in text.splitlines()[-1]
    assert text.splitlines()[-1].split()[0] == "total"


def test_write_produces_the_tables_and_the_scenario(tmp_path, tiny_run):
    results = tiny_run.results()
    out = results.write(tmp_path / "out")
    assert out == tmp_path / "out"
    names = {p.name for p in out.iterdir()}
    required = {"daily.parquet", "place_series.parquet", "link_flows.parquet"}
    required |= {"summary.csv", "scenario.yaml"}
    assert required <= names
    assert not {"routes.png", "series.png"} & names
    daily = pd.read_parquet(out / "daily.parquet")
    pd.testing.assert_frame_equal(daily, results.daily, check_freq=False)
    flows = pd.read_parquet(out / "link_flows.parquet")
    pd.testing.assert_frame_equal(flows, results.link_flows)
    places = pd.read_parquet(out / "place_series.parquet")
    pd.testing.assert_frame_equal(places, results.place_series)
    assert set(places["place"].astype(str)) <= set(tiny_run.corridor.places)
    summary = pd.read_csv(out / "summary.csv")
    assert list(summary.columns) == ["figure", "value", "meaning"]
    assert summary.set_index("figure").loc["families created", "value"] == tiny_run.families.n


def test_a_written_folder_reads_back(tmp_path, tiny_run):
    results = tiny_run.results()
    back = Results.read(results.write(tmp_path / "out"))
    pd.testing.assert_frame_equal(back.daily, results.daily, check_freq=False)
    pd.testing.assert_frame_equal(back.link_flows, results.link_flows)
    assert back.final_states == results.final_states
    assert back.families_created == results.families_created
    assert set(back.graph.edges) == set(tiny_run.corridor.graph.edges)


def test_the_share_reaching_the_us_leaves_out_families_there_before_recording(tmp_path):
    # With a warm start, families that reached the US during the spin-up are among those
    # created but not among the journeys recorded: they are not in the share's denominator.
    model = MigrationModel(load_scenario(days=60).at_scale(20_000), seed=3)
    model.run_for(60)
    results = model.results()
    reached, created = len(results.journey_days), results.families_created
    assert results.reached_before > 0
    share = results.run_figure("share_reaching_us")
    assert share == pytest.approx(reached / (created - results.reached_before))
    assert share > reached / created
    back = Results.read(results.write(tmp_path / "out"))
    assert back.reached_before == results.reached_before
    assert back.run_figure("share_reaching_us") == pytest.approx(share)


def test_written_scenario_reproduces_the_run(tmp_path, tiny_scenario):
    model = run_model(tiny_scenario, days=40, seed=9)
    written = model.results().write(tmp_path / "first" / "out")
    # The folder stands on its own: it still reproduces the run after being moved.
    out = Path(shutil.move(written, tmp_path / "moved"))
    again = load_scenario(out / "scenario.yaml")
    assert again.days == 40
    assert again.levers == tiny_scenario.levers
    assert again.population == tiny_scenario.population
    rerun = MigrationModel(again, seed=9)
    for _ in range(again.days):
        rerun.step()
    pd.testing.assert_frame_equal(rerun.results().daily, model.results().daily)
    pd.testing.assert_frame_equal(rerun.results().link_flows, model.results().link_flows)


def test_results_of_a_corridor_built_in_memory_reproduce(tmp_path, tiny_scenario):
    graph = load_corridor(TINY).graph.copy()
    corridor = Corridor(graph)  # built in memory: no folder behind it
    model = MigrationModel(with_days(tiny_scenario, 20), seed=1, corridor=corridor)
    for _ in range(20):
        model.step()
    out = model.results().write(tmp_path / "out")
    rerun = run_model(load_scenario(out / "scenario.yaml"), days=20, seed=1)
    pd.testing.assert_frame_equal(rerun.results().daily, model.results().daily)


def test_written_scenario_records_the_seed_that_was_run(tmp_path, tiny_scenario):
    model = run_model(tiny_scenario, days=20, seed=9)
    out = model.results().write(tmp_path / "out")
    again = load_scenario(out / "scenario.yaml")
    rerun = run_model(again, days=again.days)
    pd.testing.assert_frame_equal(rerun.results().daily, model.results().daily)


def test_write_draws_routes_and_series(tmp_path, tiny_run):
    try:
        from migsim.viz.pictures import draw_run

        out = tiny_run.results().write(tmp_path / "out", pictures=draw_run)
    except ImportError as exc:  # the plotting modules are not there yet
        pytest.xfail(f"plots not available: {exc}")
    for name in ("routes.png", "series.png"):
        assert (out / name).stat().st_size > 1000
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_write_replaces_an_existing_folder_whole(tmp_path, tiny_run):
    out = tmp_path / "out"
    out.mkdir()
    (out / "routes.png").write_text("old")  # a picture of an earlier run
    tiny_run.results().write(out)
    assert not (out / "routes.png").exists()
    assert (out / "daily.parquet").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no temporary folder left


def test_a_failed_write_leaves_nothing_behind(tmp_path, tiny_run, monkeypatch):
    results = tiny_run.results()

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_csv", broken)
    with pytest.raises(RuntimeError):
        results.write(tmp_path / "out")
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------- known failure modes
@pytest.mark.parametrize(
    "lever",
    [
        {"lever": "mexican_deportations", "detention_places": 50, "deportations_per_day": 0.5},
        {"lever": "metering", "families_per_day": 2, "start": "2019-01-01", "full": "2019-06-01"},
    ],
    ids=["fractional-deportations", "ramped-metering"],
)
def test_fractional_daily_capacities_do_not_stall_the_run(tmp_path, lever):
    folder = make_corridor(tmp_path)
    path = folder / "scenarios" / "tiny.yaml"
    data = yaml.safe_load(path.read_text())
    data["levers"] = [lever] + [spec for spec in data["levers"] if spec["lever"] != lever["lever"]]
    path.write_text(yaml.safe_dump(data))
    scenario = load_scenario(path)
    with time_limit(5):
        model = run_model(scenario, days=60, seed=1)
    assert model.families.n > 0
    served = model.results().daily
    assert served["us_port_arrivals_families"].sum() + served["deportations"].sum() > 0


def test_stepping_past_the_scenario_days_keeps_recording_link_flows():
    scenario = load_scenario(TINY_YAML, days=30)
    model = MigrationModel(scenario, seed=4)
    for _ in range(60):
        model.step()
    results = model.results()
    assert len(results.daily) == 60
    late = results.link_flows[results.link_flows["date"] >= pd.Timestamp("2019-01-31")]
    assert late["families"].sum() > 0
    departures = results.daily["departures"].iloc[30:].sum()
    out_of_home = late.loc[late["source"] == "Home", "families"].sum()
    assert out_of_home == departures


def test_tariff_threat_response_outlives_a_withdrawn_threat(tmp_path):
    folder = make_corridor(tmp_path)
    path = folder / "scenarios" / "tiny.yaml"
    data = yaml.safe_load(path.read_text())
    data["levers"] = [
        {
            "lever": "tariff_threat",
            "start": "2019-01-01",
            "end": "2019-01-10",  # the threat is withdrawn once Mexico agrees
            "response_lag_days": 5,
            "response_ramp_days": 0,
            "response": [{"lever": "southern_border_enforcement", "officers": 10000}],
        }
    ]
    path.write_text(yaml.safe_dump(data))
    model = MigrationModel(load_scenario(path, days=20))
    bridge = model.corridor.index["Bridge"]
    base = model.corridor.base_interdiction[bridge]
    raised = []
    for _ in range(20):
        model.step()
        raised.append(model.policy.interdiction[bridge] > base + 0.1)
    assert not any(raised[:5])  # before the response lag
    assert all(raised[6:9])  # the response is in force while the threat stands
    assert model.ledger["tariff_pct"] == 0  # the threat is gone ...
    assert all(raised[10:]), raised  # ... but Mexico's deployment stays


def test_corridor_graph_is_the_one_loaded(tiny_run):
    g = tiny_run.corridor.graph
    assert isinstance(g, nx.DiGraph)
    assert g.number_of_nodes() == 10
    assert g.number_of_edges() == 11
    assert g.edges["Reynosa", "RGV"]["mode"] == "raft"


def test_a_caravan_from_a_place_that_is_not_an_origin_is_refused(tiny_scenario):
    data = tiny_scenario.model_dump()
    data["population"]["caravans"] = [
        {"date": tiny_scenario.start, "origin": "Tapachula", "families": 10, "days": 1}
    ]
    scenario = type(tiny_scenario).model_validate(data)
    scenario.path = tiny_scenario.path
    with pytest.raises(InputError, match="population.caravans.*'Tapachula' is not an origin"):
        MigrationModel(scenario)


def test_a_truncated_results_table_is_named_as_damaged(tmp_path, tiny_run):
    from migsim.errors import DamagedFileError
    from migsim.results import Results

    out = tiny_run.results().write(tmp_path / "out")
    daily = out / "daily.parquet"
    daily.write_bytes(daily.read_bytes()[:100])
    with pytest.raises(DamagedFileError, match="daily.parquet"):
        Results.read(out)
