"""The horizon of a schedule: working dates, and accounts' OSM opening hours per date."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Mapping

import opening_hours

from solver.errors import InvalidProblemError
from solver.model import TimeWindow

#: Weekday numbers as in :meth:`datetime.date.weekday` (Monday = 0).
WEEKDAYS = (0, 1, 2, 3, 4, 5, 6)
#: Weekday names in OSM order, for messages.
WEEKDAY_NAMES = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
#: Seconds in a day (the end of a window open until midnight).
DAY_S = 24 * 3600


def working_days(
    start: dt.date,
    end: dt.date,
    *,
    weekdays: Iterable[int] = (0, 1, 2, 3, 4),
    country: str | None = None,
    subdivision: str | None = None,
) -> tuple[dt.date, ...]:
    """Return the working dates from ``start`` to ``end`` (both included).

    Parameters
    ----------
    start, end
        First and last calendar date of the horizon.
    weekdays
        Working weekdays, Monday = 0 (default Monday to Friday).
    country
        ISO 3166 code of a country whose public holidays are left out (``holidays``
        package), e.g. ``"MT"``; None keeps every weekday.
    subdivision
        Optional region of ``country`` (e.g. ``"BY"`` for Bavaria).

    Returns
    -------
    tuple of datetime.date
        The working dates in order.

    Raises
    ------
    InvalidProblemError
        When ``end`` is before ``start``, a weekday is not 0..6 or the country is unknown.
    """
    if end < start:
        raise InvalidProblemError(
            f"end {end} is before start {start}.", entity="Horizon", field="end"
        )
    allowed = set(weekdays)
    if not allowed <= set(WEEKDAYS):
        raise InvalidProblemError(
            f"weekdays must be 0 (Monday) .. 6, got {sorted(allowed)}.",
            entity="Horizon",
            field="weekdays",
        )
    closed: Mapping[dt.date, str] = {}
    if country is not None:
        import holidays

        try:
            closed = holidays.country_holidays(
                country, subdiv=subdivision, years=range(start.year, end.year + 1)
            )
        except NotImplementedError as error:
            raise InvalidProblemError(
                f"no public holidays are known for country {country!r} "
                f"(subdivision {subdivision!r}).",
                entity="Horizon",
                field="country",
            ) from error
    days = []
    day = start
    while day <= end:
        if day.weekday() in allowed and day not in closed:
            days.append(day)
        day += dt.timedelta(days=1)
    return tuple(days)


@functools.lru_cache(maxsize=4096)
def parse_opening_hours(text: str) -> opening_hours.OpeningHours:
    """Parse an OSM ``opening_hours`` value (cached).

    Raises
    ------
    InvalidProblemError
        When the value does not parse.
    """
    try:
        return opening_hours.OpeningHours(text)
    except (opening_hours.ParserError, ValueError, TypeError) as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else "parse error"
        raise InvalidProblemError(
            f"opening_hours {text!r} is not valid OSM syntax ({first}).", field="opening_hours"
        ) from error


@functools.lru_cache(maxsize=65536)
def opening_windows(text: str, date: dt.date) -> tuple[TimeWindow, ...]:
    """Return the open intervals of ``text`` on ``date`` as windows of that day (seconds)."""
    parsed = parse_opening_hours(text)
    midnight = dt.datetime.combine(date, dt.time())
    windows = []
    for begin, end, state, _ in parsed.intervals(midnight, midnight + dt.timedelta(days=1)):
        if str(state).split(".")[-1].upper() != "OPEN":
            continue
        start_s = max(0, int((begin - midnight).total_seconds()))
        end_s = min(DAY_S, int((end - midnight).total_seconds()))
        if end_s > start_s:
            windows.append(TimeWindow(start_s, end_s))
    return tuple(windows)
