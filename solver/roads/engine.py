"""Many-to-many travel times and fastest-path lengths on a contraction hierarchy.

The engine is RoutingKit's Customizable Contraction Hierarchy (``routingkit_cch``),
with 31-bit integer arc weights. It is customised twice over the same hierarchy:

* the *time* metric, arc weight = travel time in engine units (``time_unit_ds``
  deciseconds, chosen per network at build time), gives travel times ``T``;
* the *lexicographic* metric, arc weight = ``time * K + length_m``, finds among the
  fastest paths the shortest one. Its distance ``W`` splits as ``W = K * T + L``
  when ``K`` is larger than the length of the fastest path (``K`` is sized at build,
  see :func:`choose_units`); the split is checked against ``T`` on every query and
  any pair that fails is answered by unpacking its fastest path.

Sources and targets are given as up to two *candidates* each: a graph node plus an
initial cost (the part of the snapped road to drive before reaching that node).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import routingkit_cch as rk
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from solver.roads.graph import RoadArrays

#: RoutingKit's infinite weight; every path weight must stay below it.
INF_WEIGHT = 2**31 - 1

#: Sources per batch of a many-to-many query (bounds the memory of the raw answers).
_ROWS_PER_CHUNK = 256

#: Engine time units tried at build, deciseconds: the finest that fits is used.
TIME_UNITS_DS = (1, 2, 5, 10, 20, 50)


def arc_weights(arrays: RoadArrays, time_unit_ds: int) -> np.ndarray:
    """Arc travel times in engine units (``time_unit_ds`` deciseconds each, at least 1).

    Parameters
    ----------
    arrays
        The graph.
    time_unit_ds
        Deciseconds per unit.

    Returns
    -------
    numpy.ndarray
        ``(A,)`` int64 weights.
    """
    return np.maximum(1, np.rint(arrays.arc_time_ds / time_unit_ds)).astype(np.int64)


def _eccentricities(arrays: RoadArrays, weights: np.ndarray) -> tuple[float, float]:
    """Time bound and length estimate of fastest paths, from the network's centre.

    Returns ``(time_u, length_m)``: the centre's largest in- plus out- travel time (an
    upper bound on any fastest path: go via the centre) and the lengths of those
    furthest fastest paths added up (an estimate, not a bound, of the longest one).
    """
    n = arrays.node_count
    lex = weights + arrays.arc_length_m * 1e-7  # time first, then length (< 1 unit)
    order = np.lexsort((lex, arrays.arc_head, arrays.arc_tail))
    tail, head, w = arrays.arc_tail[order], arrays.arc_head[order], lex[order]
    first = np.ones(tail.size, dtype=bool)  # keep the best of parallel arcs
    first[1:] = (tail[1:] != tail[:-1]) | (head[1:] != head[:-1])
    graph = csr_matrix((w[first], (tail[first], head[first])), shape=(n, n))
    centre = int(
        np.argmin(
            (arrays.node_lat - np.median(arrays.node_lat)) ** 2
            + (arrays.node_lon - np.median(arrays.node_lon)) ** 2
        )
    )
    time_u, length_m = 0.0, 0.0
    for tree in (dijkstra(graph, indices=centre), dijkstra(graph.T.tocsr(), indices=centre)):
        tree = tree[np.isfinite(tree)]
        whole = np.floor(tree + 1e-6)
        time_u += float(whole.max())
        length_m += float(np.rint((tree - whole) * 1e7).max())
    return time_u, length_m


def choose_units(arrays: RoadArrays) -> tuple[int, int]:
    """Pick the engine's time unit and lexicographic factor ``K`` for a graph.

    The lexicographic metric ``time * K + length_m`` must (a) rank paths by time
    first, which needs ``K`` above the length of any fastest path, and (b) stay
    below RoutingKit's 31-bit infinity. Any fastest path takes at most ``T``, the
    centre's in- plus out-eccentricity (plus two partial arcs at the snapped ends);
    ``K`` is 1.25 times the lengths of those two furthest fastest paths (an estimate:
    the split ``W = K*T + L`` is checked on every query, and pairs that fail are
    answered exactly by path unpacking). The finest unit of :data:`TIME_UNITS_DS` for
    which ``K * T`` fits is chosen: 0.1 s for a city, 0.5 s for a 50 km region.

    Parameters
    ----------
    arrays
        The graph.

    Returns
    -------
    tuple[int, int]
        ``(time_unit_ds, lex_factor)``.
    """
    longest = 0.0
    for unit in TIME_UNITS_DS:
        weights = arc_weights(arrays, unit)
        time_u, length_m = _eccentricities(arrays, weights)
        longest = time_u + 2 * weights.max()  # plus partial arcs at both ends
        factor = int(np.ceil(1.25 * max(length_m, 1000.0))) + 1
        if factor * (longest + 1) < INF_WEIGHT:
            return unit, factor
    # Too large for lexicographic weights: pairs that fail the check fall back.
    return TIME_UNITS_DS[-1], max(1, int(INF_WEIGHT // (longest + 1)))


def prepare_engine(arrays: RoadArrays) -> RoadArrays:
    """Return the graph with the engine's node order, time unit and factor filled in.

    Parameters
    ----------
    arrays
        Graph from :func:`solver.roads.graph.assemble_graph`.

    Returns
    -------
    RoadArrays
        A copy with ``cch_order``, ``time_unit_ds`` and ``lex_factor`` set.
    """
    order = rk.compute_order_inertial(
        arrays.node_count,
        arrays.arc_tail.tolist(),
        arrays.arc_head.tolist(),
        arrays.node_lat.tolist(),
        arrays.node_lon.tolist(),
    )
    unit, factor = choose_units(arrays)
    return replace(
        arrays,
        cch_order=np.asarray(order, dtype=np.int32),
        time_unit_ds=np.asarray(unit, dtype=np.int64),
        lex_factor=np.asarray(factor, dtype=np.int64),
    )


@dataclass(frozen=True, slots=True)
class Candidates:
    """Where each of ``n`` points joins the graph: up to two (node, initial cost) pairs.

    Attributes
    ----------
    node
        ``(n, 2)`` graph node index, -1 for no candidate.
    time_u
        ``(n, 2)`` time between the point's road position and the node, engine units.
    length_m
        ``(n, 2)`` length between the point's road position and the node, metres.
    """

    node: np.ndarray
    time_u: np.ndarray
    length_m: np.ndarray

    def pairs(self, i: int, cost: np.ndarray) -> list[tuple[int, int]]:
        """Return ``[(node, cost), ...]`` of point ``i`` for a RoutingKit query."""
        return [(int(self.node[i, k]), int(cost[i, k])) for k in range(2) if self.node[i, k] >= 0]


class MatrixEngine:
    """Travel-time and fastest-path-length queries between graph candidates.

    Parameters
    ----------
    arrays
        The graph, prepared by :func:`prepare_engine`.
    """

    def __init__(self, arrays: RoadArrays) -> None:
        tail, head = arrays.arc_tail.tolist(), arrays.arc_head.tolist()
        self.time_unit_ds = int(arrays.time_unit_ds)
        self.lex_factor = int(arrays.lex_factor)
        self.weights = arc_weights(arrays, self.time_unit_ds)
        self._length_m = arrays.arc_length_m.astype(np.int64)
        self._cch = rk.CCH(arrays.cch_order.tolist(), tail, head, False)
        self._time = rk.CCHMetric(self._cch, self.weights.tolist())
        lex = self.weights * self.lex_factor + self._length_m
        self._lex = rk.CCHMetric(self._cch, np.minimum(lex, INF_WEIGHT - 1).tolist())

    def _many_to_many(
        self, metric: rk.CCHMetric, sources: Candidates, targets: Candidates, factor: int
    ) -> np.ndarray:
        """Return ``(n, m)`` float costs (``inf`` = unreachable) in one metric.

        ``factor`` = 0 costs time units; otherwise ``time * factor + length_m``. The
        smaller side is swept (one search per point, seeded with its candidates) and
        the larger side's distinct nodes are pinned once.
        """
        if sources.node.shape[0] <= targets.node.shape[0]:
            return self._sweep(rk.CCHOneToMany, metric, sources, targets, factor)
        return self._sweep(rk.CCHManyToOne, metric, targets, sources, factor).T

    @staticmethod
    def _sweep(
        kind: type, metric: rk.CCHMetric, swept: Candidates, pinned: Candidates, factor: int
    ) -> np.ndarray:
        """Return costs ``(len(swept), len(pinned))`` between the two sides.

        ``kind`` is ``CCHOneToMany`` (swept = sources) or ``CCHManyToOne`` (swept =
        targets); either way a cost is swept candidate + path + pinned candidate.
        """

        def cost(c: Candidates) -> np.ndarray:
            return c.time_u if factor == 0 else c.time_u * factor + c.length_m

        n, m = swept.node.shape[0], pinned.node.shape[0]
        result = np.full((n, m), np.inf)
        valid = pinned.node >= 0
        if n == 0 or not valid.any():
            return result
        nodes, column = np.unique(pinned.node[valid], return_inverse=True)
        pinned_col = np.full(pinned.node.shape, -1, dtype=np.int64)
        pinned_col[valid] = column
        pinned_cost = cost(pinned).astype(np.float64)
        swept_cost = cost(swept)
        query = kind(metric, nodes.tolist())
        run = query.distances_from_multi if kind is rk.CCHOneToMany else query.distances_to_multi
        rows = np.flatnonzero((swept.node >= 0).any(axis=1))
        if rows.size == 0:  # every swept point is off the network: nothing to search
            return result
        for chunk in np.array_split(rows, max(1, rows.size // _ROWS_PER_CHUNK)):
            found = np.array([run(swept.pairs(i, swept_cost)) for i in chunk], dtype=np.float64)
            found[np.isnan(found)] = np.inf  # None (unreachable) became NaN
            for k in range(2):
                ok = valid[:, k]
                via = found[:, pinned_col[ok, k]] + pinned_cost[ok, k]
                result[np.ix_(chunk, ok)] = np.minimum(result[np.ix_(chunk, ok)], via)
        return result

    def customise(self, weights: np.ndarray) -> rk.CCHMetric:
        """Customise the hierarchy with other arc times (e.g. one speed-profile bucket).

        Parameters
        ----------
        weights
            ``(A,)`` arc times in engine units (>= 1).

        Returns
        -------
        routingkit_cch.CCHMetric
            A time metric for :meth:`times_u`; the node order is reused, only the
            customisation runs.
        """
        return rk.CCHMetric(self._cch, np.minimum(weights, INF_WEIGHT - 1).tolist())

    def times_u(
        self, sources: Candidates, targets: Candidates, metric: rk.CCHMetric | None = None
    ) -> np.ndarray:
        """Fastest travel times, engine units (``time_unit_ds`` deciseconds each).

        Parameters
        ----------
        sources, targets
            Candidates of the ``n`` origins and ``m`` destinations.
        metric
            A metric from :meth:`customise` (its candidates' initial times must use
            the same weights); None for the free-flow time metric.

        Returns
        -------
        numpy.ndarray
            ``(n, m)`` float array; ``inf`` where no path exists.
        """
        return self._many_to_many(metric or self._time, sources, targets, 0)

    def lengths_m(
        self, sources: Candidates, targets: Candidates, times_u: np.ndarray
    ) -> np.ndarray:
        """Length of the fastest path (the shortest among equally fast ones), metres.

        Parameters
        ----------
        sources, targets
            Candidates of the ``n`` origins and ``m`` destinations.
        times_u
            ``(n, m)`` result of :meth:`times_u` for the same candidates.

        Returns
        -------
        numpy.ndarray
            ``(n, m)`` float array; ``inf`` where no path exists.
        """
        reachable = np.isfinite(times_u)
        lex = self._many_to_many(self._lex, sources, targets, self.lex_factor)
        with np.errstate(invalid="ignore"):
            rest = lex - np.where(reachable, times_u, 0) * self.lex_factor
        exact = reachable & (rest >= 0) & (rest < self.lex_factor)
        lengths = np.where(exact, rest, np.inf)
        for i, j in zip(*np.nonzero(reachable & ~exact), strict=True):
            lengths[i, j] = self._unpack(self._time, sources, i, targets, j, 0)[1]
        return lengths

    def fastest_path(
        self, sources: Candidates, i: int, targets: Candidates, j: int
    ) -> tuple[float, int, list[int], int, int]:
        """Unpack the fastest path from source ``i`` to target ``j``.

        Among equally fast paths the shortest is returned (the path of the lexicographic
        metric, kept only when its time equals the time metric's), so that a path's
        length agrees with :meth:`lengths_m`.

        Parameters
        ----------
        sources, targets
            Candidates.
        i, j
            Row of the source and of the target.

        Returns
        -------
        tuple
            ``(time_u, length_m, arcs, source_k, target_k)``: total time in engine units
            (``inf`` if unreachable), total length including the candidates' initial
            parts, the arc ids driven, and which candidate of the source and of the
            target was used.
        """
        fastest = self._unpack(self._time, sources, i, targets, j, 0)
        if fastest[0] == np.inf:
            return fastest
        shortest = self._unpack(self._lex, sources, i, targets, j, self.lex_factor)
        return shortest if shortest[0] == fastest[0] else fastest

    def _unpack(
        self,
        metric: rk.CCHMetric,
        sources: Candidates,
        i: int,
        targets: Candidates,
        j: int,
        factor: int,
    ) -> tuple[float, int, list[int], int, int]:
        """Run one point-to-point query and sum the time and length of its path."""

        def cost(c: Candidates) -> np.ndarray:
            return c.time_u if factor == 0 else c.time_u * factor + c.length_m

        seeds, ends = sources.pairs(i, cost(sources)), targets.pairs(j, cost(targets))
        if not seeds or not ends:
            return np.inf, -1, [], -1, -1
        result = rk.CCHQuery(metric).run_multi(seeds, ends)  # per call: thread-safe
        if result.distance is None:
            return np.inf, -1, [], -1, -1
        nodes = result.node_path
        source_k = int(np.flatnonzero(sources.node[i] == nodes[0])[0])
        target_k = int(np.flatnonzero(targets.node[j] == nodes[-1])[0])
        arcs = [int(arc) for arc in result.arc_path]
        time_u = int(self.weights[arcs].sum()) if arcs else 0
        time_u += int(sources.time_u[i, source_k] + targets.time_u[j, target_k])
        length = int(self._length_m[arcs].sum()) if arcs else 0
        length += int(sources.length_m[i, source_k] + targets.length_m[j, target_k])
        return float(time_u), length, arcs, source_k, target_k
