"""The world map, drawn on the server as SVG from Natural Earth shapes.

The shapes are world-atlas's countries-110m.json (vendored from npm by `make vendor`), a TopoJSON
file whose countries carry their ISO 3166-1 numeric code. Drawing on the server means the map
reads without JavaScript and each country is a plain link.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings

SHAPES = Path(settings.BASE_DIR) / "static" / "vendor" / "world-atlas" / "countries-110m.json"
WIDTH = 960
# The Natural Earth projection spans 2 * 2.7335 by 2 * 1.4224 units at scale 1.
SCALE = WIDTH / (2 * 2.7335)
HEIGHT = round(2 * 1.4224 * SCALE)


@dataclass(frozen=True)
class Shape:
    numeric: str  # ISO 3166-1 numeric, as in reference.Country.numeric
    name: str  # Natural Earth's English name, a fallback for shapes without a code
    path: str  # SVG path data


def natural_earth(longitude: float, latitude: float) -> tuple[float, float]:
    """The Natural Earth projection (Šavrič, Jenny, Patterson & Jenny 2011), in map pixels."""
    lam, phi = math.radians(longitude), math.radians(latitude)
    phi2 = phi * phi
    phi4 = phi2 * phi2
    x = lam * (0.8707 - 0.131979 * phi2 + phi4 * (-0.013791 + phi4 * (0.003971 * phi2 - 0.001529 * phi4)))
    y = phi * (1.007226 + phi2 * (0.015085 + phi4 * (-0.044475 + 0.028874 * phi2 - 0.005916 * phi4)))
    return WIDTH / 2 + x * SCALE, HEIGHT / 2 - y * SCALE


@cache
def world_shapes() -> tuple[Shape, ...]:
    """Every country shape, decoded and projected once per process."""
    topology = json.loads(SHAPES.read_text(encoding="utf-8"))
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:  # delta-encoded, quantised positions
            x, y = x + dx, y + dy
            points.append(natural_earth(x * sx + tx, y * sy + ty))
        arcs.append(points)

    def ring(indexes: list[int]) -> str:
        points: list[tuple[float, float]] = []
        for index in indexes:
            arc = arcs[index] if index >= 0 else arcs[~index][::-1]
            points.extend(arc[1:] if points else arc)
        # A ring that crosses the antimeridian (Russia's Chukotka, Fiji) jumps across the whole map:
        # lift the pen there instead of drawing a line over the world.
        parts, previous_x = [], None
        for x, y in points:
            command = "M" if previous_x is None or abs(x - previous_x) > WIDTH / 2 else "L"
            parts.append(f"{command}{x:.1f},{y:.1f}")
            previous_x = x
        return "".join(parts) + "Z"

    shapes = []
    for geometry in topology["objects"]["countries"]["geometries"]:
        polygons = {"Polygon": [geometry.get("arcs", [])], "MultiPolygon": geometry.get("arcs", [])}.get(
            geometry["type"], []
        )
        path = "".join(ring(indexes) for polygon in polygons for indexes in polygon)
        if path:
            shapes.append(Shape(str(geometry.get("id", "")), geometry["properties"].get("name", ""), path))
    return tuple(shapes)
