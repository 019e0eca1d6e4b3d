"""Geometry of a road network: the area it serves and the shape of a fastest path."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import shapely
from scipy.spatial import ConvexHull, QhullError

from solver.roads.graph import RoadArrays
from solver.roads.snapping import SnapIndex, Snapped

if TYPE_CHECKING:
    from solver.roads.network import RoadNetwork


def network_outline(arrays: RoadArrays) -> shapely.Polygon:
    """Return the convex hull of a network's road points.

    Parameters
    ----------
    arrays
        The graph arrays.

    Returns
    -------
    shapely.Polygon
        In ``(lon, lat)`` degrees, like GeoJSON.
    """
    points = np.c_[arrays.point_lon, arrays.point_lat]
    try:  # qhull: ~10x faster than GEOS on 100k points
        return shapely.Polygon(points[ConvexHull(points).vertices])
    except (QhullError, ValueError):  # fewer than 3 points, or all on a line
        return shapely.multipoints(points).convex_hull.buffer(1e-6)


def _piece_points(
    arrays: RoadArrays, index: SnapIndex, piece: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Shape points of a piece and their position along it (0..1)."""
    lo, hi = arrays.piece_offsets[piece], arrays.piece_offsets[piece + 1]
    lat, lon = arrays.point_lat[lo:hi], arrays.point_lon[lo:hi]
    x, y = index.project(lat, lon)
    steps = np.hypot(np.diff(x), np.diff(y))
    along = np.concatenate(([0.0], np.cumsum(steps)))
    return lat, lon, along / along[-1] if along[-1] > 0 else along


def _piece_between(
    arrays: RoadArrays, index: SnapIndex, piece: int, f_from: float, f_to: float
) -> list[list[float]]:
    """Interior shape points of a piece strictly between two fractions, in travel order."""
    lat, lon, along = _piece_points(arrays, index, piece)
    lo, hi = min(f_from, f_to), max(f_from, f_to)
    inside = np.flatnonzero((along > lo) & (along < hi))
    if f_to < f_from:
        inside = inside[::-1]
    return [[float(lon[k]), float(lat[k])] for k in inside]


def path_line(network: RoadNetwork, index: SnapIndex, so: Snapped, sd: Snapped) -> dict:
    """Geometry of the fastest path between one snapped origin and one destination.

    Parameters
    ----------
    network
        The road network the points were snapped on.
    index
        Its snap index (for the projection along pieces).
    so, sd
        The snapped origin and destination (one point each).

    Returns
    -------
    dict
        A GeoJSON LineString; ``coordinates`` is empty when either point is
        off-network or no path exists (see :meth:`RoadNetwork.path`).
    """
    a = network.arrays
    line: dict = {"type": "LineString", "coordinates": []}
    if not (so.on_network[0] and sd.on_network[0]):
        return line
    start = [[float(so.lon[0]), float(so.lat[0])], [float(so.road_lon[0]), so.road_lat[0]]]
    end = [[float(sd.road_lon[0]), float(sd.road_lat[0])], [float(sd.lon[0]), sd.lat[0]]]
    sources = network._candidates(so, leaving=True)
    targets = network._candidates(sd, leaving=False)
    time_u, length_m, arcs, k_src, k_dst = network._get_engine().fastest_path(
        sources, 0, targets, 0
    )
    direct_t, direct_m = network._direct(so, sd)
    if (direct_t[0, 0], direct_m[0, 0]) < (time_u, length_m) or (
        np.isfinite(direct_t[0, 0]) and not np.isfinite(time_u)
    ):
        middle = _piece_between(a, index, int(so.piece[0]), so.fraction[0], sd.fraction[0])
    elif np.isfinite(time_u):
        # leave along the candidate's direction: forward -> towards fraction 1
        middle = _piece_between(a, index, int(so.piece[0]), so.fraction[0], 1.0 - k_src)
        for arc in arcs:
            lat, lon, _ = _piece_points(a, index, int(a.arc_piece[arc]))
            order = slice(None, None, -1) if a.arc_reversed[arc] else slice(None)
            middle += [[float(x), float(y)] for x, y in zip(lon[order], lat[order], strict=True)]
        middle += _piece_between(a, index, int(sd.piece[0]), float(k_dst), sd.fraction[0])
    else:
        return line
    coords = start + middle + end
    cleaned = [[float(c[0]), float(c[1])] for c in coords]
    line["coordinates"] = [c for k, c in enumerate(cleaned) if k == 0 or c != cleaned[k - 1]]
    return line
