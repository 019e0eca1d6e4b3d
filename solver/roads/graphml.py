"""The bridge to osmnx and networkx: export a prepared network, import an osmnx graph.

Export (:func:`to_networkx`, :func:`save_graphml`) writes the drive graph with osmnx's
conventions: a ``networkx.MultiDiGraph`` keyed by OSM node id, nodes with ``x`` (lon)
and ``y`` (lat) and ``street_count``, one edge per driving direction with ``length``
(metres), ``speed_kph``, ``travel_time`` (seconds), ``osmid`` (the way), ``oneway``,
``reversed``, ``highway`` (the road class of speed profiles) and, for curved
pieces, a ``geometry`` LineString; the graph carries
``crs = "epsg:4326"`` and ``simplified = True`` (nodes are intersections and dead
ends, as in a simplified osmnx graph). ``travel_time`` is the time the matrix engine
sums, so a fastest path found by ``osmnx.routing.shortest_path(G, u, v,
weight="travel_time")`` takes exactly the time fieldroute's matrix gives between u and v.

Import (:func:`read_graphml_ways`) turns a graph built with osmnx (saved with
``ox.save_graphml``) into the way runs a network is assembled from, so it gets the
same largest strongly connected part, snapping, matrices and CCH as an OSM extract.
Edges whose ``highway`` class a car may not use (see :mod:`solver.roads.speeds`) are
left out, so a graph from ``ox.graph_from_xml`` (which keeps footways) imports as a
drive network. Speeds: the edge's ``travel_time`` when given, else its ``speed_kph``,
else ``maxspeed`` or the speed table of its class; its first ``highway`` class is its
road class for speed profiles. The two directions of a two-way
street (two osmnx edges over the same geometry) become one road piece with two arcs,
so a location on it can leave either way.

osmnx and networkx are an optional extra: ``pip install 'fieldroute[osmnx]'``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from solver.errors import NetworkBuildError
from solver.roads.engine import arc_weights
from solver.roads.geometry import haversine_m
from solver.roads.osm import WayRuns
from solver.roads.profile import ROAD_CLASSES, road_class_index
from solver.roads.speeds import is_drivable, parse_maxspeed_kmh

if TYPE_CHECKING:
    import networkx as nx

    from solver.roads.network import RoadNetwork

#: File name endings read as GraphML by :func:`solver.roads.build_network`.
GRAPHML_SUFFIXES = (".graphml", ".graphml.xml")

_EXTRA = "install the optional extra: pip install 'fieldroute[osmnx]'"
_TAGS = ("highway", "access", "service", "area", "motorcar", "motor_vehicle", "vehicle", "route")


def _require(module: str) -> Any:
    """Import an optional dependency or raise a ``ModuleNotFoundError`` naming the extra."""
    import importlib

    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        raise ModuleNotFoundError(f"The osmnx bridge needs {module}: {_EXTRA}.") from exc


def is_graphml(path: Path) -> bool:
    """Return True when a file name says GraphML (``.graphml``)."""
    return Path(path).name.lower().endswith(GRAPHML_SUFFIXES)


# ---------------------------------------------------------------------------- export


def to_networkx(network: RoadNetwork) -> nx.MultiDiGraph:
    """Return a prepared network as a networkx ``MultiDiGraph`` with osmnx's conventions.

    Parameters
    ----------
    network
        The prepared road network.

    Returns
    -------
    networkx.MultiDiGraph
        Nodes keyed by OSM node id with ``x``, ``y`` (WGS84 degrees) and
        ``street_count``; one edge per arc with ``length`` (m), ``travel_time`` (s, the
        engine's free-flow time), ``speed_kph``, ``osmid`` (the way, when known),
        ``oneway``, ``reversed`` and ``geometry`` (shapely LineString, lon/lat) on
        pieces with shape points; graph attributes ``crs``, ``simplified``, ``name``.

    Raises
    ------
    ModuleNotFoundError
        When networkx is not installed.
    """
    nx = _require("networkx")
    a = network.arrays
    unit_ds = int(a.time_unit_ds)
    travel_time_s = arc_weights(a, unit_ds) * unit_ds / 10
    length_m = a.arc_length_m.astype(np.float64)
    speed_kph = np.divide(
        length_m * 3.6, travel_time_s, out=np.zeros_like(length_m), where=travel_time_s > 0
    )
    node_id = a.node_osm_id.astype(np.int64)
    pieces = a.piece_offsets.size - 1
    piece_arcs = np.bincount(a.arc_piece, minlength=pieces)
    ends = np.zeros((pieces, 2), dtype=np.int64)  # [first, last] node of each piece
    forward = ~a.arc_reversed
    ends[a.arc_piece[forward]] = np.column_stack((a.arc_tail[forward], a.arc_head[forward]))
    ends[a.arc_piece[~forward]] = np.column_stack((a.arc_head[~forward], a.arc_tail[~forward]))
    street_count = np.bincount(ends.ravel(), minlength=a.node_count)
    counts = np.diff(a.piece_offsets)
    owner = np.repeat(np.arange(pieces), counts)
    lines = shapely.linestrings(np.column_stack((a.point_lon, a.point_lat)), indices=owner)
    way = a.piece_way_id
    road_class = a.piece_class if a.piece_class.size == pieces else None

    graph = nx.MultiDiGraph(
        crs="epsg:4326", simplified=True, name=network.info.name, created_with="fieldroute"
    )
    graph.add_nodes_from(
        (
            int(node_id[k]),
            {
                "y": float(a.node_lat[k]),
                "x": float(a.node_lon[k]),
                "street_count": int(street_count[k]),
            },
        )
        for k in range(a.node_count)
    )
    for arc in range(a.arc_count):
        piece = int(a.arc_piece[arc])
        reverse = bool(a.arc_reversed[arc])
        data: dict[str, Any] = {
            "length": float(length_m[arc]),
            "speed_kph": round(float(speed_kph[arc]), 3),
            "travel_time": float(travel_time_s[arc]),
            "oneway": bool(piece_arcs[piece] == 1),
            "reversed": reverse,
        }
        if way is not None and way[piece] >= 0:
            data["osmid"] = int(way[piece])
        if road_class is not None and ROAD_CLASSES[road_class[piece]] not in {"other", "ferry"}:
            data["highway"] = ROAD_CLASSES[road_class[piece]]
        if a.arc_piece.size and a.piece_ferry[piece]:
            data["route"] = "ferry"
        if counts[piece] > 2:
            data["geometry"] = shapely.reverse(lines[piece]) if reverse else lines[piece]
        graph.add_edge(int(node_id[a.arc_tail[arc]]), int(node_id[a.arc_head[arc]]), **data)
    return graph


def save_graphml(network: RoadNetwork, path: Path) -> Path:
    """Write a prepared network as a GraphML file that ``osmnx.load_graphml`` reads.

    Parameters
    ----------
    network
        The prepared road network.
    path
        Target file (``.graphml``); its folder is created if missing.

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    ModuleNotFoundError
        When osmnx is not installed.
    """
    ox = _require("osmnx")
    path = Path(path)
    ox.save_graphml(to_networkx(network), path)
    return path


# ---------------------------------------------------------------------------- import


def _classes(value: Any) -> list[str]:
    """Return an osmnx attribute (a value, or a list for merged ways) as a list of str."""
    if value is None:
        return []
    if isinstance(value, list | tuple | set):
        return [str(v) for v in value]
    return [str(value)]


def _positive(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if np.isfinite(number) and number > 0 else None


def _edge_speed_kmh(
    data: Mapping[str, Any], length_m: float, speeds_kmh: Mapping[str, float]
) -> float | None:
    """Driving speed of an osmnx edge, km/h, or ``None`` when a car may not use it."""
    travel_time = _positive(data.get("travel_time"))
    given = _positive(data.get("speed_kph"))
    highways = _classes(data.get("highway"))
    if highways:
        for highway in highways:  # a merged edge is drivable only if all its ways are
            tags = {key: "; ".join(_classes(data.get(key))) for key in _TAGS if key in data}
            tags["highway"] = highway
            if not is_drivable(tags, speeds_kmh):
                return None
    elif travel_time is None and given is None:
        return None  # no class and no speed: nothing says a car drives here
    if travel_time is not None:
        return max(length_m / travel_time * 3.6, 0.1)
    if given is not None:
        return given
    limits = [parse_maxspeed_kmh(v) for v in _classes(data.get("maxspeed"))]
    limits = [v for v in limits if v is not None]
    return min(limits) if limits else min(speeds_kmh[h] for h in highways)


def _node_id(node: Any) -> int:
    try:
        return int(node)
    except (TypeError, ValueError) as exc:
        raise NetworkBuildError(f"GraphML graph: node id {node!r} is not an integer.") from exc


def _coordinates(graph: nx.MultiDiGraph, u: Any, v: Any, data: Mapping[str, Any]) -> np.ndarray:
    """``(k, 2)`` lon/lat points of an edge from u to v (its geometry, else the straight line)."""
    start = (float(graph.nodes[u]["x"]), float(graph.nodes[u]["y"]))
    end = (float(graph.nodes[v]["x"]), float(graph.nodes[v]["y"]))
    geometry = data.get("geometry")
    if geometry is None:
        return np.array([start, end])
    if isinstance(geometry, str):
        geometry = shapely.from_wkt(geometry)
    points = np.asarray(shapely.get_coordinates(geometry), dtype=np.float64)
    if points.shape[0] < 2:
        return np.array([start, end])
    points[0], points[-1] = start, end  # the nodes are where the edge starts and ends
    return points


def graph_ways(graph: nx.MultiDiGraph, speeds_kmh: Mapping[str, float]) -> WayRuns:
    """Turn an osmnx-style graph into drivable way runs.

    Parameters
    ----------
    graph
        A networkx (Multi)DiGraph with osmnx's attributes: node ``x``/``y`` in WGS84
        degrees; edge ``highway`` (or a ``travel_time`` / ``speed_kph``), optional
        ``geometry``, ``osmid``, ``maxspeed``, ``access``, ``service``.
    speeds_kmh
        Speed per drivable ``highway`` class, km/h.

    Returns
    -------
    WayRuns
        One run per road piece: the two directions over the same points share a run.

    Raises
    ------
    NetworkBuildError
        When the graph is not in WGS84, a node lacks coordinates or no edge is drivable.
    """
    crs = str(graph.graph.get("crs", "epsg:4326")).lower()
    if crs not in {"epsg:4326", "wgs84", "wgs 84"}:
        raise NetworkBuildError(
            f"GraphML graph: crs {crs!r} is not supported; save it in WGS84 (epsg:4326), "
            "e.g. without ox.project_graph."
        )
    ids = {node: _node_id(node) for node in graph.nodes}
    for node, data in graph.nodes(data=True):
        if "x" not in data or "y" not in data:
            raise NetworkBuildError(f"GraphML graph: node {node!r} has no x/y coordinates.")
    next_id = min([0, *ids.values()]) - 1  # shape points get ids no OSM node has
    groups: dict[tuple, list[list]] = defaultdict(lambda: [[], []])
    for u, v, data in graph.edges(data=True):
        points = _coordinates(graph, u, v, data)
        length_m = float(
            haversine_m(points[:-1, 1], points[:-1, 0], points[1:, 1], points[1:, 0]).sum()
        )
        speed = _edge_speed_kmh(data, length_m, speeds_kmh)
        if speed is None:
            continue
        ways = [int(w) for w in _classes(data.get("osmid")) if w.lstrip("-").isdigit()]
        ferry = "ferry" in _classes(data.get("route"))
        highways = _classes(data.get("highway"))
        road_class = road_class_index("ferry" if ferry else (highways[0] if highways else ""))
        key_points = tuple(np.round(points, 9).ravel())
        back_points = tuple(np.round(points[::-1], 9).ravel())
        forward = (ids[u], key_points) <= (ids[v], back_points)
        canonical = key_points if forward else back_points
        ends = (ids[u], ids[v]) if forward else (ids[v], ids[u])
        key = (ends, canonical, round(speed, 6), ferry, road_class)
        groups[key][0 if forward else 1].append(ways[0] if ways else -1)
    if not groups:
        raise NetworkBuildError("GraphML graph: holds no drivable edge.")

    node_ids: list[np.ndarray] = []
    coords: list[np.ndarray] = []
    offsets = [0]
    fwd: list[bool] = []
    bwd: list[bool] = []
    speeds: list[float] = []
    ferries: list[bool] = []
    way_ids: list[int] = []
    classes: list[int] = []
    for (ends, canonical, speed, ferry, road_class), (along, against) in groups.items():
        points = np.asarray(canonical).reshape(-1, 2)
        pairs = min(len(along), len(against))
        runs = [(True, True)] * pairs
        runs += [(True, False)] * (len(along) - pairs) + [(False, True)] * (len(against) - pairs)
        for (f, b), way in zip(
            runs, [*along[:pairs], *along[pairs:], *against[pairs:]], strict=True
        ):
            inner = np.arange(next_id, next_id - (points.shape[0] - 2), -1, dtype=np.int64)
            next_id -= points.shape[0] - 2
            node_ids.append(np.concatenate(([ends[0]], inner, [ends[1]])))
            coords.append(points)
            offsets.append(offsets[-1] + points.shape[0])
            fwd.append(f)
            bwd.append(b)
            speeds.append(speed)
            ferries.append(ferry)
            way_ids.append(way)
            classes.append(road_class)
    xy = np.concatenate(coords)
    return WayRuns(
        node_ids=np.concatenate(node_ids).astype(np.int64),
        lat=xy[:, 1].copy(),
        lon=xy[:, 0].copy(),
        run_offsets=np.asarray(offsets, dtype=np.int64),
        forward=np.asarray(fwd, dtype=bool),
        backward=np.asarray(bwd, dtype=bool),
        speed_kmh=np.asarray(speeds, dtype=np.float64),
        ferry=np.asarray(ferries, dtype=bool),
        way_id=np.asarray(way_ids, dtype=np.int64),
        road_class=np.asarray(classes, dtype=np.int8),
    )


def read_graphml_ways(source: Path, speeds_kmh: Mapping[str, float]) -> WayRuns:
    """Read a GraphML file saved by ``osmnx.save_graphml`` into drivable way runs.

    Parameters
    ----------
    source
        The ``.graphml`` file.
    speeds_kmh
        Speed per drivable ``highway`` class, km/h.

    Returns
    -------
    WayRuns
        See :func:`graph_ways`.

    Raises
    ------
    NetworkBuildError
        When the file cannot be read as an osmnx graph or holds no drivable edge.
    ModuleNotFoundError
        When osmnx is not installed.
    """
    ox = _require("osmnx")
    try:
        graph = ox.load_graphml(Path(source))
    except (OSError, ValueError, KeyError, SyntaxError) as exc:
        raise NetworkBuildError(f"GraphML file '{source}': cannot be read ({exc}).") from exc
    return graph_ways(graph, speeds_kmh)
