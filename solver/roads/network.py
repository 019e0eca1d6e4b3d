"""A prepared road network: snapping, travel matrices and path geometry.

Snapping and the off-road leg
-----------------------------
A location (lat, lon) is projected onto the nearest point of the nearest road
segment (not just the nearest intersection). When that point is further than
``snap_limit_m`` (default 2 km) the location is *off-network*: it is never moved,
and every matrix entry involving it is :data:`~solver.model.UNREACHABLE`
(:mod:`solver.roads.snapping`).

Travel between two locations is: the off-road leg from the location to its road
point at :data:`~solver.roads.speeds.OFF_ROAD_SPEED_KMH` (5 km/h, walking from
the parked car, no fixed parking time), the part of the snapped road to its next
intersection in an allowed driving direction, the fastest path between
intersections, and the same in reverse at the destination. Two locations on the
same road piece are joined directly along it when the one-way rules allow. The
off-road legs count in both the time and the distance. Identical locations are 0 s
and 0 m apart. Path geometry is drawn by :mod:`solver.roads.paths`.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import shapely

from solver.errors import InvalidProblemError
from solver.model import UNREACHABLE, TravelMatrix
from solver.roads.engine import Candidates, MatrixEngine
from solver.roads.graph import RoadArrays
from solver.roads.info import NetworkInfo
from solver.roads.paths import network_outline, path_line
from solver.roads.profile import SpeedProfile, default_profile
from solver.roads.snapping import (
    DEFAULT_SNAP_LIMIT_M,
    PieceJoins,
    Point,
    Snap,
    SnapIndex,
    Snapped,
    as_points,
)
from solver.roads.speeds import OFF_ROAD_SPEED_KMH
from solver.roads.traffic import LevelCache, travel_times_at

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["DEFAULT_SNAP_LIMIT_M", "Point", "RoadNetwork", "Snap"]


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
        self._index = SnapIndex(arrays, self.snap_limit_m)
        self._joins = PieceJoins(arrays)
        self._outline: shapely.Polygon | None = None

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
        self._index.tree()
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
            as_points(origins, "origins"),
            None if destinations is None else as_points(destinations, "destinations"),
            week_s,
            self.profile if profile is None else profile,
            arrive=arrive,
        )

    # ------------------------------------------------------------------ snapping

    def _snap_arrays(self, points: np.ndarray) -> Snapped:
        return self._index.snap(points)

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
        s = self._snap_arrays(as_points(points, "points"))
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
        self, s: Snapped, *, leaving: bool, weights: np.ndarray | None = None
    ) -> Candidates:
        """Graph nodes a snapped point can leave to (or arrive from), with the partial edge.

        ``weights`` are the arc times of a speed-profile level (free-flow when None).
        """
        weights = self._get_engine().weights if weights is None else weights
        return self._joins.candidates(s, leaving=leaving, weights=weights)

    def _direct(
        self, so: Snapped, sd: Snapped, weights: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Time (engine units) and length (m) of driving straight along a shared road piece."""
        weights = self._get_engine().weights if weights is None else weights
        return self._joins.direct(so, sd, weights)

    # ------------------------------------------------------------------ matrices

    def _road_matrix(
        self, so: Snapped, sd: Snapped, *, with_lengths: bool, level: tuple | None = None
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
        self, so: Snapped, sd: Snapped, road: np.ndarray, off_road: np.ndarray
    ) -> np.ndarray:
        """Add the off-road legs, round to integers; -1 for no path or off-network points."""
        total = road + off_road
        same_place = (so.lat[:, None] == sd.lat[None, :]) & (so.lon[:, None] == sd.lon[None, :])
        total = np.where(same_place & so.on_network[:, None], 0.0, total)
        usable = np.isfinite(total) & so.on_network[:, None] & sd.on_network[None, :]
        return np.where(usable, np.rint(np.where(usable, total, 0)), UNREACHABLE).astype(np.int64)

    def _snap_pair(
        self, origins: Sequence[Point], destinations: Sequence[Point] | None
    ) -> tuple[Snapped, Snapped]:
        so = self._snap_arrays(as_points(origins, "origins"))
        if destinations is None:
            return so, so
        return so, self._snap_arrays(as_points(destinations, "destinations"))

    def _walk_s(self, so: Snapped, sd: Snapped) -> np.ndarray:
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
            self._outline = network_outline(self.arrays)
        return self._outline

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
        return path_line(self, self._index, so, sd)
