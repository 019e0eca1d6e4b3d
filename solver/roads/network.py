"""A prepared road network: snapping, travel matrices and path geometry.

Snapping and the off-road leg
-----------------------------
A location (lat, lon) is projected onto the nearest point of the nearest road
segment (not just the nearest intersection). When that point is further than
``snap_limit_m`` (default 2 km) the location is *off-network*: it is never moved,
and every matrix entry involving it is :data:`~solver.model.UNREACHABLE`.

Travel between two locations is: the off-road leg from the location to its road
point at :data:`~solver.roads.speeds.OFF_ROAD_SPEED_KMH` (5 km/h, walking from
the parked car, no fixed parking time), the part of the snapped road to its next
intersection in an allowed driving direction, the fastest path between
intersections, and the same in reverse at the destination. Two locations on the
same road piece are joined directly along it when the one-way rules allow. The
off-road legs count in both the time and the distance. Identical locations are 0 s
and 0 m apart.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import shapely
from scipy.spatial import ConvexHull, QhullError

from solver.errors import InvalidProblemError
from solver.model import UNREACHABLE, TravelMatrix
from solver.roads.engine import Candidates, MatrixEngine
from solver.roads.graph import EARTH_RADIUS_M, RoadArrays, haversine_m
from solver.roads.info import NetworkInfo
from solver.roads.profile import SpeedProfile, default_profile
from solver.roads.speeds import OFF_ROAD_SPEED_KMH
from solver.roads.traffic import LevelCache, travel_times_at

if TYPE_CHECKING:
    import networkx as nx

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
class _Snapped:
    """Snap results as arrays (internal)."""

    lat: np.ndarray
    lon: np.ndarray
    piece: np.ndarray  # -1 when off-network
    fraction: np.ndarray  # position along the piece, 0 = first point, 1 = last
    road_lat: np.ndarray
    road_lon: np.ndarray
    distance_m: np.ndarray

    @property
    def on_network(self) -> np.ndarray:
        return self.piece >= 0


def _as_points(points: Sequence[Point], what: str) -> np.ndarray:
    """Check ``(lat, lon)`` pairs and return them as an ``(n, 2)`` float array."""
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


class RoadNetwork:
    """A drive network loaded from disk, answering snaps, matrices and paths.

    Build one with :func:`solver.roads.build_network` and load it with
    :func:`solver.roads.load_network`. It pickles cheaply (arrays only); the
    contraction hierarchy and the spatial index are rebuilt on first use.

    Parameters
    ----------
    info
        Metadata of the prepared network.
    arrays
        The graph arrays.
    snap_limit_m
        Locations further than this from any road are off-network, metres.
    profile
        Speed profile of :meth:`durations_at` (None: the default profile).
    """

    def __init__(
        self,
        info: NetworkInfo,
        arrays: RoadArrays,
        *,
        snap_limit_m: float = DEFAULT_SNAP_LIMIT_M,
        profile: SpeedProfile | None = None,
    ) -> None:
        if not (np.isfinite(snap_limit_m) and snap_limit_m >= 0):
            raise InvalidProblemError(
                f"Road network '{info.name}': snap_limit_m must be >= 0, got {snap_limit_m!r}."
            )
        self.info = info
        self.arrays = arrays
        self.snap_limit_m = float(snap_limit_m)
        self.profile = profile if profile is not None else default_profile()
        self._levels: LevelCache | None = None
        self._lock = threading.Lock()
        self._engine: MatrixEngine | None = None
        self._tree: shapely.STRtree | None = None
        self._lines: np.ndarray | None = None  # every piece, projected to metres
        self._snappable: np.ndarray | None = None  # pieces in the tree (no ferries)
        self._outline: shapely.Polygon | None = None
        pieces = arrays.piece_offsets.size - 1
        self._piece_arc = np.full((pieces, 2), -1, dtype=np.int64)  # [forward, backward]
        self._piece_arc[arrays.arc_piece, arrays.arc_reversed.astype(np.int64)] = np.arange(
            arrays.arc_count
        )
        self._piece_nodes = np.empty((pieces, 2), dtype=np.int64)  # [first, last] point
        forward = ~arrays.arc_reversed
        self._piece_nodes[arrays.arc_piece[forward], 0] = arrays.arc_tail[forward]
        self._piece_nodes[arrays.arc_piece[forward], 1] = arrays.arc_head[forward]
        self._piece_nodes[arrays.arc_piece[~forward], 0] = arrays.arc_head[~forward]
        self._piece_nodes[arrays.arc_piece[~forward], 1] = arrays.arc_tail[~forward]
        self._lat0 = float((arrays.node_lat.min() + arrays.node_lat.max()) / 2)
        self._lon0 = float((arrays.node_lon.min() + arrays.node_lon.max()) / 2)

    def __getstate__(self) -> dict:
        return {
            "info": self.info,
            "arrays": self.arrays,
            "snap_limit_m": self.snap_limit_m,
            "profile": self.profile,
        }

    def __setstate__(self, state: dict) -> None:
        self.__init__(
            state["info"],
            state["arrays"],
            snap_limit_m=state["snap_limit_m"],
            profile=state.get("profile"),
        )

    def __repr__(self) -> str:
        return f"RoadNetwork({self.info.name!r}, nodes={self.info.nodes}, edges={self.info.edges})"

    def to_networkx(self) -> nx.MultiDiGraph:
        """Return the network as a networkx ``MultiDiGraph`` with osmnx's conventions.

        Returns
        -------
        networkx.MultiDiGraph
            See :func:`solver.roads.graphml.to_networkx` (needs the ``osmnx`` extra's
            networkx).
        """
        from solver.roads.graphml import to_networkx

        return to_networkx(self)

    # ------------------------------------------------------------------ preparation

    def prepare(self) -> RoadNetwork:
        """Build the matrix engine and the spatial index now instead of on first use.

        Returns
        -------
        RoadNetwork
            ``self``.
        """
        self._get_engine()
        self._get_tree()
        return self

    def _get_engine(self) -> MatrixEngine:
        if self._engine is None:
            with self._lock:
                if self._engine is None:
                    self._engine = MatrixEngine(self.arrays)
        return self._engine

    def _level_cache(self) -> LevelCache:
        if self._levels is None:
            with self._lock:
                if self._levels is None:
                    self._levels = LevelCache()
        return self._levels

    def durations_at(
        self,
        origins: Sequence[Point],
        destinations: Sequence[Point] | None = None,
        *,
        week_s: float | np.ndarray,
        arrive: bool = False,
        profile: SpeedProfile | None = None,
    ) -> np.ndarray:
        """Travel times leaving (or, ``arrive=True``, arriving) at a time of the week.

        Parameters
        ----------
        origins, destinations
            ``(lat, lon)`` pairs; ``destinations=None`` means the origins.
        week_s
            Seconds since Monday 00:00 local time (see
            :func:`solver.roads.profile.week_time_s`): a scalar, one per origin, or one
            per pair.
        arrive
            ``week_s`` is the arrival wanted: answer how long before it to leave.
        profile
            Speed profile; None uses the network's (:attr:`profile`).

        Returns
        -------
        numpy.ndarray
            ``(n, m)`` int64 seconds, -1 where unreachable. FIFO: leaving later never
            arrives earlier (see :mod:`solver.roads.traffic`).
        """
        return travel_times_at(
            self,
            _as_points(origins, "origins"),
            None if destinations is None else _as_points(destinations, "destinations"),
            week_s,
            self.profile if profile is None else profile,
            arrive=arrive,
        )

    def _project(self, lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Local equirectangular projection around the network centre, metres."""
        metres_per_degree = np.pi / 180 * EARTH_RADIUS_M
        x = (lon - self._lon0) * metres_per_degree * np.cos(np.radians(self._lat0))
        y = (lat - self._lat0) * metres_per_degree
        return x, y

    def _unproject(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        metres_per_degree = np.pi / 180 * EARTH_RADIUS_M
        lat = y / metres_per_degree + self._lat0
        lon = x / (metres_per_degree * np.cos(np.radians(self._lat0))) + self._lon0
        return lat, lon

    def _get_tree(self) -> shapely.STRtree:
        with self._lock:
            return self._build_tree()

    def _build_tree(self) -> shapely.STRtree:
        if self._tree is None:
            a = self.arrays
            x, y = self._project(a.point_lat, a.point_lon)
            counts = np.diff(a.piece_offsets)
            owner = np.repeat(np.arange(counts.size), counts)
            self._lines = shapely.linestrings(np.column_stack((x, y)), indices=owner)
            # ferries are driven but nobody is snapped onto the sea: index roads only
            self._snappable = np.flatnonzero(~a.piece_ferry)
            self._tree = shapely.STRtree(self._lines[self._snappable])
        return self._tree

    # ------------------------------------------------------------------ snapping

    def _snap_arrays(self, points: np.ndarray) -> _Snapped:
        n = points.shape[0]
        lat, lon = points[:, 0], points[:, 1]
        piece = np.full(n, -1, dtype=np.int64)
        fraction = np.zeros(n)
        road_lat, road_lon = lat.copy(), lon.copy()
        distance = np.zeros(n)
        if n:
            tree = self._get_tree()
            x, y = self._project(lat, lon)
            geoms = shapely.points(x, y)
            inputs, found = tree.query_nearest(geoms)
            keep = np.unique(inputs, return_index=True)[1]  # one road per point
            inputs, found = inputs[keep], self._snappable[found[keep]]
            lines = self._lines[found]
            along = shapely.line_locate_point(lines, geoms[inputs])
            length = shapely.length(lines)
            on_road = shapely.line_interpolate_point(lines, along)
            rlat, rlon = self._unproject(shapely.get_x(on_road), shapely.get_y(on_road))
            dist = haversine_m(lat[inputs], lon[inputs], rlat, rlon)
            ok = dist <= self.snap_limit_m
            sel = inputs[ok]
            piece[sel] = found[ok]
            fraction[sel] = np.where(length[ok] > 0, along[ok] / np.maximum(length[ok], 1e-9), 0)
            road_lat[sel], road_lon[sel] = rlat[ok], rlon[ok]
            distance[inputs] = dist
        return _Snapped(lat, lon, piece, np.clip(fraction, 0, 1), road_lat, road_lon, distance)

    def snap(self, points: Sequence[Point]) -> list[Snap]:
        """Snap locations to the nearest point on a road.

        Parameters
        ----------
        points
            ``(lat, lon)`` pairs, WGS84 degrees.

        Returns
        -------
        list[Snap]
            One per point, in order. Off-network points keep their coordinates as the
            road point and carry the distance to the nearest road.

        Raises
        ------
        InvalidProblemError
            When a point is not a valid (lat, lon) pair.
        """
        s = self._snap_arrays(_as_points(points, "points"))
        return [
            Snap(
                lat=float(s.lat[i]),
                lon=float(s.lon[i]),
                road_lat=float(s.road_lat[i]),
                road_lon=float(s.road_lon[i]),
                distance_m=float(s.distance_m[i]),
                on_network=bool(s.on_network[i]),
            )
            for i in range(s.lat.size)
        ]

    def _candidates(
        self, s: _Snapped, *, leaving: bool, weights: np.ndarray | None = None
    ) -> Candidates:
        """Graph nodes a snapped point can leave to (or arrive from), with the partial edge.

        ``weights`` are the arc times of a speed-profile level (free-flow when None).
        """
        a = self.arrays
        weights = self._get_engine().weights if weights is None else weights
        n = s.piece.size
        node = np.full((n, 2), -1, dtype=np.int64)
        share = np.zeros((n, 2))
        arcs = np.full((n, 2), -1, dtype=np.int64)
        on = s.on_network
        arcs[on] = self._piece_arc[s.piece[on]]
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
        first_last[on] = self._piece_nodes[s.piece[on]]
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

    def _direct(
        self, so: _Snapped, sd: _Snapped, weights: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Time (engine units) and length (m) of driving straight along a shared road piece."""
        a = self.arrays
        weights = self._get_engine().weights if weights is None else weights
        same = (so.piece[:, None] == sd.piece[None, :]) & so.on_network[:, None]
        time_u = np.full(same.shape, np.inf)
        length_m = np.full(same.shape, np.inf)
        if not same.any():
            return time_u, length_m
        i, j = np.nonzero(same)
        arcs = self._piece_arc[so.piece[i]]
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

    # ------------------------------------------------------------------ matrices

    def _road_matrix(
        self, so: _Snapped, sd: _Snapped, *, with_lengths: bool, level: tuple | None = None
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Road-only time (s) and length (m) between snapped points (inf = unreachable).

        ``level`` is ``(weights, metric)`` of a speed-profile level (times only).
        """
        engine = self._get_engine()
        weights, metric = level if level is not None else (None, None)
        sources = self._candidates(so, leaving=True, weights=weights)
        targets = self._candidates(sd, leaving=False, weights=weights)
        times = engine.times_u(sources, targets, metric)
        direct_t, direct_m = self._direct(so, sd, weights)
        seconds_per_unit = engine.time_unit_ds / 10
        if not with_lengths:
            return np.minimum(times, direct_t) * seconds_per_unit, None
        lengths = engine.lengths_m(sources, targets, times)
        use_direct = (direct_t < times) | ((direct_t == times) & (direct_m < lengths))
        return (
            np.where(use_direct, direct_t, times) * seconds_per_unit,
            np.where(use_direct, direct_m, lengths),
        )

    def _finish(
        self, so: _Snapped, sd: _Snapped, road: np.ndarray, off_road: np.ndarray
    ) -> np.ndarray:
        """Add the off-road legs, round to integers; -1 for no path or off-network points."""
        total = road + off_road
        same_place = (so.lat[:, None] == sd.lat[None, :]) & (so.lon[:, None] == sd.lon[None, :])
        total = np.where(same_place & so.on_network[:, None], 0.0, total)
        usable = np.isfinite(total) & so.on_network[:, None] & sd.on_network[None, :]
        return np.where(usable, np.rint(np.where(usable, total, 0)), UNREACHABLE).astype(np.int64)

    def _snap_pair(
        self, origins: Sequence[Point], destinations: Sequence[Point] | None
    ) -> tuple[_Snapped, _Snapped]:
        so = self._snap_arrays(_as_points(origins, "origins"))
        if destinations is None:
            return so, so
        return so, self._snap_arrays(_as_points(destinations, "destinations"))

    def _walk_s(self, so: _Snapped, sd: _Snapped) -> np.ndarray:
        """Seconds walked between each location and its road point, both ends."""
        speed_ms = OFF_ROAD_SPEED_KMH / 3.6
        return so.distance_m[:, None] / speed_ms + sd.distance_m[None, :] / speed_ms

    def durations(
        self, origins: Sequence[Point], destinations: Sequence[Point] | None = None
    ) -> np.ndarray:
        """Travel times only (faster than :meth:`matrix` when distances are not needed).

        Parameters
        ----------
        origins, destinations
            ``(lat, lon)`` pairs; ``destinations=None`` means the origins.

        Returns
        -------
        numpy.ndarray
            ``(n, m)`` int64 seconds, :data:`~solver.model.UNREACHABLE` (-1) where no
            path exists or a point is off-network.
        """
        so, sd = self._snap_pair(origins, destinations)
        times_s, _ = self._road_matrix(so, sd, with_lengths=False)
        return self._finish(so, sd, times_s, self._walk_s(so, sd))

    def matrix(
        self, origins: Sequence[Point], destinations: Sequence[Point] | None = None
    ) -> TravelMatrix:
        """Many-to-many travel times and distances (length of the fastest path).

        Parameters
        ----------
        origins, destinations
            ``(lat, lon)`` pairs, WGS84 degrees; ``destinations=None`` means the origins.

        Returns
        -------
        TravelMatrix
            ``durations_s`` (seconds) and ``distances_m`` (metres), row = origin;
            asymmetric where one-way streets differ. Pairs with no path, or with an
            off-network point, are :data:`~solver.model.UNREACHABLE` (-1) in both.

        Raises
        ------
        InvalidProblemError
            When a point is not a valid (lat, lon) pair.
        """
        so, sd = self._snap_pair(origins, destinations)
        times_s, lengths_m = self._road_matrix(so, sd, with_lengths=True)
        durations = self._finish(so, sd, times_s, self._walk_s(so, sd))
        off_road_m = so.distance_m[:, None] + sd.distance_m[None, :]
        distances = self._finish(so, sd, lengths_m, off_road_m)
        unreachable = (durations == UNREACHABLE) | (distances == UNREACHABLE)
        durations[unreachable] = UNREACHABLE
        distances[unreachable] = UNREACHABLE
        return TravelMatrix(durations_s=durations, distances_m=distances)

    # ------------------------------------------------------------------ geometry

    def outline(self) -> shapely.Polygon:
        """Return the area the network serves: the convex hull of its road points (cached).

        Returns
        -------
        shapely.Polygon
            In ``(lon, lat)`` degrees, like GeoJSON (what territory polygons cover).
        """
        if self._outline is None:
            points = np.c_[self.arrays.point_lon, self.arrays.point_lat]
            try:  # qhull: ~10x faster than GEOS on 100k points
                outline = shapely.Polygon(points[ConvexHull(points).vertices])
            except (QhullError, ValueError):  # fewer than 3 points, or all on a line
                outline = shapely.multipoints(points).convex_hull.buffer(1e-6)
            self._outline = outline
        return self._outline

    def _piece_points(self, piece: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Shape points of a piece and their position along it (0..1)."""
        a = self.arrays
        lo, hi = a.piece_offsets[piece], a.piece_offsets[piece + 1]
        lat, lon = a.point_lat[lo:hi], a.point_lon[lo:hi]
        x, y = self._project(lat, lon)
        steps = np.hypot(np.diff(x), np.diff(y))
        along = np.concatenate(([0.0], np.cumsum(steps)))
        return lat, lon, along / along[-1] if along[-1] > 0 else along

    def _piece_between(self, piece: int, f_from: float, f_to: float) -> list[list[float]]:
        """Interior shape points of a piece strictly between two fractions, in travel order."""
        lat, lon, along = self._piece_points(piece)
        lo, hi = min(f_from, f_to), max(f_from, f_to)
        inside = np.flatnonzero((along > lo) & (along < hi))
        if f_to < f_from:
            inside = inside[::-1]
        return [[float(lon[k]), float(lat[k])] for k in inside]

    def path(self, origin: Point, destination: Point) -> dict:
        """Geometry of the fastest path between two locations.

        Parameters
        ----------
        origin, destination
            ``(lat, lon)`` pairs, WGS84 degrees.

        Returns
        -------
        dict
            A GeoJSON LineString (``{"type": "LineString", "coordinates": [[lon, lat],
            ...]}``) from the origin through its road point, along the roads, to the
            destination. ``coordinates`` is empty when either point is off-network or
            no path exists.

        Raises
        ------
        InvalidProblemError
            When a point is not a valid (lat, lon) pair.
        """
        so, sd = self._snap_pair([origin], [destination])
        line: dict = {"type": "LineString", "coordinates": []}
        if not (so.on_network[0] and sd.on_network[0]):
            return line
        start = [[float(so.lon[0]), float(so.lat[0])], [float(so.road_lon[0]), so.road_lat[0]]]
        end = [[float(sd.road_lon[0]), float(sd.road_lat[0])], [float(sd.lon[0]), sd.lat[0]]]
        sources = self._candidates(so, leaving=True)
        targets = self._candidates(sd, leaving=False)
        time_u, length_m, arcs, k_src, k_dst = self._get_engine().fastest_path(
            sources, 0, targets, 0
        )
        direct_t, direct_m = self._direct(so, sd)
        if (direct_t[0, 0], direct_m[0, 0]) < (time_u, length_m) or (
            np.isfinite(direct_t[0, 0]) and not np.isfinite(time_u)
        ):
            middle = self._piece_between(int(so.piece[0]), so.fraction[0], sd.fraction[0])
        elif np.isfinite(time_u):
            a = self.arrays
            # leave along the candidate's direction: forward -> towards fraction 1
            middle = self._piece_between(int(so.piece[0]), so.fraction[0], 1.0 - k_src)
            for arc in arcs:
                lat, lon, _ = self._piece_points(int(a.arc_piece[arc]))
                order = slice(None, None, -1) if a.arc_reversed[arc] else slice(None)
                middle += [
                    [float(x), float(y)] for x, y in zip(lon[order], lat[order], strict=True)
                ]
            middle += self._piece_between(int(sd.piece[0]), float(k_dst), sd.fraction[0])
        else:
            return line
        coords = start + middle + end
        cleaned = [[float(c[0]), float(c[1])] for c in coords]
        line["coordinates"] = [c for k, c in enumerate(cleaned) if k == 0 or c != cleaned[k - 1]]
        return line
