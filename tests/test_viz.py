"""Tests of the maps and time-series plots."""

import matplotlib
import matplotlib.pyplot as plt
import networkx as nx
import numpy as np
import pandas as pd
import pytest

from migsim.viz.basemap import draw_basemap, load_basemap
from migsim.viz.maps import plot_flow_difference, plot_routes
from migsim.viz.series import plot_series

matplotlib.use("Agg")

PLACES = {
    "San Pedro Sula": (15.50, -88.03, "origin", ""),
    "Tecún Umán": (14.68, -92.14, "crossing", "formal"),
    "Tapachula": (14.90, -92.26, "city", ""),
    "La Ventosa": (16.55, -94.95, "checkpoint", "isthmus"),
    "Reynosa": (26.09, -98.28, "border_city", ""),
    "Hidalgo": (26.10, -98.26, "us_port", ""),
}
LINKS = [
    ("San Pedro Sula", "Tecún Umán", "bus"),
    ("Tecún Umán", "Tapachula", "foot"),
    ("Tapachula", "La Ventosa", "train"),
    ("La Ventosa", "Reynosa", "bus"),
    ("Reynosa", "Hidalgo", "raft"),
]


@pytest.fixture
def graph() -> nx.DiGraph:
    g = nx.DiGraph()
    for name, (lat, lon, kind, group) in PLACES.items():
        g.add_node(name, lat=lat, lon=lon, kind=kind, group=group)
    for u, v, mode in LINKS:
        g.add_edge(u, v, mode=mode, distance_km=100.0)
        g.add_edge(v, u, mode=mode, distance_km=100.0)
    return g


@pytest.fixture
def flows() -> pd.DataFrame:
    families = [1200, 1100, 400, 900, 300]
    return pd.DataFrame(
        {
            "source": [u for u, _, _ in LINKS],
            "target": [v for _, v, _ in LINKS],
            "families": families,
        }
    )


def fake_daily(days: int = 60) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    index = pd.date_range("2019-04-01", periods=days, freq="D")
    columns = [
        "departures",
        "in_transit",
        "waiting_total",
        "metering_queue",
        "mpp_waiting",
        "mx_apprehensions",
        "mx_detained",
        "mx_detention_capacity",
        "deportations",
        "asylum_claims_mx",
        "us_apprehensions_families",
        "us_apprehensions_people",
        "us_port_arrivals_families",
        "us_holding",
        "us_holding_capacity",
        "us_releases",
        "mpp_returns",
        "us_removals",
        "evaded",
        "victimisation_incidents",
        "deaths",
        "smuggler_revenue_usd",
        "gave_up",
    ]
    return pd.DataFrame(rng.poisson(100, (days, len(columns))), index=index, columns=columns)


def node_marker_count(fig) -> int:
    ax = fig.axes[0]
    return sum(
        len(c.get_offsets()) for c in ax.collections if str(c.get_gid()).startswith("nodes:")
    )


def test_load_basemap_has_the_corridor_countries():
    countries = dict(load_basemap())
    assert {"Mexico", "United States of America", "Guatemala", "Honduras"} <= set(countries)
    for rings in countries.values():
        for ring in rings:
            assert ring.shape[1] == 2
            assert np.allclose(ring[0], ring[-1])
            assert (ring[:, 0] >= -118.001).all() and (ring[:, 0] <= -81.999).all()


def test_draw_basemap_corrects_aspect_for_latitude():
    fig, ax = plt.subplots()
    draw_basemap(ax, extent=(-118, -86, 12.5, 33.5))
    assert ax.get_aspect() == pytest.approx(1 / np.cos(np.radians(23.0)))
    assert len(ax.patches) == len(load_basemap())
    plt.close(fig)


def test_plot_routes_writes_png_with_one_marker_per_node(graph, flows, tmp_path):
    waiting = pd.Series({"Reynosa": 800, "Tapachula": 150})
    path = tmp_path / "routes.png"
    fig = plot_routes(graph, flows, waiting=waiting, title="Routes", path=path)
    assert path.exists() and path.stat().st_size > 20_000
    assert node_marker_count(fig) == graph.number_of_nodes()
    waiting_circles = [c for c in fig.axes[0].collections if c.get_gid() == "waiting"]
    assert len(waiting_circles[0].get_offsets()) == 2


def test_plot_routes_without_flows_or_waiting(graph, tmp_path):
    empty = pd.DataFrame(columns=["source", "target", "families"])
    fig = plot_routes(graph, empty, path=tmp_path / "empty.png")
    assert node_marker_count(fig) == graph.number_of_nodes()


def test_plot_routes_rejects_unknown_places(graph, flows):
    bad = pd.concat(
        [flows, pd.DataFrame([{"source": "Atlantis", "target": "Reynosa", "families": 3}])]
    )
    with pytest.raises(ValueError, match="Atlantis"):
        plot_routes(graph, bad)


def test_plot_flow_difference_writes_png(graph, flows, tmp_path):
    other = flows.assign(families=flows["families"] * [0.5, 1.5, 1.0, 0.2, 2.0])
    path = tmp_path / "difference.png"
    fig = plot_flow_difference(graph, flows, other, title="Difference", path=path)
    assert path.exists() and path.stat().st_size > 20_000
    assert node_marker_count(fig) == graph.number_of_nodes()
    changed = [c for c in fig.axes[0].collections if c.get_gid() == "links:change"]
    assert len(changed[0].get_segments()) == 4  # one link did not change


def test_plot_series_writes_png(tmp_path):
    path = tmp_path / "series.png"
    fig = plot_series(fake_daily(), title="Daily outputs", path=path)
    assert path.exists() and path.stat().st_size > 20_000
    assert len([ax for ax in fig.axes if ax.get_title(loc="left")]) == 6


def test_plot_series_skips_missing_columns(tmp_path):
    daily = fake_daily()[["departures", "deaths"]]
    path = tmp_path / "partial.png"
    plot_series(daily, path=path)
    assert path.exists()


def test_plot_series_needs_dates():
    with pytest.raises(ValueError, match="DatetimeIndex"):
        plot_series(fake_daily().reset_index(drop=True))


def test_links_are_drawn_along_their_roads_not_across_the_sea():
    from matplotlib.path import Path as MplPath

    from migsim.corridor import load_corridor
    from migsim.scenario import load_scenario
    from migsim.viz.basemap import load_basemap
    from migsim.viz.roads import link_path, road_waypoints

    graph = load_corridor(load_scenario().corridor_path()).graph
    for source, target in road_waypoints():
        assert graph.has_edge(source, target) or graph.has_edge(target, source)
    land = [MplPath(ring) for _, rings in load_basemap() for ring in rings]
    positions = {n: (float(d["lon"]), float(d["lat"])) for n, d in graph.nodes(data=True)}
    for source, target in graph.edges:
        line = np.array(link_path(source, target, positions))
        steps = np.linspace(0.05, 0.95, 20)[:, None]
        pieces = zip(line[:-1], line[1:], strict=True)
        points = np.vstack([a + (b - a) * steps for a, b in pieces])
        on_land = np.any([ring.contains_points(points) for ring in land], axis=0)
        assert on_land.mean() > 0.9, f"{source} – {target} is drawn across the sea"
