"""Routing the days of a schedule with the day-plan engine, and keeping valid days."""

from __future__ import annotations

import time
from collections.abc import Callable

from solver.model import Plan, Route, SolverInfo, SolveStatus, StopType
from solver.routing.data import ResolvedProblem, resolve_problem
from solver.routing.plan import plan_day, time_routes
from solver.routing.schedule import time_route, timing_misses
from solver.schedule.model import Schedule
from solver.schedule.moves import State


def route_day(
    state: State,
    k: int,
    time_limit_s: float,
    seed: int,
    deterministic: bool = False,
    on_progress: Callable[[float, float | None], bool | None] | None = None,
) -> tuple[Plan, tuple]:
    """Route day ``k`` with the day-plan engine; its routes replace the estimates.

    Visits the engine drops are banned from that day. Returns the plan and the day's
    content it was routed for. ``deterministic`` routes it with
    ``plan_day(deterministic=True)`` (``time_limit_s`` is then a safety cap);
    ``on_progress`` is the day search's (True stops it: a cancelled job).
    """
    content = state.day_content(k)
    visits = [
        (state.accounts[i].id, None if fixed is None else {state.reps[fixed].id})
        for i, fixed in content
    ]
    rep_ids = [state.reps[r].id for r in state.works[k]]
    date = state.days[k]
    if not rep_ids:
        return Plan(date, (), (), SolverInfo(SolveStatus.EMPTY, seed, 0.0, 0.0)), content
    day = state.problem.day_problem(date, rep_ids, visits)
    plan = plan_day(
        day,
        network=state.resolved.network,
        time_limit_s=time_limit_s,
        seed=seed,
        deterministic=deterministic,
        on_progress=on_progress,
    )
    state.set_routes(k, plan)
    for u in plan.unassigned:
        state.banned.add((state.account_index[u.account_id], k))
    return plan, state.day_content(k)


def timed_day(state: State, k: int, seed: int) -> tuple[Plan, tuple] | None:
    """Day ``k``'s plan from its current sequences as they are (no new search).

    Each rep's sequence is timed by the day engine's own timing (earliest schedule,
    :func:`solver.routing.time_routes`) on that date's day problem. Returns the plan and
    the day's content, or None when a route breaks a rule (a missed window or shift
    end, capacity, visit or drive limit, a visit on another rep than its fixed one):
    the day must then be routed by
    :func:`route_day`. The merged rounds use it to keep PyVRP's sequences.
    """
    content = state.day_content(k)
    rep_ids = [state.reps[r].id for r in state.works[k]]
    if not rep_ids:
        return None
    fixed_rep = dict(content)
    for r, rd in state.rep_days[k].items():
        if any(fixed_rep[i] not in (None, r) for i in rd.seq):
            return None  # a visit whose rep is fixed (same rep, appointment) on another
    visits = [
        (state.accounts[i].id, None if fixed is None else {state.reps[fixed].id})
        for i, fixed in content
    ]
    orders = {
        state.reps[r].id: [state.accounts[i].id for i in rd.seq]
        for r, rd in state.rep_days[k].items()
    }
    try:
        day = state.problem.day_problem(state.days[k], rep_ids, visits)
    except KeyError:  # closed that day
        return None
    plan, _ = time_routes(day, orders, network=state.resolved.network)
    for route in plan.routes:
        rep = day.rep(route.rep_id)
        accounts = [day.account(a) for a in route.account_ids]
        if timing_misses(route, rep, accounts):
            return None
        if rep.capacity is not None and sum(a.demand for a in accounts) > rep.capacity:
            return None
        if rep.max_visits is not None and len(accounts) > rep.max_visits:
            return None
        if rep.max_drive_s is not None and route.totals.drive_s > rep.max_drive_s:
            return None
    if plan.unassigned:  # an appointment of that date outside the sequences
        return None
    info = SolverInfo(SolveStatus.FEASIBLE, seed, 0.0, 0.0)
    return Plan(plan.date, plan.routes, (), info), content


def polish(
    state: State,
    plans: dict[int, Plan],
    future: list[int],
    deadline: float,
    seed: int,
    cap: float | None = None,
) -> None:
    """Route every day again with the time left; keep a day's new plan when it is cheaper.

    The new plan must visit the same accounts (nothing newly dropped). With ``cap``
    (deterministic mode) every day is routed deterministically, capped at ``cap`` s.
    """
    busy = [k for k in future if any(route.account_ids for route in plans[k].routes)]
    for n, k in enumerate(busy):
        per_day = cap or (deadline - time.monotonic()) / (len(busy) - n)
        if per_day < 0.1:
            return
        old = plans[k]
        content = state.day_content(k)
        visits = [
            (state.accounts[i].id, None if fixed is None else {state.reps[fixed].id})
            for i, fixed in content
        ]
        rep_ids = [state.reps[r].id for r in state.works[k]]
        day = state.problem.day_problem(state.days[k], rep_ids, visits)
        new = plan_day(
            day,
            network=state.resolved.network,
            time_limit_s=per_day,
            seed=seed + 7,
            deterministic=cap is not None,
        )
        visited = {a for route in old.routes for a in route.account_ids}
        if new.unassigned or {a for r in new.routes for a in r.account_ids} != visited:
            continue
        if sum(r.totals.cost for r in new.routes) < sum(r.totals.cost for r in old.routes) - 1e-9:
            plans[k] = new


def start_from(state: State, previous: Schedule, plans: dict, contents: dict) -> None:
    """Start from the previous schedule: keep its option choices and its day routes.

    A future day keeps its routes when every visit on it still belongs to the chosen
    option of its account and the day still passes the day-plan checker (reps at work,
    appointments, windows); otherwise it is routed again.
    """
    for i in range(len(state.accounts)):
        before = state.previous_days.get(i)
        if not before:
            continue
        wanted = set(before)
        reps = {r for rs in before.values() for r in rs}
        for o_index, option in enumerate(state.options[i]):
            if set(option.days) == wanted and (option.rep is None or option.rep in reps):
                state.chosen[i] = o_index
                break
    for day in previous.days:
        k = state.days.index(day.date)
        plan = Plan(day.date, day.routes, (), SolverInfo(SolveStatus.FEASIBLE, 0, 0.0, 0.0))
        if k in state.past:
            plans[k] = plan  # the past stays as it was
            continue
        if not _still_valid(state, k, plan):
            continue
        state.set_routes(k, plan)
        plans[k] = plan
        contents[k] = state.day_content(k)


def _still_valid(state: State, k: int, plan: Plan) -> bool:
    """Whether a previous day can be kept as it is on the disrupted problem.

    Every visit must still belong to its account's chosen option, the same reps must be
    at work, and each route, timed again by the day engine's own timing on that date's
    day problem (weekday shift, opening hours, appointments), must give the same stops
    and totals without a missed window, late break or shift overrun, within the rep's
    limits. (The solver decides with its own timing, never with the checker.)
    """
    working = {state.reps[r].id for r in state.works[k]}
    visits = []
    for route in plan.routes:
        if route.rep_id not in working:
            return False
        for account_id in route.account_ids:
            i = state.account_index.get(account_id)
            chosen = state.chosen[i] if i is not None else None
            if chosen is None or k not in state.options[i][chosen].days:
                return False
            visits.append((account_id, None))
    if {route.rep_id for route in plan.routes} != working:
        return False
    try:
        day = state.problem.day_problem(state.days[k], sorted(working), visits)
    except KeyError:  # closed that day now
        return False
    resolved = resolve_problem(day, state.resolved.network)
    return all(_same_timing(resolved, route) for route in plan.routes)


def _same_timing(resolved: ResolvedProblem, route: Route) -> bool:
    """Whether ``route`` is what the day engine's timing gives its order, within limits."""
    rep = resolved.problem.rep(route.rep_id)
    order = route.account_ids
    accounts = [resolved.problem.account(a) for a in order]
    break_after = None
    visits_before = 0
    for stop in route.stops:
        if stop.type == StopType.BREAK:
            break_after = visits_before
        elif stop.type == StopType.VISIT:
            visits_before += 1
    retimed = time_route(resolved, rep, order, break_after=break_after)
    if timing_misses(retimed, rep, accounts):
        return False
    if retimed.stops != route.stops or retimed.totals != route.totals:
        return False
    demand = sum(a.demand for a in accounts)
    return (
        (rep.capacity is None or demand <= rep.capacity)
        and (rep.max_visits is None or len(accounts) <= rep.max_visits)
        and (rep.max_drive_s is None or retimed.totals.drive_s <= rep.max_drive_s)
    )
