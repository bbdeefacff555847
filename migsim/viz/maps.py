"""Maps of the corridor: where families travelled, where they wait, and how two runs differ.

``plot_routes`` draws one run's link flows and waiting families over the base map;
``plot_flow_difference`` compares the link flows of two runs (for example a scenario against its
baseline). Both take the corridor as a ``networkx.DiGraph`` whose nodes are place names with
``lat``, ``lon``, ``kind`` and ``group`` attributes and whose edges carry a ``mode``.
:class:`Enforcement` names the places where levers were in force (checkpoints and crossings
with raised interdiction, remain-in-Mexico border cities, metering ports); both maps can mark
them. :func:`enforcement_on` reads them from a day's policy, :func:`enforcement_over_run` from
a scenario's lever timeline.

Flows in the two directions of a link are added together: a map shows how many families used a
stretch of road, rail or river, whichever way they went.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import networkx as nx
import numpy as np
import pandas as pd
from matplotlib import patheffects
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, MultipleLocator

from migsim.viz.basemap import Extent, draw_basemap
from migsim.viz.names import display_name
from migsim.viz.roads import link_path

if TYPE_CHECKING:
    from migsim.corridor import Corridor
    from migsim.policies import PolicyState
    from migsim.scenario import Scenario

MAP_EXTENT: Extent = (-118.0, -86.0, 12.5, 33.5)
FIGSIZE = (11.0, 8.2)
DPI = 120
MAX_WIDTH_PT = 8.0
MAX_CIRCLE_AREA_PT2 = 1100.0
LABEL_FONTSIZE = 10.0
LEGEND_FONTSIZE = 10.0
BUSY_CITIES_LABELLED = 6
LABEL_WEIGHT = 10.0  # cost of a label covering another; labels that cannot avoid it are left out

MODE_COLOURS = {"bus": "#2b6cb0", "train": "#9c4a1a", "foot": "#2f855a", "raft": "#7b4bb7"}
MODE_LABELS = {
    "bus": "bus / road",
    "train": "freight train",
    "foot": "on foot",
    "raft": "river raft",
}
OTHER_MODE_COLOUR = "#555555"
BACKGROUND_LINK_COLOUR = "#b9b9b9"
WAITING_COLOUR = "#d6336c"
GREW_COLOUR = "#2166ac"
SHRANK_COLOUR = "#c0392b"

FLOW_GIDS = ("links:flow", "links:change")

STOPPING_COLOUR = "#c0392b"
MPP_COLOUR = "#8e44ad"
METERING_COLOUR = "#d35400"

Pair = tuple[str, str]


@dataclass(frozen=True)
class NodeStyle:
    """How the places of one kind (and group) are marked on the map."""

    label: str
    marker: str
    size: float
    face: str
    edge: str = "white"
    zorder: float = 6.0


NODE_STYLES: dict[tuple[str, str], NodeStyle] = {
    ("origin", ""): NodeStyle("origin", "*", 120, "#00796b", "white", 6.6),
    ("crossing", "formal"): NodeStyle("formal crossing", "D", 26, "#3a3a3a"),
    ("crossing", "ford"): NodeStyle("river ford", "D", 24, "white", "#3a3a3a"),
    ("crossing", ""): NodeStyle("crossing", "D", 26, "#3a3a3a"),
    ("city", ""): NodeStyle("city", "o", 16, "#6b6b6b", zorder=5.0),
    ("checkpoint", "isthmus"): NodeStyle("isthmus checkpoint", "^", 52, "#d62728", "#7a1010"),
    ("checkpoint", "highway"): NodeStyle("highway checkpoint", "^", 46, "#ff8c00", "#8a4b00"),
    ("checkpoint", ""): NodeStyle("checkpoint", "^", 46, "#ff8c00", "#8a4b00"),
    ("border_city", ""): NodeStyle("border city", "o", 70, "white", "#111111"),
    ("us_port", ""): NodeStyle("US port of entry", "s", 16, "#1f3f77", "#1f3f77", 6.5),
    ("us_sector", ""): NodeStyle("US Border Patrol sector", "p", 60, "none", "#1f3f77", 6.2),
}
OTHER_NODE_STYLE = NodeStyle("other place", "o", 16, "#999999")
KIND_ORDER = ("origin", "crossing", "city", "checkpoint", "border_city", "us_port", "us_sector")

LABEL_OFFSETS: tuple[tuple[float, float, str, str], ...] = (
    (6, 0, "left", "center"),
    (-6, 0, "right", "center"),
    (0, -6, "center", "top"),
    (0, 6, "center", "bottom"),
    (4, -3, "left", "top"),
    (-4, -3, "right", "top"),
    (4, 3, "left", "bottom"),
    (-4, 3, "right", "bottom"),
)


def plot_routes(
    graph: nx.DiGraph,
    link_flows: pd.DataFrame,
    *,
    waiting: pd.Series | None = None,
    title: str = "",
    path: str | Path | None = None,
    enforcement: Enforcement | None = None,
) -> Figure:
    """Map the links families travelled and where they are left waiting.

    Every link is drawn thin and grey (freight-train links dashed); links that families used are
    drawn over them in the colour of their mode, with a width growing with the square root of
    the number of families (the busiest link is 8 pt wide). Places are marked by kind; families
    still waiting at a place are shown as translucent circles whose area is proportional to
    their number.

    Args:
        graph: The corridor. Nodes are place names with ``lat``, ``lon``, ``kind`` and ``group``
            attributes; edges have a ``mode`` (bus, train, foot, raft).
        link_flows: Columns ``source``, ``target`` and ``families`` (families that travelled the
            link over the run). Both directions of a link are added together.
        waiting: Families waiting at each place at the end of the run, indexed by place name.
        title: Title drawn above the map.
        path: If given, the figure is saved there at 120 dpi and closed.
        enforcement: Places to mark where levers were in force (rings around stopping
            places, squares around remain-in-Mexico cities, diamonds around metering ports).

    Returns:
        The figure. Its node markers are scatter collections whose ``gid`` starts with
        ``"nodes:"``; the waiting circles have ``gid`` ``"waiting"``; enforcement marks have
        ``gid`` starting with ``"enforcement:"``.

    Raises:
        ValueError: If a place lacks coordinates, or the flows or waiting counts name places
            that are not in the graph.
    """
    positions = place_positions(graph)
    flows = _pair_flows(graph, link_flows)
    counts = _waiting_counts(graph, waiting)
    fig, ax = _map_axes(title)
    draw_all_links(ax, graph, positions)
    flow_max = float(flows.max()) if len(flows) else 0.0
    if flow_max > 0:
        widths = {pair: _sqrt_width(value, flow_max) for pair, value in flows.items()}
        colours = {pair: _mode_colour(graph, pair) for pair in flows.index}
        _draw_pairs(ax, positions, widths, colours, gid="links:flow")
    area_scale = MAX_CIRCLE_AREA_PT2 / float(counts.max()) if len(counts) else 0.0
    _draw_waiting(ax, positions, counts, area_scale)
    draw_nodes(ax, graph, positions)
    marks = _draw_enforcement(ax, graph, positions, enforcement)
    _routes_legends(ax, graph, flow_max, counts, area_scale, marks)
    label_places(ax, positions, _places_to_label(graph, flows))
    return _finish(fig, path)


def plot_flow_difference(
    graph: nx.DiGraph,
    flows_a: pd.DataFrame,
    flows_b: pd.DataFrame,
    *,
    title: str = "",
    path: str | Path | None = None,
    names: tuple[str, str] = ("a", "b"),
    enforcement: Enforcement | None = None,
    unit: str = "families",
    figsize: tuple[float, float] = FIGSIZE,
    extent: Extent = MAP_EXTENT,
) -> Figure:
    """Map how link flows changed from run ``a`` to run ``b``.

    Links where more families travelled in ``b`` than in ``a`` are blue, links where fewer did
    are red; a link's width is proportional to the absolute difference (the largest change is
    8 pt wide).

    Args:
        graph: The corridor (see ``plot_routes``).
        flows_a: Link flows of the reference run (``source``, ``target``, ``families``).
        flows_b: Link flows of the run compared with it.
        title: Title drawn above the map.
        path: If given, the figure is saved there at 120 dpi and closed.
        names: How the two runs are called in the legend.
        enforcement: Places to mark where levers were in force (see ``plot_routes``); for a
            comparison, usually those of run ``b``.
        unit: What the flows count, for the width key (e.g. "per 1,000 departures").
        figsize: Size of the figure in inches (drawn at the size it is shown, text keeps its
            size on the screen).
        extent: ``(lon_min, lon_max, lat_min, lat_max)`` shown. Zoomed in (smaller than
            ``MAP_EXTENT``), the map names every place in view that families used, and its key
            keeps to the change's colours and sizes.

    Returns:
        The figure.

    Raises:
        ValueError: As ``plot_routes``.
    """
    positions = place_positions(graph)
    flow_a = _pair_flows(graph, flows_a)
    flow_b = _pair_flows(graph, flows_b)
    change = flow_b.sub(flow_a, fill_value=0.0)
    change = change[change != 0]
    zoomed = tuple(extent) != tuple(MAP_EXTENT)
    if zoomed:  # the widest change in view sets the widths
        change = change[[_in_view(positions, pair, extent) for pair in change.index]]
    fig, ax = _map_axes(title, figsize, extent)
    draw_all_links(ax, graph, positions)
    change_max = float(change.abs().max()) if len(change) else 0.0
    if change_max > 0:
        widths = {pair: _linear_width(abs(v), change_max) for pair, v in change.items()}
        colours = {pair: GREW_COLOUR if v > 0 else SHRANK_COLOUR for pair, v in change.items()}
        _draw_pairs(ax, positions, widths, colours, gid="links:change")
    draw_nodes(ax, graph, positions)
    marks = _draw_enforcement(ax, graph, positions, enforcement)
    _difference_legends(ax, graph, change_max, names, marks, unit, places=not zoomed)
    busiest = flow_a.add(flow_b, fill_value=0.0)
    names_shown = _places_to_label(graph, busiest)
    if zoomed:
        names_shown = _places_in_view(graph, busiest, positions, extent)
    label_places(ax, positions, names_shown)
    return _finish(fig, path)


def _in_view(positions: dict[str, tuple[float, float]], pair: Pair, extent: Extent) -> bool:
    """Whether either end of a link lies within the extent."""
    lon_min, lon_max, lat_min, lat_max = extent
    return any(
        lon_min <= positions[p][0] <= lon_max and lat_min <= positions[p][1] <= lat_max
        for p in pair
    )


def _places_in_view(
    graph: nx.DiGraph,
    flows: pd.Series,
    positions: dict[str, tuple[float, float]],
    extent: Extent,
) -> list[str]:
    """Places within the extent that families passed through, busiest first."""
    through = dict.fromkeys(graph, 0.0)
    for (u, v), value in flows.items():
        through[u] += value
        through[v] += value
    lon_min, lon_max, lat_min, lat_max = extent
    inside = [
        p
        for p, (lon, lat) in positions.items()
        if lon_min <= lon <= lon_max and lat_min <= lat <= lat_max and through[p] > 0
    ]
    return sorted(inside, key=lambda p: (-through[p], str(p)))


@dataclass(frozen=True)
class Enforcement:
    """Places where policy levers were in force, by name.

    Attributes:
        stopping: Checkpoints and crossings whose interdiction a lever raised above the
            corridor's ordinary level (Isthmus checkpoints, National Guard at the crossings).
        mpp_cities: Mexican border cities whose US port or Border Patrol sector returned
            families to wait there (remain in Mexico).
        metering_ports: US ports of entry with a daily cap on asylum claims (metering).
    """

    stopping: tuple[str, ...] = ()
    mpp_cities: tuple[str, ...] = ()
    metering_ports: tuple[str, ...] = ()

    def __or__(self, other: Enforcement) -> Enforcement:
        """Places in force in either."""
        return Enforcement(
            *(
                tuple(dict.fromkeys((*getattr(self, f), *getattr(other, f))))
                for f in ("stopping", "mpp_cities", "metering_ports")
            )
        )

    def __bool__(self) -> bool:
        """Whether any place is marked."""
        return bool(self.stopping or self.mpp_cities or self.metering_ports)


def enforcement_on(corridor: Corridor, policy: PolicyState) -> Enforcement:
    """The places where a day's policy state differs from the corridor's ordinary conditions.

    Args:
        corridor: The corridor the policy state belongs to.
        policy: A day's policy state (``model.policy``, or :func:`policy_on`).
    """
    from migsim.corridor import Kind

    c = corridor
    enforced = (c.kind == Kind.CHECKPOINT) | (c.kind == Kind.CROSSING)
    raised = enforced & (policy.interdiction > c.base_interdiction + 1e-9)
    us_side = np.isin(c.kind, [Kind.US_PORT, Kind.US_SECTOR])
    returning = us_side & (policy.mpp_share > 0)
    cities = {
        int(c.link_src[e])
        for e in range(len(c.links))
        if returning[c.link_dst[e]] and c.kind[c.link_src[e]] == Kind.BORDER_CITY
    }
    metering = (c.kind == Kind.US_PORT) & np.isfinite(policy.metering_cap)
    return Enforcement(
        stopping=tuple(c.names(np.flatnonzero(raised))),
        mpp_cities=tuple(c.places[i] for i in sorted(cities)),
        metering_ports=tuple(c.names(np.flatnonzero(metering))),
    )


def policy_on(scenario: Scenario, corridor: Corridor, day: dt.date) -> PolicyState:
    """The policy state a scenario's levers set on a date (as the model does each day)."""
    from migsim.policies import PolicyState

    policy = PolicyState.ordinary(corridor)
    levers = []
    for lever in scenario.levers:  # a tariff threat's response levers act as levers of their own
        levers.append(lever)
        levers.extend(lever.responses() if hasattr(lever, "responses") else [])
    for lever in levers:
        level = lever.intensity(day)
        if level > 0:
            lever.apply(policy, corridor, day, level)
    return policy


def enforcement_over_run(
    scenario: Scenario, corridor: Corridor, *, every_days: int = 7
) -> Enforcement:
    """The places where enforcement was in force on any day of a scenario's run.

    Args:
        scenario: The scenario (its levers, start and length).
        corridor: Its corridor.
        every_days: Look at the policy state every this many days (and on the last day).
    """
    days = sorted({*range(0, scenario.days, max(1, every_days)), scenario.days - 1})
    found = Enforcement()
    for offset in days:
        today = scenario.start + dt.timedelta(days=offset)
        found = found | enforcement_on(corridor, policy_on(scenario, corridor, today))
    return found


# --- data preparation -------------------------------------------------------------------------


def place_positions(graph: nx.DiGraph) -> dict[str, tuple[float, float]]:
    """Return each place's (lon, lat), checking every place has both."""
    positions = {}
    for name, data in graph.nodes(data=True):
        try:
            positions[name] = (float(data["lon"]), float(data["lat"]))
        except (KeyError, TypeError, ValueError) as err:
            raise ValueError(f"place {name!r} needs numeric 'lat' and 'lon' attributes") from err
    return positions


def link_pair(u: str, v: str) -> Pair:
    """Return the key of a link that does not depend on its direction."""
    return (u, v) if u <= v else (v, u)


def _pair_flows(graph: nx.DiGraph, link_flows: pd.DataFrame) -> pd.Series:
    """Add up families per undirected link; links with no families are left out."""
    missing = {"source", "target", "families"} - set(link_flows.columns)
    if missing:
        raise ValueError(f"link flows need columns source, target, families; missing {missing}")
    _check_places(graph, pd.concat([link_flows["source"], link_flows["target"]]), "link flows")
    families = pd.to_numeric(link_flows["families"], errors="coerce").fillna(0.0)
    keys = [
        link_pair(u, v) for u, v in zip(link_flows["source"], link_flows["target"], strict=True)
    ]
    if not keys:
        return pd.Series(dtype=float)
    by_pair = pd.Series(families.to_numpy(dtype=float), index=pd.MultiIndex.from_tuples(keys))
    totals = by_pair.groupby(level=[0, 1]).sum()
    return totals[totals > 0]


def _waiting_counts(graph: nx.DiGraph, waiting: pd.Series | None) -> pd.Series:
    """Return the positive waiting counts, checking they name places of the graph."""
    if waiting is None or waiting.empty:
        return pd.Series(dtype=float)
    _check_places(graph, waiting.index, "waiting counts")
    counts = (
        pd.to_numeric(waiting, errors="coerce").fillna(0.0).groupby(level=0, observed=True).sum()
    )
    return counts[counts > 0].astype(float)


def _check_places(graph: nx.DiGraph, names: Iterable[str], what: str) -> None:
    """Raise a clear error if ``names`` holds places that the graph does not have."""
    unknown = sorted({str(n) for n in names if n not in graph})
    if unknown:
        shown = ", ".join(unknown[:8]) + (" …" if len(unknown) > 8 else "")
        raise ValueError(f"{what} name places that are not in the corridor graph: {shown}")


def _mode_colour(graph: nx.DiGraph, pair: Pair) -> str:
    """Return the colour of a link's mode (either direction), grey if unknown."""
    u, v = pair
    data = graph.get_edge_data(u, v) or graph.get_edge_data(v, u) or {}
    return MODE_COLOURS.get(str(data.get("mode", "")), OTHER_MODE_COLOUR)


def _sqrt_width(value: float, top: float) -> float:
    """Return a line width growing with the square root of ``value``."""
    return MAX_WIDTH_PT * math.sqrt(max(value, 0.0) / top)


def _linear_width(value: float, top: float) -> float:
    """Return a line width proportional to ``value`` (at least a hairline)."""
    return max(MAX_WIDTH_PT * value / top, 0.3)


def _nice_values(top: float, count: int = 3) -> list[float]:
    """Return up to ``count`` round numbers (1, 2, 5 × 10^k) spread below ``top``."""
    values: list[float] = []
    if not math.isfinite(top):
        return values
    for target in (top / 4**i for i in range(count)):
        if target < 1:
            break
        exponent = math.floor(math.log10(target))
        steps = [s * 10**exponent for s in (1, 2, 5, 10)]
        nice = max(s for s in steps if s <= target)
        if nice not in values:
            values.append(float(nice))
    return values


def _places_to_label(graph: nx.DiGraph, flows: pd.Series) -> list[str]:
    """Return the places to name, most important first.

    Origins and border cities come first, then the busiest cities; within each kind the places
    more families passed through come first (ties: better connected, then by name).
    """
    through = dict.fromkeys(graph, 0.0)
    for (u, v), value in flows.items():
        through[u] += value
        through[v] += value
    kinds = nx.get_node_attributes(graph, "kind")

    def ranked(kind: str) -> list[str]:
        places = [n for n in graph if kinds.get(n) == kind]
        return sorted(places, key=lambda n: (-through[n], -graph.degree(n), str(n)))

    return ranked("origin") + ranked("border_city") + ranked("city")[:BUSY_CITIES_LABELLED]


# --- drawing ----------------------------------------------------------------------------------


def _map_axes(
    title: str, figsize: tuple[float, float] = FIGSIZE, extent: Extent = MAP_EXTENT
) -> tuple[Figure, Axes]:
    """Create a figure with one map axes over the base map."""
    fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    draw_basemap(ax, extent=extent)
    degrees_w = FuncFormatter(lambda v, _: f"{abs(v):.0f}°{'W' if v < 0 else 'E'}")
    degrees_n = FuncFormatter(lambda v, _: f"{abs(v):.0f}°{'N' if v >= 0 else 'S'}")
    for axis, formatter in ((ax.xaxis, degrees_w), (ax.yaxis, degrees_n)):
        axis.set_major_locator(MultipleLocator(5))
        axis.set_major_formatter(formatter)
    ax.tick_params(labelsize=10, length=2, colors="#555555")
    _name_regions(ax)
    if title:
        ax.set_title(title, fontsize=12)
    fig.draw_without_rendering()  # settle the layout so labels and keys can be placed
    return fig, ax


# Countries, seas and the Isthmus, named faintly under everything else: (lon, lat, text, size,
# rotation, italic).
REGION_NAMES: tuple[tuple[float, float, str, float, float, bool], ...] = (
    (-101.0, 32.2, "UNITED STATES", 11, 0, False),
    (-103.5, 23.0, "MEXICO", 13, 0, False),
    (-90.6, 16.3, "GUATEMALA", 10, 0, False),
    (-87.3, 14.9, "HONDURAS", 10, 0, False),
    (-89.2, 13.45, "EL SALVADOR", 10, 0, False),
    (-92.5, 23.5, "Gulf of Mexico", 11, 0, True),
    (-107.0, 16.0, "Pacific Ocean", 11, 0, True),
    (-110.9, 27.0, "Gulf of California", 10, -48, True),
    (-95.0, 17.25, "Isthmus of\nTehuantepec", 10, 0, True),
)


def _name_regions(ax: Axes) -> None:
    """Name the countries, the seas and the Isthmus of Tehuantepec."""
    for lon, lat, text, size, rotation, italic in REGION_NAMES:
        ax.text(
            lon,
            lat,
            text,
            fontsize=size,
            rotation=rotation,
            style="italic" if italic else "normal",
            color="#5b7fa3" if italic else "#8c8c8c",
            ha="center",
            va="center",
            zorder=1.5,
            clip_on=True,
        )


def _segments(
    positions: dict[str, tuple[float, float]], pairs: Iterable[Pair]
) -> list[list[tuple[float, float]]]:
    """Return the line of each link: straight, or along its road's waypoints."""
    return [link_path(u, v, positions) for u, v in pairs]


def draw_all_links(ax: Axes, graph: nx.DiGraph, positions: dict[str, tuple[float, float]]) -> None:
    """Draw every link of the corridor thin and grey, freight-train links dashed."""
    pairs: dict[Pair, bool] = {}
    for u, v, data in graph.edges(data=True):
        key = link_pair(u, v)
        pairs[key] = pairs.get(key, False) or data.get("mode") == "train"
    for is_train, style in ((False, "solid"), (True, (0, (3, 2)))):
        chosen = [pair for pair, train in pairs.items() if train == is_train]
        lines = LineCollection(
            _segments(positions, chosen),
            colors=BACKGROUND_LINK_COLOUR,
            linewidths=0.7,
            linestyles=style,
            zorder=1,
            gid="links:train" if is_train else "links:other",
        )
        ax.add_collection(lines, autolim=False)


def _draw_pairs(
    ax: Axes,
    positions: dict[str, tuple[float, float]],
    widths: dict[Pair, float],
    colours: dict[Pair, str],
    *,
    gid: str,
) -> None:
    """Draw links with their own widths and colours, the widest underneath."""
    order = sorted(widths, key=lambda pair: -widths[pair])
    lines = LineCollection(
        _segments(positions, order),
        colors=[colours[pair] for pair in order],
        linewidths=[widths[pair] for pair in order],
        capstyle="round",
        alpha=0.85,
        zorder=2,
        gid=gid,
    )
    ax.add_collection(lines, autolim=False)


def _draw_waiting(
    ax: Axes,
    positions: dict[str, tuple[float, float]],
    counts: pd.Series,
    area_scale: float,
) -> None:
    """Draw a translucent circle per place with waiting families, area ∝ their number."""
    if counts.empty:
        return
    xy = np.array([positions[name] for name in counts.index])
    ax.scatter(
        xy[:, 0],
        xy[:, 1],
        s=counts.to_numpy() * area_scale,
        facecolor=WAITING_COLOUR,
        edgecolor=WAITING_COLOUR,
        alpha=0.3,
        linewidths=1.0,
        zorder=3,
        gid="waiting",
    )


def _style(kind: str, group: str) -> NodeStyle:
    """Return the marker style of a kind and group of place."""
    return NODE_STYLES.get((kind, group)) or NODE_STYLES.get((kind, ""), OTHER_NODE_STYLE)


def _styled_groups(graph: nx.DiGraph) -> dict[tuple[str, str], list[str]]:
    """Group places by (kind, group), in the order the legend lists them."""
    groups: dict[tuple[str, str], list[str]] = {}
    for name, data in graph.nodes(data=True):
        key = (str(data.get("kind", "")), str(data.get("group", "") or ""))
        groups.setdefault(key, []).append(name)
    rank = {kind: i for i, kind in enumerate(KIND_ORDER)}
    return dict(sorted(groups.items(), key=lambda item: (rank.get(item[0][0], 99), item[0])))


def draw_nodes(ax: Axes, graph: nx.DiGraph, positions: dict[str, tuple[float, float]]) -> None:
    """Draw one scatter collection per kind of place, with ``gid`` ``nodes:<kind>:<group>``."""
    for (kind, group), names in _styled_groups(graph).items():
        style = _style(kind, group)
        xy = np.array([positions[name] for name in names])
        ax.scatter(
            xy[:, 0],
            xy[:, 1],
            s=style.size,
            marker=style.marker,
            facecolor=style.face,
            edgecolor=style.edge,
            linewidths=0.8,
            zorder=style.zorder,
            gid=f"nodes:{kind}:{group}",
        )


ENFORCEMENT_MARKS = (
    ("stopping", "o", 150, STOPPING_COLOUR, "checkpoint or crossing stopping families"),
    ("mpp_cities", "s", 190, MPP_COLOUR, "remain in Mexico: families sent back here"),
    ("metering_ports", "D", 90, METERING_COLOUR, "metering: daily cap on asylum claims"),
)


def _draw_enforcement(
    ax: Axes,
    graph: nx.DiGraph,
    positions: dict[str, tuple[float, float]],
    enforcement: Enforcement | None,
) -> list[Line2D]:
    """Ring the places where levers were in force; return their legend entries."""
    handles: list[Line2D] = []
    if not enforcement:
        return handles
    for field_name, marker, size, colour, label in ENFORCEMENT_MARKS:
        names = [name for name in getattr(enforcement, field_name) if name in graph]
        if not names:
            continue
        xy = np.array([positions[name] for name in names])
        ax.scatter(
            xy[:, 0],
            xy[:, 1],
            s=size,
            marker=marker,
            facecolor="none",
            edgecolor=colour,
            linewidths=1.6,
            zorder=7,
            gid=f"enforcement:{field_name}",
        )
        handles.append(enforcement_handle(marker, size, colour, label, scale=0.8, width=1.6))
    return handles


def enforcement_handle(
    marker: str, size: float, colour: str, label: str, *, scale: float, width: float
) -> Line2D:
    """A legend entry for one kind of enforcement mark (see ``ENFORCEMENT_MARKS``)."""
    return Line2D(
        [],
        [],
        linestyle="none",
        marker=marker,
        markersize=math.sqrt(size) * scale,
        markerfacecolor="none",
        markeredgecolor=colour,
        markeredgewidth=width,
        label=label,
    )


# --- labels -----------------------------------------------------------------------------------


def label_places(
    ax: Axes,
    positions: dict[str, tuple[float, float]],
    names: list[str],
    fontsize: float = LABEL_FONTSIZE,
) -> None:
    """Name places next to their markers, keeping clear of other labels, keys, markers and flows.

    Places are labelled in the order given; one whose label cannot avoid an earlier label, a
    legend or the map's edge is left unnamed. Call this after the legends and flow lines are
    drawn: they are obstacles for the labels.
    """
    scale = ax.figure.dpi / 72.0
    boxes, weights = _obstacles(ax, positions, scale)
    frame = ax.get_window_extent().extents
    halo = [patheffects.withStroke(linewidth=2.2, foreground="white")]
    for name in dict.fromkeys(names):
        x, y = ax.transData.transform(positions[name])
        shown = display_name(name)
        cost, (dx, dy, ha, va, box) = _best_offset(
            shown, (x, y), scale, frame, boxes, weights, fontsize
        )
        if cost >= LABEL_WEIGHT:
            continue  # no room: it would cover another label, a key or leave the map
        boxes = np.vstack([boxes, box])
        weights = np.append(weights, LABEL_WEIGHT)
        ax.annotate(
            shown,
            xy=positions[name],
            xytext=(dx, dy),
            textcoords="offset points",
            ha=ha,
            va=va,
            fontsize=fontsize,
            color="#222222",
            path_effects=halo,
            zorder=8,
            annotation_clip=True,
        )


def _obstacles(
    ax: Axes, positions: dict[str, tuple[float, float]], scale: float
) -> tuple[np.ndarray, np.ndarray]:
    """Return display boxes labels should avoid, and how much overlapping each one costs."""
    points = ax.transData.transform(np.array(list(positions.values())).reshape(-1, 2))
    pad = 3.5 * scale
    parts = [(np.hstack([points - pad, points + pad]), 3.0)]
    for legend in (a for a in ax.get_children() if isinstance(a, Legend)):
        parts.append((np.array([legend.get_window_extent().extents]), 10 * LABEL_WEIGHT))
    for lines in ax.collections:
        if isinstance(lines, LineCollection) and str(lines.get_gid()) in FLOW_GIDS:
            parts.append((_line_samples(ax, lines, scale), 0.1))
    boxes = np.vstack([part for part, _ in parts])
    weights = np.concatenate([np.full(len(part), w) for part, w in parts])
    return boxes, weights


def _line_samples(ax: Axes, lines: LineCollection, scale: float) -> np.ndarray:
    """Return small display boxes every few pixels along the drawn flow lines."""
    widths = np.broadcast_to(lines.get_linewidths(), (len(lines.get_segments()),))
    samples = [np.empty((0, 4))]
    for segment, width in zip(lines.get_segments(), widths, strict=True):
        points = ax.transData.transform(segment)
        half = (width / 2 + 1) * scale
        for start, end in zip(points[:-1], points[1:], strict=True):
            count = max(int(np.hypot(*(end - start)) / (6 * scale)), 1) + 1
            centres = np.linspace(start, end, count)
            samples.append(np.hstack([centres - half, centres + half]))
    return np.vstack(samples)


def _best_offset(
    name: str,
    anchor: tuple[float, float],
    scale: float,
    frame: np.ndarray,
    boxes: np.ndarray,
    weights: np.ndarray,
    fontsize: float = LABEL_FONTSIZE,
) -> tuple[float, tuple[float, float, str, str, np.ndarray]]:
    """Pick the label position whose overlaps cost least, favouring the usual positions.

    Returns:
        The cost of the chosen position and its offset, alignment and display box.
    """
    width = 0.55 * fontsize * len(name) * scale
    height = 1.2 * fontsize * scale
    best_cost, best = math.inf, None
    for rank, (dx, dy, ha, va) in enumerate(LABEL_OFFSETS):
        box = _text_box(anchor[0] + dx * scale, anchor[1] + dy * scale, width, height, ha, va)
        cost = _overlap_cost(box, boxes, weights)
        cost += 0.0 if _inside(box, frame) else 10 * LABEL_WEIGHT
        cost += 0.1 * rank  # prefer the usual places: right, left, below, above
        if cost < best_cost:
            best_cost, best = cost, (dx, dy, ha, va, box)
    assert best is not None
    return best_cost, best


def _text_box(x: float, y: float, width: float, height: float, ha: str, va: str) -> np.ndarray:
    """Return the display box of a text anchored at (x, y) with the given alignment."""
    left = {"left": x, "center": x - width / 2, "right": x - width}[ha]
    bottom = {"bottom": y, "center": y - height / 2, "top": y - height}[va]
    return np.array([left, bottom, left + width, bottom + height])


def _overlap_cost(box: np.ndarray, boxes: np.ndarray, weights: np.ndarray) -> float:
    """Add up the weights of the boxes that intersect ``box``."""
    hit = (
        (box[0] < boxes[:, 2])
        & (boxes[:, 0] < box[2])
        & (box[1] < boxes[:, 3])
        & (boxes[:, 1] < box[3])
    )
    return float(weights[hit].sum())


def _inside(box: np.ndarray, frame: np.ndarray) -> bool:
    """Tell whether ``box`` lies within ``frame``."""
    return bool(
        box[0] >= frame[0] and box[1] >= frame[1] and box[2] <= frame[2] and box[3] <= frame[3]
    )


# --- legends ----------------------------------------------------------------------------------


def line_handle(colour: str, width: float, label: str, style: str = "-") -> Line2D:
    """Return a legend entry drawn as a line."""
    return Line2D([], [], color=colour, linewidth=width, linestyle=style, label=label)


def _marker_handle(style: NodeStyle) -> Line2D:
    """Return a legend entry drawn as a place marker."""
    return Line2D(
        [],
        [],
        linestyle="none",
        marker=style.marker,
        markersize=math.sqrt(style.size),
        markerfacecolor=style.face,
        markeredgecolor=style.edge if style.edge != "white" else style.face,
        label=style.label,
    )


def _mode_handles(graph: nx.DiGraph) -> list[Line2D]:
    """Return legend entries for the modes found on the graph's links."""
    modes = {str(data.get("mode", "")) for _, _, data in graph.edges(data=True)}
    handles = [
        line_handle(MODE_COLOURS[mode], 2.5, MODE_LABELS[mode])
        for mode in MODE_COLOURS
        if mode in modes
    ]
    handles.append(line_handle(BACKGROUND_LINK_COLOUR, 1.0, "link (train dashed)"))
    return handles


def place_handles(graph: nx.DiGraph) -> list[Line2D]:
    """Return one legend entry per kind of place present in the graph."""
    styles = [_style(kind, group) for kind, group in _styled_groups(graph)]
    unique = {style.label: style for style in styles}
    return [_marker_handle(style) for style in unique.values()]


def add_legend(ax: Axes, handles: list[Line2D], title: str, **kwargs: object) -> Legend:
    """Add a small framed legend that does not replace the axes' other legends."""
    legend = Legend(
        ax,
        handles,
        [h.get_label() for h in handles],
        title=title,
        fontsize=LEGEND_FONTSIZE,
        title_fontsize=LEGEND_FONTSIZE + 0.5,
        framealpha=0.92,
        edgecolor="#cccccc",
        alignment="left",
        **kwargs,
    )
    ax.add_artist(legend)
    return legend


LegendSpec = tuple[list[Line2D], str, dict[str, float]]


def _legend_row(ax: Axes, specs: list[LegendSpec]) -> None:
    """Add legends side by side along the bottom left of the map, skipping empty ones."""
    left = 0.0
    for handles, title, extra in specs:
        if not handles:
            continue
        legend = add_legend(
            ax, handles, title, loc="lower left", bbox_to_anchor=(left, 0.0), **extra
        )
        box = legend.get_window_extent().transformed(ax.transAxes.inverted())
        left = box.x1 + 0.005


def _routes_legends(
    ax: Axes,
    graph: nx.DiGraph,
    flow_max: float,
    counts: pd.Series,
    area_scale: float,
    marks: list[Line2D] | None = None,
) -> None:
    """Add the legends of the route map: links, places and enforcement, then the size keys."""
    widths = [
        line_handle("#555555", _sqrt_width(value, flow_max), f"{value:,.0f} families")
        for value in _nice_values(flow_max)
    ]
    circles = [_waiting_handle(value, area_scale) for value in _nice_values(counts.max())]
    spacing = {"labelspacing": 1.3, "borderpad": 0.9}
    _legend_row(
        ax,
        [
            (_mode_handles(graph) + place_handles(graph) + (marks or []), "Links and places", {}),
            (widths, "Families on a link", {}),
            (circles, "Families waiting", spacing),
        ],
    )


def _waiting_handle(value: float, area_scale: float) -> Line2D:
    """Return a legend entry showing the circle drawn for ``value`` waiting families."""
    return Line2D(
        [],
        [],
        linestyle="none",
        marker="o",
        markersize=math.sqrt(value * area_scale),
        markerfacecolor=WAITING_COLOUR,
        markeredgecolor=WAITING_COLOUR,
        alpha=0.3,
        label=f"{value:,.0f}",
    )


def _difference_legends(
    ax: Axes,
    graph: nx.DiGraph,
    change_max: float,
    names: tuple[str, str],
    marks: list[Line2D] | None = None,
    unit: str = "families",
    *,
    places: bool = True,
) -> None:
    """Add the legends of the difference map: direction of change, places and a width key.

    Without ``places`` (a zoomed map) the key holds the change's colours only.
    """
    name_b = names[1]  # than in names[0]: the map's title says so, and the key stays narrow
    change = [
        line_handle(GREW_COLOUR, 3.0, f"more in {name_b}"),
        line_handle(SHRANK_COLOUR, 3.0, f"fewer in {name_b}"),
        line_handle(BACKGROUND_LINK_COLOUR, 1.0, "link (train dashed)"),
    ]
    widths = [
        line_handle("#555555", _linear_width(value, change_max), f"{value:,.0f} {unit}")
        for value in _nice_values(change_max)
    ]
    title = "Change in families" if unit == "families" else f"Change, {unit}"
    if places:  # one column, over the Pacific: southern Mexico and Guatemala stay in view
        _legend_row(ax, [(change + place_handles(graph) + (marks or []), title, {})])
    else:
        _legend_row(ax, [(change[:2], title, {})])
    if widths:  # over the United States, where no link runs, clear of the origins
        add_legend(ax, widths, "Size of change", loc="upper right")


def _finish(fig: Figure, path: str | Path | None) -> Figure:
    """Save and close the figure if a path is given; return it."""
    if path is not None:
        fig.savefig(path, dpi=DPI)
        plt.close(fig)
    return fig
