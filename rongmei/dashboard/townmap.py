"""The county map the command screen draws (no online tiles, no third-party map data): a
schematic of the towns made from rongmei/dashboard/data/biyang_towns.json — for each town, the
part of the county's simplified outline nearer to the town's approximate centre than to any
other town's (a Voronoi cell, clipped half-plane by half-plane). Served as GeoJSON for ECharts'
registerMap. A center elsewhere replaces the JSON file (RONGMEI_DASHBOARD["TOWN_MAP"]) with its
own outline and towns; towns of core.Place that the file lacks are listed beside the map."""

from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path

from django.conf import settings

DEFAULT_MAP = Path(__file__).parent / "data" / "biyang_towns.json"

Point = tuple[float, float]


def map_path() -> Path:
    return Path(getattr(settings, "RONGMEI_DASHBOARD", {}).get("TOWN_MAP") or DEFAULT_MAP)


def _clip(polygon: list[Point], a: Point, b: Point, scale: float) -> list[Point]:
    """The part of ``polygon`` nearer to ``a`` than to ``b`` (Sutherland–Hodgman against the
    perpendicular bisector; x is scaled by ``scale`` so distances are those on the ground)."""
    ax, ay, bx, by = a[0] * scale, a[1], b[0] * scale, b[1]
    nx, ny = bx - ax, by - ay  # inside: (p - mid) · n <= 0
    mx, my = (ax + bx) / 2, (ay + by) / 2

    def side(p: Point) -> float:
        return (p[0] * scale - mx) * nx + (p[1] - my) * ny

    out: list[Point] = []
    for i, current in enumerate(polygon):
        previous = polygon[i - 1]
        sc, sp = side(current), side(previous)
        if sc <= 0:
            if sp > 0:
                t = sp / (sp - sc)
                out.append((previous[0] + t * (current[0] - previous[0]), previous[1] + t * (current[1] - previous[1])))
            out.append(current)
        elif sp <= 0:
            t = sp / (sp - sc)
            out.append((previous[0] + t * (current[0] - previous[0]), previous[1] + t * (current[1] - previous[1])))
    return out


def cells(outline: list[Point], towns: dict[str, Point]) -> dict[str, list[Point]]:
    latitude = sum(p[1] for p in outline) / len(outline)
    scale = math.cos(math.radians(latitude))
    result = {}
    for name, centre in towns.items():
        polygon = list(outline)
        for other, point in towns.items():
            if other != name and polygon:
                polygon = _clip(polygon, centre, point, scale)
        result[name] = polygon
    return result


def _rounded(polygon: list[Point]) -> list[list[float]]:
    ring = [[round(x, 5), round(y, 5)] for x, y in polygon]
    return [*ring, ring[0]] if ring else ring


@lru_cache(maxsize=4)
def _geojson(path: str, mtime: float) -> dict:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    towns = {name: (float(x), float(y)) for name, (x, y) in data["towns"].items()}
    outline = [(float(x), float(y)) for x, y in data["outline"]]
    features = [
        {
            "type": "Feature",
            "properties": {"name": name, "cp": list(towns[name])},
            "geometry": {"type": "Polygon", "coordinates": [_rounded(polygon)]},
        }
        for name, polygon in cells(outline, towns).items()
        if len(polygon) >= 3
    ]
    return {"type": "FeatureCollection", "note": data.get("note", ""), "features": features}


def geojson() -> dict:
    path = map_path()
    return _geojson(str(path), path.stat().st_mtime)


def town_names() -> set[str]:
    return {f["properties"]["name"] for f in geojson()["features"]}
