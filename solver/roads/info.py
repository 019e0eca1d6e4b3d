"""Metadata of a prepared road network (what ``fieldroute network info`` shows)."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

logger = logging.getLogger(__name__)


def timezone_at(lat: float, lon: float) -> str | None:
    """Return the IANA time zone at a point, offline (``timezonefinder``'s boundaries).

    Parameters
    ----------
    lat, lon
        WGS84 degrees.

    Returns
    -------
    str | None
        E.g. ``"Europe/Malta"``; at sea an ``Etc/GMT±N`` zone; ``None`` if unknown.
    """
    from timezonefinder import TimezoneFinder

    return TimezoneFinder().timezone_at(lat=float(lat), lng=float(lon))


def network_timezone(node_lat: np.ndarray, node_lon: np.ndarray) -> str | None:
    """Return the time zone of a road network: the zone of its node nearest its centre.

    A road node is on land, so the answer is a real zone (not a sea zone) even when the
    centre of the bounding box lies in water.

    Parameters
    ----------
    node_lat, node_lon
        Coordinates of the network's nodes, WGS84 degrees.

    Returns
    -------
    str | None
        IANA time zone name; ``None`` for a network without nodes.
    """
    if len(node_lat) == 0:
        return None
    lat0 = (float(np.min(node_lat)) + float(np.max(node_lat))) / 2
    lon0 = (float(np.min(node_lon)) + float(np.max(node_lon))) / 2
    squared = (node_lat - lat0) ** 2 + ((node_lon - lon0) * np.cos(np.radians(lat0))) ** 2
    nearest = int(np.argmin(squared))
    return timezone_at(float(node_lat[nearest]), float(node_lon[nearest]))


@dataclass(frozen=True, slots=True)
class NetworkInfo:
    """Metadata recorded when a network is prepared.

    Attributes
    ----------
    name
        Name of the network (its folder in the networks directory).
    source_file
        File name of the OSM extract it was built from.
    source_sha256
        SHA-256 of that file, hex.
    built_at
        When it was built, ISO 8601 (UTC).
    nodes
        Graph nodes (intersections and dead ends) in the largest strongly connected part.
    edges
        Directed arcs (a two-way street counts twice).
    bbox
        ``(min_lon, min_lat, max_lon, max_lat)`` of the graph nodes, WGS84 degrees.
    speeds_kmh
        The speed table used, km/h per highway class.
    build_s
        Seconds the build took.
    timezone
        IANA time zone of the area (e.g. ``"Europe/Malta"``), found at build time from
        the node nearest the network's centre; the local time of plans on the network.
        ``None`` in a ``network.json`` written before time zones were recorded (see
        :meth:`local_timezone`).
    """

    name: str
    source_file: str
    source_sha256: str
    built_at: str
    nodes: int
    edges: int
    bbox: tuple[float, float, float, float]
    speeds_kmh: dict[str, float] = field(default_factory=dict)
    build_s: float = 0.0
    timezone: str | None = None

    def local_timezone(self) -> str | None:
        """Return the network's time zone, deriving it when ``network.json`` lacks one.

        A network built before time zones were recorded has none stored: its zone is
        then taken at the centre of its bounding box, and a warning says so (rebuild
        the network to store it).

        Returns
        -------
        str | None
            IANA time zone name (``None`` only if none can be found).
        """
        if self.timezone:
            return self.timezone
        min_lon, min_lat, max_lon, max_lat = self.bbox
        guess = timezone_at((min_lat + max_lat) / 2, (min_lon + max_lon) / 2)
        logger.warning(
            "Road network '%s': network.json records no time zone (built before time zones "
            "were stored); using %s, the zone at the centre of its bbox. Rebuild the "
            "network to store its time zone.",
            self.name,
            guess,
        )
        return guess

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict of every field."""
        data = asdict(self)
        data["bbox"] = list(self.bbox)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> NetworkInfo:
        """Read a dict written by :meth:`to_dict` (unknown keys are ignored).

        Parameters
        ----------
        data
            The metadata.

        Returns
        -------
        NetworkInfo
            The metadata object.
        """
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        known["bbox"] = tuple(float(v) for v in known["bbox"])
        return cls(**known)
