"""The compact drive graph: numpy arrays for nodes, arcs and edge geometry.

Graph nodes are the OSM nodes where ways meet or end (intersections and dead ends);
the OSM nodes in between only shape the geometry. Each *piece* is the polyline of a
way between two graph nodes; it carries one arc per allowed driving direction.

Units: ``arc_time_ds`` is whole deciseconds (0.1 s), ``arc_length_m`` whole metres;
both are what the matrix engine sums, so matrices are exact sums of these integers.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from solver.errors import NetworkBuildError
from solver.roads.geometry import EARTH_RADIUS_M, haversine_m
from solver.roads.osm import WayRuns

__all__ = ["EARTH_RADIUS_M", "RoadArrays", "assemble_graph", "haversine_m"]


@dataclass(frozen=True, slots=True, eq=False)
class RoadArrays:
    """A drive graph as flat arrays (what is saved to and loaded from disk).

    Attributes
    ----------
    node_lat, node_lon
        ``(N,)`` WGS84 degrees of each graph node.
    node_osm_id
        ``(N,)`` OSM id of each graph node.
    arc_tail, arc_head
        ``(A,)`` graph node indices of each directed arc.
    arc_time_ds
        ``(A,)`` travel time along the arc, deciseconds (>= 1).
    arc_length_m
        ``(A,)`` length of the arc, whole metres.
    arc_piece
        ``(A,)`` the geometry piece the arc runs along.
    arc_reversed
        ``(A,)`` True when the arc runs against the piece's point order.
    piece_offsets
        ``(G + 1,)`` piece ``g`` is points ``piece_offsets[g]:piece_offsets[g + 1]``.
    point_lat, point_lon
        Shape points of the pieces, WGS84 degrees (end points repeated per piece).
    piece_ferry
        ``(G,)`` True for a car-ferry piece (driven, but never snapped onto).
    cch_order
        ``(N,)`` node order for the contraction hierarchy (nested dissection).
    time_unit_ds
        0-d: deciseconds per unit of the matrix engine's arc weights (see
        :func:`solver.roads.engine.choose_units`).
    lex_factor
        0-d: multiplier of time in the engine's lexicographic (time, length) metric.
    piece_way_id
        ``(G,)`` OSM way id of each piece (-1 where unknown); ``None`` for a network
        prepared before way ids were kept.
    piece_class
        ``(G,)`` int8 index of each piece's road class in
        :data:`solver.roads.profile.ROAD_CLASSES`, used by speed profiles; empty for a
        network prepared before classes were recorded (speed profiles then do not apply).
    """

    node_lat: np.ndarray
    node_lon: np.ndarray
    node_osm_id: np.ndarray
    arc_tail: np.ndarray
    arc_head: np.ndarray
    arc_time_ds: np.ndarray
    arc_length_m: np.ndarray
    arc_piece: np.ndarray
    arc_reversed: np.ndarray
    piece_offsets: np.ndarray
    point_lat: np.ndarray
    point_lon: np.ndarray
    piece_ferry: np.ndarray
    cch_order: np.ndarray
    time_unit_ds: np.ndarray
    lex_factor: np.ndarray
    piece_way_id: np.ndarray | None = None
    piece_class: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int8))

    @property
    def node_count(self) -> int:
        """Number of graph nodes."""
        return int(self.node_lat.size)

    @property
    def arc_count(self) -> int:
        """Number of directed arcs."""
        return int(self.arc_tail.size)

    def save(self, path: Path) -> None:
        """Write the arrays to an uncompressed ``.npz`` file (no pickle).

        Parameters
        ----------
        path
            Target file.
        """
        arrays = {f.name: getattr(self, f.name) for f in fields(self)}
        np.savez(path, **{name: value for name, value in arrays.items() if value is not None})

    @classmethod
    def load(cls, path: Path) -> RoadArrays:
        """Read arrays written by :meth:`save`.

        Parameters
        ----------
        path
            The ``.npz`` file.

        Returns
        -------
        RoadArrays
            The graph.
        """
        with np.load(path, allow_pickle=False) as data:
            arrays = {f.name: data[f.name] for f in fields(cls) if f.name in data}
        if "piece_ferry" not in arrays:  # prepared before ferries were kept
            arrays["piece_ferry"] = np.zeros(arrays["piece_offsets"].size - 1, dtype=bool)
        return cls(**arrays)


def _graph_node_points(runs: WayRuns) -> np.ndarray:
    """Return a mask of the points that are graph nodes (shared, run ends, loop middles)."""
    _, inverse, counts = np.unique(runs.node_ids, return_inverse=True, return_counts=True)
    is_node = counts[inverse] >= 2
    is_node[runs.run_offsets[:-1]] = True
    is_node[runs.run_offsets[1:] - 1] = True
    # A piece that starts and ends at the same node (a closed way) would be a
    # self-loop: split it at its middle point so that every arc joins two nodes.
    for _ in range(3):
        positions = np.flatnonzero(is_node)
        start, end = positions[:-1], positions[1:]
        same_run = np.searchsorted(runs.run_offsets, start, side="right") == np.searchsorted(
            runs.run_offsets, end, side="right"
        )
        loops = same_run & (runs.node_ids[start] == runs.node_ids[end]) & (end - start >= 2)
        if not loops.any():
            break
        is_node[(start[loops] + end[loops]) // 2] = True
    return is_node


def assemble_graph(runs: WayRuns) -> RoadArrays:
    """Turn drivable way runs into the compact graph of its largest strongly connected part.

    Parameters
    ----------
    runs
        Output of :func:`solver.roads.osm.read_drivable_ways`.

    Returns
    -------
    RoadArrays
        Nodes, arcs and geometry; the engine fields (``cch_order``, ``time_unit_ds``,
        ``lex_factor``) are placeholders, set by :func:`solver.roads.engine.prepare_engine`.

    Raises
    ------
    NetworkBuildError
        When no arc survives.
    """
    is_node = _graph_node_points(runs)
    positions = np.flatnonzero(is_node)
    start, end = positions[:-1], positions[1:]
    run_of_start = np.searchsorted(runs.run_offsets, start, side="right") - 1
    run_of_end = np.searchsorted(runs.run_offsets, end, side="right") - 1
    keep = (run_of_start == run_of_end) & (runs.node_ids[start] != runs.node_ids[end])
    # A ferry that does not land on a road at both ends (e.g. to a port outside the
    # extract) leads nowhere: drop it.
    _, inverse, counts = np.unique(runs.node_ids, return_inverse=True, return_counts=True)
    lands = counts[inverse] >= 2
    ferry_run = np.flatnonzero(runs.ferry)
    dead_end = ~(lands[runs.run_offsets[ferry_run]] & lands[runs.run_offsets[ferry_run + 1] - 1])
    keep &= ~np.isin(run_of_start, ferry_run[dead_end])
    start, end, run = start[keep], end[keep], run_of_start[keep]

    segment_m = haversine_m(runs.lat[:-1], runs.lon[:-1], runs.lat[1:], runs.lon[1:])
    cumulative_m = np.concatenate(([0.0], np.cumsum(segment_m)))
    piece_m = cumulative_m[end] - cumulative_m[start]
    speed_ms = runs.speed_kmh[run] / 3.6
    time_ds = np.maximum(1, np.rint(piece_m / speed_ms * 10)).astype(np.int64)
    length_m = np.rint(piece_m).astype(np.int64)

    osm_ids, node_of_point = np.unique(runs.node_ids[positions], return_inverse=True)
    node_index = np.empty(runs.node_ids.size, dtype=np.int64)
    node_index[positions] = node_of_point
    u, v = node_index[start], node_index[end]
    fwd, bwd = runs.forward[run], runs.backward[run]
    pieces = np.arange(start.size)
    arc_tail = np.concatenate((u[fwd], v[bwd]))
    arc_head = np.concatenate((v[fwd], u[bwd]))
    arc_piece = np.concatenate((pieces[fwd], pieces[bwd]))
    arc_reversed = np.concatenate((np.zeros(fwd.sum(), bool), np.ones(bwd.sum(), bool)))
    if arc_tail.size == 0:
        raise NetworkBuildError("OSM extract: no drivable road segment between two nodes.")

    # Keep the largest strongly connected component: every kept node can reach every other.
    n = osm_ids.size
    adjacency = csr_matrix((np.ones(arc_tail.size), (arc_tail, arc_head)), shape=(n, n))
    _, labels = connected_components(adjacency, directed=True, connection="strong")
    largest = np.bincount(labels).argmax()
    node_kept = labels == largest
    arc_kept = node_kept[arc_tail] & node_kept[arc_head]
    new_node = np.cumsum(node_kept) - 1
    piece_used = np.zeros(start.size, dtype=bool)
    piece_used[arc_piece[arc_kept]] = True
    new_piece = np.cumsum(piece_used) - 1

    # Copy the shape points of the kept pieces into one packed array.
    p_start, p_end = start[piece_used], end[piece_used]
    counts = p_end - p_start + 1
    piece_offsets = np.concatenate(([0], np.cumsum(counts)))
    point_index = np.repeat(p_start - piece_offsets[:-1], counts) + np.arange(piece_offsets[-1])

    node_lat = np.empty(n)
    node_lon = np.empty(n)
    node_lat[node_of_point] = runs.lat[positions]
    node_lon[node_of_point] = runs.lon[positions]
    arc_pieces_kept = arc_piece[arc_kept]
    return RoadArrays(
        node_lat=node_lat[node_kept],
        node_lon=node_lon[node_kept],
        node_osm_id=osm_ids[node_kept],
        arc_tail=new_node[arc_tail[arc_kept]].astype(np.int32),
        arc_head=new_node[arc_head[arc_kept]].astype(np.int32),
        arc_time_ds=np.concatenate((time_ds[fwd], time_ds[bwd]))[arc_kept].astype(np.int32),
        arc_length_m=np.concatenate((length_m[fwd], length_m[bwd]))[arc_kept].astype(np.int32),
        arc_piece=new_piece[arc_pieces_kept].astype(np.int32),
        arc_reversed=arc_reversed[arc_kept],
        piece_offsets=piece_offsets.astype(np.int64),
        point_lat=runs.lat[point_index],
        point_lon=runs.lon[point_index],
        piece_ferry=runs.ferry[run][piece_used],
        cch_order=np.empty(0, dtype=np.int32),
        time_unit_ds=np.asarray(1, dtype=np.int64),
        lex_factor=np.asarray(1, dtype=np.int64),
        piece_way_id=None if runs.way_id is None else runs.way_id[run][piece_used],
        piece_class=(
            runs.road_class[run][piece_used].astype(np.int8)
            if runs.road_class is not None
            else np.empty(0, dtype=np.int8)
        ),
    )
