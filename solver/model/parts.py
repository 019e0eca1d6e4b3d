"""The parts a day-planning problem is built from: places, time windows, breaks, shifts.

Frozen dataclasses validated on construction (an invalid value raises
:class:`~solver.errors.InvalidProblemError` naming the entity) and the clock constants
(``MAX_CLOCK_S`` lives with the validation helpers, :mod:`.validation`). Units:
:mod:`solver.model`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from solver.model.validation import check_time, invalid

#: Entry of a :class:`TravelMatrix` for a pair with no path between them.
UNREACHABLE = -1

#: Upper bound on clock values a caller writes as ``HH:MM``: two days (the HTTP schemas).
MAX_TIME_S = 2 * 24 * 3600

#: Time on site of a visit when a request gives none, seconds (half an hour, the usual
#: field-sales call). One default for day plans, territories and every other
#: capability; a visit of 0 s happens only when asked for.
DEFAULT_VISIT_DURATION_S = 1800


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
            raise invalid(("Location", None), "give either lat/lon or index, not both.")
        if self.index is not None:
            if isinstance(self.index, bool) or not isinstance(self.index, int | np.integer):
                raise invalid(("Location", None), f"index must be an integer, got {self.index!r}.")
            if self.index < 0:
                raise invalid(("Location", None), f"index must be >= 0, got {self.index}.")
            return
        if self.lat is None or self.lon is None:
            raise invalid(("Location", None), "both lat and lon are required.")
        if not (math.isfinite(self.lat) and -90 <= self.lat <= 90):
            raise invalid(("Location", None), f"lat {self.lat} is outside -90..90.", field="lat")
        if not (math.isfinite(self.lon) and -180 <= self.lon <= 180):
            raise invalid(("Location", None), f"lon {self.lon} is outside -180..180.", field="lon")

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
        check_time(("TimeWindow", None), "start_s", self.start_s)
        check_time(("TimeWindow", None), "end_s", self.end_s)
        if self.end_s < self.start_s:
            raise invalid(
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
        check_time(("Break", None), "earliest_start_s", self.earliest_start_s)
        check_time(("Break", None), "latest_start_s", self.latest_start_s)
        check_time(("Break", None), "duration_s", self.duration_s)
        if self.latest_start_s < self.earliest_start_s:
            raise invalid(
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
        check_time(("Shift", None), "start_s", self.start_s)
        check_time(("Shift", None), "end_s", self.end_s)
        if self.end_s <= self.start_s:
            raise invalid(
                ("Shift", None),
                f"end {format_time_s(self.end_s)} is not after start "
                f"{format_time_s(self.start_s)}.",
            )
