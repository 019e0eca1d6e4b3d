"""Is a place in a road network's area? Mistakes such as swapped lat/lon are input errors.

A place a little off the roads (at sea, in a field) is *off-network*: that is data (an
unreachable account, a -1 in an estimate). A place far outside the network's area
(its bounding box widened by :data:`FAR_MARGIN_M`) cannot be meant for that network:
latitude and longitude swapped, a wrong network, a geocoding slip. It is an input
error naming the field, with a hint when swapping the two values lands inside.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from solver.errors import InvalidEntitiesError, InvalidProblemError

#: How far outside a network's bounding box a place may lie and still be planned (as
#: off-network data), metres. Farther is an input error.
FAR_MARGIN_M = 25_000.0

_EARTH_RADIUS_M = 6_371_008.8

#: ``(entity path, entity id or None, field path, lat, lon)`` of one place of a problem.
Place = tuple[str, str | None, str, float, float]


def outside_m(lat: float, lon: float, bbox: Sequence[float]) -> float:
    """Return how far ``(lat, lon)`` lies outside ``bbox``, metres (0 inside).

    Parameters
    ----------
    lat, lon
        WGS84 degrees.
    bbox
        ``(min_lon, min_lat, max_lon, max_lat)``, WGS84 degrees.

    Returns
    -------
    float
        Great-circle distance to the nearest point of the box (haversine).
    """
    min_lon, min_lat, max_lon, max_lat = (float(v) for v in bbox)
    near_lat = min(max(lat, min_lat), max_lat)
    near_lon = min(max(lon, min_lon), max_lon)
    p1, p2 = math.radians(lat), math.radians(near_lat)
    dp, dl = p2 - p1, math.radians(near_lon - lon)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * _EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def network_area(network: Any) -> tuple[str, tuple[float, float, float, float]] | None:
    """Return ``(name, bbox)`` of a road network, or None for a source without an area."""
    info = getattr(network, "info", None)
    bbox = getattr(info, "bbox", None)
    if bbox is None:
        return None
    return str(getattr(info, "name", "")), tuple(float(v) for v in bbox)  # type: ignore[return-value]


def far_place_errors(
    places: Sequence[Place], network: Any, *, margin_m: float = FAR_MARGIN_M
) -> list[InvalidProblemError]:
    """Return an error for every place farther than ``margin_m`` outside the network's area.

    Parameters
    ----------
    places
        ``(entity path, entity id, field path, lat, lon)`` of each place, e.g.
        ``("reps[0]", "maria", "reps[0].start", 14.46, 35.89)``.
    network
        A road network (with ``info.bbox``); other sources have no area and pass.
    margin_m
        How far outside the bounding box a place may lie.

    Returns
    -------
    list[InvalidProblemError]
        One per far place, in order; each names the entity and field, and says
        "latitude and longitude swapped?" when swapping them lands inside.
    """
    area = network_area(network)
    if area is None:
        return []
    name, bbox = area
    errors = []
    for entity, entity_id, field, lat, lon in places:
        distance_m = outside_m(lat, lon, bbox)
        if distance_m <= margin_m:
            continue
        swapped = abs(lon) <= 90 and outside_m(lon, lat, bbox) <= margin_m
        hint = " Latitude and longitude swapped?" if swapped else ""
        what = field.rsplit(".", 1)[-1] if "." in field else "place"
        errors.append(
            InvalidProblemError(
                f"{what} (lat {lat:g}, lon {lon:g}) is {distance_m / 1000:,.0f} km outside "
                f"the area of road network '{name}'.{hint}",
                entity=entity,
                entity_id=entity_id,
                field=field,
            )
        )
    return errors


def check_places_in_area(
    places: Sequence[Place], network: Any, *, margin_m: float = FAR_MARGIN_M
) -> None:
    """Raise every far place of :func:`far_place_errors` (one error, or all together).

    Raises
    ------
    InvalidProblemError
        When one place is far outside the network's area;
        :class:`~solver.errors.InvalidEntitiesError` when several are.
    """
    errors = far_place_errors(places, network, margin_m=margin_m)
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise InvalidEntitiesError(errors)
