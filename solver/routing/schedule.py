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
    departure = rep.shift.start_s
    start = Stop(StopType.START, departure, departure, departure, location=rep.start)
    timing = RouteTiming([start], departure)
    here = rep.start
    legs: list[tuple[Location, Account | None]] = [(a.location, a) for a in accounts]
    legs.append((end_location if end_location is not None else _last(rep, accounts), None))
    for k, (there, account) in enumerate(legs):
        travel = max(resolved.travel_s(here, there, timing.departure_s), 0)
        metres = max(resolved.distance_m(here, there), 0)
        if end_location is None and account is None:
            travel = metres = 0
        lunch = rep.lunch if break_after == k else None
        brk = None if lunch is None else (lunch.earliest_start_s, lunch.duration_s)
        timing.drive(there, travel, metres, account, brk)
        here = there
    stops = timing.stops
    stops = _leave_later(stops) if resolved.timer is None else _leave_later_timed(resolved, stops)
    drive = sum(s.travel_s for s in stops)
    return Route(rep.id, tuple(stops), timing.totals(rep, stops, drive, len(accounts)))


class RouteTiming:
    """A route timed leg by leg, as it is driven: its stops so far and running totals.

    The one place where a leg's times are worked out (the rule in the module
    docstring): :func:`time_route` times an order from the shift start and
    :func:`solver.routing.traffic.replay_route` replays a planned route.

    Parameters
    ----------
    stops
        The stops so far (the start).
    departure_s
        When the rep leaves the last stop, seconds since midnight.
    """

    def __init__(self, stops: list[Stop], departure_s: int) -> None:
        self.stops = stops
        self.departure_s = departure_s
        self.drive_s = self.distance_m = self.visit_s = self.break_s = self.lateness_s = 0
        self.lateness_cost = self.value = 0.0

    def drive(
        self,
        there: Location,
        travel_s: int,
        distance_m: int,
        account: Account | None,
        brk: tuple[int, int] | None = None,
    ) -> None:
        """Drive the next leg, leaving at :attr:`departure_s`, and add its stops.

        Parameters
        ----------
        there
            Where the leg ends.
        travel_s, distance_m
            The leg's driving time (when driven now) and length.
        account
            The account visited at ``there``; None ends the route there.
        brk
            A break taken on this leg: its earliest start and its length, seconds. It
            starts once the rep has left and the break may start, interrupting the
            drive or taken on arrival (the rep idles until it may start).
        """
        leave = self.departure_s  # the leg is driven now, before a break placed on it
        ready = leave + travel_s
        if brk is not None:
            earliest_s, length_s = brk
            begin = max(leave, earliest_s)
            idle = max(0, begin - leave - travel_s)
            self.stops.append(
                Stop(StopType.BREAK, begin - idle, begin, begin + length_s, wait_s=idle)
            )
            ready = max(ready, begin) + length_s
            self.break_s += length_s
        self.drive_s += travel_s
        self.distance_m += distance_m
        if account is None:
            self.stops.append(
                Stop(
                    StopType.END,
                    ready,
                    ready,
                    ready,
                    0,
                    travel_s,
                    distance_m,
                    location=there,
                    drive_start_s=leave,
                )
            )
            return
        start = earliest_start_s(account, ready)
        if start is None:  # every window closed: keep the visit, late, for the checker
            start = ready
        self.departure_s = start + account.visit_duration_s
        self.stops.append(
            Stop(
                StopType.VISIT,
                ready,
                start,
                self.departure_s,
                start - ready,
                travel_s,
                distance_m,
                account.id,
                there,
                drive_start_s=leave,
            )
        )
        self.visit_s += account.visit_duration_s
        late = lateness_s(account, start)
        self.lateness_s += late
        self.lateness_cost += late / 60.0 * account.lateness_cost_per_min
        self.value += account_value(account)

    def totals(self, rep: Rep, stops: Sequence[Stop], drive_s: int, visits: int) -> RouteTotals:
        """Return the totals of the timed route.

        Parameters
        ----------
        rep
            The route's rep (its costs).
        stops
            The route's final stops (after any later leave from the start).
        drive_s
            Total driving time of ``stops``, seconds.
        visits
            Number of visits.

        Returns
        -------
        RouteTotals
            Drive, distance, visit, wait and break times, cost, value and lateness.
        """
        return RouteTotals(
            drive_s=drive_s,
            distance_m=self.distance_m,
            visit_s=self.visit_s,
            wait_s=sum(s.wait_s for s in stops),
            break_s=self.break_s,
            cost=route_cost(rep, drive_s, self.distance_m, self.lateness_cost),
            visits=visits,
            value=self.value,
            lateness_s=self.lateness_s,
            day_start_s=stops[0].departure_s,
            day_end_s=stops[-1].arrival_s,
        )


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
