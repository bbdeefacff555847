"""Moving maps of the corridor: an animation of a finished run, and live frames of a running model.

:class:`FlowMap` draws the corridor once (base map, links, places) and then redraws only what
changes from one day to the next: the width of each link (families setting off along it over
the past week), circles of families waiting in each place, dots for families on the move,
rings where enforcement is in force, and a date caption. :func:`animate_run` turns a results
folder into a GIF (and an MP4 when ffmpeg is installed); the teaching app draws the same map
from a running model with :func:`families_on_the_move` for the dots.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import shutil
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import networkx as nx
import numpy as np
import pandas as pd
from matplotlib import animation
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.text import Text

from migsim.errors import InputError
from migsim.viz.basemap import Extent, draw_basemap
from migsim.viz.maps import (
    ENFORCEMENT_MARKS,
    MAP_EXTENT,
    MODE_COLOURS,
    MODE_LABELS,
    NODE_STYLES,
    OTHER_MODE_COLOUR,
    WAITING_COLOUR,
    Enforcement,
    add_legend,
    draw_all_links,
    draw_nodes,
    enforcement_handle,
    enforcement_on,
    label_places,
    line_handle,
    link_pair,
    place_handles,
    place_positions,
    policy_on,
)
from migsim.viz.roads import link_path

if TYPE_CHECKING:
    from migsim.corridor import Corridor
    from migsim.model import MigrationModel
    from migsim.results import Results

WINDOW_DAYS = 7
# Yellow with a dark rim: unlike a dark blue, it stands out on the blue bus lines it moves on.
MOVING_COLOUR = "#ffd21f"
MOVING_EDGE = "#333333"
DOTS_LIMIT = 1500
# Every colour the key shows, kept exact in a GIF's palette.
KEY_COLOURS = (
    *MODE_COLOURS.values(),
    MOVING_COLOUR,
    MOVING_EDGE,
    WAITING_COLOUR,
    *(colour for _, _, _, colour, _ in ENFORCEMENT_MARKS),
    *(style.face for style in NODE_STYLES.values() if style.face != "none"),
    *(style.edge for style in NODE_STYLES.values() if style.edge != "none"),
)
Pair = tuple[str, str]


@dataclass(frozen=True)
class Frame:
    """What one frame shows.

    Attributes:
        flows: Families setting off along each directed link over the window, in the order of
            ``graph.edges`` (both directions of a link are drawn together).
        waiting: Families waiting at each place, in the order of ``graph.nodes``.
        caption: The text under the title (date and figures).
        dots: Positions ``(lon, lat)`` of families on the move, one dot per ``per_dot``.
        per_dot: Families a dot stands for.
        enforcement: Places where levers are in force.
    """

    flows: np.ndarray
    waiting: np.ndarray
    caption: str
    dots: np.ndarray | None = None
    per_dot: int = 1
    enforcement: Enforcement | None = None


class FlowMap:
    """A corridor map whose flows, waiting circles, moving families and caption change.

    The base map, every link (thin grey), the places and their names are drawn once; each
    :meth:`show` only updates the artists that change, so a frame is cheap.

    Args:
        ax: Axes to draw on (in longitude/latitude degrees).
        graph: The corridor (nodes with ``lat``, ``lon``, ``kind``, ``group``; edges with
            ``mode``).
        extent: ``(lon_min, lon_max, lat_min, lat_max)`` shown.
        flow_top: Families on a link drawn at the widest width (``max_width`` points).
        waiting_top: Families waiting drawn as the largest circle (``max_area`` points²).
        max_width: The widest link, in points.
        max_area: The largest waiting circle, in points².
        legend: Whether to add a small key in the lower left corner.
        labels: Places to name (default: origins and border cities).
        fontsize: Size of place names and of the key.
    """

    def __init__(
        self,
        ax: Axes,
        graph: nx.DiGraph,
        *,
        extent: Extent = MAP_EXTENT,
        flow_top: float = 1.0,
        waiting_top: float = 1.0,
        max_width: float = 7.0,
        max_area: float = 900.0,
        legend: bool = True,
        labels: Sequence[str] | None = None,
        fontsize: float = 6.5,
    ) -> None:
        self.ax = ax
        self.graph = graph
        self.flow_top = max(float(flow_top), 1e-9)
        self.waiting_top = max(float(waiting_top), 1e-9)
        self.max_width = max_width
        self.max_area = max_area
        self.places = list(graph.nodes)
        positions = place_positions(graph)
        self.xy = np.array([positions[p] for p in self.places])
        self.pairs: list[Pair] = []
        pair_index: dict[Pair, int] = {}
        self.edge_pair = np.zeros(graph.number_of_edges(), dtype=np.int64)
        for e, (u, v) in enumerate(graph.edges):
            key = link_pair(u, v)
            if key not in pair_index:
                pair_index[key] = len(self.pairs)
                self.pairs.append(key)
            self.edge_pair[e] = pair_index[key]
        colours = [_pair_colour(graph, pair) for pair in self.pairs]

        draw_basemap(ax, extent=extent)
        ax.set_xticks([])
        ax.set_yticks([])
        draw_all_links(ax, graph, positions)
        self.flow_lines = LineCollection(
            [link_path(u, v, positions) for u, v in self.pairs],
            colors=colours,
            linewidths=np.zeros(len(self.pairs)),
            capstyle="round",
            alpha=0.85,
            zorder=2,
            gid="links:flow",
        )
        ax.add_collection(self.flow_lines, autolim=False)
        self.waiting = ax.scatter(
            self.xy[:, 0],
            self.xy[:, 1],
            s=np.zeros(len(self.places)),
            facecolor=WAITING_COLOUR,
            edgecolor=WAITING_COLOUR,
            alpha=0.3,
            linewidths=1.0,
            zorder=3,
            gid="waiting",
        )
        moving = {"facecolor": MOVING_COLOUR, "edgecolor": MOVING_EDGE, "linewidths": 0.5}
        self.dots = ax.scatter([], [], s=12, alpha=0.9, zorder=4, gid="moving", **moving)
        draw_nodes(ax, graph, positions)
        self.marks = {
            name: ax.scatter(
                self.xy[:, 0],
                self.xy[:, 1],
                s=np.zeros(len(self.places)),
                marker=marker,
                facecolor="none",
                edgecolor=colour,
                linewidths=1.4,
                zorder=7,
                gid=f"enforcement:{name}",
            )
            for name, marker, _, colour, _ in ENFORCEMENT_MARKS
        }
        self._mark_sizes = {name: size for name, _, size, _, _ in ENFORCEMENT_MARKS}
        self.caption = ax.text(
            0.99,
            0.99,
            "",
            transform=ax.transAxes,
            ha="right",
            va="top",
            fontsize=fontsize + 1.5,
            zorder=9,
            bbox={"boxstyle": "round,pad=0.4", "facecolor": "white", "edgecolor": "#cccccc"},
        )
        self.key = self._add_key(fontsize) if legend else None
        if labels is None:
            kinds = nx.get_node_attributes(graph, "kind")
            labels = [p for p in self.places if kinds.get(p) in ("origin", "border_city")]
        self._label(labels, fontsize)

    # ----------------------------------------------------------------- updates
    def show(self, frame: Frame) -> None:
        """Redraw the parts of the map that change to show one frame."""
        self.set_flows(frame.flows)
        self.set_waiting(frame.waiting)
        self.set_dots(frame.dots)
        self.set_enforcement(frame.enforcement)
        self.caption.set_text(frame.caption)

    def pair_flows(self, flows: np.ndarray) -> np.ndarray:
        """Add up per-link flows (``graph.edges`` order) over both directions of each link."""
        return np.bincount(self.edge_pair, weights=flows, minlength=len(self.pairs))

    def set_flows(self, flows: np.ndarray) -> None:
        """Set link widths from families per directed link (``graph.edges`` order)."""
        per_pair = self.pair_flows(np.asarray(flows, dtype=float))
        widths = self.max_width * np.sqrt(np.clip(per_pair / self.flow_top, 0.0, 1.0))
        self.flow_lines.set_linewidths(widths)

    def set_waiting(self, waiting: np.ndarray) -> None:
        """Set the waiting circles from families waiting at each place (``graph.nodes`` order)."""
        share = np.clip(np.asarray(waiting, dtype=float) / self.waiting_top, 0.0, 1.0)
        self.waiting.set_sizes(self.max_area * share)

    def set_dots(self, dots: np.ndarray | None) -> None:
        """Place the dots of families on the move (``(n, 2)`` longitudes and latitudes)."""
        self.dots.set_offsets(np.empty((0, 2)) if dots is None else dots)

    def set_enforcement(self, enforcement: Enforcement | None) -> None:
        """Ring the places where levers are in force (none if ``None``)."""
        index = {p: i for i, p in enumerate(self.places)}
        for name, artist in self.marks.items():
            sizes = np.zeros(len(self.places))
            for place in getattr(enforcement, name, ()) if enforcement else ():
                if place in index:
                    sizes[index[place]] = self._mark_sizes[name] * 0.8
            artist.set_sizes(sizes)

    def drawn_places(self) -> int:
        """Number of place markers drawn (one per place of the corridor)."""
        return sum(
            len(c.get_offsets())
            for c in self.ax.collections
            if str(c.get_gid()).startswith("nodes:")
        )

    # ------------------------------------------------------------------ set-up
    def _add_key(self, fontsize: float):
        legend = add_legend(self.ax, key_handles(self.graph), "", loc="lower left", ncols=2)
        for text in legend.get_texts():
            text.set_fontsize(fontsize)
        return legend

    def _label(self, names: Sequence[str], fontsize: float) -> None:
        positions = {
            p: (float(x), float(y)) for p, (x, y) in zip(self.places, self.xy, strict=True)
        }
        self.ax.figure.draw_without_rendering()
        label_places(self.ax, positions, [n for n in names if n in positions], fontsize)


def key_handles(graph: nx.DiGraph) -> list[Line2D]:
    """The key of a moving map: modes, families moving and waiting, enforcement, places."""
    modes = {str(d.get("mode", "")) for _, _, d in graph.edges(data=True)}
    handles = [
        line_handle(MODE_COLOURS[m], 2.0, MODE_LABELS[m]) for m in MODE_COLOURS if m in modes
    ]
    moving = {"markersize": 4, "color": MOVING_COLOUR, "markeredgecolor": MOVING_EDGE}
    waiting = {"markersize": 8, "color": WAITING_COLOUR, "alpha": 0.3}
    for style, label in ((moving, "families on the move"), (waiting, "families waiting")):
        handles.append(Line2D([], [], linestyle="none", marker="o", label=label, **style))
    for _, marker, size, colour, label in ENFORCEMENT_MARKS:
        handles.append(enforcement_handle(marker, size, colour, label, scale=0.6, width=1.4))
    return handles + place_handles(graph)


def key_png(graph: nx.DiGraph, *, dpi: int = 100, fontsize: float = 10.0, ncols: int = 3) -> bytes:
    """The key of a moving map alone, as a PNG as wide as its columns need.

    Shown at its own size (one pixel a screen pixel), its text is ``fontsize`` × dpi / 96
    points on the screen.
    """
    fig = Figure(figsize=(1, 1), dpi=dpi)
    handles = key_handles(graph)
    fig.legend(
        handles,
        [h.get_label() for h in handles],
        loc="center",
        ncols=ncols,
        fontsize=fontsize,
        frameon=False,
        columnspacing=1.6,
        handlelength=2.2,
    )
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight", pad_inches=0.04)
    return buffer.getvalue()


def _pair_colour(graph: nx.DiGraph, pair: Pair) -> str:
    u, v = pair
    data = graph.get_edge_data(u, v) or graph.get_edge_data(v, u) or {}
    return MODE_COLOURS.get(str(data.get("mode", "")), OTHER_MODE_COLOUR)


# ---------------------------------------------------------------- live model
def families_on_the_move(model: MigrationModel, limit: int = DOTS_LIMIT) -> tuple[np.ndarray, int]:
    """Positions of families travelling along links or resting at places on the way.

    A family on a link is placed along the link's line as the maps draw it (through its road's
    waypoints) by the share of its travel time already behind it (from the day it is due to
    arrive and the link's travel days), nudged sideways so that families on the same link do
    not sit on one line. Families resting at a
    place are scattered a little around it. At most about ``limit`` dots are returned, always
    for the same families (chosen by their row), so dots do not flicker from day to day.

    Returns:
        ``(n, 2)`` longitudes and latitudes, and how many families a dot stands for.
    """
    from migsim.agents import FamilyState, TravelMode

    fam, c = model.families, model.corridor
    state = fam.state[: fam.n]
    moving = np.flatnonzero((state == FamilyState.TRAVELLING) | (state == FamilyState.AT_PLACE))
    if len(moving) == 0:
        return np.empty((0, 2)), 1
    per_dot = max(1, math.ceil(len(moving) / limit))
    rows = moving[_spread(moving) < 1.0 / per_dot]
    on_link = fam.state[rows] == FamilyState.TRAVELLING
    out = np.empty((len(rows), 2))
    # resting at a place
    rest = rows[~on_link]
    places = fam.place[rest]
    angle = 2 * np.pi * _spread(rest, 7)
    radius = 0.25 * np.sqrt(_spread(rest, 11))
    out[~on_link, 0] = c.lon[places] + radius * np.cos(angle)
    out[~on_link, 1] = c.lat[places] + radius * np.sin(angle)
    # on a link: along the road the map draws, by the share of the way already behind
    go = rows[on_link]
    links = fam.link[go]
    speed = np.where(fam.mode[go] == TravelMode.CARAVAN, model.behaviour.caravan_speed, 1.0)
    days = np.maximum(np.ceil(c.link_days[links] / speed), 1)
    progress = np.clip(1.0 - (fam.wake[go] - model.day) / days, 0.0, 1.0)
    points, along = road_polylines(c)
    where, heading = along_polylines(points[links], along[links], progress)
    side = 0.15 * (_spread(go, 3) - 0.5)
    out[on_link, 0] = where[:, 0] - side * heading[:, 1]
    out[on_link, 1] = where[:, 1] + side * heading[:, 0]
    return out, per_dot


def road_polylines(corridor: Corridor) -> tuple[np.ndarray, np.ndarray]:
    """Every link's line as the maps draw it (along its road's waypoints), padded to a block.

    Returns:
        ``(links, k, 2)`` points from source to target (the last repeated to fill ``k``), and
        ``(links, k)`` the share of the line's length up to each point, from 0 to 1.
    """
    places = (corridor.places, corridor.lon.tolist(), corridor.lat.tolist())
    positions = tuple(zip(*places, strict=True))
    return _polylines(tuple(corridor.links), positions)


@cache
def _polylines(
    links: tuple[Pair, ...], positions: tuple[tuple[str, float, float], ...]
) -> tuple[np.ndarray, np.ndarray]:
    """The block of :func:`road_polylines`, built once per corridor."""
    where = {name: (lon, lat) for name, lon, lat in positions}
    lines = [np.array(link_path(u, v, where)) for u, v in links]
    k = max((len(line) for line in lines), default=2)
    points = np.empty((len(lines), k, 2))
    along = np.ones((len(lines), k))
    for i, line in enumerate(lines):
        points[i, : len(line)], points[i, len(line) :] = line, line[-1]
        walked = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(line, axis=0).T))])
        along[i, : len(line)] = walked / max(walked[-1], 1e-12)
    return points, along


def along_polylines(
    points: np.ndarray, along: np.ndarray, progress: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Points at a share of the way along lines, and the unit direction of travel there.

    Args:
        points: ``(n, k, 2)`` lines (see :func:`road_polylines`).
        along: ``(n, k)`` share of each line's length up to each point.
        progress: ``(n,)`` share of the way travelled, from 0 to 1.

    Returns:
        ``(n, 2)`` positions and ``(n, 2)`` unit headings.
    """
    rows = np.arange(len(progress))
    # The piece of road each family is on: how many inner points it has already passed.
    piece = (along[:, 1:-1] < progress[:, None]).sum(axis=1)
    start, end = points[rows, piece], points[rows, piece + 1]
    done, total = along[rows, piece], along[rows, piece + 1]
    share = np.clip((progress - done) / np.maximum(total - done, 1e-12), 0.0, 1.0)
    step = end - start
    heading = step / np.maximum(np.hypot(step[:, 0], step[:, 1]), 1e-9)[:, None]
    return start + share[:, None] * step, heading


def _spread(rows: np.ndarray, salt: int = 1) -> np.ndarray:
    """A fixed pseudo-random number in [0, 1) for each row (the same every day)."""
    mixed = (rows.astype(np.uint64) * np.uint64(2654435761) + np.uint64(salt * 40503)) % 2**32
    return mixed.astype(float) / 2**32


def model_frame(model: MigrationModel, *, window_days: int = WINDOW_DAYS) -> Frame:
    """The frame of a running model at the end of its latest day."""
    from migsim.agents import FamilyState

    fam, c = model.families, model.corridor
    day = model.day
    flows = model.link_flows[max(0, day - window_days) : day].sum(axis=0)
    rows = fam.in_state(FamilyState.WAITING, FamilyState.RETURNED_MPP)
    waiting = np.bincount(fam.place[rows], minlength=len(c.places)).astype(float)
    dots, per_dot = families_on_the_move(model)
    date = model.spec.start + dt.timedelta(days=max(day - 1, 0))
    caption = f"{date:%d %b %Y}" if day else f"{model.spec.start:%d %b %Y} (not started)"
    return Frame(
        flows=flows,
        waiting=waiting,
        caption=caption,
        dots=dots,
        per_dot=per_dot,
        enforcement=enforcement_on(c, model.policy) if day else None,
    )


# ---------------------------------------------------------------- from results
def _dense_flows(results: Results, graph: nx.DiGraph, dates: pd.DatetimeIndex) -> np.ndarray:
    """Families setting off along each link each day: ``(days, links)`` in ``graph.edges``."""
    edges = {edge: e for e, edge in enumerate(graph.edges)}
    out = np.zeros((len(dates), len(edges)))
    lf = results.link_flows
    if lf.empty:
        return out
    day = dates.get_indexer(pd.to_datetime(lf["date"]))
    edge = np.array(
        [edges.get((str(u), str(v)), -1) for u, v in zip(lf["source"], lf["target"], strict=True)]
    )
    ok = (day >= 0) & (edge >= 0)
    np.add.at(out, (day[ok], edge[ok]), lf["families"].to_numpy(dtype=float)[ok])
    return out


def _dense_waiting(results: Results, graph: nx.DiGraph, dates: pd.DatetimeIndex) -> np.ndarray:
    """Families waiting at each place at the end of each day: ``(days, places)``."""
    index = {p: i for i, p in enumerate(graph.nodes)}
    out = np.zeros((len(dates), len(index)))
    ps = results.place_series
    if ps.empty:
        return out
    ps = ps[ps["measure"] == "waiting"]
    day = dates.get_indexer(pd.to_datetime(ps["date"]))
    place = np.array([index.get(str(p), -1) for p in ps["place"]])
    ok = (day >= 0) & (place >= 0)
    np.add.at(out, (day[ok], place[ok]), ps["value"].to_numpy(dtype=float)[ok])
    return out


def results_frames(
    folder: str | Path,
    *,
    every_days: int = 7,
    window_days: int = WINDOW_DAYS,
) -> tuple[Results, list[Frame], float, float]:
    """The frames of a results folder, one every ``every_days`` days.

    Each frame shows the families that set off along each link over the ``window_days`` up
    to its date (a moving window), the families waiting at each place that day, the levers'
    enforcement in force that day, and a caption with the date and the week's figures.

    Returns:
        The results, the frames, and the largest windowed link flow and waiting count over
        the run (for scales that stay the same from frame to frame).

    Raises:
        InputError: If the folder is not a results folder.
    """
    from migsim.corridor import load_corridor
    from migsim.results import Results
    from migsim.scenario import load_scenario

    folder = Path(folder)
    results = Results.read(folder)
    graph = results.graph
    daily = results.daily
    if graph is None or daily.empty:
        raise InputError(folder, "holds no simulated days; run a scenario for a day or more")
    dates = pd.DatetimeIndex(daily.index)
    flows = _dense_flows(results, graph, dates)
    waiting = _dense_waiting(results, graph, dates)
    cumulative = np.vstack([np.zeros((1, flows.shape[1])), np.cumsum(flows, axis=0)])
    scenario = load_scenario(folder / "scenario.yaml")
    corridor = load_corridor(scenario.corridor_path())
    picked = sorted({*range(0, len(dates), max(1, every_days)), len(dates) - 1})
    frames, flow_top, waiting_top = [], 0.0, 0.0
    pairs = _pairs_of(graph)
    for i in picked:
        lo = max(0, i + 1 - window_days)
        window = cumulative[i + 1] - cumulative[lo]
        week = daily.iloc[lo : i + 1]
        flow_top = max(flow_top, float(np.bincount(pairs, weights=window).max(initial=0)))
        waiting_top = max(waiting_top, float(waiting[i].max(initial=0)))
        today = dates[i].date()
        caption = (
            f"{today:%d %b %Y}\n"
            f"this week: {_total(week, 'departures'):,.0f} set off, "
            f"{_total(week, 'mx_apprehensions'):,.0f} stopped in Mexico,\n"
            f"{_total(week, 'us_apprehensions_families'):,.0f} apprehended by Border Patrol; "
            f"{waiting[i].sum():,.0f} waiting"
        )
        frames.append(
            Frame(
                flows=window,
                waiting=waiting[i],
                caption=caption,
                enforcement=enforcement_on(corridor, policy_on(scenario, corridor, today)),
            )
        )
    return results, frames, flow_top, waiting_top


def _pairs_of(graph: nx.DiGraph) -> np.ndarray:
    index: dict[Pair, int] = {}
    return np.array([index.setdefault(link_pair(u, v), len(index)) for u, v in graph.edges])


def _total(frame: pd.DataFrame, column: str) -> float:
    return float(frame[column].sum()) if column in frame.columns else 0.0


def animate_run(
    folder: str | Path,
    path: str | Path,
    *,
    every_days: int = 7,
    window_days: int = WINDOW_DAYS,
    fps: float = 5.0,
    dpi: int = 80,
    figsize: tuple[float, float] = (9.0, 6.6),
) -> Path:
    """Write an animation of a results folder: a GIF, or an MP4 (needs ffmpeg).

    Args:
        folder: A results folder written by ``migsim run``.
        path: The file to write; its suffix (``.gif`` or ``.mp4``) chooses the format.
        every_days: Days between frames.
        window_days: Days of link flows each frame adds up (a moving window).
        fps: Frames per second.
        dpi: Resolution (the frame is ``figsize × dpi`` pixels).
        figsize: Size of a frame in inches.

    Returns:
        The file written.

    Raises:
        InputError: If the folder is not a results folder, the suffix is not ``.gif`` or
            ``.mp4``, or an MP4 is asked for and ffmpeg is not installed.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".gif", ".mp4"):
        raise InputError(path, "name the animation file with .gif or .mp4")
    if suffix == ".mp4" and not mp4_available():
        raise InputError(path, "writing MP4 needs ffmpeg; install it or ask for a .gif")
    results, frames, flow_top, waiting_top = results_frames(
        folder, every_days=every_days, window_days=window_days
    )
    fig = plt.figure(figsize=figsize, layout="constrained")
    ax = fig.add_subplot()
    ax.set_title(results.title, fontsize=11)
    # A figure-wide label, so the constrained layout keeps it clear of the map and inside.
    fig.supxlabel(
        f"Link width: families setting off along it over the past {window_days} days; "
        "circles: families waiting.",
        fontsize=8,
        color="#555555",
    )
    flow_map = FlowMap(ax, results.graph, flow_top=flow_top, waiting_top=waiting_top)
    anim = animation.FuncAnimation(
        fig, lambda k: flow_map.show(frames[k]), frames=len(frames), blit=False, repeat=False
    )
    writer = (
        SharedPaletteGifWriter(fps=fps)
        if suffix == ".gif"
        else animation.FFMpegWriter(fps=fps, bitrate=1800)
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.partial{suffix}")
    try:
        anim.save(tmp, writer=writer, dpi=dpi)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
        plt.close(fig)
    return path


class SharedPaletteGifWriter(animation.PillowWriter):
    """Writes a GIF whose frames share one palette, which holds every colour of the key.

    Left to itself, each GIF frame gets a palette of its own, chosen by area: the key's small
    swatches (the river raft's purple, the remain-in-Mexico square) change colour from frame
    to frame, and differ from the map's lines.
    """

    def finish(self) -> None:
        """Quantise every frame to one palette made from the frames and the key's colours."""
        from PIL import Image

        frames = [frame.convert("RGB") for frame in self._frames]
        width, height = frames[0].size
        picked = frames[:: max(1, len(frames) // 4)][:4]
        sample = Image.new("RGB", (width, height * len(picked) + 40), "white")
        for k, frame in enumerate(picked):
            sample.paste(frame, (0, k * height))
        swatch = width // max(1, len(KEY_COLOURS))
        for k, colour in enumerate(KEY_COLOURS):  # the key's colours, over a band of their own
            box = (k * swatch, height * len(picked), (k + 1) * swatch, height * len(picked) + 40)
            sample.paste(colour, box)
        palette = sample.quantize(colors=255, method=Image.Quantize.MEDIANCUT)
        shared = [f.quantize(palette=palette, dither=Image.Dither.NONE) for f in frames]
        shared[0].save(
            self.outfile,
            save_all=True,
            append_images=shared[1:],
            duration=int(1000 / self.fps),
            loop=0,
        )


def mp4_available() -> bool:
    """Whether matplotlib can write MP4 here (ffmpeg is installed)."""
    return animation.writers.is_available("ffmpeg") or shutil.which("ffmpeg") is not None


class LiveMap:
    """Draws frames of one corridor map quickly, as PNG images (for the live app).

    What does not change is drawn once, in two layers: underneath (the base map and the
    links) and on top (the places, their names and the key). A frame pastes the layer
    underneath, draws the flows, waiting circles, moving families and enforcement rings, lays
    the top layer over them, and adds the caption and title. Frames are drawn one at a time.

    The image is ``width`` inches wide and as tall as the title, the map (its height follows
    from ``extent``), the caption under it and the key need. Shown at ``width × dpi`` pixels,
    its text keeps its size in points on the screen (× dpi / 96).

    Args:
        graph: The corridor (see :class:`FlowMap`).
        width: Width of the image in inches.
        dpi: Pixels per inch.
        legend: Whether to add the key (under the map; see :func:`key_png` for a key alone).
        fontsize: Size of place names, the caption and the key (the title is a point larger).
        key_height: Inches left under the map for the key.
        extent: ``(lon_min, lon_max, lat_min, lat_max)`` shown.
        labels: Places to name (default: origins and border cities).
        title_lines: Lines of title the image leaves room for.
        caption_lines: Lines of caption (under the map) the image leaves room for.
    """

    def __init__(
        self,
        graph: nx.DiGraph,
        *,
        width: float = 6.4,
        dpi: int = 90,
        legend: bool = True,
        fontsize: float = 10.0,
        key_height: float = 1.6,
        extent: Extent = MAP_EXTENT,
        labels: Sequence[str] | None = None,
        title_lines: int = 2,
        caption_lines: int = 3,
    ) -> None:
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        line = 1.3 * fontsize / 72  # inches a line of text takes
        title_room = title_lines * (line + 1 / 72) + 0.06
        caption_room = caption_lines * line + 0.1
        key_room = key_height if legend else 0.0
        map_height = width * map_aspect(extent)
        height = title_room + map_height + caption_room + key_room
        self.fig = Figure(figsize=(width, height), dpi=dpi)
        self.canvas = FigureCanvasAgg(self.fig)
        bottom = (caption_room + key_room) / height
        ax = self.fig.add_axes((0.003, bottom, 0.994, map_height / height))
        self.map = FlowMap(ax, graph, extent=extent, legend=False, labels=labels, fontsize=fontsize)
        self.map.caption.remove()  # the caption goes under the map, clear of the places
        self.map.caption = self.fig.text(
            0.5, bottom - 0.04 / height, "", ha="center", va="top", fontsize=fontsize
        )
        self.title = self.fig.text(
            0.5, 1 - 0.03 / height, "", ha="center", va="top", fontsize=fontsize + 1
        )
        if legend:
            handles = key_handles(graph)
            self.fig.legend(
                handles,
                [h.get_label() for h in handles],
                loc="lower center",
                ncols=2,
                fontsize=fontsize,
                frameon=False,
            )
        m = self.map
        self._changing = [m.flow_lines, m.waiting, m.dots, *m.marks.values()]
        self._texts = [m.caption, self.title]
        above = {id(a) for a in (*ax.collections, *ax.texts, *ax.artists) if _is_above(a)}
        self._above = [a for a in (*ax.collections, *ax.texts, *ax.artists) if id(a) in above]
        everything = self._changing + self._texts + self._above
        for artist in everything:
            artist.set_visible(False)
        self.canvas.draw()
        self._under = self.canvas.copy_from_bbox(self.fig.bbox)
        # The top layer, drawn alone on a transparent figure.
        for artist in everything:
            artist.set_visible(False)
        children = [*ax.get_children(), *self.fig.texts]
        hidden = [a for a in children if a.get_visible() and a is not ax.patch]
        for artist in hidden:
            artist.set_visible(False)
        for artist in self._above:
            artist.set_visible(True)
        self.fig.patch.set_alpha(0.0)
        ax.patch.set_alpha(0.0)
        self.canvas.draw()
        top = np.asarray(self.canvas.buffer_rgba()).astype(np.float32) / 255.0
        self._top_rgb, self._top_alpha = top[..., :3], top[..., 3:4]
        self.fig.patch.set_alpha(1.0)
        ax.patch.set_alpha(1.0)
        for artist in hidden + self._changing + self._texts:
            artist.set_visible(True)
        self._lock = threading.Lock()

    def render(self, frame: Frame, *, title: str, flow_top: float, waiting_top: float) -> bytes:
        """Draw one frame and return it as PNG bytes."""
        from PIL import Image

        with self._lock:
            m = self.map
            m.flow_top = max(float(flow_top), 1e-9)
            m.waiting_top = max(float(waiting_top), 1e-9)
            m.show(frame)
            self.title.set_text(title)
            self.canvas.restore_region(self._under)
            for artist in self._changing:
                self.fig.draw_artist(artist)
            pixels = np.asarray(self.canvas.buffer_rgba())
            below = pixels[..., :3].astype(np.float32) / 255.0
            blended = self._top_rgb * self._top_alpha + below * (1.0 - self._top_alpha)
            pixels[..., :3] = np.rint(blended * 255.0).astype(np.uint8)
            for artist in self._texts:
                self.fig.draw_artist(artist)
            image = Image.fromarray(np.asarray(self.canvas.buffer_rgba())[..., :3].copy())
        buffer = io.BytesIO()
        image.save(buffer, format="PNG", compress_level=3)
        return buffer.getvalue()

    def drawn_places(self) -> int:
        """Number of place markers drawn (one per place of the corridor)."""
        return self.map.drawn_places()


def map_aspect(extent: Extent) -> float:
    """Height over width of a map of ``extent`` (as :func:`draw_basemap` draws it)."""
    lon_min, lon_max, lat_min, lat_max = extent
    mean_lat = math.radians((lat_min + lat_max) / 2)
    return (lat_max - lat_min) / ((lon_max - lon_min) * math.cos(mean_lat))


def text_sizes(fig: Figure) -> list[float]:
    """The font sizes (points) of every visible text of a figure, its keys' too."""
    texts = fig.findobj(lambda a: isinstance(a, Text) and a.get_visible() and a.get_text())
    return [t.get_fontsize() for t in texts]


def _is_above(artist) -> bool:
    """Whether an unchanging artist belongs on top of the flows (places, names, key)."""
    gid = str(artist.get_gid() or "")
    return gid.startswith("nodes:") or artist.__class__.__name__ in ("Annotation", "Legend")
