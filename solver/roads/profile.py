"""Speed profiles: a factor on free-flow speed per road class and 15-minute bucket of the week.

A profile is a list of *rules*, applied in order (a later rule overrides an earlier
one where they overlap)::

    {"days": "mon-fri", "start": "07:30", "end": "09:30", "area": "built_up",
     "factors": {"primary": 0.6, "secondary": 0.65}}

``factors`` multiply the free-flow speed (0.6 = 40 % slower, so an arc takes
1 / 0.6 times its free-flow time) of the named ``highway`` classes; a class named
``trunk`` also covers ``trunk_link`` unless the link is named itself. ``area`` is
``built_up``, ``outside`` or ``all``. A road is *built up* when the graph nodes
(intersections and dead ends) around it are denser than ``built_up_nodes_per_km2``
(counted on a 1 km grid). Every bucket and class no rule names stays free-flow.

The default profile (:func:`default_profile`) is an assumption, not a measurement; its
factors are listed in the README. A profile file is this JSON: ``{"name": ...,
"built_up_nodes_per_km2": ..., "rules": [...]}``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from solver.errors import InvalidProblemError

#: Road classes a profile can name (index = the class code stored per road piece).
ROAD_CLASSES: tuple[str, ...] = (
    "motorway",
    "motorway_link",
    "trunk",
    "trunk_link",
    "primary",
    "primary_link",
    "secondary",
    "secondary_link",
    "tertiary",
    "tertiary_link",
    "unclassified",
    "residential",
    "road",
    "living_street",
    "service",
    "ferry",
    "other",
)
_CLASS_INDEX = {name: i for i, name in enumerate(ROAD_CLASSES)}

#: Length of a profile bucket, seconds (15 minutes).
BUCKET_S = 900
#: Buckets in a week (Monday 00:00 is bucket 0).
BUCKETS_PER_WEEK = 7 * 24 * 3600 // BUCKET_S
#: Seconds in a week.
WEEK_S = 7 * 24 * 3600

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_AREAS = ("built_up", "outside", "all")
#: Default density of graph nodes above which roads count as built up, per km².
DEFAULT_BUILT_UP_NODES_PER_KM2 = 30.0
_GRID_M = 1000.0


def road_class_index(highway: str) -> int:
    """Return the code of a ``highway`` class (``other`` for a class not listed).

    Parameters
    ----------
    highway
        An OSM ``highway`` value, or ``"ferry"``.

    Returns
    -------
    int
        Index in :data:`ROAD_CLASSES`.
    """
    return _CLASS_INDEX.get(highway, _CLASS_INDEX["other"])


def week_time_s(weekday: int, seconds: float) -> float:
    """Seconds since Monday 00:00 of a time of day on a weekday (0 = Monday).

    Parameters
    ----------
    weekday
        0 (Monday) to 6 (Sunday).
    seconds
        Seconds since that day's midnight (may pass midnight).

    Returns
    -------
    float
        Seconds since Monday 00:00, modulo one week.
    """
    return (weekday * 86400 + seconds) % WEEK_S


@dataclass(frozen=True, slots=True)
class ProfileRule:
    """Speed factors of some road classes over a time span of some days.

    Attributes
    ----------
    days
        Weekdays the rule applies to, 0 = Monday.
    start_s, end_s
        Time span within each day, seconds since midnight (multiples of 15 minutes).
    area
        ``"built_up"``, ``"outside"`` or ``"all"``.
    factors
        ``highway`` class -> factor on free-flow speed, in (0, 1.5].
    """

    days: tuple[int, ...]
    start_s: int
    end_s: int
    area: str
    factors: Mapping[str, float]

    def to_dict(self) -> dict[str, Any]:
        """Return the rule as it is written in a profile file."""
        return {
            "days": ",".join(_DAYS[d] for d in self.days),
            "start": _hhmm(self.start_s),
            "end": _hhmm(self.end_s),
            "area": self.area,
            "factors": dict(self.factors),
        }


def _hhmm(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


@dataclass(frozen=True)
class SpeedProfile:
    """A speed factor per (area, road class, 15-minute bucket of the week).

    Attributes
    ----------
    name
        Name of the profile (``"default"`` for :func:`default_profile`).
    rules
        The rules, applied in order.
    built_up_nodes_per_km2
        Graph-node density above which a road counts as built up.
    """

    name: str
    rules: tuple[ProfileRule, ...]
    built_up_nodes_per_km2: float = DEFAULT_BUILT_UP_NODES_PER_KM2

    @cached_property
    def factors(self) -> np.ndarray:
        """``(2, len(ROAD_CLASSES), BUCKETS_PER_WEEK)``: [outside, built up] factors."""
        table = np.ones((2, len(ROAD_CLASSES), BUCKETS_PER_WEEK))
        for rule in self.rules:
            areas = {"outside": [0], "built_up": [1], "all": [0, 1]}[rule.area]
            first, last = rule.start_s // BUCKET_S, rule.end_s // BUCKET_S
            buckets = np.concatenate(
                [np.arange(d * 96 + first, d * 96 + last) for d in rule.days]
            ).astype(np.int64)
            for name, value in expand_classes(rule.factors).items():
                for area in areas:
                    table[area, _CLASS_INDEX[name], buckets] = value
        return table

    @cached_property
    def levels(self) -> tuple[np.ndarray, np.ndarray]:
        """Distinct factor tables: ``(level_of_bucket (672,), level_factors (L, 2, C))``.

        Level 0 is always free-flow (all factors 1), so buckets no rule touches
        share the free-flow metric.
        """
        per_bucket = np.moveaxis(self.factors, 2, 0)  # (672, 2, C)
        free = np.ones((1, *per_bucket.shape[1:]))
        unique, inverse = np.unique(
            np.concatenate((free, per_bucket)).reshape(BUCKETS_PER_WEEK + 1, -1),
            axis=0,
            return_inverse=True,
        )
        inverse = inverse.reshape(-1)
        # free-flow first
        order = np.argsort(inverse[0] != np.arange(unique.shape[0]), kind="stable")
        rank = np.empty_like(order)
        rank[order] = np.arange(order.size)
        level_of_bucket = rank[inverse[1:]]
        return level_of_bucket, unique[order].reshape(-1, *per_bucket.shape[1:])

    def level_at(self, week_s: float) -> int:
        """Return the level (index into ``levels[1]``) of the bucket holding ``week_s``."""
        return int(self.levels[0][int(week_s % WEEK_S) // BUCKET_S])

    @property
    def is_free_flow(self) -> bool:
        """True when every factor is 1 (the profile changes nothing)."""
        return bool(np.all(self.factors == 1.0))

    def to_dict(self) -> dict[str, Any]:
        """Return the profile as a profile file's JSON object."""
        return {
            "name": self.name,
            "built_up_nodes_per_km2": self.built_up_nodes_per_km2,
            "rules": [rule.to_dict() for rule in self.rules],
        }

    def save(self, path: Path) -> None:
        """Write the profile as JSON to ``path``."""
        Path(path).write_text(json.dumps(self.to_dict(), indent=2) + "\n")


def expand_classes(factors: Mapping[str, float]) -> dict[str, float]:
    """Extend factors to each class's ``_link`` unless the link is named itself.

    Parameters
    ----------
    factors
        Speed factor per OSM road class (``"primary"``: 0.8).

    Returns
    -------
    dict of str to float
        The same factors, with ``"primary_link"`` given ``"primary"``'s factor when
        ``factors`` does not name the link class itself.
    """
    out = dict(factors)
    for name, value in factors.items():
        link = f"{name}_link"
        if link in _CLASS_INDEX and link not in factors:
            out[link] = value
    return out


def _parse_days(value: Any, where: str) -> tuple[int, ...]:
    items = value if isinstance(value, list) else str(value).split(",")
    days: list[int] = []
    for item in items:
        text = str(item).strip().lower()[:7]
        first, _, last = text.partition("-")
        if first[:3] not in _DAYS or (last and last[:3] not in _DAYS):
            raise InvalidProblemError(f"Speed profile {where}: days {value!r} are not mon..sun.")
        lo, hi = _DAYS.index(first[:3]), _DAYS.index((last or first)[:3])
        days += list(range(lo, hi + 1)) if lo <= hi else [*range(lo, 7), *range(0, hi + 1)]
    return tuple(sorted(set(days)))


def _parse_time(value: Any, where: str) -> int:
    try:
        hours, minutes = (int(x) for x in str(value).split(":"))
    except ValueError:
        hours = minutes = -1
    seconds = hours * 3600 + minutes * 60
    if not (0 <= minutes < 60 and 0 <= seconds <= 86400 and seconds % BUCKET_S == 0):
        raise InvalidProblemError(
            f"Speed profile {where}: time {value!r} is not HH:MM on a 15-minute step."
        )
    return seconds


def parse_rule(data: Mapping[str, Any], where: str = "rule") -> ProfileRule:
    """Read one rule of a profile file (see the module docstring).

    Raises
    ------
    InvalidProblemError
        Naming the rule and the field that is wrong.
    """
    if not isinstance(data, Mapping):
        raise InvalidProblemError(f"Speed profile {where}: must be an object.")
    start = _parse_time(data.get("start", "00:00"), where)
    end = _parse_time(data.get("end", "24:00"), where)
    if end <= start:
        raise InvalidProblemError(f"Speed profile {where}: end must be after start.")
    area = data.get("area", "built_up")
    if area not in _AREAS:
        raise InvalidProblemError(f"Speed profile {where}: area {area!r} is not one of {_AREAS}.")
    factors = data.get("factors")
    if not isinstance(factors, Mapping) or not factors:
        raise InvalidProblemError(f"Speed profile {where}: factors must name road classes.")
    checked: dict[str, float] = {}
    for name, value in factors.items():
        if name not in _CLASS_INDEX:
            raise InvalidProblemError(f"Speed profile {where}: road class {name!r} is unknown.")
        if not isinstance(value, int | float) or not 0.05 <= float(value) <= 1.5:
            raise InvalidProblemError(
                f"Speed profile {where}: factor of {name!r} must be in 0.05..1.5, got {value!r}."
            )
        checked[name] = float(value)
    return ProfileRule(_parse_days(data.get("days", "mon-sun"), where), start, end, area, checked)


def profile_from_dict(data: Mapping[str, Any]) -> SpeedProfile:
    """Build a profile from its JSON object (see the module docstring).

    Raises
    ------
    InvalidProblemError
        When a rule or the density is invalid.
    """
    if not isinstance(data, Mapping) or not isinstance(data.get("rules"), list):
        raise InvalidProblemError("Speed profile: expected an object with a 'rules' list.")
    density = data.get("built_up_nodes_per_km2", DEFAULT_BUILT_UP_NODES_PER_KM2)
    if not isinstance(density, int | float) or density < 0:
        raise InvalidProblemError("Speed profile: built_up_nodes_per_km2 must be >= 0.")
    rules = tuple(parse_rule(r, f"rules[{i}]") for i, r in enumerate(data["rules"]))
    return SpeedProfile(str(data.get("name", "custom")), rules, float(density))


def load_profile(path: Path) -> SpeedProfile:
    """Read a profile file (JSON).

    Raises
    ------
    InvalidProblemError
        When the file is missing, not JSON, or a rule is invalid.
    """
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, ValueError) as exc:
        raise InvalidProblemError(f"Speed profile '{path}': cannot be read ({exc}).") from exc
    return profile_from_dict(data)


#: The default profile's weekday periods and factors (see the README: assumptions).
DEFAULT_RULES: tuple[dict[str, Any], ...] = (
    {
        "days": "mon-fri",
        "start": "07:00",
        "end": "19:30",
        "area": "built_up",
        "factors": {"trunk": 0.85, "primary": 0.85, "secondary": 0.85, "tertiary": 0.9},
    },
    {
        "days": "mon-fri",
        "start": "07:30",
        "end": "09:30",
        "area": "built_up",
        "factors": {"trunk": 0.6, "primary": 0.6, "secondary": 0.65, "tertiary": 0.75},
    },
    {
        "days": "mon-fri",
        "start": "16:30",
        "end": "19:00",
        "area": "built_up",
        "factors": {"trunk": 0.6, "primary": 0.6, "secondary": 0.65, "tertiary": 0.75},
    },
)


def default_profile() -> SpeedProfile:
    """Return the documented, conservative default profile (an assumption).

    Monday to Friday in built-up areas: 07:30-09:30 and 16:30-19:00 trunk and primary
    roads at 60 % of free-flow speed, secondary at 65 %, tertiary at 75 %; the rest of
    07:00-19:30 at 85 % (tertiary 90 %). Other roads, other hours, weekends and roads
    outside built-up areas stay free-flow.
    """
    return profile_from_dict({"name": "default", "rules": list(DEFAULT_RULES)})


def free_flow_profile() -> SpeedProfile:
    """Return the profile that changes nothing (``options.traffic: false``)."""
    return SpeedProfile("free-flow", ())


def built_up_arcs(
    node_lat: np.ndarray,
    node_lon: np.ndarray,
    arc_tail: np.ndarray,
    arc_head: np.ndarray,
    nodes_per_km2: float,
) -> np.ndarray:
    """Flag arcs in built-up areas: graph-node density of their 1 km cell above a bound.

    Parameters
    ----------
    node_lat, node_lon
        Graph node coordinates, degrees.
    arc_tail, arc_head
        Arc end nodes.
    nodes_per_km2
        Density bound.

    Returns
    -------
    numpy.ndarray
        ``(A,)`` bool.
    """
    if node_lat.size == 0:
        return np.zeros(arc_tail.size, dtype=bool)
    lat0 = float(np.median(node_lat))
    y = np.radians(node_lat) * 6_371_008.8
    x = np.radians(node_lon) * 6_371_008.8 * np.cos(np.radians(lat0))
    cell_x = np.floor((x - x.min()) / _GRID_M).astype(np.int64)
    cell_y = np.floor((y - y.min()) / _GRID_M).astype(np.int64)
    key = cell_x * (int(cell_y.max()) + 1) + cell_y
    _, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
    dense = counts[inverse.reshape(-1)] >= nodes_per_km2 * (_GRID_M / 1000.0) ** 2
    return dense[arc_tail] & dense[arc_head]


def arc_level_factors(
    profile: SpeedProfile, arc_class: np.ndarray, arc_built_up: np.ndarray, level: int
) -> np.ndarray:
    """Speed factor of every arc at one level of the profile.

    Parameters
    ----------
    profile
        The profile.
    arc_class
        ``(A,)`` class code of each arc.
    arc_built_up
        ``(A,)`` whether each arc is built up.
    level
        Index into ``profile.levels[1]``.

    Returns
    -------
    numpy.ndarray
        ``(A,)`` factors on free-flow speed.
    """
    table = profile.levels[1][level]  # (2, C)
    return table[arc_built_up.astype(np.int64), arc_class.astype(np.int64)]
