"""An offline base map from the same OSM extract: land, town names and a scale bar.

Used by the notebooks of this folder. Land is the extract's coastline
(``natural=coastline`` ways, merged and polygonised); an extract whose coastline does not
close (a city cut out of a longer coast) falls back to the road network's outline. Town
names are the ``place=city|town`` nodes (and ``village`` on request). Data ©
OpenStreetMap contributors, ODbL 1.0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import osmium
import shapely
from shapely.ops import linemerge, polygonize, unary_union

#: Land smaller than this share of the network's outline means the coast did not close.
_MIN_LAND_SHARE = 0.3

_SEA = "#dbe9f4"
_LAND = "#f4f1ea"


@dataclass(frozen=True)
class Place:
    """A named place: name, ``place`` value, lat and lon (degrees)."""

    name: str
    kind: str
    lat: float
    lon: float


def read_land(path: Path, outline: shapely.Geometry | None = None) -> shapely.Geometry:
    """Return the land of an extract as one (multi)polygon, lon/lat degrees.

    Parameters
    ----------
    path
        The ``.osm.pbf`` extract.
    outline
        The road network's outline, used when the coastline does not close.

    Returns
    -------
    shapely.Geometry
        The land.
    """
    lines = []
    processor = osmium.FileProcessor(str(path)).with_locations()
    for obj in processor.with_filter(osmium.filter.KeyFilter("natural")):
        if obj.is_way() and obj.tags.get("natural") == "coastline":
            points = [(n.location.lon, n.location.lat) for n in obj.nodes if n.location.valid()]
            if len(points) >= 2:
                lines.append(shapely.LineString(points))
    land = unary_union(list(polygonize(linemerge(lines)))) if lines else shapely.Polygon()
    if outline is not None and land.area < _MIN_LAND_SHARE * outline.area:
        return outline
    return land


def read_places(path: Path, kinds: tuple[str, ...] = ("city", "town")) -> list[Place]:
    """Return the named place nodes of the given ``place`` kinds.

    Parameters
    ----------
    path
        The ``.osm.pbf`` extract.
    kinds
        ``place`` values to keep.

    Returns
    -------
    list of Place
        In file order.
    """
    places = []
    processor = osmium.FileProcessor(str(path)).with_filter(osmium.filter.KeyFilter("place"))
    for obj in processor:
        if obj.is_node() and obj.tags.get("place") in kinds and "name" in obj.tags:
            name = obj.tags.get("name:en") or obj.tags["name"]
            places.append(Place(name, obj.tags["place"], obj.location.lat, obj.location.lon))
    return places


def _polygons(geometry: shapely.Geometry) -> list[shapely.Polygon]:
    if geometry.is_empty:
        return []
    if isinstance(geometry, shapely.Polygon):
        return [geometry]
    return [g for part in getattr(geometry, "geoms", []) for g in _polygons(part)]


def fill_geometry(ax, geometry: shapely.Geometry, **style) -> None:
    """Fill a (multi)polygon's exteriors on ``ax`` (holes are drawn over by the caller)."""
    for polygon in _polygons(geometry):
        x, y = polygon.exterior.xy
        ax.fill(x, y, **style)


def outline_geometry(ax, geometry: shapely.Geometry, **style) -> None:
    """Draw the boundary of a (multi)polygon on ``ax``."""
    for polygon in _polygons(geometry):
        x, y = polygon.exterior.xy
        ax.plot(x, y, **style)


def draw_base(ax, land: shapely.Geometry, places: list[Place], bounds=None) -> None:
    """Sea, land and town names on ``ax``, with an equal-distance aspect.

    Parameters
    ----------
    ax
        A matplotlib axes in lon/lat degrees.
    land
        From :func:`read_land`.
    places
        From :func:`read_places`; only those inside ``bounds`` are labelled.
    bounds
        ``(min_lon, min_lat, max_lon, max_lat)`` of the view; default the land's.
    """
    min_x, min_y, max_x, max_y = bounds or land.bounds
    ax.set_facecolor(_SEA)
    fill_geometry(ax, land, color=_LAND, zorder=0)
    outline_geometry(ax, land, color="#9fb6c8", lw=0.6, zorder=0)
    for p in places:
        if min_x <= p.lon <= max_x and min_y <= p.lat <= max_y:
            ax.annotate(
                p.name, (p.lon, p.lat), xytext=(0, 3), textcoords="offset points",
                fontsize=7, color="#555", ha="center", va="bottom", zorder=5,
            )  # fmt: skip
            ax.plot(p.lon, p.lat, marker=".", color="#777", ms=3, zorder=5)
    ax.set_xlim(min_x, max_x)
    ax.set_ylim(min_y, max_y)
    ax.set_aspect(1 / math.cos(math.radians((min_y + max_y) / 2)))
    ax.set_xticks([])
    ax.set_yticks([])


def draw_scale_bar(ax, km: float | None = None) -> None:
    """Draw a scale bar of ``km`` kilometres (default: a round tenth of the view's width)."""
    min_x, max_x = ax.get_xlim()
    min_y, max_y = ax.get_ylim()
    km_per_deg = 111.32 * math.cos(math.radians((min_y + max_y) / 2))
    if km is None:
        width_km = (max_x - min_x) * km_per_deg
        km = min((s for s in (0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50) if s >= width_km / 8), default=50)
    x0 = min_x + 0.04 * (max_x - min_x)
    y0 = min_y + 0.04 * (max_y - min_y)
    length = km / km_per_deg
    ax.plot([x0, x0 + length], [y0, y0], color="black", lw=3, solid_capstyle="butt", zorder=6)
    label = f"{km:g} km" if km >= 1 else f"{km * 1000:g} m"
    ax.annotate(label, (x0 + length / 2, y0), xytext=(0, 4), textcoords="offset points",
                ha="center", fontsize=8, zorder=6)  # fmt: skip
