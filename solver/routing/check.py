"""Independent plan checker: recompute a plan from the raw problem, verify every rule.

The checker shares no code with the solver. It imports only the domain model
(:mod:`solver.model`) and the errors; an import-linter contract in ``pyproject.toml``
keeps it that way. From the problem alone it takes every leg's travel time and
distance (the problem's explicit matrix, or the road network's ``matrix`` queried
pair by pair), re-derives each arrival, wait, break, visit and departure with its own
arithmetic, and verifies windows, shift, break, capacity, maximum visits, maximum
drive time, eligibility, the route totals (drive, distance, visit, wait, break,
lateness, cost and value) and that every account is either visited once or unassigned.

Timing rules (the same identities the solver documents, written here again): for a
leg ``P -> N`` with a break stop ``B`` between them::

    B.start >= departure(P)
    arrival(N) = max(departure(P) + travel(P, N), B.start) + (B.departure - B.start)

and without a break ``arrival(N) = departure(P) + travel(P, N)``; always
``start = arrival + wait`` with ``wait >= 0``, and a visit's departure is its start
plus the visit duration. The break is due when the route still works at the break's
latest start.

Figures: lateness of a visit is ``max(0, start - soft_end)`` seconds; the route cost
is ``drive_s x cost_per_hour / 3600 + distance_m x cost_per_km / 1000`` plus, per
late visit, ``lateness_s x lateness_cost_per_min / 60``, reported in whole cents (half a
cent from the exact figure at most); the day starts at the start's departure and ends at
the end's arrival; a stop's leg is driven from ``drive_start_s``, after the previous
departure, and the drive (and a break on the leg) fit before the arrival; an account's
value is its
``value``, else its ``priority``.

Violation codes
---------------
``UNKNOWN_REP``, ``DUPLICATE_ROUTE``, ``UNKNOWN_ACCOUNT``, ``DUPLICATE_VISIT``,
``ALREADY_VISITED``, ``NOT_ELIGIBLE``, ``BAD_STOPS``, ``UNREACHABLE_LEG``,
``LEG_MISMATCH`` (travel or distance differs from the matrix), ``TIME_MISMATCH``
(times inconsistent with the legs), ``SHIFT_START``, ``SHIFT_END``, ``WINDOW``,
``BREAK_MISSING``, ``BREAK_WINDOW``, ``CAPACITY``, ``MAX_VISITS``,
``MAX_DRIVE_TIME``, ``TOTALS_MISMATCH``, ``MISSING_ACCOUNT`` (neither routed nor
unassigned), ``ROUTED_AND_UNASSIGNED``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from solver.errors import InvalidProblemError
from solver.model import (
    Account,
    Location,
    Plan,
    Problem,
    Rep,
    Route,
    Stop,
    StopType,
    format_time_s,
)


@dataclass(frozen=True, slots=True)
class Violation:
    """A broken rule in a plan.

    Parameters
    ----------
    rep_id
        The route's rep (None for plan-wide problems).
    account_id
        The account concerned, if any.
    code
        Stable code (see the module docstring).
    detail
        One human sentence.
    """

    rep_id: str | None
    account_id: str | None
    code: str
    detail: str


def check_plan(problem: Problem, plan: Plan, *, network: Any = None) -> list[Violation]:
    """Verify a plan against its problem, recomputing every figure from the raw inputs.

    Parameters
    ----------
    problem
        The problem the plan answers.
    plan
        The plan to check (from the solver or hand-made).
    network
        The road network (``solver.roads.RoadNetwork``), for problems with lat/lon
        locations; its ``matrix`` is queried once per distinct leg of the plan.

    Returns
    -------
    list of Violation
        Empty when the plan is feasible.

    Raises
    ------
    InvalidProblemError
        When the problem has lat/lon locations but no network was given.
    """
    legs = _Legs(problem, network)
    reps = {rep.id: rep for rep in problem.reps}
    violations: list[Violation] = []
    seen_reps: set[str] = set()
    visited: dict[str, str] = {}
    for route in plan.routes:
        rep = reps.get(route.rep_id)
        if rep is None:
            violations.append(
                Violation(route.rep_id, None, "UNKNOWN_REP", f"Rep '{route.rep_id}' is unknown.")
            )
            continue
        if rep.id in seen_reps:
            violations.append(
                Violation(rep.id, None, "DUPLICATE_ROUTE", f"Rep '{rep.id}' has two routes.")
            )
        seen_reps.add(rep.id)
        violations += _duplicate_visits(rep, route, visited)
        violations += _RouteCheck(problem, legs, rep, route).run()
    violations += _account_coverage(problem, plan, visited)
    return violations


def _duplicate_visits(rep: Rep, route: Route, visited: dict[str, str]) -> list[Violation]:
    """Flag accounts of ``route`` already visited (by this or an earlier route)."""
    out = []
    for account_id in route.account_ids:
        if account_id in visited:
            detail = f"Account '{account_id}' is visited twice."
            out.append(Violation(rep.id, account_id, "DUPLICATE_VISIT", detail))
        visited[account_id] = rep.id
    return out


def _account_coverage(problem: Problem, plan: Plan, visited: dict[str, str]) -> list[Violation]:
    """Every account is visited or unassigned, never both."""
    unassigned = {u.account_id for u in plan.unassigned}
    out = []
    for account in problem.accounts:
        routed, dropped = account.id in visited, account.id in unassigned
        if routed and dropped:
            detail = f"Account '{account.id}' is both visited and unassigned."
            out.append(Violation(visited[account.id], account.id, "ROUTED_AND_UNASSIGNED", detail))
        elif not routed and not dropped:
            detail = f"Account '{account.id}' is neither visited nor unassigned."
            out.append(Violation(None, account.id, "MISSING_ACCOUNT", detail))
    return out


class _Legs:
    """Travel time and distance of one leg, straight from the raw inputs.

    An explicit matrix is read at ``[origin.index, destination.index]``; on a road
    network each distinct pair is one ``network.matrix([origin], [destination])``
    query. With ``problem.traffic`` on a network that has ``durations_at`` (a speed
    profile), the leg's seconds are the network's own time-dependent answer for the
    moment the leg is driven (``week_s`` = weekday of the date x 86400 + the drive
    start), asked leg by leg. A leg from a place to the same place is 0 s / 0 m.
    """

    def __init__(self, problem: Problem, network: Any) -> None:
        if problem.matrix is None and network is None:
            raise InvalidProblemError(
                f"road network {problem.network!r} is required to check lat/lon locations.",
                entity="Problem",
                field="network",
            )
        self._matrix = problem.matrix
        self._network = network
        self._cache: dict[tuple[Location, Location], tuple[int, int]] = {}
        self._timed = (
            problem.traffic and problem.matrix is None and hasattr(network, "durations_at")
        )
        self._day_s = problem.date.weekday() * 86400

    def __call__(
        self, origin: Location, destination: Location, depart_s: int | None = None
    ) -> tuple[int, int]:
        """``(seconds, metres)`` from ``origin`` to ``destination``; -1 when unreachable."""
        if origin == destination:
            return 0, 0
        key = (origin, destination)
        if key not in self._cache:
            self._cache[key] = self._query(origin, destination)
        seconds, metres = self._cache[key]
        if self._timed and depart_s is not None and seconds >= 0:
            seconds = int(
                self._network.durations_at(
                    [(origin.lat, origin.lon)],
                    [(destination.lat, destination.lon)],
                    week_s=self._day_s + depart_s,
                )[0][0]
            )
        return seconds, metres

    def _query(self, origin: Location, destination: Location) -> tuple[int, int]:
        if self._matrix is not None:
            row, column = origin.index, destination.index
            return (
                int(self._matrix.durations_s[row, column]),
                int(self._matrix.distances_m[row, column]),
            )
        pair = self._network.matrix(
            [(origin.lat, origin.lon)], [(destination.lat, destination.lon)]
        )
        return int(pair.durations_s[0][0]), int(pair.distances_m[0][0])


@dataclass(slots=True)
class _Tally:
    """What the checker recounts along a route (compared with the route's totals)."""

    drive_s: int = 0
    distance_m: int = 0
    visit_s: int = 0
    wait_s: int = 0
    break_s: int = 0
    lateness_s: int = 0
    visits: int = 0
    load: int = 0
    lateness_cost: float = 0.0
    value: float = 0.0
    breaks: list[Stop] = field(default_factory=list)


class _RouteCheck:
    """The checks of one route, step by step (see :meth:`run`)."""

    def __init__(self, problem: Problem, legs: _Legs, rep: Rep, route: Route) -> None:
        self.problem = problem
        self.legs = legs
        self.rep = rep
        self.route = route
        self.accounts = {account.id: account for account in problem.accounts}
        self.tally = _Tally()
        self.out: list[Violation] = []

    def add(self, code: str, detail: str, account_id: str | None = None) -> None:
        """Record one violation of this route."""
        self.out.append(Violation(self.rep.id, account_id, code, f"Rep '{self.rep.id}': {detail}"))

    def run(self) -> list[Violation]:
        """Check the stop sequence, the start, every stop, the day's limits and totals."""
        if not self._stops_well_formed():
            return self.out
        self._check_start(self.route.stops[0])
        if not self._walk(self.route.stops):
            return self.out
        self._check_break_due()
        self._check_limits()
        self._check_totals()
        return self.out

    def _stops_well_formed(self) -> bool:
        """Start first, end last, nothing of either kind between, at most one break."""
        stops = self.route.stops
        if len(stops) < 2 or stops[0].type != StopType.START or stops[-1].type != StopType.END:
            self.add(
                "BAD_STOPS", "a route must begin with a start stop and finish with an end stop."
            )
            return False
        if any(s.type in (StopType.START, StopType.END) for s in stops[1:-1]):
            self.add("BAD_STOPS", "start and end stops may only come first and last.")
            return False
        if sum(1 for s in stops if s.type == StopType.BREAK) > 1:
            self.add("BAD_STOPS", "the route has more than one break.")
        return True

    def _check_start(self, start: Stop) -> None:
        if start.departure_s < self.rep.shift.start_s:
            self.add(
                "SHIFT_START", f"leaves at {format_time_s(start.departure_s)}, before the shift."
            )
        if start.location is not None and start.location != self.rep.start:
            self.add("BAD_STOPS", "the route does not start at the rep's start location.")

    def _walk(self, stops: tuple[Stop, ...]) -> bool:
        """Follow the route from the start; False when it names an unknown account."""
        here = self.rep.start
        departure = stops[0].departure_s
        pending: Stop | None = None
        for stop in stops[1:-1]:
            if stop.type == StopType.BREAK:
                self._check_break(stop, departure)
                pending = stop
                continue
            account = self.accounts.get(stop.account_id or "")
            if account is None:
                self.add("UNKNOWN_ACCOUNT", f"visits unknown account {stop.account_id!r}.")
                return False
            travel = self._check_leg(stop, here, account.location, departure)
            self._check_arrival(stop, departure, travel, pending)
            self._check_visit(stop, account)
            here, departure, pending = account.location, stop.departure_s, None
        end, there = stops[-1], self.rep.end_location
        travel = self._check_leg(end, here, there if there is not None else here, departure)
        self._check_arrival(end, departure, travel, pending)
        self._check_end(end)
        return True

    def _check_break(self, stop: Stop, departure_s: int) -> None:
        """Check that a break starts after the previous departure, inside its window."""
        if stop.start_s < departure_s:
            self.add("TIME_MISMATCH", f"break at {format_time_s(stop.start_s)} starts too early.")
        if stop.start_s != stop.arrival_s + stop.wait_s or stop.wait_s < 0:
            self.add("TIME_MISMATCH", "break start is not arrival plus wait.")
        lunch = self.rep.lunch
        if lunch is None:
            self.add("BAD_STOPS", "the rep has no break.")
            return
        length = stop.departure_s - stop.start_s
        if length != lunch.duration_s:
            self.add("BREAK_WINDOW", f"break lasts {length} s, not {lunch.duration_s} s.")
        if stop.start_s < lunch.earliest_start_s or stop.start_s > lunch.latest_start_s:
            self.add(
                "BREAK_WINDOW",
                f"break starts at {format_time_s(stop.start_s)}, outside "
                f"{format_time_s(lunch.earliest_start_s)}-{format_time_s(lunch.latest_start_s)}.",
            )
        self.tally.breaks.append(stop)
        self.tally.break_s += length
        self.tally.wait_s += stop.wait_s

    def _check_leg(self, stop: Stop, here: Location, there: Location, departure_s: int) -> int:
        """Compare the stop's leg with the raw matrix; return the leg's seconds.

        The leg is timed when it is driven: ``drive_start_s``, else the previous departure.
        """
        drive = stop.drive_start_s if stop.drive_start_s is not None else departure_s
        travel, metres = self.legs(here, there, drive)
        if travel < 0 or metres < 0:
            self.add("UNREACHABLE_LEG", "no road path on the leg to this stop.", stop.account_id)
            travel, metres = max(travel, 0), max(metres, 0)
        if stop.travel_s != travel or stop.distance_m != metres:
            self.add(
                "LEG_MISMATCH",
                f"leg reports {stop.travel_s} s / {stop.distance_m} m, the matrix says "
                f"{travel} s / {metres} m.",
                stop.account_id,
            )
        self.tally.drive_s += travel
        self.tally.distance_m += metres
        return travel

    def _check_arrival(self, stop: Stop, departure_s: int, travel_s: int, pending: Stop | None):
        """Arrival = previous departure + leg (+ the break taken on the way); start = + wait."""
        expected = departure_s + travel_s
        if pending is not None:
            expected = max(expected, pending.start_s) + (pending.departure_s - pending.start_s)
        if stop.arrival_s != expected or stop.start_s != stop.arrival_s + stop.wait_s:
            self.add(
                "TIME_MISMATCH",
                f"arrival {format_time_s(stop.arrival_s)} / start {format_time_s(stop.start_s)} "
                f"do not follow from the previous departure (expected arrival "
                f"{format_time_s(expected)}).",
                stop.account_id,
            )
        if stop.wait_s < 0:
            self.add("TIME_MISMATCH", "negative wait.", stop.account_id)
        self._check_drive_start(stop, departure_s, travel_s, pending)
        self.tally.wait_s += stop.wait_s

    def _check_drive_start(
        self, stop: Stop, departure_s: int, travel_s: int, pending: Stop | None
    ) -> None:
        """Check the leg is driven after the previous departure and fits before the arrival.

        With a break on the leg, the drive and the break both fit between the previous
        departure and the arrival. ``drive_start_s`` None (results stored before it
        existed) is not checked.
        """
        drive = stop.drive_start_s
        if drive is None:
            return
        pause = 0 if pending is None else pending.departure_s - pending.start_s
        if drive < departure_s or drive + travel_s + pause > stop.arrival_s:
            self.add(
                "TIME_MISMATCH",
                f"the leg driven from {format_time_s(drive)} does not fit between the "
                f"previous departure {format_time_s(departure_s)} and the arrival "
                f"{format_time_s(stop.arrival_s)}.",
                stop.account_id,
            )

    def _check_end(self, stop: Stop) -> None:
        if stop.arrival_s > self.rep.shift.end_s:
            self.add(
                "SHIFT_END",
                f"ends at {format_time_s(stop.arrival_s)}, after the shift end "
                f"{format_time_s(self.rep.shift.end_s)}.",
            )

    def _check_visit(self, stop: Stop, account: Account) -> None:
        """Duration, windows, eligibility; add the visit's load, lateness and value."""
        if stop.departure_s != stop.start_s + account.visit_duration_s:
            self.add("TIME_MISMATCH", "departure is not start plus visit duration.", account.id)
        windows = account.start_windows()
        if windows and not any(w.start_s <= stop.start_s <= w.end_s for w in windows):
            self.add(
                "WINDOW",
                f"visit to '{account.id}' starts at {format_time_s(stop.start_s)}, outside its "
                "windows.",
                account.id,
            )
        if account.id in self.problem.already_visited:
            self.add("ALREADY_VISITED", f"'{account.id}' was already visited today.", account.id)
        allowed = not account.rep_ids or self.rep.id in account.rep_ids
        if not allowed or not account.skills <= self.rep.skills:
            self.add(
                "NOT_ELIGIBLE", f"may not visit '{account.id}' (rep_ids or skills).", account.id
            )
        tally = self.tally
        tally.visits += 1
        tally.visit_s += account.visit_duration_s
        tally.load += account.demand
        late = 0 if account.soft_end_s is None else max(0, stop.start_s - account.soft_end_s)
        tally.lateness_s += late
        tally.lateness_cost += late * account.lateness_cost_per_min / 60
        tally.value += account.priority if account.value is None else account.value

    def _check_break_due(self) -> None:
        lunch, end = self.rep.lunch, self.route.stops[-1]
        if (
            lunch
            and self.tally.visits
            and not self.tally.breaks
            and end.arrival_s > lunch.latest_start_s
        ):
            self.add(
                "BREAK_MISSING", f"works until {format_time_s(end.arrival_s)} without the break."
            )

    def _check_limits(self) -> None:
        rep, tally = self.rep, self.tally
        if rep.capacity is not None and tally.load > rep.capacity:
            self.add("CAPACITY", f"load {tally.load} exceeds capacity {rep.capacity}.")
        if rep.max_visits is not None and tally.visits > rep.max_visits:
            self.add("MAX_VISITS", f"{tally.visits} visits exceed the maximum {rep.max_visits}.")
        if rep.max_drive_s is not None and tally.drive_s > rep.max_drive_s:
            self.add(
                "MAX_DRIVE_TIME",
                f"drives {tally.drive_s} s, more than the maximum {rep.max_drive_s} s.",
            )

    def _check_totals(self) -> None:
        """Compare the route's totals with the recount and the recomputed cost and value."""
        totals, tally = self.route.totals, self.tally
        for name in (
            "drive_s",
            "distance_m",
            "visit_s",
            "wait_s",
            "break_s",
            "visits",
            "lateness_s",
        ):
            got, want = getattr(totals, name), getattr(tally, name)
            if got != want:
                self.add("TOTALS_MISMATCH", f"total {name} is {got}, expected {want}.")
        stops = self.route.stops
        for name, got, want in (
            ("day_start_s", totals.day_start_s, stops[0].departure_s),
            ("day_end_s", totals.day_end_s, stops[-1].arrival_s),
        ):
            if got != want:
                self.add("TOTALS_MISMATCH", f"total {name} is {got}, expected {want}.")
        rep = self.rep
        cost = (
            tally.drive_s * rep.cost_per_hour / 3600
            + tally.distance_m * rep.cost_per_km / 1000
            + tally.lateness_cost
        )
        # Money is reported in whole cents: the exact cost, rounded (half a cent at most).
        cents = totals.cost * 100
        if abs(cents - round(cents)) > 1e-6 or abs(totals.cost - cost) > 0.005 + 1e-9:
            self.add(
                "TOTALS_MISMATCH", f"total cost is {totals.cost}, expected {cost:.2f} ({cost})."
            )
        if not _close(totals.value, tally.value, 1e-9):
            self.add("TOTALS_MISMATCH", f"total value is {totals.value}, expected {tally.value}.")


def _close(got: float, want: float, tol: float) -> bool:
    return math.isclose(got, want, rel_tol=tol, abs_tol=tol)
