"""What the exports share: a stop's place, local clock times, visit labels."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from solver.errors import InvalidProblemError
from solver.model import Location, Plan, Problem, Route, Stop, StopType


def stop_location(problem: Problem, route: Route, stop: Stop) -> Location | None:
    """Return where a stop happens (from the stop, else from the problem).

    Parameters
    ----------
    problem
        The problem the plan solves (accounts' and reps' locations).
    route
        The route the stop belongs to.
    stop
        The stop.

    Returns
    -------
    Location or None
        The stop's own location, else its account's (a visit) or its rep's start or end;
        None for a stop with no place (a break).
    """
    if stop.location is not None:
        return stop.location
    if stop.type == StopType.VISIT and stop.account_id is not None:
        return problem.account(stop.account_id).location
    rep = problem.rep(route.rep_id)
    if stop.type == StopType.START:
        return rep.start
    if stop.type == StopType.END:
        return rep.end_location
    return None


def time_zone(tzname: str | None) -> ZoneInfo | None:
    """Return the zone of an IANA name (``None`` for none).

    Parameters
    ----------
    tzname
        IANA time zone name such as ``"Europe/Malta"``, or None.

    Returns
    -------
    ZoneInfo or None
        The zone; None when no name is given.

    Raises
    ------
    InvalidProblemError
        When the name is not a known IANA time zone (field ``tz``).
    """
    if tzname is None:
        return None
    try:
        return ZoneInfo(tzname)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidProblemError(
            f"Time zone {tzname!r}: not an IANA time zone such as Europe/Malta.", field="tz"
        ) from None


def local_time(date: dt.date, time_s: int, tz: ZoneInfo | None) -> dt.datetime:
    """Return the wall-clock time ``time_s`` after midnight of ``date`` in zone ``tz``.

    The clock time is kept across a daylight-saving change (as the plan means it).

    Parameters
    ----------
    date
        The plan date.
    time_s
        Seconds since midnight of ``date``.
    tz
        The zone; None gives a naive (floating) time.

    Returns
    -------
    datetime.datetime
        The local date and time.
    """
    midnight = dt.datetime.combine(date, dt.time())
    return (midnight + dt.timedelta(seconds=int(time_s))).replace(tzinfo=tz)


def visit_label(plan: Plan, route: Route, number: int, account_name: str) -> str:
    """Return a visit's label: ``"3. Name"``, with the rep first in a team's export.

    Parameters
    ----------
    plan
        The plan (a team's plan has more than one route).
    route
        The visit's route.
    number
        The visit's number in its route, from 1.
    account_name
        The account's name.

    Returns
    -------
    str
        ``"3. Name"``, or ``"rep · 3. Name"`` in a team's plan.
    """
    label = f"{number}. {account_name}"
    return f"{route.rep_id} · {label}" if len(plan.routes) > 1 else label


def numbered_visits(plan: Plan) -> Iterator[tuple[Route, int, Stop]]:
    """Yield every visit of a plan with its route and its number in the route (from 1).

    Parameters
    ----------
    plan
        The plan.

    Yields
    ------
    tuple of (Route, int, Stop)
        The route, the visit's number in it and the visit's stop, route by route.
    """
    for route in plan.routes:
        number = 0
        for stop in route.stops:
            if stop.type == StopType.VISIT:
                number += 1
                yield route, number, stop
