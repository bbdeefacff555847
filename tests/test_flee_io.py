"""Reading and writing Flee scenario folders: formats, errors with line numbers, round trips."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import numpy as np
import pytest

from migsim.corridor import load_corridor
from migsim.errors import InputError
from migsim.interop.flee import (
    UNLIMITED_CAPACITY,
    FleeScenario,
    default_validation_folder,
    find_input_folder,
    read_flee_scenario,
    read_validation,
    write_flee_scenario,
    write_migsim_corridor,
)
from migsim.scenario import load_scenario

TESTS = Path(__file__).resolve().parent
SMALL = TESTS / "data" / "flee" / "small"
BASELINE = TESTS.parent / "models" / "northern_triangle_2019" / "scenarios" / "baseline_2019.yaml"


@pytest.fixture
def small(tmp_path: Path) -> Path:
    """A copy of the small scenario that a test may edit."""
    shutil.copytree(SMALL, tmp_path / "small")
    return tmp_path / "small"


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1))


LOC, ROUTES, CLOSURES = "locations.csv", "routes.csv", "closures.csv"
CONFLICTS, PERIOD = "conflicts.csv", "sim_period.csv"


# -- reading -------------------------------------------------------------------------------------


def test_reads_the_small_scenario():
    sc = read_flee_scenario(SMALL)
    assert sc.name == "small"
    assert [loc.name for loc in sc.locations] == ["A", "B", "C", "D", "Camp1", "Camp2", "Camp3"]
    assert [loc.location_type for loc in sc.locations[:4]] == ["conflict_zone"] * 2 + ["town"] * 2
    assert sc.camp_names == ["Camp1", "Camp2", "Camp3"]
    b = sc.locations[1]
    assert (b.country, b.conflict_date, b.population, b.lat, b.lon) == (
        "Alpha",
        5,
        10000,
        10.5,
        10.8,
    )
    assert sc.locations[4].population == 800  # a camp's capacity
    assert sc.locations[2].attributes == {"shelter": "yes"}  # extra columns are attributes
    assert len(sc.routes) == 8 and sc.routes[2].distance == 150.0
    assert sc.routes[2].forced_redirection == 0  # column left out
    (closure,) = sc.closures
    assert (closure.closure_type, closure.name1, closure.name2) == ("country", "Alpha", "Gamma")
    assert closure.active(0) and closure.active(9) and not closure.active(10)
    assert sc.conflicts.shape == (30, 7)
    assert sc.conflict_intensity(4)[1] == 0 and sc.conflict_intensity(5)[1] == 1
    assert sc.conflict_intensity(99)[1] == 1  # past the file: the last day holds
    assert (str(sc.start), sc.length) == ("2020-01-01", 30)
    assert sc.ignored == [] and sc.settings == {}


def test_scenario_folder_may_be_the_input_csv_folder_itself():
    assert find_input_folder(SMALL) == SMALL / "input_csv"
    assert read_flee_scenario(SMALL / "input_csv").name == "small"
    assert default_validation_folder(SMALL / "input_csv") == SMALL / "source_data"


def test_validation_data_are_interpolated_and_rounded_down():
    sc = read_flee_scenario(SMALL)
    v = read_validation(SMALL / "source_data", sc)
    days = np.array([0, 5, 10, 20, 30, 100, -3])
    # 100 on day 0, 3000 on day 10, 6000 on day 30; flat before and after.
    assert v.total.at(days).tolist() == [100, 1550, 3000, 4500, 6000, 6000, 100]
    table = v.camp_table(sc.camp_names, 16)
    assert table[0].tolist() == [50, 50, 0] and table[15].tolist() == [700, 1500, 200]


def test_dates_may_have_one_digit_months_and_days(small: Path):
    edit(small / "source_data" / "refugees.csv", "2020-01-11", "2020-1-11")
    sc = read_flee_scenario(small)
    assert read_validation(small / "source_data", sc).total.at(np.array([10.0]))[0] == 3000


def test_header_optional_blank_lines_crlf_and_bom(tmp_path: Path, small: Path):
    folder = small / "input_csv"
    lines = (folder / "locations.csv").read_text().splitlines()
    body = "\r\n".join([lines[2], "", lines[3], "   ", *lines[4:]]) + "\r\n"
    (folder / "locations.csv").write_text("\ufeff" + body, newline="")
    sc = read_flee_scenario(small)
    assert [loc.name for loc in sc.locations][:2] == ["A", "B"]
    assert sc.locations[0].attributes == {"column_9": "no"}  # unnamed without a header


def test_flee_template_style_conflicts_file_is_accepted(small: Path):
    # Flee's own template has spaces, a trailing comma and a column 'name' of zeros.
    rows = ["#Day, name, A, B, C, D,"] + [f"{d}, 0, 1, {int(d >= 5)}, 0, 0" for d in range(30)]
    (small / "input_csv" / "conflicts.csv").write_text("\n".join(rows) + "\n")
    sc = read_flee_scenario(small)
    assert sc.conflicts[6, 1] == 1 and sc.conflicts[4, 1] == 0


def test_without_conflicts_file_conflict_dates_decide(small: Path):
    (small / "input_csv" / "conflicts.csv").unlink()
    sc = read_flee_scenario(small)
    assert sc.conflicts is None
    assert sc.conflict_intensity(4)[:2].tolist() == [1, 0]
    assert sc.conflict_intensity(5)[:2].tolist() == [1, 1]


def test_a_route_listed_twice_is_kept_twice_as_in_flee(small: Path):
    edit(small / "input_csv" / ROUTES, "C,D,95,0", "C,D,95,0\nD,C,95,0")
    sc = read_flee_scenario(small)
    assert len(sc.routes) == 9
    assert sc.notes == [
        "routes.csv, row 7: the route 'D' - 'C' repeats line 6; both are kept, as Flee keeps "
        "them (so the pair weighs double)"
    ]


def test_unread_files_are_reported(small: Path):
    (small / "input_csv" / "registration_corrections.csv").write_text("x\n")
    assert read_flee_scenario(small).ignored == ["registration_corrections.csv"]


def test_old_conflict_period_file_is_read(small: Path):
    folder = small / "input_csv"
    (folder / "sim_period.csv").rename(folder / "conflict_period.csv")
    assert read_flee_scenario(small).length == 30


# -- errors: file, line (as an editor counts, comments included) and the fix ----------------------


@pytest.mark.parametrize(
    ("file", "old", "new", "line", "words"),
    [
        (LOC, "Camp2,Border,Beta,7.9,10.9,camp", "Camp2,Border,Beta,7.9,10.9,camps", 8, "'camp'"),
        (LOC, "D,South,Alpha", "C,South,Alpha", 6, "duplicate location 'C' (also on line 5)"),
        (LOC, "10.5,10.8", "north,10.8", 4, "'latitude' is 'north', not a number"),
        (LOC, "10.5,10.8", "95,10.8", 4, "at most 90"),
        (LOC, "town,,5000", "town,,-5", 6, "'population' is -5; it must be at least 0"),
        (LOC, "town,,5000", "town,,50.5", 6, "whole number"),
        (LOC, "conflict_zone,5", "conflict_zone,soon", 4, "'conflict_date' is 'soon'"),
        (LOC, "D,South,Alpha,8.6,11.2,town,,5000,no", "D,South,Alpha", 6, "a location needs"),
        (LOC, "Camp3,East,Gamma,8.9,12.4,camp", "Camp3,East,Gamma,8.9,12.4,flood_zone", 9, "flood"),
        (ROUTES, "B,C,150", "B,Cc,150", 4, "unknown location 'Cc' (did you mean 'C'?)"),
        (ROUTES, "C,D,95,0", "C,D,0,0", 6, "'distance' is 0; it must be above 0"),
        (ROUTES, "C,D,95,0", "C,D,95,3", 6, "use 0 (none), 1"),
        (ROUTES, "C,D,95,0", "C.D,95", 6, "a route needs name1,name2,distance"),
        (ROUTES, "C,D,95,0", "C,C,95", 6, "to itself"),
        (CLOSURES, "country,Alpha,Gamma,0,10", "border,Alpha,Gamma,0,10", 2, "closure_type"),
        (CLOSURES, "country,Alpha,Gamma,0,10", "country,Alpha,Gama,0,10", 2, "'Gamma'"),
        (CLOSURES, "country,Alpha,Gamma,0,10", "country,Alpha,Gamma,1.5,3", 2, "whole number"),
        (CLOSURES, "country,Alpha,Gamma,0,10", "link,A,D,0,10", 2, "no route between 'A'"),
        (CONFLICTS, "\n3,1,0,0,0\n", "\n4,1,0,0,0\n", 5, "day 4 where day 3 was expected"),
        (CONFLICTS, "\n3,1,0,0,0\n", "\n3,1,0,2,0\n", 5, "at most 1"),
        (CONFLICTS, "\n3,1,0,0,0\n", "\n3,1,0,0\n", 5, "has 3 value(s) but the header names 4"),
        (CONFLICTS, "#Day,A,B,C,D", "#Day,A,B,Cee,D", None, "'Cee' is not a location"),
        (PERIOD, "Length,30", "Lenght,30", None, "no 'Length,DAYS' line"),
        (PERIOD, "2020-01-01", "01/01/2020", 1, "write it as YYYY-MM-DD"),
        (PERIOD, "Length,30", "Length,0", 2, "above 0"),
        (PERIOD, "Length,30", "Length,1000000000", 2, "it must be at most 36500"),
    ],
)
def test_malformed_input_names_file_line_and_fix(small, file, old, new, line, words):
    path = small / "input_csv" / file
    edit(path, old, new)
    if words == "'Cee' is not a location":  # only an error where the column holds a conflict
        edit(path, "\n0,1,0,0,0\n", "\n0,1,0,1,0\n")
        line = 2
    with pytest.raises(InputError) as info:
        read_flee_scenario(small)
    err = info.value
    assert Path(err.source).name == file
    assert err.row == line
    assert words in err.message, err.message
    if line is not None:
        assert f", row {line}:" in str(err)


def test_unknown_column_of_zeros_in_conflicts_is_ignored(small: Path):
    edit(small / "input_csv" / CONFLICTS, "#Day,A,B,C,D", "#Day,A,B,Cee,D")
    assert read_flee_scenario(small).conflicts[:, 2].sum() == 0


def test_missing_files_are_named(small: Path, tmp_path: Path):
    (small / "input_csv" / "sim_period.csv").unlink()
    with pytest.raises(InputError, match="sim_period.csv: file not found; add it"):
        read_flee_scenario(small)
    with pytest.raises(InputError, match="no locations.csv here or in input_csv"):
        read_flee_scenario(tmp_path)
    (small / "input_csv" / "routes.csv").unlink()
    with pytest.raises(InputError, match="routes.csv: file not found"):
        read_flee_scenario(small)


@pytest.mark.parametrize(
    ("file", "old", "new", "line", "words"),
    [
        (
            "data_layout.csv",
            "Camp3,Gamma",
            "Camp4,Gamma",
            4,
            "'Camp4' is not a camp in locations.csv (did you mean 'Camp3'?), and camp(s) Camp3 "
            "have no data; fix the name",
        ),
        ("data_layout.csv", "total,refugees.csv\n", "", None, "no 'total' line"),
        ("data_layout.csv", "Camp2,Beta-Camp2.csv\n", "", None, "no data for camp(s) Camp2"),
        ("data_layout.csv", "refugees.csv", "refugee.csv", 1, "names data file 'refugee.csv'"),
        ("refugees.csv", "2020-01-11", "2020-13-11", 3, "is not a date"),
        ("refugees.csv", "2020-01-31", "2020-01-05", 4, "is not after the date on line 3"),
        ("refugees.csv", ",3000", ",lots", 3, "not a number"),
        ("Beta-Camp1.csv", ",700", ",-700", 3, "at least 0"),
    ],
)
def test_malformed_validation_data(small, file, old, new, line, words):
    edit(small / "source_data" / file, old, new)
    sc = read_flee_scenario(small)
    with pytest.raises(InputError) as info:
        read_validation(small / "source_data", sc)
    assert Path(info.value.source).name == file
    assert info.value.row == line
    assert words in info.value.message, info.value.message


@pytest.mark.parametrize(
    ("row", "closed_days", "note"),
    [
        ("country,Alpha,Gamma,0,10", range(0, 10), None),
        ("country,Alpha,Gamma,5,-1", range(5, 40), None),
        ("country,Alpha,Gamma,12,3", range(12, 40), "reopens on day 3 (which changes nothing)"),
        ("country,Alpha,Gamma,12,0", range(12, 40), "is in force from day 12 to the end"),
        ("country,Alpha,Gamma,7,7", range(0), "closes and reopens on day 7"),
        ("country,Alpha,Gamma,-3,8", range(0), "never starts"),
    ],
    ids=["interval", "never-reopens", "end-before-start", "end-0", "same-day", "negative-start"],
)
def test_closures_are_two_events_as_in_flee(small, row, closed_days, note):
    edit(small / "input_csv" / CLOSURES, "country,Alpha,Gamma,0,10", row)
    scenario = read_flee_scenario(small)
    (closure,) = scenario.closures
    assert [d for d in range(40) if closure.active(d)] == list(closed_days)
    notes = [n for n in scenario.notes if n.startswith("closures.csv, row 2:")]
    assert (notes == []) if note is None else (note in notes[0])


@pytest.mark.parametrize(
    ("row", "note"),
    [
        ("camp,C,,0,10", "'C' is a town, not a camp: as in Flee, the row makes it a camp"),
        ("remove_forced_redirection,A,B,12,3", "has no forced redirection from 'A' to 'B'"),
    ],
    ids=["camp-on-a-town", "forcing-a-route"],
)
def test_rows_that_open_what_the_scenario_lacks_are_read_as_flee_reads_them(small, row, note):
    edit(small / "input_csv" / CLOSURES, "country,Alpha,Gamma,0,10", row)
    scenario = read_flee_scenario(small)
    (closure,) = scenario.closures
    states = [closure.state(d) for d in (0, 2, 3, 10, 12, 30)]
    if row.startswith("camp"):
        assert states == ["closed", "closed", "closed", "reopened", "reopened", "reopened"]
    else:
        assert states == [None, None, "reopened", "reopened", "closed", "closed"]
    assert any(note in n for n in scenario.notes), scenario.notes


def test_a_data_layout_line_naming_no_camp_is_not_read_with_a_note(small):
    layout = small / "source_data" / "data_layout.csv"
    layout.write_text(layout.read_text() + "Elsewhere,nowhere.csv\n")
    validation = read_validation(small / "source_data", read_flee_scenario(small))
    assert sorted(validation.camps) == ["Camp1", "Camp2", "Camp3"]
    assert validation.notes == [
        "data_layout.csv, row 5: 'Elsewhere' is not a camp in locations.csv; its data is not "
        "read, as in Flee"
    ]


# -- round trips -----------------------------------------------------------------------------


def test_flee_folder_round_trip(tmp_path: Path):
    first = read_flee_scenario(SMALL)
    second = read_flee_scenario(write_flee_scenario(first, tmp_path / "again"))
    for a, b in zip(first.locations, second.locations, strict=True):
        assert (a.name, a.region, a.country, a.location_type, a.conflict_date, a.population) == (
            b.name, b.region, b.country, b.location_type, b.conflict_date, b.population,
        )  # fmt: skip
        assert (a.lat, a.lon, a.attributes) == (b.lat, b.lon, b.attributes)
    assert [(r.name1, r.name2, r.distance, r.forced_redirection) for r in first.routes] == [
        (r.name1, r.name2, r.distance, r.forced_redirection) for r in second.routes
    ]
    assert first.closures == second.closures
    assert np.array_equal(first.conflicts, second.conflicts)
    assert (first.start, first.length) == (second.start, second.length)


def test_migsim_corridor_round_trip_keeps_places_and_distances(tmp_path: Path):
    scenario = load_scenario(BASELINE)
    corridor = load_corridor(scenario.corridor_path())
    out = write_flee_scenario(FleeScenario.from_migsim(corridor, scenario), tmp_path / "flee")
    assert sorted(p.name for p in out.iterdir()) == [
        "closures.csv", "conflicts.csv", "locations.csv", "routes.csv", "sim_period.csv",
    ]  # fmt: skip
    assert (out / "closures.csv").read_text().strip() == (
        "#closure_type,name1,name2,closure_start,closure_end"
    )
    assert (out / "sim_period.csv").read_text() == "StartDate,2018-10-01\nLength,365\n"
    flee = read_flee_scenario(out)
    types = {loc.name: loc.location_type for loc in flee.locations}
    for name, kind in corridor.graph.nodes(data="kind"):
        expected = {"origin": "conflict_zone", "us_port": "camp", "us_sector": "camp"}
        assert types[name] == expected.get(kind, "town")
    camp = next(loc for loc in flee.locations if loc.location_type == "camp")
    assert camp.population == UNLIMITED_CAPACITY
    origin = flee.locations[flee.index["San Salvador"]]
    assert origin.conflict_date == 0
    pop = scenario.population  # a year of first departures from San Salvador, in people
    assert origin.population == round(0.265 * pop.families_per_year * pop.family_size_mean)
    assert flee.conflict_intensity(364)[flee.index["San Salvador"]] == 1
    back = flee.corridor()
    g, h = corridor.graph, back.graph
    assert list(h.nodes) == list(g.nodes)
    for name in g.nodes:
        for col in ("kind", "group", "country", "lat", "lon", "sector", "mean_stay_days",
                    "base_interdiction", "capacity_per_day"):  # fmt: skip
            assert h.nodes[name][col] == g.nodes[name][col], (name, col)
    assert set(h.edges) == set(g.edges)  # one-way links stay one way
    for u, v, data in g.edges(data=True):
        for col in ("distance_km", "mode", "speed_km_per_day", "cost_usd", "victimisation_risk",
                    "death_risk", "days"):  # fmt: skip
            assert h.edges[u, v][col] == data[col], (u, v, col)


def test_flee_scenario_as_migsim_corridor_and_scenario(tmp_path: Path):
    flee = read_flee_scenario(SMALL)
    corridor = flee.corridor()
    g = corridor.graph
    assert g.nodes["A"]["kind"] == "origin" and g.nodes["Camp1"]["kind"] == "us_port"
    assert g.nodes["C"]["kind"] == "city" and g.nodes["C"]["shelter"] == "yes"
    assert g.has_edge("A", "C") and g.has_edge("C", "A")  # routes run both ways
    assert g.edges["D", "Camp3"]["days"] == 2  # 260 km at 200 km a day
    scenario = flee.scenario(corridor="migsim")
    assert scenario.start.isoformat() == "2020-01-01" and scenario.days == 30
    shares = {k: v.share for k, v in scenario.population.origins.items()}
    assert shares == pytest.approx({"A": 2 / 3, "B": 1 / 3})
    folder = write_migsim_corridor(flee, tmp_path / "migsim")
    loaded = load_corridor(folder)  # passes migsim's own checks
    assert sorted(loaded.places) == sorted(corridor.places)
    assert loaded.graph.edges["C", "Camp1"]["distance_km"] == 130


def test_missing_coordinates_are_kept_as_unknown(small: Path, tmp_path: Path):
    edit(small / "input_csv" / LOC, "A,North,Alpha,10.0,10.0", "A,North,Alpha,,")
    flee = read_flee_scenario(small)
    assert math.isnan(flee.locations[0].lat)
    again = read_flee_scenario(write_flee_scenario(flee, tmp_path / "again"))
    assert math.isnan(again.locations[0].lon)
    folder = write_migsim_corridor(flee, tmp_path / "migsim")
    assert (
        load_corridor(folder).graph.nodes["A"]["note"] == "no coordinates in the Flee locations.csv"
    )


def test_a_file_in_another_encoding_is_called_an_encoding_problem(small):
    path = small / "input_csv" / LOC
    path.write_bytes(path.read_bytes().replace(b"Camp2", "Cámp2".encode("latin-1")))
    with pytest.raises(InputError) as info:
        read_flee_scenario(small)
    assert info.value.source == str(path)
    assert "is not UTF-8 text (byte 0xe1 at position " in info.value.message
    assert "an encoding problem; save the CSV file as UTF-8" in info.value.message


def test_a_simsetting_file_built_to_exhaust_memory_is_refused(small):
    text = "a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n"
    for previous, name in zip("abcdef", "bcdefg", strict=True):
        text += f"{name}: &{name} [{', '.join([f'*{previous}'] * 10)}]\n"
    (small / "input_csv" / "simsetting.yml").write_text(text)
    with pytest.raises(InputError, match="holds more than 100,000 values"):
        read_flee_scenario(small)
