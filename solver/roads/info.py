"""Metadata of a prepared road network (what ``fieldroute network info`` shows)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


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
