"""The corridor: places and directed links, loaded from CSV and validated into a networkx graph.

A corridor folder holds ``places.csv`` and ``links.csv`` (see
``models/northern_triangle_2019/README.md`` for every column). :func:`load_corridor` reads and
checks them and returns a :class:`Corridor`: the ``networkx.DiGraph`` a user inspects, plus
integer-indexed numpy arrays of the same data that the model's batched decisions use.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field
from enum import IntEnum
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd

from migsim.errors import InputError, did_you_mean, read_text
from migsim.limits import MAX_NUMBER

PLACE_KINDS = ("origin", "crossing", "city", "checkpoint", "border_city", "us_port", "us_sector")
LINK_MODES = ("bus", "train", "foot", "raft")

PLACE_COLUMNS = (
    "name", "kind", "group", "country", "lat", "lon", "mean_stay_days",
    "base_interdiction", "capacity_per_day", "sector", "note", "source",
)  # fmt: skip
LINK_COLUMNS = (
    "from", "to", "distance_km", "mode", "speed_km_per_day", "cost_usd",
    "victimisation_risk", "death_risk", "distance_source", "note",
)  # fmt: skip
# The longest traversal of one link, in days: a check on distance_km and speed_km_per_day.
MAX_LINK_DAYS = 1000
# Columns a user may leave out; they default to empty text.
OPTIONAL_COLUMNS = {"group", "country", "sector", "note", "source", "distance_source"}


class Kind(IntEnum):
    """Place kinds as small integers for the array side of the corridor."""

    ORIGIN = 0
    CROSSING = 1
    CITY = 2
    CHECKPOINT = 3
    BORDER_CITY = 4
    US_PORT = 5
    US_SECTOR = 6


class Mode(IntEnum):
    """Travel modes of links."""

    BUS = 0
    TRAIN = 1
    FOOT = 2
    RAFT = 3


@dataclass
class Corridor:
    """A validated corridor.

    Attributes:
        graph: Places as nodes (attributes from ``places.csv``) and links as edges (attributes
            from ``links.csv`` plus ``days``, the whole days a traversal takes).
        places: Place names in index order; ``index[name]`` gives the integer id.
        folder: Where the corridor was loaded from (None if built in memory).
    """

    graph: nx.DiGraph
    folder: Path | None = None
    places: list[str] = field(init=False)
    index: dict[str, int] = field(init=False)

    def __post_init__(self) -> None:
        self._of_kind: dict[tuple[str, ...], np.ndarray] = {}
        self.places = list(self.graph.nodes)
        self.index = {name: i for i, name in enumerate(self.places)}
        g = self.graph
        nodes = [g.nodes[p] for p in self.places]
        self.kind = np.array([Kind[n["kind"].upper()] for n in nodes], dtype=np.int8)
        self.lat = np.array([n["lat"] for n in nodes], dtype=float)
        self.lon = np.array([n["lon"] for n in nodes], dtype=float)
        self.group = np.array([n.get("group", "") for n in nodes], dtype=object)
        self.mean_stay_days = np.array([n["mean_stay_days"] for n in nodes], dtype=float)
        self.base_interdiction = np.array([n["base_interdiction"] for n in nodes], dtype=float)
        cap = [n["capacity_per_day"] for n in nodes]
        self.capacity_per_day = np.array([np.inf if c is None else c for c in cap], dtype=float)
        edges = list(g.edges(data=True))
        self.links = [(u, v) for u, v, _ in edges]
        self.link_src = np.array([self.index[u] for u, _, _ in edges], dtype=np.int32)
        self.link_dst = np.array([self.index[v] for _, v, _ in edges], dtype=np.int32)
        self.link_distance = np.array([d["distance_km"] for *_, d in edges], dtype=float)
        self.link_mode = np.array([Mode[d["mode"].upper()] for *_, d in edges], dtype=np.int8)
        self.link_days = np.array([d["days"] for *_, d in edges], dtype=np.int32)
        self.link_cost = np.array([d["cost_usd"] for *_, d in edges], dtype=float)
        self.link_victimisation = np.array([d["victimisation_risk"] for *_, d in edges])
        self.link_death = np.array([d["death_risk"] for *_, d in edges], dtype=float)
        # Out-links of each place padded to a rectangle (-1 = none), so a choice among the
        # links out of many families' places is one numpy operation.
        n = len(self.places)
        out: list[list[int]] = [[] for _ in range(n)]
        for e, s in enumerate(self.link_src):
            out[s].append(e)
        width = max(1, max(len(o) for o in out))
        self.out_links = np.full((n, width), -1, dtype=np.int32)
        for i, o in enumerate(out):
            self.out_links[i, : len(o)] = o
        self.sector_of = {
            p: g.nodes[p].get("sector") or p
            for p in self.places
            if g.nodes[p]["kind"] in ("us_port", "us_sector")
        }

    def write(self, folder: str | Path) -> Path:
        """Write the corridor as ``places.csv`` and ``links.csv`` in a folder."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        g = self.graph
        places = pd.DataFrame([{"name": p, **g.nodes[p]} for p in self.places])
        places = places.reindex(columns=list(PLACE_COLUMNS)).fillna("")
        links = pd.DataFrame([{"from": u, "to": v, **g.edges[u, v]} for u, v in self.links])
        links = links.reindex(columns=list(LINK_COLUMNS)).fillna("")
        places.to_csv(folder / "places.csv", index=False)
        links.to_csv(folder / "links.csv", index=False)
        return folder

    def of_kind(self, *kinds: str) -> np.ndarray:
        """Return the integer ids of places of the given kinds (a read-only array)."""
        key = tuple(sorted(kinds))
        if key not in self._of_kind:
            codes = [Kind[k.upper()] for k in kinds]
            ids = np.flatnonzero(np.isin(self.kind, codes))
            ids.flags.writeable = False
            self._of_kind[key] = ids
        return self._of_kind[key]

    def names(self, ids: np.ndarray) -> list[str]:
        """Return place names for integer ids."""
        return [self.places[i] for i in ids]


def _read_csv(path: Path, columns: tuple[str, ...]) -> pd.DataFrame:
    if not path.is_file():
        raise InputError(path, f"file not found; a corridor folder needs {path.name}")
    text = read_text(path, "CSV")
    try:
        frame = pd.read_csv(
            io.StringIO(text), dtype=str, keep_default_na=False, skip_blank_lines=False
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(path, f"cannot be read as CSV ({exc}); check quoting and commas") from None
    frame.columns = [c.strip() for c in frame.columns]
    for col in columns:
        if col not in frame.columns and col not in OPTIONAL_COLUMNS:
            raise InputError(
                path,
                f"missing column '{col}'; the header must include: {','.join(columns)}",
                row=1,
            )
        if col not in frame.columns:
            frame[col] = ""
    frame = frame.apply(lambda c: c.str.strip())
    # Keep row numbers as in the file (header = row 1) even past blank lines.
    frame.index = frame.index + 2
    frame = frame[(frame != "").any(axis=1)]
    if frame.empty:
        raise InputError(path, "has a header but no rows; add at least one row")
    return frame


def _number(
    path: Path,
    row: int,
    column: str,
    text: str,
    *,
    low: float | None = 0.0,
    high: float | None = MAX_NUMBER,
    blank: float | None = math.nan,
) -> float | None:
    """Parse one numeric cell with a message naming the file, row and column on failure."""
    if text == "":
        if blank is not None and math.isnan(blank):
            raise InputError(path, f"column '{column}' is empty; give a number", row=row)
        return blank
    try:
        value = float(text)
    except ValueError:
        raise InputError(path, f"column '{column}' is '{text}', not a number", row=row) from None
    if not math.isfinite(value):
        raise InputError(path, f"column '{column}' is '{text}'; give a finite number", row=row)
    if low is not None and value < low:
        raise InputError(path, f"column '{column}' is {text}; it must be at least {low:g}", row=row)
    if high is not None and value > high:
        raise InputError(path, f"column '{column}' is {text}; it must be at most {high:g}", row=row)
    return value


CORRIDOR_FILES = ("places.csv", "links.csv")


def corridor_files(folder: str | Path) -> list[bytes]:
    """The bytes of a corridor folder's files, in a fixed order (empty for a missing file).

    Experiments and calibrations hash them, so that a result is tied to the corridor's content
    rather than to where the folder is.
    """
    folder = Path(folder)
    return [(folder / n).read_bytes() if (folder / n).is_file() else b"" for n in CORRIDOR_FILES]


def load_corridor(folder: str | Path) -> Corridor:
    """Load and validate a corridor folder into a :class:`Corridor`.

    Args:
        folder: A folder with ``places.csv`` and ``links.csv``.

    Returns:
        The validated corridor.

    Raises:
        InputError: If a file is missing or malformed, naming the file, row and fix.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(folder, "corridor folder not found; give a folder with places.csv")
    places_path, links_path = (folder / name for name in CORRIDOR_FILES)
    places = _read_csv(places_path, PLACE_COLUMNS)
    links = _read_csv(links_path, LINK_COLUMNS)
    graph = nx.DiGraph(name=folder.name)
    for row, rec in zip(places.index, places.to_dict("records"), strict=True):
        name = rec["name"]
        if not name:
            raise InputError(places_path, "column 'name' is empty; name the place", row=row)
        if name in graph:
            raise InputError(
                places_path, f"duplicate place '{name}'; place names must be unique", row=row
            )
        if rec["kind"] not in PLACE_KINDS:
            raise InputError(
                places_path,
                f"kind '{rec['kind']}' is not one of {', '.join(PLACE_KINDS)}"
                + did_you_mean(rec["kind"], list(PLACE_KINDS)),
                row=row,
            )
        attrs = dict(rec)
        attrs["lat"] = _number(places_path, row, "lat", rec["lat"], low=-90, high=90)
        attrs["lon"] = _number(places_path, row, "lon", rec["lon"], low=-180, high=180)
        attrs["mean_stay_days"] = _number(
            places_path, row, "mean_stay_days", rec["mean_stay_days"], blank=0.0
        )
        attrs["base_interdiction"] = _number(
            places_path, row, "base_interdiction", rec["base_interdiction"], high=1, blank=0.0
        )
        attrs["capacity_per_day"] = _number(
            places_path, row, "capacity_per_day", rec["capacity_per_day"], blank=None
        )
        graph.add_node(name, **attrs)
    names = list(graph.nodes)
    for row, rec in zip(links.index, links.to_dict("records"), strict=True):
        for end in ("from", "to"):
            if rec[end] not in graph:
                raise InputError(
                    links_path,
                    f"'{end}' names unknown place '{rec[end]}'{did_you_mean(rec[end], names)}; "
                    "add it to places.csv or fix the name",
                    row=row,
                )
        u, v = rec["from"], rec["to"]
        if u == v:
            raise InputError(links_path, f"link from '{u}' to itself; remove the row", row=row)
        if graph.has_edge(u, v):
            raise InputError(
                links_path, f"duplicate link '{u}' -> '{v}'; keep one row per link", row=row
            )
        if rec["mode"] not in LINK_MODES:
            raise InputError(
                links_path,
                f"mode '{rec['mode']}' is not one of {', '.join(LINK_MODES)}"
                + did_you_mean(rec["mode"], list(LINK_MODES)),
                row=row,
            )
        attrs = dict(rec)
        del attrs["from"], attrs["to"]
        attrs["distance_km"] = _number(links_path, row, "distance_km", rec["distance_km"])
        speed = _number(links_path, row, "speed_km_per_day", rec["speed_km_per_day"])
        if speed == 0:
            raise InputError(links_path, "column 'speed_km_per_day' must be above 0", row=row)
        attrs["speed_km_per_day"] = speed
        attrs["cost_usd"] = _number(links_path, row, "cost_usd", rec["cost_usd"])
        for col in ("victimisation_risk", "death_risk"):
            attrs[col] = _number(links_path, row, col, rec[col], high=1)
        # A traversal takes whole days; every link takes at least one.
        days = attrs["distance_km"] / speed
        if days > MAX_LINK_DAYS:
            raise InputError(
                links_path,
                f"a traversal takes {days:,.4g} days ({rec['distance_km']} km at "
                f"{rec['speed_km_per_day']} km a day); a link takes at most {MAX_LINK_DAYS:,} "
                "days: check distance_km and speed_km_per_day",
                row=row,
            )
        attrs["days"] = max(1, math.ceil(days - 1e-9))
        graph.add_edge(u, v, **attrs)
    _check_reachability(graph, places_path)
    return Corridor(graph, folder=folder)


def _check_reachability(graph: nx.DiGraph, places_path: Path) -> None:
    kinds = nx.get_node_attributes(graph, "kind")
    ports = [p for p, k in kinds.items() if k == "us_port"]
    origins = [p for p, k in kinds.items() if k == "origin"]
    if not origins:
        raise InputError(places_path, "no place of kind 'origin'; families need somewhere to leave")
    if not ports:
        raise InputError(places_path, "no place of kind 'us_port'; families need a destination")
    for origin in origins:
        reach = nx.descendants(graph, origin)
        if not any(p in reach for p in ports):
            raise InputError(
                places_path,
                f"origin '{origin}' cannot reach any US port; add links from it "
                "(links.csv) towards a border city",
            )
