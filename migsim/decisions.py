"""Families' decisions as batched numpy functions: route, travel mode and what to do at the border.

Each function takes arrays for many families at once and the model's random generator. The
model calls them for every family due to decide on a day; the per-agent reference in
``benchmarks/`` calls the same functions one family at a time.

Route choice is a multinomial logit over the links out of a family's place. The utility of a
link is ``-(c + g) / s``: ``c`` the link's generalised cost (time, money, victimisation and
death risk, expected interdiction, in USD), ``g`` the perceived generalised cost-to-go from
the link's end to the border, ``s`` a scale in USD. Families differ by travel mode, whether
they are informed, and risk attitude (24 variants); the logit probabilities are computed once
a day per place and variant, and each family draws one uniform number against them.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numba
import numpy as np

N_VARIANTS = 24  # travel mode (4) × informed (2) × risk attitude (3)


def variant(mode: np.ndarray, informed: np.ndarray, risk_class: np.ndarray) -> np.ndarray:
    """The cost-to-go column a family uses: its travel mode, whether informed, risk class."""
    return mode.astype(np.int64) * 6 + informed.astype(np.int64) * 3 + risk_class


def variant_layout() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Travel mode, informed flag and risk class of each of the variants, in column order.

    The inverse of :func:`variant`: ``variant(*variant_layout()) == arange(N_VARIANTS)``.
    """
    columns = np.arange(N_VARIANTS)
    return columns // 6, (columns // 3) % 2 == 1, columns % 3


# The border decision's options, in the columns of ``migsim.border.Border.utilities``.
BORDER_OPTIONS = (
    "queue at port", "surrender", "evade", "asylum in Mexico", "shelter", "home", "move along",
)  # fmt: skip
QUEUE, SURRENDER, EVADE, ASYLUM_MX, SHELTER, HOME, MOVE = range(len(BORDER_OPTIONS))


@dataclass(frozen=True)
class RouteGraph:
    """A corridor's links laid out once for the daily costs-to-go and route choices.

    Build it with :meth:`RouteGraph.build`; the arrays are index tables into the corridor's
    link and place arrays, so that each day's computations are a few whole-array operations.

    Attributes:
        out_links: Links out of each place, padded with -1, shape (N, K).
        places: Places a route may pass through (not terminal, with links out).
        links: The links out of those places, grouped by place.
        starts: Where each of those places' links begin in ``links``.
        ends: The end place of each of ``links``.
        padded: Whether each padded out-link exists, shape (N, K, 1).
        padded_links: The padded out-links with -1 replaced by 0, shape (N, K).
        padded_ends: Their end places, shape (N, K).
        acyclic: Whether no route can come back to a place it passed (checked once).
    """

    out_links: np.ndarray
    places: np.ndarray
    links: np.ndarray
    starts: np.ndarray
    ends: np.ndarray
    padded: np.ndarray
    padded_links: np.ndarray
    padded_ends: np.ndarray
    acyclic: bool

    @classmethod
    def build(
        cls, out_links: np.ndarray, dst: np.ndarray, terminal: np.ndarray | None = None
    ) -> RouteGraph:
        """Lay out a corridor's links.

        Args:
            out_links: Links out of each place, padded with -1, shape (N, K).
            dst: Link end place ids, shape (E,).
            terminal: Places where a route ends at its exit cost whatever links leave them.
        """
        terminal = np.zeros(len(out_links), dtype=bool) if terminal is None else terminal
        has = (out_links >= 0) & ~terminal[:, None]
        degree = has.sum(axis=1)
        places = np.flatnonzero(degree)
        links = out_links[has]
        sources = np.repeat(places, degree[places])
        graph = nx.DiGraph(zip(sources.tolist(), dst[links].tolist(), strict=True))
        safe = np.maximum(out_links, 0)
        return cls(
            out_links=out_links,
            places=places,
            links=links,
            starts=np.concatenate(([0], np.cumsum(degree[places])[:-1])).astype(np.intp),
            ends=dst[links],
            padded=(out_links >= 0)[:, :, None],
            padded_links=safe,
            padded_ends=dst[safe],
            acyclic=nx.is_directed_acyclic_graph(graph),
        )


def cost_to_go(
    graph: RouteGraph,
    link_cost: np.ndarray,
    exit_cost: np.ndarray,
    start: np.ndarray | None = None,
) -> np.ndarray:
    """Least generalised cost from every place to an exit, for every variant (Bellman-Ford).

    Args:
        graph: The corridor's links (:meth:`RouteGraph.build`).
        link_cost: Cost of each link for each variant, shape (E, V).
        exit_cost: Cost of ending at each place (``inf`` where a place is not an exit), (N, V).
        start: Costs-to-go to relax from, e.g. yesterday's (N, V). On an acyclic corridor the
            relaxation reaches the same unique fixed point from any start, in fewer rounds
            from a close one; on a corridor with cycles it is ignored.

    Returns:
        Cost-to-go, shape (N, V); ``inf`` where no exit can be reached.
    """
    columns = np.arange(link_cost.shape[1])
    out = np.empty(exit_cost.shape)
    warm = start is not None and graph.acyclic
    solve_costs_to_go(graph, link_cost, exit_cost, start if warm else exit_cost, warm, columns, out)
    return out


def solve_costs_to_go(
    graph: RouteGraph,
    link_cost: np.ndarray,
    exit_cost: np.ndarray,
    start: np.ndarray,
    warm: bool,
    columns: np.ndarray,
    out: np.ndarray,
) -> None:
    """:func:`cost_to_go` of some columns of (E, V) and (N, V) tables, into those of ``out``.

    ``warm``: relax from ``start`` (the caller checks the corridor is acyclic).
    """
    _relax(
        link_cost, exit_cost, start, warm, columns, graph.places, graph.links, graph.starts,
        graph.ends, out,
    )  # fmt: skip


@numba.njit(cache=True)
def minimum(a: float, b: float) -> float:
    """``np.minimum`` of two floats in compiled code: NaN if either is NaN."""
    return a if (a < b or a != a) else b


@numba.njit(cache=True)
def pairwise_sum(a: np.ndarray, first: int, n: int) -> float:
    """The sum of ``a[first:first + n]`` in numpy's order (``np.sum`` of a contiguous run).

    numpy adds up to 7 values in turn, up to 128 in eight interleaved partial sums, and more
    by halves, onto 0; compiled code that sums this way gets numpy's sums bit for bit.
    """
    return 0.0 + _pairwise(a, first, n)


@numba.njit(cache=True)
def _pairwise(a: np.ndarray, first: int, n: int) -> float:
    # numpy's halving, without recursion (numba cannot load recursive functions from its
    # cache): tasks (start, length, kind) on a stack, kind 1 adding the last two sums.
    if n <= 128:
        return _pairwise_block(a, first, n)
    starts = np.empty(128, dtype=np.int64)
    lengths = np.empty(128, dtype=np.int64)
    kinds = np.empty(128, dtype=np.int64)
    sums = np.empty(128)
    starts[0], lengths[0], kinds[0] = first, n, 0
    tasks, done = 1, 0
    while tasks:
        tasks -= 1
        start, length, kind = starts[tasks], lengths[tasks], kinds[tasks]
        if kind == 1:
            done -= 1
            sums[done - 1] = sums[done - 1] + sums[done]
        elif length <= 128:
            sums[done] = _pairwise_block(a, start, length)
            done += 1
        else:
            half = length // 2
            half -= half % 8
            for task in ((start, 0, 1), (start + half, length - half, 0), (start, half, 0)):
                starts[tasks], lengths[tasks], kinds[tasks] = task
                tasks += 1
    return sums[0]


@numba.njit(cache=True)
def _pairwise_block(a: np.ndarray, first: int, n: int) -> float:
    if n < 8:
        total = -0.0
        for i in range(n):
            total += a[first + i]
        return total
    r = np.empty(8)
    for j in range(8):
        r[j] = a[first + j]
    i = 8
    while i < n - (n % 8):
        for j in range(8):
            r[j] += a[first + i + j]
        i += 8
    total = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
    while i < n:
        total += a[first + i]
        i += 1
    return total


@numba.njit(cache=True)
def _relax(link_cost, exit_cost, start, warm, columns, places, links, starts, ends, out):
    # Jacobi rounds over the places a route may pass through, as the numpy relaxation did
    # (every place's new value from the last round's), so the same values bit for bit: each
    # is a minimum over the links out of a place of link cost + the far end's cost-to-go.
    n, v, p, e = exit_cost.shape[0], len(columns), len(places), len(links)
    best = np.empty((n, v))
    for i in range(n):
        for j in range(v):
            best[i, j] = exit_cost[i, columns[j]]
    current = np.empty((p, v))
    for q in range(p):
        for j in range(v):
            source = start if warm else exit_cost
            current[q, j] = source[places[q], columns[j]]
            best[places[q], j] = current[q, j]
    new = np.empty((p, v))
    if p > 0:
        for _ in range(n + 1):
            changed = False
            for q in range(p):
                first = starts[q]
                last = starts[q + 1] if q + 1 < p else e
                for j in range(v):
                    col = columns[j]
                    via = link_cost[links[first], col] + best[ends[first], j]
                    for k in range(first + 1, last):
                        via = minimum(via, link_cost[links[k], col] + best[ends[k], j])
                    value = minimum(exit_cost[places[q], col], via)
                    new[q, j] = value
                    if value != current[q, j]:
                        changed = True
            if not changed:
                break
            for q in range(p):
                for j in range(v):
                    current[q, j] = new[q, j]
                    best[places[q], j] = new[q, j]
    for i in range(n):
        for j in range(v):
            out[i, columns[j]] = best[i, j]


@numba.njit(cache=True)
def link_and_exit_costs(
    time_and_money, harm, base_believed, link_dst, interdiction, interdiction_usd, stop, rw,
    informed, exit_template, border, exit_port, exit_port_link, exit_port_dst, port_wait,
    wait_cost, exit_sector, exit_sector_link, exit_closed, express_runs, staging,
    express_columns, express_fixed, express_harm, on_path, base_interdiction, smuggled,
    link_cost, exit_cost, last_links, last_exits, changed,
):  # fmt: skip
    """Costs.update's link and exit costs of every variant in one compiled pass.

    Element by element the arithmetic of the numpy expressions it replaced (see
    :meth:`migsim.costs.Costs.update`), into ``link_cost`` and ``exit_cost``; ``changed``
    marks the variants whose costs differ from ``last_links`` and ``last_exits``. It lives
    here, with the compiled helpers it calls, because numba's cache notices a change only in
    the file that defines a function.
    """
    n_links, n_variants = time_and_money.shape
    for e in range(n_links):
        rumour = interdiction_usd * interdiction[link_dst[e]]
        for v in range(n_variants):
            believed = rumour if informed[v] else base_believed[e]
            link_cost[e, v] = time_and_money[e, v] + rw[v] * (harm[e, v] + believed * stop[v])
    exit_cost[:, :] = exit_template
    for i in range(len(border)):
        wait = port_wait[exit_port_dst[i]] if exit_port_dst[i] >= 0 else 0.0
        for v in range(n_variants):
            by_port = (
                wait * wait_cost[v] + link_cost[exit_port_link[i], v] if exit_port[i] else np.inf
            )
            by_sector = link_cost[exit_sector_link[i], v] if exit_sector[i] else np.inf
            exit_cost[border[i], v] = np.inf if exit_closed[i, v] else minimum(by_port, by_sector)
    if express_runs:
        n_staging, n_drop, n_places = on_path.shape
        # Believed stops on each road: the rumours' (informed) and ordinary conditions'.
        stops = np.empty((2, n_staging, n_drop))
        cells = np.empty(n_places)
        for informed_belief in range(2):
            belief = interdiction if informed_belief else base_interdiction
            for s in range(n_staging):
                for d in range(n_drop):
                    for p in range(n_places):
                        cells[p] = on_path[s, d, p] * belief[p]
                    stops[informed_belief, s, d] = pairwise_sum(cells, 0, n_places) * smuggled
        for col in express_columns:
            which = 1 if informed[col] else 0
            for s in range(n_staging):
                cheapest = 0.0
                for d in range(n_drop):
                    road = express_fixed[s, d] + rw[col] * (
                        interdiction_usd * stops[which, s, d] + express_harm[d]
                    )
                    cheapest = road if d == 0 else minimum(cheapest, road)
                exit_cost[staging[s], col] = cheapest
    for v in range(n_variants):
        differs = False
        for e in range(n_links):
            if link_cost[e, v] != last_links[e, v]:
                differs = True
                break
        if not differs:
            for i in range(exit_cost.shape[0]):
                if exit_cost[i, v] != last_exits[i, v]:
                    differs = True
                    break
        changed[v] = differs


def route_probabilities(
    graph: RouteGraph, link_cost: np.ndarray, ctg: np.ndarray, scale: float
) -> np.ndarray:
    """Cumulative logit probabilities of each link out of each place, per variant.

    The utility of a link is ``-(link cost + cost-to-go from its end) / scale``; links that
    lead nowhere useful (infinite cost) have probability 0.

    Returns:
        Shape (K, N, V): cumulative probabilities over the padded out-links of each place;
        the last row is 1 where any link is usable and 0 where none is. (Links first: a
        family's choice compares its draw with its K values, fastest when they lie apart.)
    """
    v = link_cost.shape[1]
    out = np.empty((graph.out_links.shape[1], len(graph.out_links), v))
    solve_route_probabilities(graph, link_cost, ctg, scale, np.arange(v), out)
    return out


def solve_route_probabilities(
    graph: RouteGraph,
    link_cost: np.ndarray,
    ctg: np.ndarray,
    scale: float,
    columns: np.ndarray,
    out: np.ndarray,
) -> None:
    """:func:`route_probabilities` of some columns of the (E, V), (N, V) tables, into ``out``.

    Compiled loops around numpy's ``exp`` with numpy's arithmetic order: a sum over the links
    out of a place adds them in turn, as numpy's sum over that axis does for two columns or
    more; for one column, where numpy's sum is pairwise, numpy computes it.
    """
    if len(columns) == 1:
        col = columns[0]
        out[:, :, col] = _route_probabilities_numpy(
            graph, link_cost[:, [col]], ctg[:, [col]], scale
        )[:, :, 0]
        return
    # An infinite cost weighs exp(-inf) = 0; a place with no finite cost gets NaN weights
    # and a NaN total, and so probability 0.
    with np.errstate(invalid="ignore"):
        weight = np.exp(
            _utilities(link_cost, ctg, scale, columns, graph.out_links, graph.padded_ends)
        )
    _cumulate(weight, columns, out)


@numba.njit(cache=True)
def _utilities(link_cost, ctg, scale, columns, out_links, padded_ends):
    # -(cost - lowest cost at the place) / scale, shape (N, K, V); cost inf on padding.
    n, k_max, v = out_links.shape[0], out_links.shape[1], len(columns)
    cost = np.empty((n, k_max, v))
    for i in range(n):
        for j in range(v):
            col = columns[j]
            low = np.inf
            for k in range(k_max):
                link = out_links[i, k]
                c = link_cost[link, col] + ctg[padded_ends[i, k], col] if link >= 0 else np.inf
                cost[i, k, j] = c
                low = c if k == 0 else minimum(low, c)
            for k in range(k_max):
                cost[i, k, j] = -(cost[i, k, j] - low) / scale
    return cost


@numba.njit(cache=True)
def _cumulate(weight, columns, out):
    n, k_max, v = weight.shape
    for i in range(n):
        for j in range(v):
            total = weight[i, 0, j]
            for k in range(1, k_max):
                total += weight[i, k, j]
            running = 0.0
            for k in range(k_max):
                prob = weight[i, k, j] / total if total > 0 else 0.0
                running = prob if k == 0 else running + prob
                out[k, i, columns[j]] = running


def _route_probabilities_numpy(
    graph: RouteGraph, link_cost: np.ndarray, ctg: np.ndarray, scale: float
) -> np.ndarray:
    cost = np.where(
        graph.padded, link_cost[graph.padded_links] + ctg[graph.padded_ends], np.inf
    )  # (N, K, V)
    low = cost.min(axis=1, keepdims=True)
    with np.errstate(invalid="ignore"):
        weight = np.exp(-(cost - low) / scale)
    total = weight.sum(axis=1, keepdims=True)
    prob = np.divide(weight, total, out=np.zeros_like(weight), where=total > 0)
    return np.cumsum(prob, axis=1).transpose(1, 0, 2).copy()


def choose_links(
    rng: np.random.Generator,
    graph: RouteGraph,
    cumulative: np.ndarray,
    places: np.ndarray,
    variants: np.ndarray,
) -> np.ndarray:
    """Multinomial-logit choice of the next link for families at places.

    Args:
        rng: The model's random generator (one uniform draw per family).
        graph: The corridor's links (:meth:`RouteGraph.build`).
        cumulative: Cumulative choice probabilities from :func:`route_probabilities`.
        places: Each family's place, shape (n,).
        variants: Each family's cost-to-go column, shape (n,).

    Returns:
        The chosen link per family, or -1 where no link leads anywhere useful.
    """
    return _choose_links(rng.random(len(places)), cumulative, graph.out_links, places, variants)


@numba.njit(cache=True)
def _choose_links(u, cumulative, out_links, places, variants):
    # Each family's pick is the number of cumulative probabilities at or below its draw
    # (capped at the last link); -1 where no link out of its place is usable.
    k = cumulative.shape[0]
    out = np.empty(len(u), dtype=out_links.dtype)
    for i in range(len(u)):
        p, v = places[i], variants[i]
        pick = 0
        for j in range(k):
            if u[i] >= cumulative[j, p, v]:
                pick += 1
        out[i] = out_links[p, min(pick, k - 1)] if cumulative[k - 1, p, v] > 0 else -1
    return out


def cells(table: np.ndarray, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Flat positions of cells ``(i, j)`` of a C-ordered table, for ``table.take(...)``.

    Taking from the flat table is about twice as fast as ``table[i, j]`` with index arrays.
    """
    flat = np.multiply(i, table.shape[1], dtype=np.intp)
    flat += j
    return flat


def logit_choice(rng: np.random.Generator, utility: np.ndarray, scale: float) -> np.ndarray:
    """Choose one column per row of a utility matrix (``-inf`` = unavailable) by logit."""
    noisy = utility / scale + rng.gumbel(size=utility.shape)
    return np.argmax(noisy, axis=1)


def geometric_days(rng: np.random.Generator, mean: np.ndarray) -> np.ndarray:
    """Whole days with the given means (0 where the mean is 0), geometric so memoryless."""
    u = rng.random(len(mean))
    mean = np.asarray(mean, dtype=float)
    # numpy's log and log1p (a compiled log differs in the last bit) between compiled passes.
    with np.errstate(divide="ignore"):
        return _whole_days(np.log(u), np.log1p(_failure_chance(mean)), mean)


@numba.njit(cache=True)
def _failure_chance(mean):
    # Minus the daily chance of the event, 1 / (1 + mean), kept below 1.
    out = np.empty(len(mean))
    for i in range(len(mean)):
        out[i] = -minimum(1.0 / (1.0 + mean[i]), 1 - 1e-12)
    return out


@numba.njit(cache=True)
def _whole_days(log_u, log_q, mean):
    # floor(log u / log q) days, 0 where the mean is not positive.
    out = np.empty(len(mean), dtype=np.int64)
    for i in range(len(mean)):
        out[i] = np.int64(np.floor(log_u[i] / log_q[i])) if mean[i] > 0 else 0
    return out
