"""The schedule result: days, visits, missing visits with reasons, KPIs."""

from __future__ import annotations

import time

from solver.model import Plan, SolverInfo, StopReason, StopType
from solver.schedule.model import (
    Schedule,
    ScheduleDay,
    ScheduledVisit,
    ScheduleReason,
    ScheduleUnassigned,
)
from solver.schedule.moves import State
from solver.schedule.summary import summarize


def build_result(
    state: State,
    plans: dict[int, Plan],
    seed: int,
    time_limit_s: float,
    began: float,
    status: str,
    deterministic: bool = False,
    stop_reason: StopReason | None = None,
) -> Schedule:
    """Build the schedule from the routed day plans (missing visits with reasons, KPIs)."""
    problem = state.problem
    pinned = {(ap.account_id, ap.date) for ap in problem.appointments}
    days, visits = [], []
    for k, date in enumerate(state.days):
        plan = plans.get(k)
        routes = plan.routes if plan is not None else ()
        days.append(ScheduleDay(date, tuple(routes)))
        for route in routes:
            for stop in route.stops:
                if stop.type == StopType.VISIT and stop.account_id is not None:
                    visits.append(
                        ScheduledVisit(
                            stop.account_id,
                            route.rep_id,
                            date,
                            stop.start_s,
                            (stop.account_id, date) in pinned,
                        )
                    )
    counts: dict[str, int] = {}
    for v in visits:
        counts[v.account_id] = counts.get(v.account_id, 0) + 1
    dropped_reason: dict[str, tuple[str, str]] = {}
    for plan in plans.values():
        for u in plan.unassigned:
            dropped_reason.setdefault(u.account_id, (str(u.reason), u.detail))
    unassigned = []
    for i, sa in enumerate(state.accounts):
        missing = sa.visits - counts.get(sa.id, 0)
        if missing <= 0:
            continue
        option = state.options[i][state.chosen[i]] if state.chosen[i] is not None else None
        if option is not None and option.reason is not None and option.missing:
            reason = str(option.reason)
            detail = _sentence(state, i, reason)
        elif sa.id in dropped_reason:
            reason, detail = dropped_reason[sa.id]
            detail = f"{detail} ({missing} of {sa.visits} visits missing.)"
        else:
            reason = str(ScheduleReason.NO_ROOM)
            detail = _sentence(state, i, reason)
        unassigned.append(ScheduleUnassigned(sa.id, missing, reason, detail))
    summary = summarize(problem, days, sum(sa.visits for sa in state.accounts))
    info = SolverInfo(
        status=status,
        seed=seed,
        time_limit_s=float(time_limit_s),
        time_s=round(time.monotonic() - began, 3),
        objective=summary.total.cost,
        deterministic=deterministic,
        stop_reason=stop_reason,
    )
    return Schedule(tuple(days), tuple(visits), tuple(unassigned), summary, info)


def _sentence(state: State, i: int, reason: str) -> str:
    sa = state.accounts[i]
    name = f"Account '{sa.id}'"
    if reason == ScheduleReason.NO_ALLOWED_DAY:
        allowed = len(state._allowed_days(i))
        return (
            f"{name}: only {allowed} allowed day(s) (weekdays, opening hours, reps at work) "
            f"for {sa.visits} visits."
        )
    if reason == ScheduleReason.SPACING_INFEASIBLE:
        return (
            f"{name}: no set of {sa.visits} allowed days keeps the gaps "
            f"{sa.min_gap_days}..{sa.max_gap_days} days."
        )
    if reason == ScheduleReason.NO_ELIGIBLE_REP:
        return f"{name}: no working rep is allowed to visit it (rep_ids, skills, days off)."
    if reason == ScheduleReason.NOT_WORTH_THE_DETOUR:
        return f"{name}: optional, and its value is below the travel cost of its visits."
    return f"{name}: its allowed days are full (shift, capacity or visit limits)."
