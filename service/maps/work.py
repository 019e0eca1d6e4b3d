"""What a worker runs for the map: the road base layer of a network."""

from __future__ import annotations

from typing import Any

from service.common.runtime import RuntimeConfig, get_network
from solver.roads.geojson import network_geojson


def road_layer(name: str, config: RuntimeConfig) -> dict[str, Any]:
    """Return the roads of network ``name`` as GeoJSON (runs in a worker process).

    Parameters
    ----------
    name
        A prepared network.
    config
        Where networks live.

    Returns
    -------
    dict
        :func:`solver.roads.geojson.network_geojson` of the network.
    """
    return network_geojson(get_network(name, config.networks_dir))
