"""Build the base map outlines shipped with migsim as ``migsim/data/basemap.geojson``.

Run once by hand when the outlines need rebuilding; migsim itself never runs this script and
does not depend on its requirements. It reads the Natural Earth 1:110m admin-0 countries that the
``pyogrio`` wheel carries as a test fixture, keeps Mexico, the United States and Central America,
clips them to the corridor's bounding box, simplifies them lightly and writes a small GeoJSON
FeatureCollection (properties ``name`` and ``iso_a3``, coordinates rounded to 3 decimals).

Requirements (script only): ``pip install pyogrio shapely``.

Usage::

    python scripts/make_basemap.py [--out migsim/data/basemap.geojson]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import pyogrio
import shapely
from shapely.geometry.base import BaseGeometry

COUNTRIES = ("MEX", "USA", "GTM", "BLZ", "HND", "SLV", "NIC", "CRI")
BOUNDS = (-118.0, 10.0, -82.0, 34.0)  # lon_min, lat_min, lon_max, lat_max
TOLERANCE_DEG = 0.02
DECIMALS = 3
DEFAULT_OUT = Path(__file__).resolve().parents[1] / "migsim" / "data" / "basemap.geojson"


def fixture_path() -> Path:
    """Return the path of the Natural Earth shapefile inside the installed pyogrio package."""
    base = Path(pyogrio.__file__).parent / "tests" / "fixtures" / "naturalearth_lowres"
    path = base / "naturalearth_lowres.shp"
    if not path.exists():
        raise SystemExit(f"Natural Earth fixture not found at {path}; reinstall pyogrio.")
    return path


def read_countries(path: Path) -> list[tuple[str, str, BaseGeometry]]:
    """Read (name, iso_a3, geometry) for the countries in ``COUNTRIES``."""
    codes = ", ".join(f"'{code}'" for code in COUNTRIES)
    meta, _, wkb, fields = pyogrio.raw.read(path, where=f"iso_a3 IN ({codes})")
    columns = list(meta["fields"])
    names = fields[columns.index("name")]
    isos = fields[columns.index("iso_a3")]
    geoms = shapely.from_wkb(wkb)
    rows = [(str(n), str(i), g) for n, i, g in zip(names, isos, geoms, strict=True)]
    return sorted(rows, key=lambda row: COUNTRIES.index(row[1]))


def prepare(geom: BaseGeometry) -> list[shapely.Polygon]:
    """Clip to ``BOUNDS``, simplify and orient a geometry; return its polygons."""
    clipped = shapely.clip_by_rect(geom, *BOUNDS)
    simple = shapely.simplify(clipped, TOLERANCE_DEG, preserve_topology=True)
    parts = shapely.get_parts(simple)
    polygons = [part for part in parts if isinstance(part, shapely.Polygon) and not part.is_empty]
    return [shapely.geometry.polygon.orient(poly, sign=1.0) for poly in polygons]


def ring_coords(ring: shapely.LinearRing) -> list[list[float]]:
    """Return a ring's coordinates rounded to ``DECIMALS``, dropping repeated points."""
    out: list[list[float]] = []
    for lon, lat in ring.coords:
        point = [round(lon, DECIMALS), round(lat, DECIMALS)]
        if not out or point != out[-1]:
            out.append(point)
    return out


def polygon_coords(poly: shapely.Polygon) -> list[list[list[float]]]:
    """Return a polygon as GeoJSON rings: the exterior first, then any holes."""
    rings = [ring_coords(poly.exterior)] + [ring_coords(hole) for hole in poly.interiors]
    return [ring for ring in rings if len(ring) >= 4]


def feature(name: str, iso: str, polygons: list[shapely.Polygon]) -> dict[str, Any]:
    """Return one GeoJSON Feature holding a country's polygons as a MultiPolygon."""
    coords = [rings for rings in (polygon_coords(p) for p in polygons) if rings]
    return {
        "type": "Feature",
        "properties": {"name": name, "iso_a3": iso},
        "geometry": {"type": "MultiPolygon", "coordinates": coords},
    }


def to_text(features: list[dict[str, Any]]) -> str:
    """Serialise features compactly, one feature per line so diffs stay readable."""
    lines = [json.dumps(f, separators=(",", ":")) for f in features]
    body = ",\n".join(lines)
    return '{"type":"FeatureCollection","features":[\n' + body + "\n]}\n"


def main(argv: list[str] | None = None) -> None:
    """Build the base map and write it to the chosen output file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="GeoJSON file to write")
    args = parser.parse_args(argv)
    features = []
    for name, iso, geom in read_countries(fixture_path()):
        polygons = prepare(geom)
        if polygons:
            features.append(feature(name, iso, polygons))
    text = to_text(features)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    vertices = text.count("],[") + len(features)
    print(f"wrote {args.out} ({len(features)} countries, ~{vertices} vertices, {len(text)} bytes)")


if __name__ == "__main__":
    main()
