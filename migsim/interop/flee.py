"""Flee scenario folders and validation data: read, write, and convert to and from migsim.

This module reads Flee scenario folders and their validation data, converts them to a migsim
corridor and back, and writes migsim corridors in Flee's format. The Flee rule set that runs
them is :mod:`migsim.flee`.

Flee (Suleimenova, Bell & Groen 2017, *A generalized simulation development approach for
predicting refugee destinations*, Scientific Reports 7:13377) describes a scenario with a few CSV
files in one folder (``input_csv/`` in Flee's own layout):

- ``locations.csv``: ``name,region,country,latitude,longitude,location_type,conflict_date,
  population`` and any extra columns, kept as attributes of the location. Columns are read by
  position, as Flee does; the header names only the extra columns.
- ``routes.csv``: ``name1,name2,distance[,forced_redirection]`` and extra columns. Routes are
  undirected.
- ``closures.csv`` (optional): ``closure_type,name1,name2,closure_start,closure_end``.
- ``conflicts.csv`` (optional): a row per day, a column per location, the conflict intensity.
- ``sim_period.csv``: ``StartDate,YYYY-MM-DD`` and ``Length,N``.

Validation data (``source_data/`` in Flee's layout) is a folder with ``data_layout.csv``, whose
rows name the total file (``total,refugees.csv``) and one file per camp (``CampName,file.csv``);
each file holds ``Date,Refugee_numbers`` rows.

The first line of a file is its header if it begins with ``#`` (as Flee writes headers) or holds a
known column name; later lines beginning with ``#`` are comments. Every malformed file raises an
:class:`~migsim.errors.InputError` naming the file, the line (as a text editor numbers lines, the
header being line 1) and the fix.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from migsim.corridor import LINK_COLUMNS, LINK_MODES, PLACE_COLUMNS, PLACE_KINDS, Corridor
from migsim.errors import InputError, did_you_mean, load_yaml, read_text
from migsim.limits import MAX_FLEE_DAYS

LOCATION_TYPES = ("conflict_zone", "town", "camp", "idpcamp", "forwarding_hub", "marker")
# Other spellings Flee accepts for the same types.
_TYPE_ALIASES = {"conflict": "conflict_zone", "default": "town", "forward": "forwarding_hub"}
CAMP_TYPES = ("camp", "idpcamp")
CLOSURE_TYPES = ("location", "country", "link", "camp", "idpcamp", "remove_forced_redirection")

LOCATION_COLUMNS = (
    "name", "region", "country", "latitude", "longitude", "location_type", "conflict_date",
    "population",
)  # fmt: skip
ROUTE_COLUMNS = ("name1", "name2", "distance", "forced_redirection")
CLOSURE_COLUMNS = ("closure_type", "name1", "name2", "closure_start", "closure_end")

# How migsim place kinds and Flee location types map onto each other.
KIND_TO_TYPE = {"origin": "conflict_zone", "us_port": "camp", "us_sector": "camp"}
TYPE_TO_KIND = {"conflict_zone": "origin", "camp": "us_port", "idpcamp": "us_port"}
# Extra columns a migsim export adds so that a corridor survives a round trip; Flee keeps them
# as custom attributes and ignores them.
PLACE_EXTRAS = (
    "migsim_kind", "group", "sector", "mean_stay_days", "base_interdiction", "capacity_per_day",
)  # fmt: skip
LINK_EXTRAS = ("mode", "speed_km_per_day", "cost_usd", "victimisation_risk", "death_risk")
ONEWAY = "migsim_oneway"
# Capacity of exported camps: Flee's documentation asks for a very high capacity for an unlimited
# camp (Flee 1 reads an empty one as 0, full).
UNLIMITED_CAPACITY = 1_000_000_000
# The files :func:`write_flee_scenario` writes.
FLEE_INPUT_FILES = (
    "locations.csv",
    "routes.csv",
    "closures.csv",
    "sim_period.csv",
    "conflicts.csv",
)
# Files of a Flee input folder that migsim reads; other CSV files there are reported as ignored.
KNOWN_FILES = (
    "locations.csv", "routes.csv", "closures.csv", "conflicts.csv", "sim_period.csv",
    "conflict_period.csv",
)  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Reading CSV files with line numbers


@dataclass
class _Row:
    line: int
    cells: list[str]

    def get(self, i: int) -> str:
        return self.cells[i] if i < len(self.cells) else ""


@dataclass
class _Table:
    path: Path
    header: list[str] | None
    rows: list[_Row]


def _read_table(path: Path, header_words: tuple[str, ...] = ()) -> _Table:
    """Read a CSV file into stripped cells, with the line each row starts on.

    Blank lines are skipped. The first non-blank line is the header if it starts with ``#`` or
    one of its cells is in ``header_words``; later lines starting with ``#`` are comments.
    """
    if not path.is_file():
        raise InputError(path, "file not found")
    text = read_text(path, "CSV")
    reader = csv.reader(io.StringIO(text, newline=""))
    header: list[str] | None = None
    rows: list[_Row] = []
    first = True
    previous = 0
    try:
        for raw in reader:
            line, previous = previous + 1, reader.line_num
            cells = [c.strip() for c in raw]
            if not any(cells):
                continue
            if first:
                first = False
                words = {c.lstrip("#").strip().strip('"').lower() for c in cells}
                if cells[0].startswith("#") or words & set(header_words):
                    header = [c.strip().strip('"') for c in [cells[0].lstrip("#"), *cells[1:]]]
                    continue
            elif cells[0].startswith("#"):
                continue
            rows.append(_Row(line, cells))
    except csv.Error as exc:
        raise InputError(
            path, f"cannot be read as CSV ({exc}); check quotes and commas", row=previous + 1
        ) from None
    return _Table(path, header, rows)


def _number(
    path: Path,
    row: _Row,
    column: str,
    text: str,
    *,
    integer: bool = False,
    low: float | None = None,
    high: float | None = None,
    above: float | None = None,
) -> float:
    """Parse one numeric cell; the error names the file, line and column."""
    if text == "":
        raise InputError(path, f"column '{column}' is empty; give a number", row=row.line)
    try:
        value = float(text)
    except ValueError:
        raise InputError(
            path, f"column '{column}' is '{text}', not a number", row=row.line
        ) from None
    if not math.isfinite(value):
        raise InputError(path, f"column '{column}' is '{text}'; give a finite number", row=row.line)
    if integer and value != int(value):
        raise InputError(path, f"column '{column}' is {text}; give a whole number", row=row.line)
    if low is not None and value < low:
        raise InputError(
            path, f"column '{column}' is {text}; it must be at least {low:g}", row=row.line
        )
    if above is not None and value <= above:
        raise InputError(
            path, f"column '{column}' is {text}; it must be above {above:g}", row=row.line
        )
    if high is not None and value > high:
        raise InputError(
            path, f"column '{column}' is {text}; it must be at most {high:g}", row=row.line
        )
    return int(value) if integer else value


def _date(text: str) -> dt.date:
    """A YYYY-MM-DD date; month and day may have one digit, as Flee allows."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return dt.datetime.strptime(text, "%Y-%m-%d").date()


def _extra_names(header: list[str] | None, first: int, count: int) -> list[str]:
    """Names of the extra columns from position ``first`` on (``column_N`` if unnamed)."""
    names = list(header[first:]) if header else []
    names += [""] * max(0, count - len(names))
    return [n or f"column_{first + i + 1}" for i, n in enumerate(names)]


# ---------------------------------------------------------------------------------------------
# The scenario


@dataclass
class FleeLocation:
    """One row of ``locations.csv``.

    Attributes:
        name: Unique location name.
        region: Region (free text).
        country: Country; closures of type ``country`` refer to it.
        lat: Latitude in degrees (NaN if not given).
        lon: Longitude in degrees (NaN if not given).
        location_type: One of :data:`LOCATION_TYPES`.
        conflict_date: Day the location becomes a conflict zone (conflict zones only).
        population: Population (spawn weight of a conflict zone) or, for camps, capacity.
        attributes: Extra columns by header name, as text.
        line: The line of the row in the file (0 if not read from a file).
    """

    name: str
    region: str = ""
    country: str = ""
    lat: float = math.nan
    lon: float = math.nan
    location_type: str = "town"
    conflict_date: int | None = None
    population: int = 0
    attributes: dict[str, str] = field(default_factory=dict)
    line: int = 0


@dataclass
class FleeRoute:
    """One row of ``routes.csv``: an undirected route.

    Attributes:
        name1: One end.
        name2: The other end.
        distance: Length in km.
        forced_redirection: 0 none, 1 agents leaving ``name2`` are sent to ``name1``, 2 agents
            leaving ``name1`` are sent to ``name2``.
        attributes: Extra columns by header name, as text.
        line: The line of the row in the file (0 if not read from a file).
    """

    name1: str
    name2: str
    distance: float
    forced_redirection: int = 0
    attributes: dict[str, str] = field(default_factory=dict)
    line: int = 0


@dataclass
class FleeClosure:
    """One row of ``closures.csv``.

    As in Flee, the row is two events: it closes on day ``start`` and reopens on day ``end``
    (-1, or any day before 0: never). On a day with both, it closes and then reopens. So it is
    in force from ``start`` until the day before ``end``; a row whose end comes before its start
    reopens first and is then in force from ``start`` to the last day. Reopening a camp makes
    the location a camp, and reopening a forced redirection sets it, as Flee does, even where
    the scenario had none.

    Attributes:
        closure_type: One of :data:`CLOSURE_TYPES`.
        name1: A location (or country, for ``country``).
        name2: The other location or country, where the type needs one.
        start: First day closed.
        end: Day it reopens, or -1.
    """

    closure_type: str
    name1: str
    name2: str
    start: int
    end: int

    def state(self, day: int) -> str | None:
        """``"closed"`` or ``"reopened"`` after the row's last event by ``day``, or None."""
        closed, reopened = 0 <= self.start <= day, 0 <= self.end <= day
        if closed and reopened:
            return "reopened" if self.end >= self.start else "closed"
        return "closed" if closed else "reopened" if reopened else None

    def active(self, day: int) -> bool:
        """Whether the closure is in force on ``day``."""
        return self.state(day) == "closed"


@dataclass
class FleeScenario:
    """A Flee scenario: locations, routes, closures, conflicts and the simulated period.

    Attributes:
        name: The scenario's name (its folder name).
        locations: The locations, in file order.
        routes: The routes, in file order.
        closures: Closures of locations, borders and routes.
        conflicts: Conflict intensity per day (rows) and location (columns, as ``locations``),
            from ``conflicts.csv``; None when the folder has none, in which case conflict zones
            start on their ``conflict_date``.
        start: The first simulated day.
        length: Days simulated.
        settings: ``simsetting.yml`` contents (empty if the folder has none).
        settings_path: Where ``settings`` came from.
        folder: The folder read (None if built in memory).
        ignored: Files present but not read, for a note to the user.
        notes: Remarks on the files read (such as a route listed twice), for the user.
    """

    name: str
    locations: list[FleeLocation]
    routes: list[FleeRoute]
    closures: list[FleeClosure] = field(default_factory=list)
    conflicts: np.ndarray | None = None
    start: dt.date = dt.date(2000, 1, 1)
    length: int = 1
    settings: dict[str, Any] = field(default_factory=dict)
    settings_path: Path | None = None
    folder: Path | None = None
    ignored: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def index(self) -> dict[str, int]:
        """Location index by name."""
        return {loc.name: i for i, loc in enumerate(self.locations)}

    @property
    def camps(self) -> list[int]:
        """Indices of camps (``camp`` and ``idpcamp``), in file order."""
        return [i for i, loc in enumerate(self.locations) if loc.location_type in CAMP_TYPES]

    @property
    def camp_names(self) -> list[str]:
        """Names of the camps, in file order."""
        return [self.locations[i].name for i in self.camps]

    def path(self, file: str) -> Path:
        """The path of one of the scenario's files (for messages)."""
        return (self.folder or Path(".")) / file

    def conflict_intensity(self, day: int) -> np.ndarray:
        """Conflict intensity of every location on ``day`` (0 = no conflict)."""
        if self.conflicts is not None:
            if len(self.conflicts) == 0:
                return np.zeros(len(self.locations))
            return self.conflicts[min(day, len(self.conflicts) - 1)]
        out = np.zeros(len(self.locations))
        for i, loc in enumerate(self.locations):
            if loc.location_type == "conflict_zone" and (loc.conflict_date or 0) <= day:
                out[i] = 1.0
        return out

    # -- conversions ---------------------------------------------------------------------------

    def corridor(self, speed_km_per_day: float = 200.0) -> Corridor:
        """The scenario as a migsim :class:`~migsim.corridor.Corridor` (in memory).

        Location types become place kinds (``conflict_zone`` → ``origin``, ``camp`` and
        ``idpcamp`` → ``us_port``, others → ``city``) unless a ``migsim_kind`` column says
        otherwise. Each route becomes two links, one each way (one only, from ``name1`` to
        ``name2``, where a ``migsim_oneway`` column holds 1); a pair listed twice gives one
        link each way, with the later row's distance. Links are ``bus`` links at
        ``speed_km_per_day`` with no cost or risk unless extra columns give them.

        Args:
            speed_km_per_day: Link speed where routes.csv gives none.
        """
        locations_path, routes_path = self.path("locations.csv"), self.path("routes.csv")
        graph = nx.DiGraph(name=self.name)
        for loc in self.locations:
            attrs = loc.attributes

            def num(col: str, default: float | None, loc: FleeLocation = loc) -> float | None:
                text = loc.attributes.get(col, "")
                if text == "":
                    return default
                return _number(locations_path, _Row(loc.line, []), col, text, low=0)

            kind = attrs.get("migsim_kind") or TYPE_TO_KIND.get(loc.location_type, "city")
            if kind not in PLACE_KINDS:
                raise InputError(
                    locations_path,
                    f"column 'migsim_kind' is '{kind}', not one of {', '.join(PLACE_KINDS)}"
                    + did_you_mean(kind, PLACE_KINDS),
                    row=loc.line,
                )
            extra = {k: v for k, v in attrs.items() if k not in PLACE_EXTRAS}
            graph.add_node(
                loc.name,
                **extra,
                name=loc.name,
                kind=kind,
                group=attrs.get("group", ""),
                country=loc.country,
                lat=loc.lat,
                lon=loc.lon,
                mean_stay_days=num("mean_stay_days", 0.0),
                base_interdiction=num("base_interdiction", 0.0),
                capacity_per_day=num("capacity_per_day", None),
                sector=attrs.get("sector", ""),
                note="",
                source="Flee locations.csv",
                region=loc.region,
                flee_type=loc.location_type,
                population=loc.population,
                conflict_date=loc.conflict_date,
            )
        for route in self.routes:
            attrs = route.attributes
            row = _Row(route.line, [])

            def num(col: str, default: float, row: _Row = row, attrs: dict = attrs) -> float:
                text = attrs.get(col, "")
                return default if text == "" else _number(routes_path, row, col, text, low=0)

            mode = attrs.get("mode") or "bus"
            if mode not in LINK_MODES:
                raise InputError(
                    routes_path,
                    f"column 'mode' is '{mode}', not one of {', '.join(LINK_MODES)}",
                    row=route.line,
                )
            speed = num("speed_km_per_day", speed_km_per_day)
            if speed <= 0:
                raise InputError(
                    routes_path, "column 'speed_km_per_day' must be above 0", row=route.line
                )
            data = {
                "distance_km": route.distance,
                "mode": mode,
                "speed_km_per_day": speed,
                "cost_usd": num("cost_usd", 0.0),
                "victimisation_risk": num("victimisation_risk", 0.0),
                "death_risk": num("death_risk", 0.0),
                "distance_source": "Flee routes.csv",
                "note": "",
                "days": max(1, math.ceil(route.distance / speed - 1e-9)),
            }
            graph.add_edge(route.name1, route.name2, **data)
            if attrs.get(ONEWAY, "") not in ("1", "1.0"):
                graph.add_edge(route.name2, route.name1, **data)
        return Corridor(graph, folder=self.folder)

    def scenario(self, corridor: str = ".", families_per_year: float | None = None) -> Any:
        """A migsim :class:`~migsim.scenario.Scenario` for the corridor of this scenario.

        Conflict zones become origins, with shares in proportion to their populations (equal
        shares if no population is given); start and length come from ``sim_period.csv``.

        Args:
            corridor: The corridor folder to name in the scenario.
            families_per_year: First departures a year (default: the scenario default).
        """
        from migsim.scenario import Scenario

        zones = [loc for loc in self.locations if loc.location_type == "conflict_zone"]
        if not zones:
            raise InputError(
                self.path("locations.csv"),
                "no location of type conflict_zone; a migsim scenario needs origins",
            )
        weights = np.array([max(loc.population, 0) for loc in zones], dtype=float)
        if weights.sum() <= 0:
            weights = np.ones(len(zones))
        shares = weights / weights.sum()
        population: dict[str, Any] = {
            "origins": {
                loc.name: {"share": float(s)} for loc, s in zip(zones, shares, strict=True) if s > 0
            }
        }
        if families_per_year is not None:
            population["families_per_year"] = families_per_year
        return Scenario.model_validate(
            {
                "name": self.name,
                "description": "Imported from a Flee scenario folder",
                "corridor": corridor,
                "start": self.start,
                "days": self.length,
                "population": population,
            }
        )

    @classmethod
    def from_migsim(cls, corridor: Corridor, scenario: Any) -> FleeScenario:
        """Describe a migsim corridor and scenario as a Flee scenario.

        Origins become conflict zones in conflict from day 0, with a population of the people
        who leave them in a year (origin share × families a year × family size: Flee uses it as
        the spawn weight); US ports and sectors become camps with an unlimited capacity
        (:data:`UNLIMITED_CAPACITY`); every other place becomes a town. Each pair of places
        linked in either direction becomes one route (with the distance of the first link
        listed); a ``migsim_oneway`` column records links that run one way only.

        Args:
            corridor: The corridor.
            scenario: The migsim scenario (start, days and origin shares).
        """
        g = corridor.graph
        pop = scenario.population
        people = pop.families_per_year * pop.family_size_mean
        locations = []
        for name in corridor.places:
            node = g.nodes[name]
            kind = node["kind"]
            ftype = KIND_TO_TYPE.get(kind, "town")
            if ftype == "conflict_zone":
                origin = pop.origins.get(name)
                population = round(origin.share * people) if origin else 0
            elif ftype == "camp":
                population = UNLIMITED_CAPACITY
            else:
                population = 0
            cap = node.get("capacity_per_day")
            attributes = {
                "migsim_kind": kind,
                "group": str(node.get("group") or ""),
                "sector": str(node.get("sector") or ""),
                "mean_stay_days": _fmt(node.get("mean_stay_days", 0.0)),
                "base_interdiction": _fmt(node.get("base_interdiction", 0.0)),
                "capacity_per_day": "" if cap is None or not math.isfinite(cap) else _fmt(cap),
            }
            locations.append(
                FleeLocation(
                    name=name,
                    region=str(node.get("country") or ""),
                    country=str(node.get("country") or ""),
                    lat=float(node["lat"]),
                    lon=float(node["lon"]),
                    location_type=ftype,
                    conflict_date=0 if ftype == "conflict_zone" else None,
                    population=population,
                    attributes=attributes,
                )
            )
        routes: list[FleeRoute] = []
        seen: dict[frozenset[str], FleeRoute] = {}
        for u, v, data in g.edges(data=True):
            pair = frozenset((u, v))
            if pair in seen:
                seen[pair].attributes[ONEWAY] = "0"
                continue
            attributes = {
                col: _fmt(data[col]) if col != "mode" else data[col] for col in LINK_EXTRAS
            }
            attributes[ONEWAY] = "1"
            route = FleeRoute(u, v, float(data["distance_km"]), 0, attributes)
            seen[pair] = route
            routes.append(route)
        conflicts = np.zeros((scenario.days, len(locations)))
        for i, loc in enumerate(locations):
            if loc.location_type == "conflict_zone":
                conflicts[:, i] = 1.0
        name = getattr(scenario, "name", "") or (corridor.folder.name if corridor.folder else "")
        return cls(
            name=name,
            locations=locations,
            routes=routes,
            conflicts=conflicts,
            start=scenario.start,
            length=scenario.days,
        )


def _fmt(value: Any) -> str:
    """A number as short text that reads back to the same value."""
    if value is None:
        return ""
    value = float(value)
    if not math.isfinite(value):
        return ""
    return str(int(value)) if value == int(value) and abs(value) < 1e15 else repr(value)


# ---------------------------------------------------------------------------------------------
# Reading a scenario folder


def find_input_folder(folder: str | Path) -> Path:
    """The folder holding ``locations.csv``: ``folder`` itself or its ``input_csv``."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(folder, "folder not found; give a Flee scenario folder")
    for candidate in (folder, folder / "input_csv"):
        if (candidate / "locations.csv").is_file():
            return candidate
    raise InputError(
        folder,
        "no locations.csv here or in input_csv/; give a Flee scenario folder "
        "(locations.csv, routes.csv, sim_period.csv)",
    )


def default_validation_folder(input_folder: Path) -> Path | None:
    """The validation folder beside a scenario (``source_data``), if there is one."""
    candidates = [input_folder / "source_data", input_folder / "validation"]
    if input_folder.name == "input_csv":
        candidates += [input_folder.parent / "source_data", input_folder.parent / "validation"]
    for candidate in candidates:
        if (candidate / "data_layout.csv").is_file():
            return candidate
    return None


def read_flee_scenario(folder: str | Path) -> FleeScenario:
    """Read and check a Flee scenario folder.

    Args:
        folder: The folder with ``locations.csv`` (or a folder whose ``input_csv`` has it).

    Returns:
        The scenario.

    Raises:
        InputError: For a missing or malformed file, naming the file, line and fix.
    """
    folder = find_input_folder(folder)
    locations = _read_locations(folder / "locations.csv")
    index = {loc.name: i for i, loc in enumerate(locations)}
    notes: list[str] = []
    routes = _read_routes(folder / "routes.csv", index, notes)
    closures_path = folder / "closures.csv"
    closures = (
        _read_closures(closures_path, locations, routes, notes) if closures_path.is_file() else []
    )
    conflicts_path = folder / "conflicts.csv"
    conflicts = _read_conflicts(conflicts_path, index) if conflicts_path.is_file() else None
    start, length = _read_period(folder)
    name = folder.parent.name if folder.name == "input_csv" else folder.name
    ignored = [p.name for p in sorted(folder.glob("*.csv")) if p.name not in KNOWN_FILES]
    settings: dict[str, Any] = {}
    settings_path = None
    for candidate in (folder / "simsetting.yml", folder.parent / "simsetting.yml"):
        if candidate.is_file() and (candidate.parent == folder or folder.name == "input_csv"):
            settings, settings_path = _read_settings(candidate), candidate
            break
    return FleeScenario(
        name=name,
        locations=locations,
        routes=routes,
        closures=closures,
        conflicts=conflicts,
        start=start,
        length=length,
        settings=settings,
        settings_path=settings_path,
        folder=folder,
        ignored=ignored,
        notes=notes,
    )


def _location_type(path: Path, row: _Row, text: str) -> str:
    value = text.strip().lower()
    if "conflict" in value:
        return "conflict_zone"
    value = _TYPE_ALIASES.get(value, value)
    if value == "flood_zone":
        raise InputError(
            path,
            "location_type 'flood_zone' (flood-driven displacement) is not supported; "
            "use conflict_zone, town or camp",
            row=row.line,
        )
    if value not in LOCATION_TYPES:
        raise InputError(
            path,
            f"location_type '{text}' is not one of {', '.join(LOCATION_TYPES)}"
            + did_you_mean(value, LOCATION_TYPES),
            row=row.line,
        )
    return value


def _read_locations(path: Path) -> list[FleeLocation]:
    table = _read_table(path, ("name", "location_type", "latitude", "lat", "gps_x"))
    if not table.rows:
        raise InputError(path, "has no locations; add one row per location")
    width = max(len(r.cells) for r in table.rows)
    extras = _extra_names(table.header, 8, width - 8)
    locations: list[FleeLocation] = []
    seen: dict[str, int] = {}
    for row in table.rows:
        if len(row.cells) < 6:
            raise InputError(
                path,
                f"has {len(row.cells)} fields; a location needs name,region,country,latitude,"
                "longitude,location_type[,conflict_date,population]",
                row=row.line,
            )
        name = row.get(0)
        if not name:
            raise InputError(path, "column 'name' is empty; name the location", row=row.line)
        if name in seen:
            raise InputError(
                path,
                f"duplicate location '{name}' (also on line {seen[name]}); names must be unique",
                row=row.line,
            )
        seen[name] = row.line
        lat, lon = (
            math.nan if row.get(i) == "" else _number(path, row, col, row.get(i), low=lo, high=hi)
            for i, col, lo, hi in ((3, "latitude", -90, 90), (4, "longitude", -180, 180))
        )
        ltype = _location_type(path, row, row.get(5))
        conflict_date = None
        if ltype == "conflict_zone":
            text = row.get(6)
            conflict_date = (
                0 if text == "" else _number(path, row, "conflict_date", text, integer=True, low=0)
            )
        text = row.get(7)
        population = (
            0 if text == "" else _number(path, row, "population", text, integer=True, low=0)
        )
        attributes = {extras[i - 8]: row.cells[i] for i in range(8, len(row.cells))}
        locations.append(
            FleeLocation(
                name=name,
                region=row.get(1),
                country=row.get(2),
                lat=lat,
                lon=lon,
                location_type=ltype,
                conflict_date=conflict_date,
                population=population,
                attributes=attributes,
                line=row.line,
            )
        )
    return locations


def _read_routes(
    path: Path, index: dict[str, int], notes: list[str] | None = None
) -> list[FleeRoute]:
    table = _read_table(path, ("name1", "name2", "distance"))
    if not table.rows:
        raise InputError(path, "has no routes; add one row per route (name1,name2,distance)")
    width = max(len(r.cells) for r in table.rows)
    extras = _extra_names(table.header, 4, width - 4)
    names = list(index)
    routes: list[FleeRoute] = []
    seen: dict[frozenset[str], int] = {}
    for row in table.rows:
        if len(row.cells) < 3:
            raise InputError(
                path,
                f"has {len(row.cells)} field(s); a route needs name1,name2,distance"
                "[,forced_redirection]",
                row=row.line,
            )
        a, b = row.get(0), row.get(1)
        for col, name in (("name1", a), ("name2", b)):
            if name not in index:
                raise InputError(
                    path,
                    f"'{col}' names unknown location '{name}'{did_you_mean(name, names)}; "
                    "add it to locations.csv or fix the name",
                    row=row.line,
                )
        if a == b:
            raise InputError(path, f"route from '{a}' to itself; remove the row", row=row.line)
        pair = frozenset((a, b))
        if pair in seen and notes is not None:
            notes.append(
                f"{path.name}, row {row.line}: the route '{a}' - '{b}' repeats line "
                f"{seen[pair]}; both are kept, as Flee keeps them (so the pair weighs double)"
            )
        seen.setdefault(pair, row.line)
        distance = _number(path, row, "distance", row.get(2), above=0)
        forced_text = row.get(3)
        forced = 0
        if forced_text not in ("", "0"):
            forced = _number(path, row, "forced_redirection", forced_text, integer=True)
            if forced not in (0, 1, 2):
                raise InputError(
                    path,
                    f"column 'forced_redirection' is {forced_text}; use 0 (none), 1 (from name2 "
                    "to name1) or 2 (from name1 to name2)",
                    row=row.line,
                )
        attributes = {extras[i - 4]: row.cells[i] for i in range(4, len(row.cells))}
        routes.append(FleeRoute(a, b, distance, int(forced), attributes, row.line))
    return routes


def _read_closures(
    path: Path, locations: list[FleeLocation], routes: list[FleeRoute], notes: list[str]
) -> list[FleeClosure]:
    table = _read_table(path, ("closure_type",))
    names = [loc.name for loc in locations]
    types = {loc.name: loc.location_type for loc in locations}
    countries = sorted({loc.country for loc in locations})
    pairs = {frozenset((r.name1, r.name2)): r for r in routes}
    closures = []
    for row in table.rows:
        if len(row.cells) < 5:
            raise InputError(
                path,
                f"has {len(row.cells)} field(s); a closure needs closure_type,name1,name2,"
                "closure_start,closure_end",
                row=row.line,
            )
        ctype = row.get(0).lower()
        if ctype not in CLOSURE_TYPES:
            raise InputError(
                path,
                f"closure_type '{row.get(0)}' is not one of {', '.join(CLOSURE_TYPES)}"
                + did_you_mean(ctype, CLOSURE_TYPES),
                row=row.line,
            )
        a, b = row.get(1), row.get(2)
        if ctype == "country":
            for col, country in (("name1", a), ("name2", b)):
                if country not in countries:
                    raise InputError(
                        path,
                        f"'{col}' names country '{country}', which no location is in"
                        f"{did_you_mean(country, countries)}; use a country from locations.csv",
                        row=row.line,
                    )
        else:
            ends = (("name1", a),) if ctype in ("location", "camp", "idpcamp") else (
                ("name1", a), ("name2", b)
            )  # fmt: skip
            for col, name in ends:
                if name not in types:
                    raise InputError(
                        path,
                        f"'{col}' names unknown location '{name}'{did_you_mean(name, names)}",
                        row=row.line,
                    )
            if ctype in ("camp", "idpcamp") and types[a] not in CAMP_TYPES:
                notes.append(
                    f"{path.name}, row {row.line}: '{a}' is a {types[a]}, not a camp: as in "
                    "Flee, the row makes it a camp on its closure_end day"
                )
            if ctype in ("link", "remove_forced_redirection"):
                route = pairs.get(frozenset((a, b)))
                if route is None:
                    raise InputError(
                        path,
                        f"no route between '{a}' and '{b}' in routes.csv; fix the names",
                        row=row.line,
                    )
                forced_to = {1: route.name1, 2: route.name2}.get(route.forced_redirection)
                if ctype == "remove_forced_redirection" and forced_to != b:
                    notes.append(
                        f"{path.name}, row {row.line}: the route '{a}' - '{b}' has no forced "
                        f"redirection from '{a}' to '{b}': as in Flee, the row sets one on its "
                        "closure_end day"
                    )
        start = _number(path, row, "closure_start", row.get(3), integer=True)
        end = _number(path, row, "closure_end", row.get(4), integer=True)
        if start < 0:
            notes.append(
                f"{path.name}, row {row.line}: closure_start {start} is before day 0, "
                "so the closure never starts (as in Flee)"
            )
        elif end == start:
            notes.append(
                f"{path.name}, row {row.line}: closure_end equals closure_start: as in Flee, it "
                f"closes and reopens on day {start}, so it is never in force"
            )
        elif 0 <= end < start:
            notes.append(
                f"{path.name}, row {row.line}: closure_end {end} is before closure_start "
                f"{start}: as in Flee, it reopens on day {end} (which changes nothing) and is "
                f"in force from day {start} to the end"
            )
        closures.append(FleeClosure(ctype, a, b, int(start), int(end)))
    return closures


def _read_conflicts(path: Path, index: dict[str, int]) -> np.ndarray:
    table = _read_table(path, ("day", "#day"))
    if table.header is None:
        raise InputError(
            path, "the first line must be the header: #Day,<location>,<location>,…", row=1
        )
    columns = table.header[1:]
    while columns and not columns[-1]:
        columns.pop()
    names = list(index)
    for j, col in enumerate(columns):
        if not col:
            raise InputError(path, f"header column {j + 2} is empty; name a location", row=1)
    out = np.zeros((len(table.rows), len(index)))
    unknown: dict[int, str] = {j: c for j, c in enumerate(columns) if c not in index}
    for day, row in enumerate(table.rows):
        value = _number(path, row, "Day", row.get(0), integer=True)
        if value != day:
            raise InputError(
                path,
                f"day {row.get(0)} where day {day} was expected; give one row per day, "
                "starting at 0",
                row=row.line,
            )
        values = row.cells[1:]
        while len(values) > len(columns) and not values[-1]:
            values.pop()
        if len(values) != len(columns):
            raise InputError(
                path,
                f"has {len(values)} value(s) but the header names {len(columns)} location(s)",
                row=row.line,
            )
        for j, text in enumerate(values):
            intensity = _number(path, row, columns[j], text, low=0, high=1)
            if j in unknown:
                if intensity > 0:
                    raise InputError(
                        path,
                        f"column '{unknown[j]}' is not a location in locations.csv"
                        f"{did_you_mean(unknown[j], names)}; fix the header",
                        row=row.line,
                    )
                continue
            out[day, index[columns[j]]] = intensity
    return out


def _read_period(folder: Path) -> tuple[dt.date, int]:
    path = folder / "sim_period.csv"
    if not path.is_file() and (folder / "conflict_period.csv").is_file():
        path = folder / "conflict_period.csv"
    if not path.is_file():
        raise InputError(
            folder / "sim_period.csv",
            "file not found; add it with two lines: StartDate,YYYY-MM-DD and Length,DAYS",
        )
    table = _read_table(path)
    values: dict[str, _Row] = {}
    for row in table.rows:
        values[row.get(0).lower()] = row
    for key in ("startdate", "length"):
        if key not in values:
            label = {"startdate": "StartDate,YYYY-MM-DD", "length": "Length,DAYS"}[key]
            raise InputError(
                path, f"has no '{label}' line{did_you_mean(key, list(values))}; add it"
            )
    row = values["startdate"]
    try:
        start = _date(row.get(1))
    except ValueError:
        raise InputError(
            path, f"StartDate '{row.get(1)}' is not a date; write it as YYYY-MM-DD", row=row.line
        ) from None
    length = _number(
        path,
        values["length"],
        "Length",
        values["length"].get(1),
        integer=True,
        above=0,
        high=MAX_FLEE_DAYS,
    )
    return start, int(length)


def _read_settings(path: Path) -> dict[str, Any]:
    data = load_yaml(path, "simsetting YAML")
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InputError(path, "must be a YAML mapping (move_rules:, spawn_rules:, …)")
    return data


# ---------------------------------------------------------------------------------------------
# Validation data


@dataclass
class ObservedSeries:
    """Observed counts on dates, as day offsets from the scenario's start.

    Attributes:
        paths: The files summed into this series.
        days: Day offsets of the observations, increasing.
        values: The counts.
    """

    paths: list[Path]
    days: np.ndarray
    values: np.ndarray

    def at(self, days: np.ndarray) -> np.ndarray:
        """Counts on each of ``days``.

        Linear between observations, the first value before the first and the last after the
        last, rounded down to whole people (as Flee does).
        """
        return np.floor(np.interp(days, self.days, self.values) + 1e-9)


@dataclass
class ValidationData:
    """Flee validation data: the observed total and each camp's observed population.

    Attributes:
        folder: The folder read.
        total: The observed total (the ``total`` row of ``data_layout.csv``).
        camps: Each camp's observed population, by camp name.
        notes: Remarks on the files read (such as a line naming no camp), for the user.
    """

    folder: Path
    total: ObservedSeries
    camps: dict[str, ObservedSeries]
    notes: list[str] = field(default_factory=list)

    def camp_table(self, names: list[str], days: int) -> np.ndarray:
        """Observed population of each camp (columns, in ``names`` order) on days 0..days-1."""
        d = np.arange(days, dtype=float)
        return (
            np.column_stack([self.camps[n].at(d) for n in names]) if names else np.zeros((days, 0))
        )


def read_validation(folder: str | Path, scenario: FleeScenario) -> ValidationData:
    """Read a Flee validation folder for a scenario.

    Args:
        folder: The folder with ``data_layout.csv`` (Flee's ``source_data``).
        scenario: The scenario; its start date anchors the dates, and every camp must have data.

    Raises:
        InputError: For a missing or malformed file, naming the file, line and fix.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(folder, "validation folder not found; give a folder with data_layout.csv")
    layout_path = folder / "data_layout.csv"
    if not layout_path.is_file():
        raise InputError(
            layout_path,
            "file not found; a validation folder needs data_layout.csv with lines such as "
            "'total,refugees.csv' and 'CampName,CampName.csv'",
        )
    table = _read_table(layout_path)
    camp_names = scenario.camp_names
    total: ObservedSeries | None = None
    camps: dict[str, ObservedSeries] = {}
    notes: list[str] = []
    unread: list[tuple[int, str]] = []  # lines naming no camp, which Flee never reads
    for row in table.rows:
        name = row.get(0)
        files = [c for c in row.cells[1:] if c]
        if not files:
            raise InputError(
                layout_path, f"'{name}' names no data file; write '{name},FILE.csv'", row=row.line
            )
        if name != "total" and name not in camp_names:
            unread.append((row.line, name))
            notes.append(
                f"data_layout.csv, row {row.line}: '{name}' is not a camp in locations.csv"
                f"{did_you_mean(name, camp_names)}; its data is not read, as in Flee"
            )
            continue
        series = [_read_series(folder / f, scenario.start, layout_path, row) for f in files]
        merged = _sum_series(series)
        if name == "total":
            total = merged
        else:
            camps[name] = merged
    if total is None:
        raise InputError(
            layout_path, "has no 'total' line; add 'total,FILE.csv' naming the observed total"
        )
    missing = [c for c in camp_names if c not in camps]
    if missing and unread:
        line, name = unread[0]
        raise InputError(
            layout_path,
            f"'{name}' is not a camp in locations.csv{did_you_mean(name, missing)}, and camp(s) "
            f"{', '.join(missing)} have no data; fix the name",
            row=line,
        )
    if missing:
        raise InputError(
            layout_path,
            f"has no data for camp(s) {', '.join(missing)}; add a line 'CAMP,FILE.csv' for each",
        )
    return ValidationData(folder, total, camps, notes)


def _read_series(path: Path, start: dt.date, layout: Path, layout_row: _Row) -> ObservedSeries:
    if not path.is_file():
        raise InputError(
            layout,
            f"names data file '{path.name}', which is not in {path.parent}",
            row=layout_row.line,
        )
    table = _read_table(path, ("date", "datetime"))
    days: list[int] = []
    values: list[float] = []
    lines: list[int] = []
    for row in table.rows:
        if len(row.cells) < 2 or row.get(1) == "":
            continue
        try:
            date = _date(row.get(0))
        except ValueError:
            raise InputError(
                path, f"date '{row.get(0)}' is not a date; write YYYY-MM-DD", row=row.line
            ) from None
        day = (date - start).days
        if days and day <= days[-1]:
            raise InputError(
                path,
                f"date {row.get(0)} is not after the date on line {lines[-1]}; "
                "list dates in increasing order, once each",
                row=row.line,
            )
        values.append(_number(path, row, "count", row.get(1), low=0))
        days.append(day)
        lines.append(row.line)
    if not days:
        raise InputError(path, "has no data lines; add lines 'YYYY-MM-DD,COUNT'")
    return ObservedSeries([path], np.array(days, dtype=float), np.array(values, dtype=float))


def _sum_series(series: list[ObservedSeries]) -> ObservedSeries:
    if len(series) == 1:
        return series[0]
    days = np.unique(np.concatenate([s.days for s in series]))
    values = sum(np.interp(days, s.days, s.values) for s in series)
    return ObservedSeries([p for s in series for p in s.paths], days, np.asarray(values))


# ---------------------------------------------------------------------------------------------
# Writing


def write_flee_scenario(scenario: FleeScenario, folder: str | Path) -> Path:
    """Write a scenario as a Flee input folder.

    Writes ``locations.csv``, ``routes.csv``, ``closures.csv`` (header only if there are no
    closures), ``sim_period.csv`` and ``conflicts.csv`` (one row per day).

    Args:
        scenario: The scenario.
        folder: The folder to write (created if needed).

    Returns:
        The folder.
    """
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise InputError(folder, "exists and is not a folder; give another output folder")
    folder.mkdir(parents=True, exist_ok=True)
    place_extras: list[str] = []
    for loc in scenario.locations:
        place_extras += [k for k in loc.attributes if k not in place_extras]
    route_extras: list[str] = []
    for route in scenario.routes:
        route_extras += [k for k in route.attributes if k not in route_extras]

    def write(name: str, header: list[str] | None, rows: list[list[Any]]) -> None:
        with open(folder / name, "w", newline="", encoding="utf-8") as f:
            out = csv.writer(f, lineterminator="\n")
            if header is not None:
                out.writerow(["#" + header[0], *header[1:]])
            out.writerows(rows)

    write(
        "locations.csv",
        [*LOCATION_COLUMNS, *place_extras],
        [
            [
                loc.name, loc.region, loc.country, _fmt(loc.lat), _fmt(loc.lon),
                loc.location_type, "" if loc.conflict_date is None else loc.conflict_date,
                loc.population, *(loc.attributes.get(k, "") for k in place_extras),
            ]
            for loc in scenario.locations
        ],
    )  # fmt: skip
    write(
        "routes.csv",
        [*ROUTE_COLUMNS, *route_extras],
        [
            [r.name1, r.name2, _fmt(r.distance), r.forced_redirection,
             *(r.attributes.get(k, "") for k in route_extras)]
            for r in scenario.routes
        ],
    )  # fmt: skip
    write(
        "closures.csv",
        list(CLOSURE_COLUMNS),
        [[c.closure_type, c.name1, c.name2, c.start, c.end] for c in scenario.closures],
    )
    write(
        "sim_period.csv",
        None,
        [["StartDate", scenario.start.isoformat()], ["Length", scenario.length]],
    )
    days = scenario.length if scenario.conflicts is None else len(scenario.conflicts)
    table = np.array([scenario.conflict_intensity(d) for d in range(days)]).reshape(
        days, len(scenario.locations)
    )
    listed = [
        i
        for i, loc in enumerate(scenario.locations)
        if loc.location_type == "conflict_zone" or table[:, i].any()
    ]
    write(
        "conflicts.csv",
        ["Day", *(scenario.locations[i].name for i in listed)],
        [[d, *(_fmt(table[d, i]) for i in listed)] for d in range(days)],
    )
    return folder


def write_migsim_corridor(scenario: FleeScenario, folder: str | Path) -> Path:
    """Write a Flee scenario as a migsim corridor folder (``places.csv`` and ``links.csv``).

    Locations without coordinates get latitude and longitude 0, noted in the place's ``note``.

    Args:
        scenario: The scenario.
        folder: The folder to write (created if needed).

    Returns:
        The folder; :func:`migsim.corridor.load_corridor` reads it.
    """
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise InputError(folder, "exists and is not a folder; give another output folder")
    folder.mkdir(parents=True, exist_ok=True)
    graph = scenario.corridor().graph
    places = []
    for name, node in graph.nodes(data=True):
        row = {col: node.get(col, "") for col in PLACE_COLUMNS}
        if not (math.isfinite(node["lat"]) and math.isfinite(node["lon"])):
            row["lat"], row["lon"] = 0.0, 0.0
            row["note"] = "no coordinates in the Flee locations.csv"
        row["name"] = name
        row["capacity_per_day"] = (
            "" if node["capacity_per_day"] is None else node["capacity_per_day"]
        )
        places.append(row)
    links = []
    for u, v, data in graph.edges(data=True):
        row = {col: data.get(col, "") for col in LINK_COLUMNS}
        row["from"], row["to"] = u, v
        links.append(row)
    pd.DataFrame(places, columns=list(PLACE_COLUMNS)).to_csv(folder / "places.csv", index=False)
    pd.DataFrame(links, columns=list(LINK_COLUMNS)).to_csv(folder / "links.csv", index=False)
    return folder
