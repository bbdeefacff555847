"""Loading corridors: the graph and arrays built, and one exact message for each bad input."""

from __future__ import annotations

import math

import networkx as nx
import pandas as pd
import pytest
from conftest import DEFAULT_CORRIDOR, TINY, make_corridor, read_table, set_cell
from hypothesis import given, settings
from hypothesis import strategies as st

from migsim.corridor import LINK_COLUMNS, PLACE_KINDS, Corridor, Kind, load_corridor
from migsim.errors import InputError

HEADER = ",".join(LINK_COLUMNS)


def append_copy(frame: pd.DataFrame, row: int) -> pd.DataFrame:
    return pd.concat([frame, frame.iloc[[row - 2]]], ignore_index=True)


def load_error(folder) -> str:
    with pytest.raises(InputError) as info:
        load_corridor(folder)
    return str(info.value)


# ------------------------------------------------------------------------------ loading
def test_tiny_corridor_loads_into_graph_and_arrays():
    c = load_corridor(TINY)
    assert isinstance(c, Corridor)
    assert c.folder == TINY
    g = c.graph
    assert isinstance(g, nx.DiGraph)
    assert set(g.nodes) == set(read_table(TINY / "places.csv")["name"])
    assert g.number_of_edges() == len(read_table(TINY / "links.csv"))
    assert g.nodes["Reynosa"]["kind"] == "border_city"
    assert g.nodes["Tapachula"]["mean_stay_days"] == 3.0
    assert g.nodes["Bridge"]["capacity_per_day"] is None
    trail = g.edges["Tapachula", "Trail"]
    assert trail["mode"] == "train"
    assert trail["distance_km"] == 520.0
    assert trail["victimisation_risk"] == 0.15
    assert trail["days"] == 4  # 520 km at 150 km a day, in whole days
    assert g.edges["Reynosa", "Hidalgo"]["days"] == 1  # at least one day
    # The arrays describe the same links, in the graph's order.
    for e, (u, v) in enumerate(c.links):
        assert c.places[c.link_src[e]] == u
        assert c.places[c.link_dst[e]] == v
        assert c.link_days[e] == g.edges[u, v]["days"]
    assert c.index["Home"] == c.places.index("Home")
    assert c.kind[c.index["RGV"]] == Kind.US_SECTOR
    assert c.names(c.of_kind("us_port")) == ["Hidalgo"]
    assert sorted(c.names(c.of_kind("crossing", "checkpoint"))) == ["Bridge", "Checkpoint", "Ford"]
    assert c.sector_of == {"Hidalgo": "RGV", "RGV": "RGV"}
    out = {c.places[i]: sorted(c.places[c.link_dst[e]] for e in row if e >= 0)
           for i, row in enumerate(c.out_links)}  # fmt: skip
    assert out["Reynosa"] == ["Hidalgo", "RGV"]
    assert out["Hidalgo"] == []


@settings(max_examples=20, deadline=None)
@given(
    distance=st.integers(1, 5000),
    speed=st.sampled_from([10, 20, 25, 150, 400]),
)
def test_link_days_are_whole_days_of_travel(tmp_path_factory, distance, speed):
    folder = make_corridor(
        tmp_path_factory.mktemp("days"),
        links_edit=lambda f: set_cell(
            set_cell(f, 7, "distance_km", str(distance)), 7, "speed_km_per_day", str(speed)
        ),
    )
    days = load_corridor(folder).graph.edges["Tapachula", "Trail"]["days"]
    assert days == max(1, math.ceil(distance / speed))


def test_dead_ends_are_allowed(tmp_path):
    folder = make_corridor(tmp_path, links_edit=lambda f: f[f["from"] != "Bridge"])
    c = load_corridor(folder)
    assert c.graph.out_degree("Bridge") == 0


def test_optional_columns_may_be_left_out(tmp_path):
    folder = make_corridor(
        tmp_path,
        places_edit=lambda f: f.drop(columns=["note", "source", "group"]),
        links_edit=lambda f: f.drop(columns=["note", "distance_source"]),
    )
    c = load_corridor(folder)
    assert c.graph.nodes["Ford"]["group"] == ""
    assert len(c.links) == 11


# ---------------------------------------------------------------------------- bad input
def test_link_to_unknown_place(tmp_path):
    folder = make_corridor(tmp_path, links_edit=lambda f: set_cell(f, 4, "to", "Tapachul"))
    assert load_error(folder) == (
        f"{folder / 'links.csv'}, row 4: 'to' names unknown place 'Tapachul' "
        "(did you mean 'Tapachula'?); add it to places.csv or fix the name"
    )


def test_link_from_unknown_place(tmp_path):
    folder = make_corridor(tmp_path, links_edit=lambda f: set_cell(f, 9, "from", "Trial"))
    assert load_error(folder) == (
        f"{folder / 'links.csv'}, row 9: 'from' names unknown place 'Trial' "
        "(did you mean 'Trail'?); add it to places.csv or fix the name"
    )


def test_duplicate_place(tmp_path):
    folder = make_corridor(tmp_path, places_edit=lambda f: append_copy(f, 4))
    assert load_error(folder) == (
        f"{folder / 'places.csv'}, row 12: duplicate place 'Ford'; place names must be unique"
    )


def test_negative_distance(tmp_path):
    folder = make_corridor(tmp_path, links_edit=lambda f: set_cell(f, 5, "distance_km", "-45"))
    assert load_error(folder) == (
        f"{folder / 'links.csv'}, row 5: column 'distance_km' is -45; it must be at least 0"
    )


def test_non_numeric_distance(tmp_path):
    folder = make_corridor(tmp_path, links_edit=lambda f: set_cell(f, 6, "distance_km", "far"))
    assert load_error(folder) == (
        f"{folder / 'links.csv'}, row 6: column 'distance_km' is 'far', not a number"
    )


def test_empty_distance(tmp_path):
    folder = make_corridor(tmp_path, links_edit=lambda f: set_cell(f, 6, "distance_km", ""))
    assert load_error(folder) == (
        f"{folder / 'links.csv'}, row 6: column 'distance_km' is empty; give a number"
    )


def test_missing_column(tmp_path):
    folder = make_corridor(tmp_path, links_edit=lambda f: f.drop(columns=["mode"]))
    assert load_error(folder) == (
        f"{folder / 'links.csv'}, row 1: missing column 'mode'; the header must include: {HEADER}"
    )


def test_unknown_mode(tmp_path):
    folder = make_corridor(tmp_path, links_edit=lambda f: set_cell(f, 7, "mode", "trian"))
    assert load_error(folder) == (
        f"{folder / 'links.csv'}, row 7: mode 'trian' is not one of bus, train, foot, raft "
        "(did you mean 'train'?)"
    )


def test_unknown_kind(tmp_path):
    folder = make_corridor(tmp_path, places_edit=lambda f: set_cell(f, 9, "kind", "border"))
    assert load_error(folder) == (
        f"{folder / 'places.csv'}, row 9: kind 'border' is not one of "
        f"{', '.join(PLACE_KINDS)} (did you mean 'border_city'?)"
    )


def test_duplicate_link(tmp_path):
    folder = make_corridor(tmp_path, links_edit=lambda f: append_copy(f, 2))
    assert load_error(folder) == (
        f"{folder / 'links.csv'}, row 13: duplicate link 'Home' -> 'Bridge'; keep one row per link"
    )


def test_link_from_a_place_to_itself(tmp_path):
    folder = make_corridor(tmp_path, links_edit=lambda f: set_cell(f, 8, "to", "Checkpoint"))
    assert load_error(folder) == (
        f"{folder / 'links.csv'}, row 8: link from 'Checkpoint' to itself; remove the row"
    )


def test_risk_above_one(tmp_path):
    folder = make_corridor(
        tmp_path, links_edit=lambda f: set_cell(f, 12, "victimisation_risk", "1.5")
    )
    assert load_error(folder) == (
        f"{folder / 'links.csv'}, row 12: column 'victimisation_risk' is 1.5; it must be at most 1"
    )


def test_zero_speed(tmp_path):
    folder = make_corridor(tmp_path, links_edit=lambda f: set_cell(f, 3, "speed_km_per_day", "0"))
    assert load_error(folder) == (
        f"{folder / 'links.csv'}, row 3: column 'speed_km_per_day' must be above 0"
    )


def test_origin_that_cannot_reach_a_us_port(tmp_path):
    # Without Reynosa -> Hidalgo, Home still reaches the RGV sector but no port.
    folder = make_corridor(tmp_path, links_edit=lambda f: f[f["to"] != "Hidalgo"])
    assert load_error(folder) == (
        f"{folder / 'places.csv'}: origin 'Home' cannot reach any US port; "
        "add links from it (links.csv) towards a border city"
    )


def test_second_origin_without_links(tmp_path):
    def add_origin(places: pd.DataFrame) -> pd.DataFrame:
        extra = places.iloc[[0]].assign(name="Lost")
        return pd.concat([places, extra], ignore_index=True)

    folder = make_corridor(tmp_path, places_edit=add_origin)
    assert load_error(folder) == (
        f"{folder / 'places.csv'}: origin 'Lost' cannot reach any US port; "
        "add links from it (links.csv) towards a border city"
    )


def test_missing_links_file(tmp_path):
    folder = make_corridor(tmp_path)
    (folder / "links.csv").unlink()
    assert load_error(folder) == (
        f"{folder / 'links.csv'}: file not found; a corridor folder needs links.csv"
    )


def test_missing_folder(tmp_path):
    folder = tmp_path / "nowhere"
    assert load_error(folder) == (
        f"{folder}: corridor folder not found; give a folder with places.csv"
    )


def test_header_only(tmp_path):
    folder = make_corridor(tmp_path, links_edit=lambda f: f.iloc[0:0])
    assert load_error(folder) == (
        f"{folder / 'links.csv'}: has a header but no rows; add at least one row"
    )


def test_row_numbers_count_blank_lines_as_rows(tmp_path):
    folder = make_corridor(tmp_path, links_edit=lambda f: set_cell(f, 5, "mode", "trian"))
    lines = (folder / "links.csv").read_text().splitlines()
    # A blank line after the first link, as people leave between groups of rows.
    (folder / "links.csv").write_text("\n".join([*lines[:2], "", *lines[2:]]) + "\n")
    assert load_error(folder).startswith(f"{folder / 'links.csv'}, row 6: mode 'trian'")


# ----------------------------------------------------------------------- default corridor
def test_default_corridor():
    if not (DEFAULT_CORRIDOR / "places.csv").exists():
        pytest.skip("the default corridor is not there yet")
    c = load_corridor(DEFAULT_CORRIDOR)
    kinds = nx.get_node_attributes(c.graph, "kind")
    assert set(kinds.values()) == set(PLACE_KINDS)
    assert sum(k == "us_sector" for k in kinds.values()) == 9
    origins = [p for p, k in kinds.items() if k == "origin"]
    ports = [p for p, k in kinds.items() if k == "us_port"]
    assert len(origins) >= 6
    assert len(ports) >= 8
    for origin in origins:
        reach = nx.descendants(c.graph, origin)
        assert set(ports) <= reach, f"{origin} misses {set(ports) - reach}"
    # A route ends at the first border city it reaches, so every border city must be
    # reachable from every origin without passing through another one.
    border = [p for p, k in kinds.items() if k == "border_city"]
    for city in border:
        others = c.graph.subgraph(p for p in c.graph if p not in border or p == city)
        for origin in origins:
            assert nx.has_path(others, origin, city), f"{origin} reaches {city} only via others"
    for _, _, d in c.graph.edges(data=True):
        assert d["distance_km"] > 0
        assert 0 <= d["victimisation_risk"] <= 1


@pytest.mark.parametrize(
    ("column", "value", "words"),
    [
        ("distance_km", "1e300", "column 'distance_km' is 1e300; it must be at most 1e+09"),
        (
            "speed_km_per_day",
            "1e-300",
            "a traversal takes 2.9e+302 days (290 km at 1e-300 km a day); a link takes at most",
        ),
        ("cost_usd", "inf", "column 'cost_usd' is 'inf'; give a finite number"),
    ],
    ids=["distance-huge", "speed-tiny", "cost-inf"],
)
def test_link_numbers_that_would_overflow_are_refused(tmp_path, column, value, words):
    folder = make_corridor(tmp_path, links_edit=lambda f: set_cell(f, 2, column, value))
    message = load_error(folder)
    assert message.startswith(f"{folder / 'links.csv'}, row 2: ")
    assert words in message


def test_a_csv_in_another_encoding_is_called_an_encoding_problem(tmp_path):
    folder = make_corridor(tmp_path)
    path = folder / "places.csv"
    path.write_bytes(path.read_bytes().replace(b"Tapachula", "Tapachulá".encode("latin-1")))
    message = load_error(folder)
    assert message.startswith(f"{path}: is not UTF-8 text (byte 0xe1 at position ")
    assert "an encoding problem; save the CSV file as UTF-8" in message
    assert "quoting" not in message
