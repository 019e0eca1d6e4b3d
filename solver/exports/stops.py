"""What the exports share: a stop's place, local clock times, visit labels."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from solver.errors import InvalidProblemError
from solver.model import Location, Plan, Problem, Route, Stop, StopType


def _stop_location(problem: Problem, route: Route, stop: Stop) -> Location | None:
    """Return where a stop happens (from the stop, else from the problem)."""
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


def _zone(tzname: str | None) -> ZoneInfo | None:
    """Return the zone of an IANA name (``None`` for none); reject an unknown name."""
    if tzname is None:
        return None
    try:
        return ZoneInfo(tzname)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidProblemError(
            f"Time zone {tzname!r}: not an IANA time zone such as Europe/Malta.", field="tz"
        ) from None


def _at(date: dt.date, time_s: int, tz: ZoneInfo | None) -> dt.datetime:
    """Return the wall-clock time ``time_s`` after midnight of ``date`` in zone ``tz``.

    The clock time is kept across a daylight-saving change (as the plan means it);
    ``None`` gives a naive (floating) time.
    """
    midnight = dt.datetime.combine(date, dt.time())
    return (midnight + dt.timedelta(seconds=int(time_s))).replace(tzinfo=tz)


def _label(plan: Plan, route: Route, number: int, account_name: str) -> str:
    """Return a visit's label: ``"3. Name"``, with the rep first in a team's export."""
    label = f"{number}. {account_name}"
    return f"{route.rep_id} · {label}" if len(plan.routes) > 1 else label


def _visits(problem: Problem, plan: Plan) -> Iterator[tuple[Route, int, Stop]]:
    for route in plan.routes:
        number = 0
        for stop in route.stops:
            if stop.type == StopType.VISIT:
                number += 1
                yield route, number, stop
