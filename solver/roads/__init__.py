"""Road networks from OpenStreetMap extracts: build, snap, matrices and path geometry.

Entry points: :func:`build_network`, :func:`load_network`, :func:`list_networks`, and
the :class:`RoadNetwork` methods ``snap``, ``matrix`` and ``path``.
"""

from solver.roads.catalog import (
    build_network,
    list_networks,
    load_network,
    network_local_timezone,
)
from solver.roads.info import NetworkInfo
from solver.roads.network import DEFAULT_SNAP_LIMIT_M, RoadNetwork, Snap
from solver.roads.source import TravelSource
from solver.roads.speeds import DEFAULT_SPEEDS_KMH, OFF_ROAD_SPEED_KMH

__all__ = [
    "DEFAULT_SNAP_LIMIT_M",
    "DEFAULT_SPEEDS_KMH",
    "OFF_ROAD_SPEED_KMH",
    "NetworkInfo",
    "RoadNetwork",
    "Snap",
    "TravelSource",
    "build_network",
    "list_networks",
    "load_network",
    "network_local_timezone",
]
