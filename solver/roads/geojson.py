"""The road network as GeoJSON, for drawing it as a map's base layer.

There is no tile server behind the map page, so the roads themselves are the base
layer. Every geometry piece of the drive graph (the road between two intersections,
drawn once however many driving directions it has) becomes one line of a single
MultiLineString, simplified so that the file stays small enough for a browser.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely

from solver.roads.graph import EARTH_RADIUS_M
from solver.roads.network import RoadNetwork

#: Attribution every map of the roads must show (ODbL 1.0).
OSM_ATTRIBUTION = "© OpenStreetMap contributors (ODbL)"


def network_geojson(
    network: RoadNetwork, *, tolerance_m: float = 5.0, decimals: int = 5
) -> dict[str, Any]:
    """Return the roads of a network as a GeoJSON FeatureCollection.

    Parameters
    ----------
    network
        A loaded road network.
    tolerance_m
        Douglas-Peucker tolerance of the line simplification, metres (0 keeps every
        shape point).
    decimals
        Decimals kept in the coordinates (5 decimals is about 1 m).

    Returns
    -------
    dict
        A FeatureCollection with one Feature: a MultiLineString (``[lon, lat]`` pairs)
        with one line per road piece, and properties ``name``, ``pieces``, ``points``
        and ``attribution``. The collection carries ``bbox`` (min lon, min lat, max
        lon, max lat).
    """
    arrays = network.arrays
    offsets = np.asarray(arrays.piece_offsets)
    counts = np.diff(offsets)
    keep = counts >= 2
    owner = np.repeat(np.arange(counts.size), counts)
    mask = keep[owner]
    lon = np.asarray(arrays.point_lon)[mask]
    lat = np.asarray(arrays.point_lat)[mask]
    lines = shapely.linestrings(np.column_stack((lon, lat)), indices=owner[mask])
    if tolerance_m > 0 and lines.size:
        # degrees of latitude per metre; longitude is shorter, so this errs on detail
        lines = shapely.simplify(lines, tolerance_m / (np.pi / 180 * EARTH_RADIUS_M))
    coordinates = [
        np.round(shapely.get_coordinates(line), decimals).tolist() for line in lines.tolist()
    ]
    info = network.info
    return {
        "type": "FeatureCollection",
        "bbox": [float(v) for v in info.bbox],
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "MultiLineString", "coordinates": coordinates},
                "properties": {
                    "name": info.name,
                    "pieces": len(coordinates),
                    "points": int(sum(len(c) for c in coordinates)),
                    "attribution": OSM_ATTRIBUTION,
                },
            }
        ],
    }
