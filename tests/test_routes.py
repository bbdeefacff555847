"""Costs-to-go and route probabilities on small graphs, against networkx's shortest paths."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from migsim import decisions


def _layout(edges: list[tuple[int, int]], n: int) -> tuple[np.ndarray, np.ndarray]:
    """Padded out-links and link ends of a graph given as (source, target) pairs."""
    width = max(np.bincount([s for s, _ in edges], minlength=n).max(), 1)
    out_links = np.full((n, width), -1, dtype=np.int32)
    fill = np.zeros(n, dtype=int)
    for e, (s, _) in enumerate(edges):
        out_links[s, fill[s]] = e
        fill[s] += 1
    return out_links, np.array([t for _, t in edges])


def _networkx_cost_to_go(edges, n, link_cost, exit_cost) -> np.ndarray:
    """Least cost to an exit per variant: Dijkstra to a sink joined to every exit."""
    out = np.full(exit_cost.shape, np.inf)
    for v in range(exit_cost.shape[1]):
        graph = nx.DiGraph()
        graph.add_nodes_from(range(n + 1))
        for e, (s, t) in enumerate(edges):
            graph.add_edge(s, t, weight=link_cost[e, v])
        for p in np.flatnonzero(np.isfinite(exit_cost[:, v])):
            graph.add_edge(int(p), n, weight=exit_cost[p, v])
        lengths = nx.single_source_dijkstra_path_length(graph.reverse(), n)
        for p, length in lengths.items():
            if p < n:
                out[p, v] = length
    return out


# A ladder from place 0 to exits 5 and 6 (acyclic), and the same with a way back (cyclic).
ACYCLIC = [(0, 1), (0, 2), (1, 3), (2, 3), (2, 4), (3, 5), (4, 5), (4, 6), (1, 4)]
CYCLIC = [*ACYCLIC, (3, 1), (4, 2)]


@pytest.mark.parametrize(("edges", "acyclic"), [(ACYCLIC, True), (CYCLIC, False)])
def test_cost_to_go_matches_shortest_paths_from_any_start(edges, acyclic):
    n, rng = 7, np.random.default_rng(3)
    out_links, dst = _layout(edges, n)
    graph = decisions.RouteGraph.build(out_links, dst)
    assert graph.acyclic is acyclic
    link_cost = rng.uniform(1, 10, (len(edges), 4))
    exit_cost = np.full((n, 4), np.inf)
    exit_cost[5] = rng.uniform(0, 5, 4)
    exit_cost[6] = rng.uniform(0, 5, 4)
    expected = _networkx_cost_to_go(edges, n, link_cost, exit_cost)
    cold = decisions.cost_to_go(graph, link_cost, exit_cost)
    np.testing.assert_allclose(cold, expected)
    # Yesterday's costs-to-go, too low, too high or unknown: the same answer, to the bit.
    for start in (cold * 0.5, cold + 100.0, np.zeros_like(cold), np.full_like(cold, np.inf)):
        assert np.array_equal(decisions.cost_to_go(graph, link_cost, exit_cost, start), cold)


def test_a_place_with_no_way_to_an_exit_costs_infinity_and_has_no_route():
    edges = [(0, 1), (0, 2), (2, 3)]  # 1 is a dead end; 3 is the exit
    out_links, dst = _layout(edges, 4)
    graph = decisions.RouteGraph.build(out_links, dst)
    link_cost = np.ones((3, 1))
    exit_cost = np.full((4, 1), np.inf)
    exit_cost[3] = 0.0
    ctg = decisions.cost_to_go(graph, link_cost, exit_cost)
    assert ctg[:, 0].tolist() == [2.0, np.inf, 1.0, 0.0]
    cumulative = decisions.route_probabilities(graph, link_cost, ctg, scale=1.0)
    assert cumulative[:, 0, 0].tolist() == [0.0, 1.0]  # never the dead end
    assert cumulative[-1, 1, 0] == 0.0  # nowhere to go from the dead end
    chosen = decisions.choose_links(
        np.random.default_rng(0), graph, cumulative, np.array([0, 0, 1]), np.zeros(3, int)
    )
    assert chosen.tolist() == [1, 1, -1]


def test_terminal_places_end_routes_whatever_links_leave_them():
    edges = [(0, 1), (1, 2)]  # 1 is a border city with a link on to 2
    out_links, dst = _layout(edges, 3)
    terminal = np.array([False, True, False])
    graph = decisions.RouteGraph.build(out_links, dst, terminal)
    exit_cost = np.array([[np.inf], [5.0], [0.0]])
    ctg = decisions.cost_to_go(graph, np.ones((2, 1)), exit_cost)
    assert ctg[:, 0].tolist() == [6.0, 5.0, 0.0]


def test_route_probabilities_are_the_logit_of_link_plus_onward_cost():
    edges = [(0, 1), (0, 2), (1, 3), (2, 3)]
    out_links, dst = _layout(edges, 4)
    graph = decisions.RouteGraph.build(out_links, dst)
    link_cost = np.array([[1.0], [2.0], [1.0], [3.0]])
    exit_cost = np.array([[np.inf], [np.inf], [np.inf], [0.0]])
    ctg = decisions.cost_to_go(graph, link_cost, exit_cost)
    cumulative = decisions.route_probabilities(graph, link_cost, ctg, scale=2.0)
    # Via 1 costs 2, via 2 costs 5: P(via 1) = 1 / (1 + exp(-3 / 2)).
    assert cumulative[0, 0, 0] == pytest.approx(1 / (1 + np.exp(-1.5)))
    assert cumulative[1, 0, 0] == pytest.approx(1.0)
