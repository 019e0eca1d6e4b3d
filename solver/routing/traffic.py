"""Time-dependent legs of a day: every leg timed at the moment it is driven.

On a road network with a speed profile (see :mod:`solver.roads.profile`), a
:class:`LegTimer` answers the travel time of a leg leaving at a time of the day,
integrated through the profile's buckets exactly as
:meth:`solver.roads.RoadNetwork.durations_at` does (FIFO). It keeps, per profile level
the day touches, one static matrix over the problem's locations.

The route search (OR-Tools) needs one number per arc. It is given the leg times at
each location's *planned departure*: first a guess (the shift start for reps, the
window start or mid-shift for accounts), then, round after round, the departures of
the routes just timed, until the visiting orders stop changing
(:data:`MAX_ROUNDS` at most). The routes themselves are always timed leg by leg with
the timer, and any visit that still misses a time is dropped, so every returned plan
is feasible under the profile (the independent checker verifies it with the network's
own ``durations_at``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np

from solver.model import (
    UNREACHABLE,
    Location,
    Problem,
    Route,
    StopType,
    TravelMatrix,
)
from solver.roads.profile import WEEK_S, week_time_s
from solver.roads.traffic import applies, integrate, level_durations_s
from solver.routing.schedule import RouteTiming, time_route, timing_misses

if TYPE_CHECKING:
    from solver.routing.data import ResolvedProblem

#: Solve rounds at most (the first included) before the timing is taken as stable.
MAX_ROUNDS = 3
#: When the second round starts from PyVRP, the first round only scouts the departures:
#: OR-Tools stops after this many solutions (1: its first solution).
SCOUT_SOLUTIONS = 1


class LegTimer:
    """Time-dependent travel times between a problem's locations on one date.

    Parameters
    ----------
    network
        The road network (a ``RoadNetwork`` with a profile).
    points
        ``(lat, lon)`` of each matrix row.
    weekday
        Weekday of the plan's date, 0 = Monday.
    """

    def __init__(self, network: Any, points: list[tuple[float, float]], weekday: int) -> None:
        self.network = network
        self.profile = network.profile
        self.points = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        self.weekday = weekday
        self._levels: dict[int, np.ndarray] = {}
        self._memo: dict[tuple[int, int, int, bool], int] = {}

    def _static(self, level: int) -> np.ndarray:
        """``(n, n)`` static seconds at one level (``inf`` = unreachable), diagonal 0."""
        if level not in self._levels:
            item = self.network._level_cache().level(self.network, self.profile, level)
            table = level_durations_s(self.network, self.points, self.points, item)
            np.fill_diagonal(table, 0.0)
            self._levels[level] = table.reshape(-1)
        return self._levels[level]

    def _integrate(self, pairs: np.ndarray, times_s: np.ndarray, backwards: bool) -> np.ndarray:
        starts = np.array([week_time_s(self.weekday, float(t)) for t in times_s]) + WEEK_S
        seconds = integrate(
            lambda level, which: self._static(level)[pairs[which]],
            self.profile.levels[0],
            starts,
            backwards=backwards,
        )
        ok = np.isfinite(seconds)
        return np.where(ok, np.rint(np.where(ok, seconds, 0)), UNREACHABLE).astype(np.int64)

    def leg_s(self, origin: int, destination: int, depart_s: int) -> int:
        """Seconds from row ``origin`` to ``destination`` leaving at ``depart_s`` (-1: none)."""
        if origin == destination:
            return 0
        key = (origin, destination, int(depart_s), False)
        if key not in self._memo:
            pair = np.array([origin * len(self.points) + destination])
            self._memo[key] = int(self._integrate(pair, np.array([depart_s]), False)[0])
        return self._memo[key]

    def latest_departure_s(self, origin: int, destination: int, arrive_s: int) -> int | None:
        """Latest departure (s of the day) that arrives by ``arrive_s``; None if unreachable."""
        if origin == destination:
            return arrive_s
        key = (origin, destination, int(arrive_s), True)
        if key not in self._memo:
            pair = np.array([origin * len(self.points) + destination])
            self._memo[key] = int(self._integrate(pair, np.array([arrive_s]), True)[0])
        before = self._memo[key]
        if before < 0:
            return None
        leave = arrive_s - before
        while leave + self.leg_s(origin, destination, leave) > arrive_s:  # rounding guard
            leave -= 1
        return leave

    def matrix_at(self, depart_s: np.ndarray) -> np.ndarray:
        """``(n, n)`` int64 seconds, row ``i`` leaving at ``depart_s[i]`` (s of the day)."""
        n = len(self.points)
        pairs = np.arange(n * n)
        times = np.repeat(np.asarray(depart_s, dtype=np.float64), n)
        out = self._integrate(pairs, times, False).reshape(n, n)
        np.fill_diagonal(out, 0)
        return out


def make_timer(problem: Problem, network: Any, points: list[tuple[float, float]]) -> Any:
    """Return a :class:`LegTimer` when the problem's day is timed with a profile, else None.

    ``problem.traffic`` False, an explicit matrix, a network without a profile (or one
    prepared before road classes were recorded) all mean free-flow: None.
    """
    if not problem.traffic or problem.matrix is not None or network is None:
        return None
    if not hasattr(network, "durations_at") or not applies(network, network.profile):
        return None
    return LegTimer(network, points, problem.date.weekday())


def departure_guess(resolved: ResolvedProblem) -> np.ndarray:
    """First guess of each row's departure: shift start, window start or mid-shift."""
    problem = resolved.problem
    n = resolved.matrix.durations_s.shape[0]
    first = min(rep.shift.start_s for rep in problem.reps)
    last = max(rep.shift.end_s for rep in problem.reps)
    guess = np.full(n, (first + last) / 2)
    for account in problem.accounts:
        windows = account.start_windows()
        at = windows[0].start_s + account.visit_duration_s if windows else (first + last) / 2
        guess[resolved.row(account.location)] = at
    for rep in problem.reps:
        guess[resolved.row(rep.start)] = rep.shift.start_s
    return guess


def solve_matrix(resolved: ResolvedProblem, depart_s: np.ndarray) -> ResolvedProblem:
    """Return the problem with its matrix's durations taken at each row's departure."""
    durations = resolved.timer.matrix_at(depart_s)
    return replace(resolved, matrix=TravelMatrix(durations, resolved.matrix.distances_m.copy()))


def planned_departures(
    resolved: ResolvedProblem, routes: Mapping[str, Route], previous: np.ndarray
) -> np.ndarray:
    """Each row's departure in the timed routes (rows not driven from keep ``previous``)."""
    out = previous.copy()
    for route in routes.values():
        here: Location | None = None
        for stop in route.stops:
            if stop.type == StopType.BREAK:
                continue
            if here is not None and stop.drive_start_s is not None:
                out[resolved.row(here)] = stop.drive_start_s
            here = stop.location if stop.location is not None else here
    return out


def keep_feasible(resolved: ResolvedProblem, route: Route) -> Route:
    """Drop visits until the route, timed leg by leg under the profile, misses nothing.

    The first visit outside its windows goes first; when only the break or the shift
    end is missed, the last visit goes. The dropped accounts are then unassigned
    with a reason by the caller.

    Parameters
    ----------
    resolved
        The problem, with its leg timer.
    route
        A route timed by :func:`solver.routing.schedule.time_route`.

    Returns
    -------
    Route
        The route itself when it misses nothing, else the re-timed shorter route.
    """
    rep = resolved.problem.rep(route.rep_id)
    order = list(route.account_ids)
    while order:
        accounts = [resolved.problem.account(a) for a in order]
        if not timing_misses(route, rep, accounts):
            return route
        visits = [s for s in route.stops if s.type == StopType.VISIT]
        late = [
            k
            for k, (stop, account) in enumerate(zip(visits, accounts, strict=True))
            if account.start_windows()
            and not any(w.contains(stop.start_s) for w in account.start_windows())
        ]
        del order[late[0] if late else len(order) - 1]
        route = time_route(resolved, rep, order)
    return time_route(resolved, rep, order)


def replay_route(resolved: ResolvedProblem, route: Route) -> Route:
    """Drive a route as planned (same order, same leave time) with the resolved leg times.

    Used to replay a free-flow plan under a profile: the rep leaves the start when the
    plan says, each leg takes its time at the moment it is driven, and each visit
    starts at the earliest the rep is there and the account's windows allow (late when
    they have closed). The break is taken where the plan took it, not before its
    planned start.

    Parameters
    ----------
    resolved
        The problem with the leg times to replay under (its timer).
    route
        A timed route of the same problem.

    Returns
    -------
    Route
        The replayed route; :func:`solver.routing.check.check_plan` reports its late
        visits (``WINDOW``) and overtime (``SHIFT_END``).
    """
    rep = resolved.problem.rep(route.rep_id)
    first = route.stops[0]
    here = first.location if first.location is not None else rep.start
    timing = RouteTiming([first], first.departure_s)
    pending = None
    for stop in route.stops[1:]:
        if stop.type == StopType.BREAK:
            pending = stop
            continue
        there = stop.location if stop.location is not None else here
        travel = max(resolved.travel_s(here, there, timing.departure_s), 0)
        metres = max(resolved.distance_m(here, there), 0) if here != there else 0
        brk = None if pending is None else (pending.start_s, pending.departure_s - pending.start_s)
        pending = None
        account = None
        if stop.type != StopType.END:
            account = resolved.problem.account(stop.account_id or "")
        timing.drive(there, travel, metres, account, brk)
        if account is None:
            break
        here = there
    totals = timing.totals(rep, timing.stops, timing.drive_s, route.totals.visits)
    return Route(rep.id, tuple(timing.stops), totals, route.geometry)
