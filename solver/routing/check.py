"""Independent plan checker: recompute a plan's legs from the matrix, verify every rule.

The checker does not trust the solver. For each route it takes every leg's travel
time and distance from the matrix, re-derives each arrival from the previous
departure (see :mod:`solver.routing.schedule` for the timing identities, break
included), and verifies windows, shift, break, capacity, maximum visits, maximum
drive time, eligibility, and the totals. For the whole plan it verifies that every
account is either visited once or unassigned.

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
from dataclasses import dataclass
from typing import Any

from solver.model import (
    Account,
    Location,
    Plan,
    Problem,
    Rep,
    Route,
    StopType,
    format_time_s,
)
from solver.routing.data import ResolvedProblem, resolve_problem
from solver.routing.schedule import account_value, lateness_s, route_cost


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
    """Verify a plan against its problem, recomputing legs from the matrix.

    Parameters
    ----------
    problem
        The problem the plan answers.
    plan
        The plan to check (from the solver or hand-made).
    network
        The road network, for problems with lat/lon locations.

    Returns
    -------
    list of Violation
        Empty when the plan is feasible.
    """
    return check_resolved_plan(resolve_problem(problem, network), plan)


def check_resolved_plan(resolved: ResolvedProblem, plan: Plan) -> list[Violation]:
    """Verify a plan against an already resolved problem (see :func:`check_plan`)."""
    problem = resolved.problem
    reps = {rep.id: rep for rep in problem.reps}
    accounts = {account.id: account for account in problem.accounts}
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
        for account_id in route.account_ids:
            if account_id in visited:
                violations.append(
                    Violation(
                        rep.id,
                        account_id,
                        "DUPLICATE_VISIT",
                        f"Account '{account_id}' is visited twice.",
                    )
                )
            visited[account_id] = rep.id
        violations += check_route(resolved, rep, route)
    unassigned = {u.account_id for u in plan.unassigned}
    for account_id in accounts:
        if account_id in visited and account_id in unassigned:
            violations.append(
                Violation(
                    visited[account_id],
                    account_id,
                    "ROUTED_AND_UNASSIGNED",
                    f"Account '{account_id}' is both visited and unassigned.",
                )
            )
        elif account_id not in visited and account_id not in unassigned:
            violations.append(
                Violation(
                    None,
                    account_id,
                    "MISSING_ACCOUNT",
                    f"Account '{account_id}' is neither visited nor unassigned.",
                )
            )
    return violations


def check_route(resolved: ResolvedProblem, rep: Rep, route: Route) -> list[Violation]:
    """Verify one route of ``rep`` (see the module docstring for the rules).

    Parameters
    ----------
    resolved
        The problem with its travel matrix.
    rep
        The route's rep.
    route
        The timed route.

    Returns
    -------
    list of Violation
        Empty when the route is feasible and its times and totals are consistent.
    """
    problem = resolved.problem
    accounts = {account.id: account for account in problem.accounts}
    out: list[Violation] = []

    def add(code: str, detail: str, account_id: str | None = None) -> None:
        out.append(Violation(rep.id, account_id, code, f"Rep '{rep.id}': {detail}"))

    stops = route.stops
    if len(stops) < 2 or stops[0].type != StopType.START or stops[-1].type != StopType.END:
        add("BAD_STOPS", "a route must begin with a start stop and finish with an end stop.")
        return out
    if any(s.type in (StopType.START, StopType.END) for s in stops[1:-1]):
        add("BAD_STOPS", "start and end stops may only come first and last.")
        return out
    breaks = [s for s in stops if s.type == StopType.BREAK]
    if len(breaks) > 1:
        add("BAD_STOPS", "the route has more than one break.")
    start = stops[0]
    if start.departure_s < rep.shift.start_s:
        add("SHIFT_START", f"leaves at {format_time_s(start.departure_s)}, before the shift.")
    if start.location is not None and start.location != rep.start:
        add("BAD_STOPS", "the route does not start at the rep's start location.")

    here: Location = rep.start
    departure = start.departure_s
    pending_break = None
    drive = distance = visit = wait = brk = late = load = visits = 0
    late_cost = value = 0.0
    for stop in stops[1:]:
        if stop.type == StopType.BREAK:
            pending_break = stop
            if stop.start_s < departure:
                add("TIME_MISMATCH", f"break at {format_time_s(stop.start_s)} starts too early.")
            if stop.start_s != stop.arrival_s + stop.wait_s or stop.wait_s < 0:
                add("TIME_MISMATCH", "break start is not arrival plus wait.")
            if rep.lunch is None:
                add("BAD_STOPS", "the rep has no break.")
                continue
            if stop.departure_s - stop.start_s != rep.lunch.duration_s:
                add("BREAK_WINDOW", f"break lasts {stop.departure_s - stop.start_s} s.")
            if not rep.lunch.earliest_start_s <= stop.start_s <= rep.lunch.latest_start_s:
                add(
                    "BREAK_WINDOW",
                    f"break starts at {format_time_s(stop.start_s)}, outside "
                    f"{format_time_s(rep.lunch.earliest_start_s)}-"
                    f"{format_time_s(rep.lunch.latest_start_s)}.",
                )
            brk += stop.departure_s - stop.start_s
            wait += stop.wait_s
            continue
        account: Account | None = None
        if stop.type == StopType.VISIT:
            account = accounts.get(stop.account_id or "")
            if account is None:
                add("UNKNOWN_ACCOUNT", f"visits unknown account {stop.account_id!r}.")
                return out
            there = account.location
        else:
            end = rep.end_location
            there = end if end is not None else here
        travel = resolved.duration_s(here, there)
        metres = resolved.distance_m(here, there)
        if travel < 0 or metres < 0:
            add("UNREACHABLE_LEG", "no road path on the leg to this stop.", stop.account_id)
            travel, metres = max(travel, 0), max(metres, 0)
        if stop.travel_s != travel or stop.distance_m != metres:
            add(
                "LEG_MISMATCH",
                f"leg reports {stop.travel_s} s / {stop.distance_m} m, the matrix says "
                f"{travel} s / {metres} m.",
                stop.account_id,
            )
        ready = departure + travel
        if pending_break is not None:
            ready = max(departure + travel, pending_break.start_s) + (
                pending_break.departure_s - pending_break.start_s
            )
            pending_break = None
        if stop.arrival_s != ready or stop.start_s != stop.arrival_s + stop.wait_s:
            add(
                "TIME_MISMATCH",
                f"arrival {format_time_s(stop.arrival_s)} / start {format_time_s(stop.start_s)} "
                f"do not follow from the previous departure (expected arrival "
                f"{format_time_s(ready)}).",
                stop.account_id,
            )
        if stop.wait_s < 0:
            add("TIME_MISMATCH", "negative wait.", stop.account_id)
        drive += travel
        distance += metres
        wait += stop.wait_s
        if account is None:  # the end stop
            if stop.arrival_s > rep.shift.end_s:
                add(
                    "SHIFT_END",
                    f"ends at {format_time_s(stop.arrival_s)}, after the shift end "
                    f"{format_time_s(rep.shift.end_s)}.",
                )
            break
        visits += 1
        if stop.departure_s != stop.start_s + account.visit_duration_s:
            add("TIME_MISMATCH", "departure is not start plus visit duration.", account.id)
        windows = account.start_windows()
        if windows and not any(w.contains(stop.start_s) for w in windows):
            add(
                "WINDOW",
                f"visit to '{account.id}' starts at {format_time_s(stop.start_s)}, outside its "
                "windows.",
                account.id,
            )
        if account.id in problem.already_visited:
            add("ALREADY_VISITED", f"'{account.id}' was already visited today.", account.id)
        if (account.rep_ids and rep.id not in account.rep_ids) or not account.skills <= rep.skills:
            add("NOT_ELIGIBLE", f"may not visit '{account.id}' (rep_ids or skills).", account.id)
        visit += account.visit_duration_s
        load += account.demand
        account_late = lateness_s(account, stop.start_s)
        late += account_late
        late_cost += account_late / 60.0 * account.lateness_cost_per_min
        value += account_value(account)
        here = there
        departure = stop.departure_s

    lunch = rep.lunch
    if lunch is not None and visits and not breaks and stops[-1].arrival_s > lunch.latest_start_s:
        add(
            "BREAK_MISSING",
            f"works until {format_time_s(stops[-1].arrival_s)} without the break.",
        )
    if rep.capacity is not None and load > rep.capacity:
        add("CAPACITY", f"load {load} exceeds capacity {rep.capacity}.")
    if rep.max_visits is not None and visits > rep.max_visits:
        add("MAX_VISITS", f"{visits} visits exceed the maximum {rep.max_visits}.")
    if rep.max_drive_s is not None and drive > rep.max_drive_s:
        add("MAX_DRIVE_TIME", f"drives {drive} s, more than the maximum {rep.max_drive_s} s.")
    totals = route.totals
    expected = {
        "drive_s": drive,
        "distance_m": distance,
        "visit_s": visit,
        "wait_s": wait,
        "break_s": brk,
        "visits": visits,
        "lateness_s": late,
    }
    for name, number in expected.items():
        if getattr(totals, name) != number:
            add("TOTALS_MISMATCH", f"total {name} is {getattr(totals, name)}, expected {number}.")
    cost = route_cost(rep, drive, distance, late_cost)
    if not math.isclose(totals.cost, cost, rel_tol=1e-6, abs_tol=1e-6):
        add("TOTALS_MISMATCH", f"total cost is {totals.cost}, expected {cost}.")
    if not math.isclose(totals.value, value, rel_tol=1e-9, abs_tol=1e-9):
        add("TOTALS_MISMATCH", f"total value is {totals.value}, expected {value}.")
    return out
