"""Where a link is drawn: along its road, through waypoints, rather than straight.

A corridor's links join two places; drawn straight, a few of them cross the Gulf of California,
the Gulf of Mexico or the Gulf of Honduras. ``migsim/data/road_waypoints.csv`` gives, for those
links, points along the road they stand for (``source``, ``target``, ``waypoints`` as
``lon lat; lon lat; …`` from source to target, and the ``road``). Only pictures use them:
the model's distances and times stay those of the corridor's links.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pandas as pd

WAYPOINTS_FILE = Path(__file__).resolve().parent.parent / "data" / "road_waypoints.csv"

Point = tuple[float, float]


@cache
def road_waypoints() -> dict[tuple[str, str], tuple[Point, ...]]:
    """The waypoints of each link drawn along its road, both ways, by (source, target)."""
    table = pd.read_csv(WAYPOINTS_FILE, dtype=str, keep_default_na=False)
    found: dict[tuple[str, str], tuple[Point, ...]] = {}
    for row in table.itertuples(index=False):
        points = tuple(
            (float(lon), float(lat))
            for lon, lat in (part.split() for part in row.waypoints.split(";") if part.strip())
        )
        found[(row.source, row.target)] = points
        found[(row.target, row.source)] = points[::-1]
    return found


def link_path(source: str, target: str, positions: dict[str, Point]) -> list[Point]:
    """The points a link is drawn through, from ``source`` to ``target``."""
    middle = road_waypoints().get((source, target), ())
    return [positions[source], *middle, positions[target]]
