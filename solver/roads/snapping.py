"""Where a location meets the road network, and how that road point joins the graph.

A location (lat, lon) is projected onto the nearest point of the nearest road
segment (not just the nearest intersection). When that point is further than
``snap_limit_m`` (default 2 km) the location is *off-network*: it is never moved,
and every matrix entry involving it is :data:`~solver.model.UNREACHABLE`.

From its road point, a snapped location reaches the graph along the rest of its road
piece, in an allowed driving direction (:class:`PieceJoins`); two locations on the same
piece are joined directly along it when the one-way rules allow.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely

from solver.errors import InvalidProblemError
from solver.roads.engine import Candidates
from solver.roads.graph import EARTH_RADIUS_M, RoadArrays, haversine_m

#: Default distance beyond which a location is off-network, metres.
DEFAULT_SNAP_LIMIT_M = 2000.0

Point = tuple[float, float]


@dataclass(frozen=True, slots=True)
class Snap:
    """Where a location meets the road network.

    Attributes
    ----------
    lat, lon
        The location as given, WGS84 degrees.
    road_lat, road_lon
        The nearest point on a road (equal to the location when off-network).
    distance_m
        Straight-line distance from the location to that road point, metres.
    on_network
        False when ``distance_m`` exceeds the network's ``snap_limit_m``.
    """

    lat: float
    lon: float
    road_lat: float
    road_lon: float
    distance_m: float
    on_network: bool


@dataclass(frozen=True, slots=True, eq=False)
class Snapped:
    """Snap results as arrays (internal to the road network)."""

    lat: np.ndarray
    lon: np.ndarray
    piece: np.ndarray  # -1 when off-network
    fraction: np.ndarray  # position along the piece, 0 = first point, 1 = last
    road_lat: np.ndarray
    road_lon: np.ndarray
    distance_m: np.ndarray

    @property
    def on_network(self) -> np.ndarray:
        """True where the point is within the snap limit of a road."""
        return self.piece >= 0


def as_points(points: Sequence[Point], what: str) -> np.ndarray:
    """Check ``(lat, lon)`` pairs and return them as an ``(n, 2)`` float array.

    Parameters
    ----------
    points
        ``(lat, lon)`` pairs, WGS84 degrees.
    what
        What the points are (``origins``, ``points``...), for the error message.

    Returns
    -------
    numpy.ndarray
        ``(n, 2)`` float64 array.

    Raises
    ------
    InvalidProblemError
        When a point is not a valid (lat, lon) pair.
    """
    try:
        array = np.asarray(points, dtype=np.float64)
    except (TypeError, ValueError):
        array = np.empty(0)
    if len(points) == 0:
        return np.empty((0, 2))
    if array.ndim != 2 or array.shape[1] != 2:
        raise InvalidProblemError(f"Road network: each of the {what} must be a (lat, lon) pair.")
    bad = ~(
        np.isfinite(array).all(axis=1) & (np.abs(array[:, 0]) <= 90) & (np.abs(array[:, 1]) <= 180)
    )
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InvalidProblemError(
            f"Road network: {what}[{i}] {tuple(array[i])} is not a valid (lat, lon)."
        )
    return array


class SnapIndex:
    """The nearest road piece of a location, through a spatial index built on first use.

    Parameters
    ----------
    arrays
        The graph arrays.
    snap_limit_m
        Locations further than this from any road are off-network, metres.
    """

    def __init__(self, arrays: RoadArrays, snap_limit_m: float) -> None:
        self.arrays = arrays
        self.snap_limit_m = snap_limit_m
        self._lock = threading.Lock()
        self._tree: shapely.STRtree | None = None
        self._lines: np.ndarray | None = None  # every piece, projected to metres
        self._snappable: np.ndarray | None = None  # pieces in the tree (no ferries)
        self._lat0 = float((arrays.node_lat.min() + arrays.node_lat.max()) / 2)
        self._lon0 = float((arrays.node_lon.min() + arrays.node_lon.max()) / 2)

    def project(self, lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Local equirectangular projection around the network centre, metres."""
        metres_per_degree = np.pi / 180 * EARTH_RADIUS_M
        x = (lon - self._lon0) * metres_per_degree * np.cos(np.radians(self._lat0))
        y = (lat - self._lat0) * metres_per_degree
        return x, y

    def unproject(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Back from :meth:`project`'s metres to ``(lat, lon)`` degrees."""
        metres_per_degree = np.pi / 180 * EARTH_RADIUS_M
        lat = y / metres_per_degree + self._lat0
        lon = x / (metres_per_degree * np.cos(np.radians(self._lat0))) + self._lon0
        return lat, lon

    def tree(self) -> shapely.STRtree:
        """Return the spatial index of the snappable pieces (built once, thread-safe)."""
        with self._lock:
            if self._tree is None:
                a = self.arrays
                x, y = self.project(a.point_lat, a.point_lon)
                counts = np.diff(a.piece_offsets)
                owner = np.repeat(np.arange(counts.size), counts)
                self._lines = shapely.linestrings(np.column_stack((x, y)), indices=owner)
                # ferries are driven but nobody is snapped onto the sea: index roads only
                self._snappable = np.flatnonzero(~a.piece_ferry)
                self._tree = shapely.STRtree(self._lines[self._snappable])
            return self._tree

    def snap(self, points: np.ndarray) -> Snapped:
        """Snap checked ``(n, 2)`` points (see :func:`as_points`) to their nearest road."""
        n = points.shape[0]
        lat, lon = points[:, 0], points[:, 1]
        piece = np.full(n, -1, dtype=np.int64)
        fraction = np.zeros(n)
        road_lat, road_lon = lat.copy(), lon.copy()
        distance = np.zeros(n)
        if n:
            tree = self.tree()
            x, y = self.project(lat, lon)
            geoms = shapely.points(x, y)
            inputs, found = tree.query_nearest(geoms)
            keep = np.unique(inputs, return_index=True)[1]  # one road per point
            inputs, found = inputs[keep], self._snappable[found[keep]]
            lines = self._lines[found]
            along = shapely.line_locate_point(lines, geoms[inputs])
            length = shapely.length(lines)
            on_road = shapely.line_interpolate_point(lines, along)
            rlat, rlon = self.unproject(shapely.get_x(on_road), shapely.get_y(on_road))
            dist = haversine_m(lat[inputs], lon[inputs], rlat, rlon)
            ok = dist <= self.snap_limit_m
            sel = inputs[ok]
            piece[sel] = found[ok]
            fraction[sel] = np.where(length[ok] > 0, along[ok] / np.maximum(length[ok], 1e-9), 0)
            road_lat[sel], road_lon[sel] = rlat[ok], rlon[ok]
            distance[inputs] = dist
        return Snapped(lat, lon, piece, np.clip(fraction, 0, 1), road_lat, road_lon, distance)


class PieceJoins:
    """How a road point joins the graph: the arcs and end nodes of each road piece.

    Parameters
    ----------
    arrays
        The graph arrays.
    """

    def __init__(self, arrays: RoadArrays) -> None:
        self.arrays = arrays
        pieces = arrays.piece_offsets.size - 1
        self.piece_arc = np.full((pieces, 2), -1, dtype=np.int64)  # [forward, backward]
        self.piece_arc[arrays.arc_piece, arrays.arc_reversed.astype(np.int64)] = np.arange(
            arrays.arc_count
        )
        self.piece_nodes = np.empty((pieces, 2), dtype=np.int64)  # [first, last] point
        forward = ~arrays.arc_reversed
        self.piece_nodes[arrays.arc_piece[forward], 0] = arrays.arc_tail[forward]
        self.piece_nodes[arrays.arc_piece[forward], 1] = arrays.arc_head[forward]
        self.piece_nodes[arrays.arc_piece[~forward], 0] = arrays.arc_head[~forward]
        self.piece_nodes[arrays.arc_piece[~forward], 1] = arrays.arc_tail[~forward]

    def candidates(self, s: Snapped, *, leaving: bool, weights: np.ndarray) -> Candidates:
        """Graph nodes a snapped point can leave to (or arrive from), with the partial edge.

        Parameters
        ----------
        s
            The snapped points.
        leaving
            True: the nodes each point can drive to; False: those it can be reached from.
        weights
            Arc times, engine units (free-flow, or a speed-profile level's).

        Returns
        -------
        Candidates
            Two slots per point (-1 where none).
        """
        a = self.arrays
        n = s.piece.size
        node = np.full((n, 2), -1, dtype=np.int64)
        share = np.zeros((n, 2))
        arcs = np.full((n, 2), -1, dtype=np.int64)
        on = s.on_network
        arcs[on] = self.piece_arc[s.piece[on]]
        f = s.fraction
        # Part of the arc between the road point and the node, as a share of the arc.
        # forward arc (point order): leave to its head over 1 - f; arrive from its tail over f.
        # backward arc: leave to its head (first point) over f; arrive from its tail over 1 - f.
        share[:, 0] = (1 - f) if leaving else f
        share[:, 1] = f if leaving else (1 - f)
        has = arcs >= 0
        ends = a.arc_head if leaving else a.arc_tail
        node[has] = ends[arcs[has]]
        # A point exactly at a piece's end node on a one-way piece is at that node: it
        # may leave (arrive) by any arc of the node, not only along the piece.
        first_last = np.full((n, 2), -1, dtype=np.int64)
        first_last[on] = self.piece_nodes[s.piece[on]]
        slot_node = first_last[:, ::-1] if leaving else first_last  # node each slot joins
        at_node = on[:, None] & (share <= 1e-9)
        node[at_node & ~has] = slot_node[at_node & ~has]
        # At a node, the other slot (the whole piece to its other end) is just one of
        # that node's arcs: drop it, so fewer targets are pinned in the engine.
        node[at_node[:, ::-1] & ~at_node] = -1
        time_u = np.zeros((n, 2), dtype=np.int64)
        length_m = np.zeros((n, 2), dtype=np.int64)
        time_u[has] = np.rint(share[has] * weights[arcs[has]])
        length_m[has] = np.rint(share[has] * a.arc_length_m[arcs[has]])
        return Candidates(node=node, time_u=time_u, length_m=length_m)

    def direct(
        self, so: Snapped, sd: Snapped, weights: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Time (engine units) and length (m) of driving straight along a shared road piece.

        Parameters
        ----------
        so, sd
            The snapped origins and destinations.
        weights
            Arc times, engine units.

        Returns
        -------
        tuple[numpy.ndarray, numpy.ndarray]
            ``(n, m)`` times and lengths; inf where the two are not on one piece or its
            one-way rule forbids the way between them.
        """
        a = self.arrays
        same = (so.piece[:, None] == sd.piece[None, :]) & so.on_network[:, None]
        time_u = np.full(same.shape, np.inf)
        length_m = np.full(same.shape, np.inf)
        if not same.any():
            return time_u, length_m
        i, j = np.nonzero(same)
        arcs = self.piece_arc[so.piece[i]]
        step = sd.fraction[j] - so.fraction[i]
        for k, allowed in ((0, step >= 0), (1, step <= 0)):
            ok = allowed & (arcs[:, k] >= 0)
            arc = arcs[ok, k]
            t = np.rint(np.abs(step[ok]) * weights[arc])
            m = np.rint(np.abs(step[ok]) * a.arc_length_m[arc])
            better = t < time_u[i[ok], j[ok]]
            time_u[i[ok][better], j[ok][better]] = t[better]
            length_m[i[ok][better], j[ok][better]] = m[better]
        return time_u, length_m
