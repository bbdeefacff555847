"""Country outlines under the corridor maps.

The outlines are Natural Earth's 1:110m admin-0 countries (public domain) for Mexico, the
United States and Central America, clipped to the corridor and shipped as package data in
``migsim/data/basemap.geojson`` (see ``migsim/data/README.md`` to rebuild them).
"""

from __future__ import annotations

import json
import math
from functools import cache
from importlib import resources

import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import PathPatch
from matplotlib.path import Path as MplPath

LAND_COLOUR = "#f3f0e6"
BORDER_COLOUR = "#a0a0a0"
OCEAN_COLOUR = "#dcebf5"
BASEMAP_EXTENT = (-118.0, -82.0, 10.0, 34.0)  # lon_min, lon_max, lat_min, lat_max

Extent = tuple[float, float, float, float]


@cache
def _read_basemap() -> tuple[tuple[str, tuple[np.ndarray, ...]], ...]:
    """Read and parse the packaged GeoJSON once."""
    source = resources.files("migsim").joinpath("data", "basemap.geojson")
    collection = json.loads(source.read_text(encoding="utf-8"))
    countries = []
    for feature in collection["features"]:
        rings = tuple(_rings(feature["geometry"]))
        countries.append((str(feature["properties"]["name"]), rings))
    return tuple(countries)


def _rings(geometry: dict) -> list[np.ndarray]:
    """Return every ring of a Polygon or MultiPolygon geometry as a read-only (n, 2) array."""
    polygons = geometry["coordinates"]
    if geometry["type"] == "Polygon":
        polygons = [polygons]
    rings = []
    for polygon in polygons:
        for ring in polygon:
            array = np.asarray(ring, dtype=float)
            array.setflags(write=False)
            rings.append(array)
    return rings


def load_basemap() -> list[tuple[str, list[np.ndarray]]]:
    """Return the country outlines as ``(country name, rings)`` pairs.

    Each ring is a read-only ``(n, 2)`` array of ``(lon, lat)`` points, closed (the last point
    repeats the first). Outer rings run counter-clockwise and holes clockwise, so all rings of a
    country can be filled together as one compound path. The file is read once per process.

    Returns:
        One entry per country, in the order stored in the file.
    """
    return [(name, list(rings)) for name, rings in _read_basemap()]


def _country_path(rings: list[np.ndarray]) -> MplPath:
    """Return one compound matplotlib path made of a country's rings."""
    return MplPath.make_compound_path(*(MplPath(ring, closed=True) for ring in rings))


def draw_basemap(ax: Axes, *, extent: Extent | None = None) -> None:
    """Draw the land, country borders and ocean on a map axes.

    Land gets a pale fill with thin grey borders over a light blue ocean. The axes' limits are
    set to ``extent`` (or the whole base map) and its aspect is corrected for latitude so that a
    degree of longitude is as long as it is at the map's mean latitude.

    Args:
        ax: Axes in (longitude, latitude) degrees.
        extent: ``(lon_min, lon_max, lat_min, lat_max)`` to show; the base map's full extent if
            omitted.
    """
    ax.set_facecolor(OCEAN_COLOUR)
    for _, rings in load_basemap():
        patch = PathPatch(
            _country_path(rings),
            facecolor=LAND_COLOUR,
            edgecolor=BORDER_COLOUR,
            linewidth=0.6,
            zorder=0,
        )
        ax.add_patch(patch)
    lon_min, lon_max, lat_min, lat_max = extent or BASEMAP_EXTENT
    ax.set_xlim(lon_min, lon_max)
    ax.set_ylim(lat_min, lat_max)
    mean_lat = math.radians((lat_min + lat_max) / 2)
    ax.set_aspect(1 / math.cos(mean_lat))
