"""Time a rep's route: given the visiting order, compute every stop's times.

The timing is the earliest schedule for the order (the rep serves each account as
soon as it and its windows allow). The lunch break is taken between two stops,
"wherever the rep is": it may interrupt a drive or be taken on arrival before a
visit. For a leg ``P -> N`` with a break starting at ``b``::

    b >= departure(P)
    ready(N) = max(departure(P) + travel(P, N), b) + break duration
    start(N) = ready(N) + wait(N)

and without a break ``ready(N) = departure(P) + travel(P, N)``. A stop's
``arrival_s`` is its ready time, so ``start_s = arrival_s + wait_s`` always holds.
The break stop's ``wait_s`` is the idle time before it (when the rep arrived before
the break window opened).

The break is due only when the rep still works at its latest start: a route that is
back at its end by ``latest_start_s`` needs no break.
"""

from __future__ import annotations

from collections.abc import Sequence

from solver.costs import travel_cost
from solver.model import (
    Account,
    Location,
    Rep,
    Route,
    RouteTotals,
    Stop,
    StopType,
)
from solver.routing.data import ResolvedProblem


def earliest_start_s(account: Account, ready_s: int) -> int | None:
    """Earliest service start of ``account`` at or after ``ready_s``.

    Parameters
    ----------
    account
        The account (its start windows apply; none means any time).
    ready_s
        When the rep is ready to start, seconds since midnight.

    Returns
    -------
    int or None
        The start time, seconds; None when every window has closed.
    """
    windows = account.start_windows()
    if not windows:
        return ready_s
    for window in windows:
        if ready_s <= window.end_s:
            return max(ready_s, window.start_s)
    return None


def route_cost(rep: Rep, drive_s: int, distance_m: int, lateness_cost: float) -> float:
    """Travel cost of a route in the currency: hours x cost per hour + km x cost per km.

    Parameters
    ----------
    rep
        The rep (its ``cost_per_hour`` and ``cost_per_km``).
    drive_s
        Total driving time, seconds.
    distance_m
        Total distance, metres.
    lateness_cost
        Cost of starting visits past their soft end (already in currency).

    Returns
    -------
    float
        The route's cost, rounded to cents.
    """
    travel = travel_cost(distance_m / 1000.0, drive_s / 3600.0, rep.cost_per_km, rep.cost_per_hour)
    return round(travel + lateness_cost, 2)


def lateness_s(account: Account, start_s: int) -> int:
    """Seconds by which a visit starting at ``start_s`` misses the account's soft end."""
    if account.soft_end_s is None:
        return 0
    return max(0, start_s - account.soft_end_s)


def account_value(account: Account) -> float:
    """Worth of visiting ``account``: its ``value``, else its ``priority`` (1..100)."""
    return float(account.value) if account.value is not None else float(account.priority)


def time_route(
    resolved: ResolvedProblem,
    rep: Rep,
    account_ids: Sequence[str],
    *,
    break_after: int | None = None,
) -> Route:
    """Time one route as the earliest schedule of the given order.

    Parameters
    ----------
    resolved
        The problem with its travel matrix.
    rep
        The rep driving the route.
    account_ids
        Accounts in visiting order.
    break_after
        Position of the lunch break: after the ``k``-th visit (0 = between the start
        and the first visit, ``len(account_ids)`` = before the end). None places it
        where it makes the route end earliest (fewest late visits first).

    Returns
    -------
    Route
        The timed route. It may break constraints (a window missed, past the shift);
        :func:`timing_misses` counts them.
    """
    accounts = [resolved.problem.account(a) for a in account_ids]
    if rep.lunch is None or not accounts:
        return _time(resolved, rep, accounts, None)
    if break_after is not None:
        return _time(resolved, rep, accounts, break_after)
    no_break = _time(resolved, rep, accounts, None)
    if no_break.stops[-1].arrival_s <= rep.lunch.latest_start_s and not timing_misses(
        no_break, rep, accounts
    ):
        return no_break
    candidates = [_time(resolved, rep, accounts, k) for k in range(len(accounts) + 1)]
    return min(candidates, key=lambda r: (timing_misses(r, rep, accounts), r.stops[-1].arrival_s))


def timing_misses(route: Route, rep: Rep, accounts: Sequence[Account]) -> int:
    """Count the timing rules a timed route breaks: windows, break start, shift end.

    Parameters
    ----------
    route
        A route timed by :func:`time_route` for ``accounts`` in that order.
    rep
        The route's rep.
    accounts
        The visited accounts, in visiting order.

    Returns
    -------
    int
        Visits outside their windows, + 1 for a break past its latest start, + 1 for
        an end past the shift; 0 when the timing is feasible.
    """
    misses = 0
    visits = [s for s in route.stops if s.type == StopType.VISIT]
    for stop, account in zip(visits, accounts, strict=True):
        windows = account.start_windows()
        if windows and not any(w.contains(stop.start_s) for w in windows):
            misses += 1
    if rep.lunch is not None:
        misses += sum(
            1
            for s in route.stops
            if s.type == StopType.BREAK and s.start_s > rep.lunch.latest_start_s
        )
    if route.stops[-1].arrival_s > rep.shift.end_s:
        misses += 1
    return misses


def _time(
    resolved: ResolvedProblem, rep: Rep, accounts: list[Account], break_after: int | None
) -> Route:
    end_location = rep.end_location
    stops: list[Stop] = []
    departure = rep.shift.start_s
    stops.append(Stop(StopType.START, departure, departure, departure, location=rep.start))
    here = rep.start
    drive = distance = visit = brk = late = 0
    late_cost = value = 0.0
    legs: list[tuple[Location, Account | None]] = [(a.location, a) for a in accounts]
    legs.append((end_location if end_location is not None else _last(rep, accounts), None))
    for k, (there, account) in enumerate(legs):
        travel = max(resolved.travel_s(here, there, departure), 0)
        metres = max(resolved.distance_m(here, there), 0)
        if end_location is None and account is None:
            travel = metres = 0
        ready = departure + travel
        leg_start = departure  # the leg is driven now, before a break placed on it
        if break_after == k and rep.lunch is not None:
            lunch = rep.lunch
            begin = max(departure, lunch.earliest_start_s)
            idle = max(0, begin - departure - travel)
            stops.append(
                Stop(StopType.BREAK, begin - idle, begin, begin + lunch.duration_s, wait_s=idle)
            )
            ready = max(departure + travel, begin) + lunch.duration_s
            brk += lunch.duration_s
        drive += travel
        distance += metres
        if account is None:
            stops.append(
                Stop(
                    StopType.END,
                    ready,
                    ready,
                    ready,
                    0,
                    travel,
                    metres,
                    location=there,
                    drive_start_s=leg_start,
                )
            )
            break
        start = earliest_start_s(account, ready)
        if start is None:  # every window closed: keep the visit, late, for the checker
            start = ready
        departure = start + account.visit_duration_s
        stops.append(
            Stop(
                StopType.VISIT,
                ready,
                start,
                departure,
                start - ready,
                travel,
                metres,
                account.id,
                there,
                drive_start_s=leg_start,
            )
        )
        visit += account.visit_duration_s
        account_late = lateness_s(account, start)
        late += account_late
        late_cost += account_late / 60.0 * account.lateness_cost_per_min
        value += account_value(account)
        here = there
    stops = _leave_later(stops) if resolved.timer is None else _leave_later_timed(resolved, stops)
    drive = sum(s.travel_s for s in stops)
    totals = RouteTotals(
        drive_s=drive,
        distance_m=distance,
        visit_s=visit,
        wait_s=sum(s.wait_s for s in stops),
        break_s=brk,
        cost=route_cost(rep, drive, distance, late_cost),
        visits=len(accounts),
        value=value,
        lateness_s=late,
        day_start_s=stops[0].departure_s,
        day_end_s=stops[-1].arrival_s,
    )
    return Route(rep.id, tuple(stops), totals)


def _last(rep: Rep, accounts: list[Account]) -> Location:
    return accounts[-1].location if accounts else rep.start


def _leave_later_timed(resolved: ResolvedProblem, stops: list[Stop]) -> list[Stop]:
    """Leave the start as late as still arrives for the first visit's start (time-dependent).

    The first leg then takes its time at the later departure (shorter or longer than at
    the shift start), and the first visit keeps its start.
    """
    if len(stops) < 3 or stops[1].type != StopType.VISIT or stops[1].wait_s == 0:
        return stops
    start, first = stops[0], stops[1]
    assert start.location is not None and first.location is not None
    leave = resolved.latest_departure_s(start.location, first.location, first.start_s)
    if leave is None or leave <= start.departure_s:
        return stops
    travel = max(resolved.travel_s(start.location, first.location, leave), 0)
    arrival = leave + travel
    moved_start = Stop(StopType.START, leave, leave, leave, location=start.location)
    moved_first = Stop(
        StopType.VISIT,
        arrival,
        first.start_s,
        first.departure_s,
        first.start_s - arrival,
        travel,
        first.distance_m,
        first.account_id,
        first.location,
        drive_start_s=leave,
    )
    return [moved_start, moved_first, *stops[2:]]


def _leave_later(stops: list[Stop]) -> list[Stop]:
    """Leave the start later instead of waiting at the first visit (same visit times)."""
    if len(stops) < 3 or stops[1].type != StopType.VISIT or stops[1].wait_s == 0:
        return stops
    shift = stops[1].wait_s
    first = stops[1]
    start = stops[0]
    moved_start = Stop(
        StopType.START,
        start.arrival_s + shift,
        start.start_s + shift,
        start.departure_s + shift,
        location=start.location,
    )
    moved_first = Stop(
        StopType.VISIT,
        first.arrival_s + shift,
        first.start_s,
        first.departure_s,
        0,
        first.travel_s,
        first.distance_m,
        first.account_id,
        first.location,
        drive_start_s=None if first.drive_start_s is None else first.drive_start_s + shift,
    )
    return [moved_start, moved_first, *stops[2:]]
