"""Scenarios: the shipped 2019 timelines, lever schedules and the tariff threat's response."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml
from conftest import SHIPPED_SCENARIOS, TINY_YAML
from hypothesis import given, settings
from hypothesis import strategies as st

from migsim.errors import InputError
from migsim.policies import LEVERS, parse_lever
from migsim.scenario import load_scenario

D = dt.date
BASELINE_LEVERS = [
    "metering",
    "metering",
    "remain_in_mexico",
    "remain_in_mexico",
    "remain_in_mexico",
    "humanitarian_visas",
    "humanitarian_visas",
    "mexican_deportations",
    *["mexican_releases"] * 7,
    "us_holding_capacity",
    "northern_triangle_aid",
    "isthmus_checkpoints",
]
ORIGINS = {
    "Guatemala City": 0.10,
    "Quetzaltenango": 0.13,
    "Huehuetenango": 0.17,
    "San Pedro Sula": 0.20,
    "Tegucigalpa": 0.135,
    "San Salvador": 0.265,
}


def shipped(name: str):
    return load_scenario(SHIPPED_SCENARIOS / f"{name}.yaml")


def names(levers) -> list[str]:
    return [lever.name for lever in levers]


# ------------------------------------------------------------------- shipped scenarios
@pytest.mark.parametrize("name", ["baseline_2019", "june_2019_agreement", "no_enforcement"])
def test_shipped_scenarios_share_time_and_population(name):
    scenario = shipped(name)
    assert scenario.start == D(2018, 10, 1)
    assert scenario.days == 365
    assert scenario.end() == D(2019, 9, 30)
    assert scenario.seed == 1
    assert scenario.corridor_path() == SHIPPED_SCENARIOS.parent.resolve()
    pop = scenario.population
    assert {k: v.share for k, v in pop.origins.items()} == ORIGINS
    assert sum(ORIGINS.values()) == pytest.approx(1.0)
    assert [(c.date, c.origin, c.families) for c in pop.caravans] == [
        (D(2018, 10, 13), "San Pedro Sula", 1500),
        (D(2019, 1, 15), "San Pedro Sula", 800),
    ]


# What the shipped scenarios set besides the calibrated point (docs/calibration.md says where
# each value comes from).
SHIPPED_VALUES = {
    "population.money_median_usd": 9630,
    "behaviour.harm_usd": 7860,
    "behaviour.network_effect": 1.0,
    # Held at an earlier calibration's values.
    "behaviour.release_prior": 0.572,
    "behaviour.asylum_choice_scale_usd": 2370,
    "population.holiday_dip": 0.384,
    # Express buses of the reported 100 to 300 people (an assumption within that range).
    "behaviour.express_bus_families": 80,
}


@pytest.mark.parametrize("name", ["baseline_2019", "june_2019_agreement", "no_enforcement"])
def test_shipped_scenarios_carry_the_stated_values(name):
    scenario = shipped(name)
    for address, value in SHIPPED_VALUES.items():
        head, _, key = address.partition(".")
        assert getattr(getattr(scenario, head), key) == value, address
    assert scenario.behaviour.smuggler_crossings is None  # the corridor's drop-offs
    assert scenario.population.diaspora == {"SV": 1_400_000, "GT": 980_000, "HN": 630_000}


@pytest.mark.parametrize("name", ["baseline_2019", "june_2019_agreement", "no_enforcement"])
def test_shipped_scenarios_carry_the_calibrated_point(name):
    file = SHIPPED_SCENARIOS.parent / "calibrated" / "parameters.yaml"
    point = yaml.safe_load(file.read_text(encoding="utf-8"))["shipped_point"]
    scenario = shipped(name)
    for address, value in point.items():
        head, _, key = address.partition(".")
        if head in ("population", "behaviour"):
            carried = [getattr(getattr(scenario, head), key)]
        else:  # the scenario's own entries of the lever, not a response's
            carried = [getattr(lv, key) for lv in scenario.levers if lv.lever == head]
        for got in carried:  # written to 3 significant figures
            assert got == pytest.approx(value, rel=5e-3), address


def test_the_committed_calibration_records_its_shipped_rule_and_identification():
    file = SHIPPED_SCENARIOS.parent / "calibrated" / "parameters.yaml"
    record = yaml.safe_load(file.read_text(encoding="utf-8"))
    assert record["method"] == "ABC-SMC (pyabc)"
    assert record["shipped_rule"].startswith("the particle of the last generation")
    for entry in record["parameters"].values():
        assert entry["verdict"]
        low, high = entry["interval_90"]
        assert entry["prior"][0] <= low <= high <= entry["prior"][1]


def test_baseline_levers():
    levers = shipped("baseline_2019").levers
    assert names(levers) == BASELINE_LEVERS
    mpp = [lever for lever in levers if lever.name == "remain_in_mexico"]
    assert [(m.start, m.ports, m.share) for m in mpp] == [
        (D(2019, 1, 29), ["San Ysidro"], 0.3),
        (D(2019, 3, 12), ["Calexico"], 0.3),
        (D(2019, 3, 19), ["El Paso"], 0.3),
    ]
    san_ysidro, others = levers[0], levers[1]
    assert (san_ysidro.ports, san_ysidro.families_per_day) == (["San Ysidro"], 30)
    assert others.families_per_day == 8 and len(others.ports) == 7
    assert san_ysidro.intensity(D(2018, 10, 1)) == 1.0
    january, later = (lever for lever in levers if lever.name == "humanitarian_visas")
    assert (january.start, january.end, january.visas_per_month) == (
        D(2019, 1, 17),
        D(2019, 2, 1),
        4200,
    )
    assert (later.start, later.end, later.visas_per_month) == (D(2019, 2, 1), None, 340)
    aid = levers[BASELINE_LEVERS.index("northern_triangle_aid")]
    assert (aid.start, aid.lag_days, aid.hazard_change) == (D(2019, 3, 30), 180, 0.1)
    # Mexico's releases: 1 - returned / presented (observed/mexico_returns_monthly.csv).
    releases = [lever for lever in levers if lever.name == "mexican_releases"]
    assert [(r.start, r.end, r.share) for r in releases] == [
        (None, D(2018, 12, 1), 0.15),
        (D(2018, 12, 1), D(2019, 1, 1), 0.04),
        (D(2019, 1, 1), D(2019, 2, 1), 0.32),
        (D(2019, 2, 1), D(2019, 3, 1), 0.50),
        (D(2019, 3, 1), D(2019, 4, 1), 0.13),
        (D(2019, 4, 1), D(2019, 5, 1), 0.27),
        (D(2019, 5, 1), None, 0.30),
    ]
    isthmus = levers[-1]  # its strength is calibrated (checked above)
    assert (isthmus.start, isthmus.full) == (D(2019, 4, 1), D(2019, 5, 1))


def test_baseline_schedules_on_key_dates():
    levers = shipped("baseline_2019").levers
    january, later = (lever for lever in levers if lever.name == "humanitarian_visas")
    assert january.intensity(D(2019, 1, 16)) == 0
    assert january.intensity(D(2019, 1, 31)) == 1
    assert january.intensity(D(2019, 2, 2)) == 0
    assert later.intensity(D(2019, 2, 2)) == 1
    isthmus = levers[-1]
    assert isthmus.intensity(D(2019, 3, 31)) == 0
    assert isthmus.intensity(D(2019, 4, 1)) == 0
    assert isthmus.intensity(D(2019, 4, 16)) == pytest.approx(0.5)
    assert isthmus.intensity(D(2019, 5, 1)) == 1
    assert isthmus.intensity(D(2019, 9, 30)) == 1
    aid = levers[BASELINE_LEVERS.index("northern_triangle_aid")]
    assert aid.intensity(D(2019, 4, 30)) == 0  # aid is halted, but departures react later
    assert aid.intensity(D(2019, 9, 25)) == 0
    assert aid.intensity(D(2019, 9, 26)) == 1  # 180 days after 30 March 2019


def test_june_agreement_levers():
    baseline = shipped("baseline_2019").levers
    levers = shipped("june_2019_agreement").levers
    assert len(levers) == len(BASELINE_LEVERS) + 3
    assert levers[: len(baseline)] == baseline
    assert names(levers[len(baseline) :]) == [
        "tariff_threat",
        "remain_in_mexico",
        "safe_third_country",
    ]
    threat, mpp, stc = levers[len(baseline) :]
    assert (threat.start, threat.full) == (D(2019, 5, 30), D(2019, 10, 1))
    assert (threat.tariff_start_pct, threat.tariff_max_pct) == (5, 25)
    assert threat.response_lag_days == 8
    assert [(r.name, r.start, r.full) for r in threat.responses()] == [
        ("southern_border_enforcement", D(2019, 6, 7), D(2019, 6, 21)),
        ("isthmus_checkpoints", D(2019, 6, 10), D(2019, 6, 24)),
        ("anti_smuggling", D(2019, 6, 10), D(2019, 7, 10)),
    ]
    guard = threat.responses()[0]
    assert guard.officers == 6000
    assert guard.intensity(D(2019, 6, 14)) == pytest.approx(0.5)
    assert (mpp.start, mpp.full, mpp.share, mpp.ports) == (D(2019, 7, 1), D(2019, 8, 1), 0.4, [])
    assert (stc.start, stc.barred_share) == (D(2019, 7, 16), 0.5)
    assert threat.tariff_pct(D(2019, 5, 29)) == 0
    assert threat.tariff_pct(D(2019, 10, 1)) == 25


def test_no_enforcement_has_no_levers_and_the_baseline_population():
    scenario = shipped("no_enforcement")
    assert scenario.levers == []
    assert scenario.population == shipped("baseline_2019").population
    assert scenario.behaviour == shipped("baseline_2019").behaviour


@pytest.mark.parametrize("name", ["baseline_2019", "june_2019_agreement", "no_enforcement"])
def test_scenario_yaml_round_trips(tmp_path, name):
    scenario = shipped(name)
    path = tmp_path / "again.yaml"
    path.write_text(scenario.to_yaml(), encoding="utf-8")
    again = load_scenario(path)
    assert again.levers == scenario.levers
    assert again.population == scenario.population
    assert again.behaviour == scenario.behaviour
    assert (again.start, again.days, again.seed) == (scenario.start, scenario.days, scenario.seed)
    assert again.corridor_path() == scenario.corridor_path()


def test_overrides_replace_top_level_fields():
    scenario = load_scenario(TINY_YAML, days=17, seed=0)
    assert (scenario.days, scenario.seed) == (17, 0)
    assert load_scenario(TINY_YAML, days=None).days == 120


# ---------------------------------------------------------------------- lever schedules
dates = st.dates(min_value=D(2015, 1, 1), max_value=D(2025, 1, 1))


@settings(max_examples=60, deadline=None)
@given(
    start=dates,
    ramp=st.integers(1, 200),
    hold=st.integers(1, 200),
    lever=st.sampled_from(sorted(set(LEVERS) - {"northern_triangle_aid"})),
)
def test_intensity_ramps_linearly_from_start_to_full_and_stops_at_end(start, ramp, hold, lever):
    full = start + dt.timedelta(days=ramp)
    end = full + dt.timedelta(days=hold)
    spec = {"lever": lever, "start": start, "full": full, "end": end}
    if lever == "tariff_threat":
        spec["response"] = []
    scheduled = parse_lever(spec)
    day = dt.timedelta(days=1)
    assert scheduled.intensity(start - day) == 0
    assert scheduled.intensity(start - 100 * day) == 0
    for k in range(0, ramp + 1, max(1, ramp // 7)):
        assert scheduled.intensity(start + k * day) == pytest.approx(k / ramp)
    assert scheduled.intensity(full) == 1
    assert scheduled.intensity(end - day) == 1
    assert scheduled.intensity(end + day) == 0
    assert scheduled.intensity(end + 1000 * day) == 0


@given(when=dates)
def test_lever_without_dates_is_always_on(when):
    assert parse_lever({"lever": "metering"}).intensity(when) == 1


@given(start=dates, offset=st.integers(-400, 400))
def test_lever_without_ramp_switches_on_at_start(start, offset):
    lever = parse_lever({"lever": "metering", "start": start})
    when = start + dt.timedelta(days=offset)
    assert lever.intensity(when) == (1 if offset >= 0 else 0)


@given(start=dates, lag=st.integers(0, 365), offset=st.integers(-400, 400))
def test_aid_acts_after_its_lag(start, lag, offset):
    aid = parse_lever({"lever": "northern_triangle_aid", "start": start, "lag_days": lag})
    when = start + dt.timedelta(days=offset)
    assert aid.intensity(when) == (1 if offset >= lag else 0)


# --------------------------------------------------------------------------- tariff threat
@given(
    start=dates,
    lag=st.integers(0, 60),
    ramp=st.integers(0, 60),
)
def test_tariff_threat_responses_start_after_the_lag_and_ramp_up(start, lag, ramp):
    threat = parse_lever(
        {
            "lever": "tariff_threat",
            "start": start,
            "response_lag_days": lag,
            "response_ramp_days": ramp,
            "response": [
                {"lever": "southern_border_enforcement", "officers": 6000},
                {"lever": "isthmus_checkpoints", "start": start + dt.timedelta(days=200)},
            ],
        }
    )
    guard, isthmus = threat.responses()
    begins = start + dt.timedelta(days=lag)
    assert guard.name == "southern_border_enforcement"
    assert guard.start == begins
    assert guard.full == begins + dt.timedelta(days=ramp)
    assert guard.officers == 6000
    assert guard.intensity(begins - dt.timedelta(days=1)) == 0
    assert guard.intensity(begins + dt.timedelta(days=ramp)) == 1
    if ramp >= 2:
        half = begins + dt.timedelta(days=ramp // 2)
        assert guard.intensity(half) == pytest.approx((ramp // 2) / ramp)
    # A response with its own start keeps it.
    assert isthmus.start == start + dt.timedelta(days=200)
    # The threat's own levers are not changed by asking for the responses.
    assert threat.response[0].start is None


def test_tariff_rises_from_its_start_to_its_maximum():
    threat = parse_lever(
        {
            "lever": "tariff_threat",
            "start": D(2019, 6, 1),
            "full": D(2019, 6, 11),
            "tariff_start_pct": 5,
            "tariff_max_pct": 25,
        }
    )
    assert threat.tariff_pct(D(2019, 5, 31)) == 0
    assert threat.tariff_pct(D(2019, 6, 6)) == pytest.approx(15)
    assert threat.tariff_pct(D(2019, 6, 11)) == 25
    assert threat.tariff_pct(D(2020, 1, 1)) == 25


# ----------------------------------------------------------------------------- bad input
def load_error(path) -> str:
    """The message of the InputError loading a scenario file raises."""
    with pytest.raises(InputError) as info:
        load_scenario(path)
    return str(info.value)


CARAVAN = {"date": "2019-01-10", "origin": "Home", "families": 50}


def write_tiny(tmp_path, edit) -> str:
    data = yaml.safe_load(TINY_YAML.read_text())
    edit(data)
    data["corridor"] = str(TINY_YAML.parent.parent)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.mark.parametrize(
    ("edit", "key", "words"),
    [
        (lambda d: d["levers"][0].update(start="2019-03-01", full="2019-02-01"), "levers[0]",
         "before 'start'"),
        (lambda d: d["levers"][1].update(end="2019-01-15"), "levers[1]", "after 'start'"),
        (lambda d: d["levers"][1].update(share=1.5), "levers[1].share", "1"),
        (lambda d: d["population"].update(families_per_year=-5), "population.families_per_year",
         "greater than 0"),
        (lambda d: d.update(days=0), "days", "greater than 0"),
        (lambda d: d.pop("start"), "start", "missing"),
        (lambda d: d["population"].update(families_per_year=float("inf")),
         "population.families_per_year", "finite number"),
        (lambda d: d.setdefault("behaviour", {}).update(value_of_time_usd=float("inf")),
         "behaviour.value_of_time_usd", "finite number"),
        (lambda d: d.setdefault("behaviour", {}).update(harm_usd=float("nan")),
         "behaviour.harm_usd", "finite number"),
        (lambda d: d.setdefault("behaviour", {}).update(choice_scale_usd=1e300),
         "behaviour.choice_scale_usd", "at most 1,000,000,000"),
        (lambda d: d.setdefault("behaviour", {}).update(risk_aversion=[0.5, 1e300, 2]),
         "behaviour.risk_aversion", "at most 1,000,000,000"),
        (lambda d: d["population"].update(family_size_mean=1e308),
         "population.family_size_mean", "less than or equal to 20"),
        (lambda d: d["population"].update(origins={}), "population.origins", "at least 1 item"),
        (lambda d: d["population"].update(families_per_year=1e12),
         "population.families_per_year", "less than or equal to 10000000"),
        (lambda d: d.update(days=10**12), "days", "less than or equal to 3650"),
        (lambda d: d.update(start=dt.date(9999, 12, 20)), "days", "past the year 9999"),
        (lambda d: d["population"].update(caravans=[{**CARAVAN, "families": 10**12}]),
         "population.caravans[0].families", "less than or equal to 1000000"),
        (lambda d: d["levers"][0].update(families_per_day=float("inf")),
         "levers[0].families_per_day", "finite number"),
        (lambda d: d["levers"][0].update(families_per_day=1e300),
         "levers[0].families_per_day", "at most 1,000,000,000"),
    ],
    ids=["full-before-start", "end-before-start", "share-above-one", "negative-families",
         "zero-days", "no-start", "families-inf", "time-inf", "harm-nan", "scale-huge",
         "risk-huge", "size-huge", "no-origins", "families-huge", "days-huge", "start-9999",
         "caravan-huge", "lever-inf", "lever-huge"],
)  # fmt: skip
def test_bad_scenarios_name_the_file_and_key(tmp_path, edit, key, words):
    path = write_tiny(tmp_path, edit)
    message = load_error(path)
    assert message.startswith(f"{path}, key '{key}': ")
    assert words in message
    assert "\n" not in message and len(message) < 300


def test_a_caravan_from_a_place_that_is_not_an_origin_is_refused_at_load(tmp_path):
    path = write_tiny(
        tmp_path, lambda d: d["population"].update(caravans=[{**CARAVAN, "origin": "Tapachula"}])
    )
    scenario = load_scenario(path)
    with pytest.raises(InputError) as info:
        scenario.load_corridor()
    assert str(info.value) == (
        f"{path}, key 'population.caravans[0].origin': 'Tapachula' is not an origin in the "
        "corridor; origins are: Home"
    )


def test_an_unknown_key_never_suggests_an_internal_field(tmp_path):
    message = load_error(write_tiny(tmp_path, lambda d: d.update(pth="x")))
    assert "unknown key 'pth'" in message
    assert "'path'" not in message


def billion_laughs() -> str:
    text = 'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n'
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True):
        text += f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]\n"
    return text + "name: *i\n"


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (billion_laughs().encode(), "holds more than 100,000 values (counting each use"),
        (b"name: " + b"[" * 50_000 + b"]" * 50_000, "nests more than 100 levels deep"),
        (b"a: &x [1, *x]\n", "alias inside its own anchor"),
        ("name: Año\n".encode("latin-1"), "not UTF-8 text (byte 0xf1 at position 7): an encoding"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "is a binary file, not scenario YAML text"),
        (b"start: 2019-13-01\n", "invalid date or number"),
    ],
    ids=["billion-laughs", "deep", "loop", "latin-1", "binary", "bad-date"],
)
def test_hostile_or_garbled_yaml_is_refused_fast_with_the_right_hint(tmp_path, content, words):
    path = tmp_path / "bad.yaml"
    path.write_bytes(content)
    message = load_error(path)
    assert message.startswith(f"{path}: ")
    assert words in message
    assert "lol" not in message and len(message) < 300
