"""The parts a day-planning problem is built from: places, time windows, breaks, shifts.

Frozen dataclasses validated on construction (an invalid value raises
:class:`~solver.errors.InvalidProblemError` naming the entity), the clock constants
and the validation helpers the other model modules share. Units: :mod:`solver.model`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from solver.errors import InvalidProblemError

#: Entry of a :class:`TravelMatrix` for a pair with no path between them.
UNREACHABLE = -1

#: Upper bound on clock values a caller writes as ``HH:MM``: two days (the HTTP schemas).
MAX_TIME_S = 2 * 24 * 3600

#: Time on site of a visit when a request gives none, seconds (half an hour, the usual
#: field-sales call). One default for day plans, territories and every other
#: capability; a visit of 0 s happens only when asked for.
DEFAULT_VISIT_DURATION_S = 1800
#: Upper bound on times inside the domain model: 999:59:59, so that abstract units
#: (benchmark instances whose "seconds" are scaled distances) fit.
MAX_CLOCK_S = 1000 * 3600 - 1


def format_time_s(time_s: int | float) -> str:
    """Format seconds since midnight as ``HH:MM:SS``, the one time format of every output.

    Parameters
    ----------
    time_s
        Seconds since midnight of the plan date; values past 24 h give hours >= 24.

    Returns
    -------
    str
        The clock time, e.g. ``"09:05:00"`` or ``"09:05:30"``.
    """
    total = int(round(time_s))
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}"


def _invalid(
    owner: tuple[str, str | None], reason: str, *, field: str | None = None
) -> InvalidProblemError:
    """Return the error of ``owner`` (entity kind and id) with ``reason`` and ``field``."""
    return InvalidProblemError(reason, entity=owner[0], entity_id=owner[1], field=field)


def _check_time(owner: tuple[str, str | None], name: str, value: int) -> None:
    if not isinstance(value, int | np.integer) or isinstance(value, bool):
        raise _invalid(owner, f"{name} must be whole seconds, got {value!r}.")
    if not 0 <= value <= MAX_CLOCK_S:
        raise _invalid(
            owner, f"{name} {value} s is outside 0..{MAX_CLOCK_S} s (999:59:59).", field=name
        )


def _check_non_negative(owner: tuple[str, str | None], name: str, value: float | None) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise _invalid(owner, f"{name} must be a number, got {value!r}.", field=name)
    if not math.isfinite(value) or value < 0:
        raise _invalid(owner, f"{name} must be >= 0, got {value!r}.", field=name)


@dataclass(frozen=True, slots=True)
class Location:
    """A place: geographic coordinates or an index into an explicit matrix.

    Parameters
    ----------
    lat, lon
        WGS84 degrees; both set for a geographic location.
    index
        Row/column of an explicit :class:`TravelMatrix`; set instead of lat/lon.
    """

    lat: float | None = None
    lon: float | None = None
    index: int | None = None

    def __post_init__(self) -> None:
        geo = self.lat is not None or self.lon is not None
        if geo and self.index is not None:
            raise _invalid(("Location", None), "give either lat/lon or index, not both.")
        if self.index is not None:
            if isinstance(self.index, bool) or not isinstance(self.index, int | np.integer):
                raise _invalid(("Location", None), f"index must be an integer, got {self.index!r}.")
            if self.index < 0:
                raise _invalid(("Location", None), f"index must be >= 0, got {self.index}.")
            return
        if self.lat is None or self.lon is None:
            raise _invalid(("Location", None), "both lat and lon are required.")
        if not (math.isfinite(self.lat) and -90 <= self.lat <= 90):
            raise _invalid(("Location", None), f"lat {self.lat} is outside -90..90.", field="lat")
        if not (math.isfinite(self.lon) and -180 <= self.lon <= 180):
            raise _invalid(("Location", None), f"lon {self.lon} is outside -180..180.", field="lon")

    @property
    def is_geo(self) -> bool:
        """True for a lat/lon location, False for a matrix index."""
        return self.index is None


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """A window of the day, ``[start_s, end_s]`` in seconds since midnight."""

    start_s: int
    end_s: int

    def __post_init__(self) -> None:
        _check_time("TimeWindow", "start_s", self.start_s)
        _check_time("TimeWindow", "end_s", self.end_s)
        if self.end_s < self.start_s:
            raise _invalid(
                ("TimeWindow", None),
                f"end {format_time_s(self.end_s)} is before start {format_time_s(self.start_s)}.",
            )

    def contains(self, time_s: float) -> bool:
        """Return True when ``time_s`` lies inside the window (ends included)."""
        return self.start_s <= time_s <= self.end_s


@dataclass(frozen=True, slots=True)
class Break:
    """A break (lunch) the rep takes wherever they are.

    The break starts between ``earliest_start_s`` and ``latest_start_s`` and lasts
    ``duration_s``; it is taken between two stops (never during a visit).
    """

    earliest_start_s: int
    latest_start_s: int
    duration_s: int

    def __post_init__(self) -> None:
        _check_time("Break", "earliest_start_s", self.earliest_start_s)
        _check_time("Break", "latest_start_s", self.latest_start_s)
        _check_time("Break", "duration_s", self.duration_s)
        if self.latest_start_s < self.earliest_start_s:
            raise _invalid(
                ("Break", None),
                f"latest start {format_time_s(self.latest_start_s)} is before earliest "
                f"start {format_time_s(self.earliest_start_s)}.",
            )


@dataclass(frozen=True, slots=True)
class Shift:
    """Working hours: leave no earlier than ``start_s``, arrive at the end by ``end_s``."""

    start_s: int
    end_s: int

    def __post_init__(self) -> None:
        _check_time("Shift", "start_s", self.start_s)
        _check_time("Shift", "end_s", self.end_s)
        if self.end_s <= self.start_s:
            raise _invalid(
                ("Shift", None),
                f"end {format_time_s(self.end_s)} is not after start "
                f"{format_time_s(self.start_s)}.",
            )
