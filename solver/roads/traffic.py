"""Time-dependent travel times on a road network under a speed profile.

Each profile *level* (a distinct table of factors, see
:attr:`solver.roads.profile.SpeedProfile.levels`) re-customises the contraction
hierarchy with arc times ``free-flow time / factor``: the node order is kept, only
RoutingKit's customisation runs. Customised metrics are kept in a bounded LRU cache
(:data:`LEVEL_CACHE_SIZE` per network), so a bucket of the week costs one
customisation the first time it is used.

A leg's time is its static duration at each bucket *integrated* through the buckets
it spans (the Ichoua-Gendreau-Potvin model): if the leg takes ``D_b`` seconds at the
speeds of bucket ``b``, in one second of bucket ``b`` the car covers ``1 / D_b`` of
the leg. Arrival is then a non-decreasing function of departure (FIFO: leaving later
never means arriving earlier), and the latest departure for an arrival (``arrival_by``)
is the same integration run backwards. The static durations include the walking legs
at both ends, and distances stay those of the free-flow fastest path.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from solver.model import UNREACHABLE
from solver.roads.profile import (
    BUCKET_S,
    WEEK_S,
    SpeedProfile,
    arc_level_factors,
    built_up_arcs,
)

if TYPE_CHECKING:
    from solver.roads.network import Point, RoadNetwork

logger = logging.getLogger(__name__)

#: Customised metrics kept per network (free-flow is always kept besides these).
LEVEL_CACHE_SIZE = 8

_MAX_STEPS = 4 * 672  # four weeks of buckets: any leg that needs more is unreachable


class LevelCache:
    """Bounded LRU cache of customised metrics of one network, keyed by factor table."""

    def __init__(self, size: int = LEVEL_CACHE_SIZE) -> None:
        self.size = size
        self._items: OrderedDict[bytes, tuple[np.ndarray, object]] = OrderedDict()
        self._lock = threading.Lock()
        self._built_up: dict[float, np.ndarray] = {}
        self.customisations = 0

    def built_up(self, network: RoadNetwork, nodes_per_km2: float) -> np.ndarray:
        """Built-up flag of every arc for a density bound (cached)."""
        if nodes_per_km2 not in self._built_up:
            a = network.arrays
            self._built_up[nodes_per_km2] = built_up_arcs(
                a.node_lat, a.node_lon, a.arc_tail, a.arc_head, nodes_per_km2
            )
        return self._built_up[nodes_per_km2]

    def level(self, network: RoadNetwork, profile: SpeedProfile, level: int) -> tuple | None:
        """``(weights, metric)`` of a profile level; None when it is free-flow."""
        table = profile.levels[1][level]
        if level == 0 or np.all(table == 1.0):
            return None
        key = table.tobytes() + np.float64(profile.built_up_nodes_per_km2).tobytes()
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        a = network.arrays
        engine = network._get_engine()
        arc_class = a.piece_class[a.arc_piece]
        factors = arc_level_factors(
            profile, arc_class, self.built_up(network, profile.built_up_nodes_per_km2), level
        )
        weights = np.maximum(1, np.rint(engine.weights / factors)).astype(np.int64)
        item = (weights, engine.customise(weights))
        with self._lock:
            self.customisations += 1
            self._items[key] = item
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return item


def applies(network: RoadNetwork, profile: SpeedProfile | None) -> bool:
    """Return True when ``profile`` changes travel times on ``network``."""
    if profile is None or profile.is_free_flow:
        return False
    if network.arrays.piece_class.size == 0:
        logger.warning(
            "Network '%s' was prepared before road classes were recorded: speed profiles "
            "do not apply (rebuild it).",
            network.info.name,
        )
        return False
    return True


def level_durations_s(
    network: RoadNetwork, origins: np.ndarray, destinations: np.ndarray, level: tuple | None
) -> np.ndarray:
    """Return static durations (s, float, inf = unreachable) at one level, walks included."""
    so, sd = network._snap_pair(origins, destinations)
    times_s, _ = network._road_matrix(so, sd, with_lengths=False, level=level)
    total = network._finish(so, sd, times_s, network._walk_s(so, sd)).astype(np.float64)
    total[total == UNREACHABLE] = np.inf
    return total


def integrate(
    durations_at: Callable[[int, np.ndarray], np.ndarray],
    level_of_bucket: np.ndarray,
    start_s: np.ndarray,
    *,
    backwards: bool = False,
) -> np.ndarray:
    """Integrate static per-level durations through the buckets of the week.

    Parameters
    ----------
    durations_at
        ``durations_at(level, pairs)`` -> static seconds of the flat pair indices
        ``pairs`` at that level (``inf`` = unreachable).
    level_of_bucket
        ``(672,)`` level of each bucket of the week.
    start_s
        ``(P,)`` departure (or, backwards, arrival) times, seconds since Monday 00:00
        (may exceed one week).
    backwards
        Integrate back from arrivals: the result is then the time before ``start_s``
        at which to leave.

    Returns
    -------
    numpy.ndarray
        ``(P,)`` travel seconds (float), ``inf`` where unreachable.
    """
    start = np.asarray(start_s, dtype=np.float64)
    out = np.full(start.size, np.inf)
    # the pairs still driving, compacted after every bucket
    pending = np.arange(start.size)
    t = start.copy()
    rem = np.ones(start.size)
    elapsed = np.zeros(start.size)
    for _ in range(_MAX_STEPS):
        if pending.size == 0:
            break
        if backwards:
            bucket = (np.ceil(t / BUCKET_S) - 1).astype(np.int64)
            edge = bucket * BUCKET_S
        else:
            bucket = np.floor(t / BUCKET_S).astype(np.int64)
            edge = (bucket + 1) * BUCKET_S
        level = level_of_bucket[bucket % level_of_bucket.size]
        if level.min() == level.max():
            d = durations_at(int(level[0]), pending)
        else:
            d = np.empty(pending.size)
            for lv in np.unique(level):
                sel = level == lv
                d[sel] = durations_at(int(lv), pending[sel])
        room = np.abs(edge - t)
        need = rem * d
        finite = np.isfinite(d)
        done = (need <= room) | ~finite | (d == 0)
        out[pending[done & finite]] = elapsed[done & finite] + need[done & finite]
        go = ~done
        pending, t = pending[go], edge[go].astype(np.float64)
        rem, elapsed = rem[go] - room[go] / d[go], elapsed[go] + room[go]
    out[pending] = np.inf
    return out


def _as_points(points: Sequence[Point]) -> np.ndarray:
    return np.asarray(points, dtype=np.float64).reshape(-1, 2) if len(points) else np.empty((0, 2))


def travel_times_at(
    network: RoadNetwork,
    origins: Sequence[Point],
    destinations: Sequence[Point] | None,
    week_s: float | np.ndarray,
    profile: SpeedProfile | None,
    *,
    arrive: bool = False,
) -> np.ndarray:
    """Time-dependent travel times, seconds (int64, -1 = unreachable).

    Parameters
    ----------
    network
        The road network.
    origins, destinations
        ``(lat, lon)`` pairs; ``destinations=None`` means the origins.
    week_s
        Departure time(s), seconds since Monday 00:00 local time: a scalar, or one per
        origin row (``(n,)``), or one per pair (``(n, m)``). With ``arrive=True`` these
        are the arrival times wanted.
    profile
        The speed profile; None or free-flow gives the free-flow durations.
    arrive
        Integrate backwards from arrival times (``arrival_by``): the answer is how long
        before ``week_s`` to leave.

    Returns
    -------
    numpy.ndarray
        ``(n, m)`` int64 seconds.
    """
    dest = origins if destinations is None else destinations
    if not applies(network, profile):
        return network.durations(origins, dest)
    o, d = _as_points(origins), _as_points(dest)
    n, m = o.shape[0], d.shape[0]
    given = np.asarray(week_s, dtype=np.float64)
    given = given.reshape(n, 1) if given.ndim == 1 else given.reshape(np.shape(given) or (1, 1))
    # one week ahead: backward steps stay at positive times
    starts = np.broadcast_to(given, (n, m)).reshape(-1) % WEEK_S + WEEK_S
    cache = network._level_cache()
    computed: dict[int, np.ndarray] = {}

    def durations_at(level: int, pairs: np.ndarray) -> np.ndarray:
        # only the rows and columns of the pairs still driving in this level are queried
        table = computed.setdefault(level, np.full((n, m), np.nan))
        flat = table.reshape(-1)
        missing = pairs[np.isnan(flat[pairs])]
        if missing.size:
            rows = np.flatnonzero(np.bincount(missing // m, minlength=n))
            cols = np.flatnonzero(np.bincount(missing % m, minlength=m))
            level_metric = cache.level(network, profile, level)
            table[np.ix_(rows, cols)] = level_durations_s(network, o[rows], d[cols], level_metric)
        return flat[pairs]

    seconds = integrate(durations_at, profile.levels[0], starts, backwards=arrive)
    seconds = seconds.reshape(n, m)
    ok = np.isfinite(seconds)
    return np.where(ok, np.rint(np.where(ok, seconds, 0)), UNREACHABLE).astype(np.int64)
