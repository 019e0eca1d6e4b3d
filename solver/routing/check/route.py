"""Check one route stop by stop: times, windows, shift, break, limits and totals."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from solver.model import Account, Location, Problem, Rep, Route, Stop, StopType, format_time_s
from solver.routing.check.legs import Legs
from solver.routing.check.violation import Violation


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


class RouteCheck:
    """The checks of one route, step by step (see :meth:`run`).

    Parameters
    ----------
    problem
        The problem the plan answers.
    legs
        The raw leg times and distances of the problem.
    rep
        The route's rep.
    route
        The route to check.
    """

    def __init__(self, problem: Problem, legs: Legs, rep: Rep, route: Route) -> None:
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
