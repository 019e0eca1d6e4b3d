"""Which OSM ways a car may drive on, and how fast.

The rules follow the OpenStreetMap wiki (``highway``, ``access``, ``oneway``) and
the choices of OSMnx's ``drive_service`` network type, plus car ferries; the default speeds are
typical urban/rural values for Europe and Latin America and can be overridden per
network build (``build_network(..., speeds_kmh={"residential": 25})``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

#: Default travel speed per ``highway`` class, km/h, used where a way has no usable
#: ``maxspeed`` tag. A ``highway`` class absent from this table is not drivable.
DEFAULT_SPEEDS_KMH: Mapping[str, float] = {
    "motorway": 110.0,
    "motorway_link": 60.0,
    "trunk": 90.0,
    "trunk_link": 50.0,
    "primary": 60.0,
    "primary_link": 40.0,
    "secondary": 50.0,
    "secondary_link": 40.0,
    "tertiary": 40.0,
    "tertiary_link": 30.0,
    "unclassified": 30.0,
    "residential": 30.0,
    "living_street": 10.0,
    "road": 30.0,
    "service": 15.0,
    # not a highway class: ``route=ferry`` ways that carry cars (``motorcar`` or
    # ``motor_vehicle`` = yes) and have no usable ``duration`` tag; boarding included
    "ferry": 15.0,
}

#: Speed of the short leg between a location and the road it snaps to (walking
#: from the parked car, or crawling through a car park), km/h.
OFF_ROAD_SPEED_KMH = 5.0

#: ``service=*`` values a visiting car does not route through.
EXCLUDED_SERVICE = frozenset({"parking_aisle", "driveway", "emergency_access", "private"})

#: ``access``-like values that forbid through traffic for cars.
_FORBIDDEN = frozenset({"no", "private", "agricultural", "forestry", "delivery", "military"})
#: ``motor_vehicle``/``motorcar`` values that re-allow a car on an ``access=no`` way.
_ALLOWED = frozenset({"yes", "designated", "permissive", "destination", "customers"})

_MPH_TO_KMH = 1.609344
_NUMBER = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(mph|km/h|kmh|kph)?\s*$")


def merge_speeds(overrides: Mapping[str, float] | None) -> dict[str, float]:
    """Return the default speed table updated with ``overrides`` (km/h per highway class).

    Parameters
    ----------
    overrides
        Speeds in km/h by ``highway`` value; a new class (e.g. ``"track"``) becomes
        drivable at that speed.

    Returns
    -------
    dict[str, float]
        The speed table used for a build, km/h.

    Raises
    ------
    ValueError
        When a speed is not a positive finite number.
    """
    table = dict(DEFAULT_SPEEDS_KMH)
    for highway, speed_kmh in (overrides or {}).items():
        speed = float(speed_kmh)
        if not 0 < speed < 400:
            raise ValueError(f"Speed for highway '{highway}': {speed_kmh!r} km/h is not in 0..400.")
        table[str(highway)] = speed
    return table


def parse_maxspeed_kmh(value: str | None) -> float | None:
    """Read an OSM ``maxspeed`` value as km/h.

    Parameters
    ----------
    value
        The tag value: ``"50"``, ``"30 mph"``, ``"50;70"`` (the lowest is used) or a
        symbolic value such as ``"PT:urban"`` (not understood: ``None``).

    Returns
    -------
    float or None
        The speed limit in km/h, or ``None`` when absent or not numeric.
    """
    if not value:
        return None
    speeds = []
    for part in value.split(";"):
        match = _NUMBER.match(part.lower())
        if match is None:
            continue
        speed = float(match.group(1))
        if match.group(2) == "mph":
            speed *= _MPH_TO_KMH
        if speed > 0:
            speeds.append(speed)
    return min(speeds) if speeds else None


def is_drivable(tags: Mapping[str, str], speeds_kmh: Mapping[str, float]) -> bool:
    """Return True when a car may drive along a way with these tags.

    Parameters
    ----------
    tags
        The way's OSM tags.
    speeds_kmh
        The speed table; its keys are the drivable ``highway`` classes.

    Returns
    -------
    bool
        False for non-road classes, areas, private or car-free ways and parking aisles.
    """
    if tags.get("route") == "ferry":
        car = tags.get("motorcar") or tags.get("motor_vehicle")
        return "ferry" in speeds_kmh and car in _ALLOWED
    highway = tags.get("highway")
    if highway not in speeds_kmh or tags.get("area") == "yes":
        return False
    if highway == "service" and tags.get("service") in EXCLUDED_SERVICE:
        return False
    car = tags.get("motorcar") or tags.get("motor_vehicle") or tags.get("vehicle")
    if car is not None:
        return car not in _FORBIDDEN
    return tags.get("access") not in _FORBIDDEN


def way_directions(tags: Mapping[str, str]) -> tuple[bool, bool]:
    """Return whether a way may be driven (forward, backward) along its node order.

    Parameters
    ----------
    tags
        The way's OSM tags.

    Returns
    -------
    tuple[bool, bool]
        ``(forward, backward)``. ``oneway=yes`` (also implied by roundabouts and
        motorways) allows forward only; ``oneway=-1`` backward only.
    """
    oneway = tags.get("oneway", "").lower()
    if oneway in {"yes", "true", "1"}:
        return True, False
    if oneway in {"-1", "reverse"}:
        return False, True
    if oneway in {"no", "false", "0", "reversible", "alternating"}:
        return True, True
    implied = tags.get("junction") in {"roundabout", "circular"} or tags.get("highway") in {
        "motorway"
    }
    return True, not implied


def parse_duration_s(value: str | None) -> float | None:
    """Read an OSM ``duration`` value (``"mm"``, ``"hh:mm"`` or ``"hh:mm:ss"``) as seconds.

    Parameters
    ----------
    value
        The tag value, e.g. ``"0:25"`` for a 25-minute ferry crossing.

    Returns
    -------
    float or None
        The duration in seconds, or ``None`` when absent, malformed or zero.
    """
    if not value:
        return None
    parts = value.strip().split(":")
    if len(parts) > 3 or not all(p.strip().isdigit() for p in parts):
        return None
    numbers = [int(p) for p in parts]
    if len(numbers) == 1:
        seconds = numbers[0] * 60
    else:
        seconds = numbers[0] * 3600 + numbers[1] * 60 + (numbers[2] if len(numbers) == 3 else 0)
    return float(seconds) if seconds > 0 else None


def way_speed_kmh(tags: Mapping[str, str], speeds_kmh: Mapping[str, float]) -> float:
    """Return the driving speed of a way, km/h: ``maxspeed`` if usable, else the table.

    Parameters
    ----------
    tags
        The way's OSM tags (a drivable way, see :func:`is_drivable`).
    speeds_kmh
        Default speed per ``highway`` class (and ``"ferry"``), km/h.

    Returns
    -------
    float
        Speed in km/h. For a ferry this is the table's ``"ferry"`` speed; a ``duration``
        tag is applied by the reader, which knows the crossing's length.
    """
    if tags.get("route") == "ferry":
        return speeds_kmh["ferry"]
    direction_free = parse_maxspeed_kmh(tags.get("maxspeed"))
    if direction_free is not None:
        return direction_free
    return speeds_kmh[tags["highway"]]
