"""The small interface every source of travel times satisfies.

A prepared :class:`~solver.roads.RoadNetwork` is one; a test's synthetic grid graph or
a haversine stand-in is another. Code that plans on a network types it as
:class:`TravelSource`, never as a concrete class.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

from solver.model import TravelMatrix

#: ``(lat, lon)`` in WGS84 degrees.
Point = tuple[float, float]


@runtime_checkable
class TravelSource(Protocol):
    """Snapping, matrices and path geometry between ``(lat, lon)`` points."""

    def snap(self, points: Sequence[Point]) -> list[Any]:
        """Return where each point joins the roads (``Snap`` records)."""
        ...

    def matrix(
        self, origins: Sequence[Point], destinations: Sequence[Point] | None = None
    ) -> TravelMatrix:
        """Return travel times (s) and distances (m), row = origin; -1 = unreachable."""
        ...

    def path(self, origin: Point, destination: Point) -> dict:
        """Return the driven path as a GeoJSON LineString of ``[lon, lat]`` pairs."""
        ...
