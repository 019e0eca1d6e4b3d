"""Independent schedule checker: re-verify a schedule from its problem, rule by rule.

It does not trust the solver and imports nothing of it: only the domain models,
errors and the day-plan checker. Every day is rebuilt as a day-plan problem (the
reps at work that date with that weekday's shift, the accounts visited with that
date's opening hours, the appointments pinned) and checked by
:func:`solver.routing.check.check_plan` (legs, times, windows, shift, break,
capacity, limits, eligibility, totals). Across days it checks visit counts,
patterns, weekdays and opening hours, gaps, one rep per ``same_rep`` account,
appointments and days off.

Violation codes (besides the day-plan codes, reported with their date)
----------------------------------------------------------------------
``UNKNOWN_DATE``, ``DUPLICATE_DATE``, ``DAY_OFF`` (a route on a rep's day off),
``CLOSED`` (visited on a date its weekdays or opening hours exclude),
``VISITS_MISMATCH`` (``visits`` rows differ from the routes), ``VISIT_COUNT``
(planned + reported missing differs from ``visits``), ``PATTERN``, ``SPACING``,
``SAME_REP``, ``APPOINTMENT`` (missing or moved), ``UNKNOWN_ACCOUNT``.
``SPACING`` checks ``min_gap_days`` always and ``max_gap_days`` when every visit
of the account is planned.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Any

from solver.model import Plan, SolverInfo, SolveStatus, StopType
from solver.routing.check import check_plan
from solver.schedule.model import Schedule, ScheduleProblem


@dataclass(frozen=True, slots=True)
class ScheduleViolation:
    """A broken rule of a schedule (``date`` None for rules across days)."""

    date: dt.date | None
    rep_id: str | None
    account_id: str | None
    code: str
    detail: str


def check_schedule(
    problem: ScheduleProblem, schedule: Schedule, *, network: Any = None
) -> list[ScheduleViolation]:
    """Verify a schedule against its problem.

    Parameters
    ----------
    problem
        The schedule problem.
    schedule
        The schedule to check (from the solver or hand-made).
    network
        The road network, for problems with lat/lon locations.

    Returns
    -------
    list of ScheduleViolation
        Empty when the schedule is feasible.
    """
    out: list[ScheduleViolation] = []
    accounts = {sa.id: sa for sa in problem.accounts}
    reps = {sr.id: sr for sr in problem.reps}
    horizon = {d: k for k, d in enumerate(problem.days)}
    appointments = {(ap.account_id, ap.date) for ap in problem.appointments}
    seen_dates: set[dt.date] = set()
    visited: list[tuple[str, str, dt.date, int]] = []  # account, rep, date, start
    for day in schedule.days:
        date = day.date
        if date not in horizon:
            out.append(
                ScheduleViolation(
                    date, None, None, "UNKNOWN_DATE", f"{date} is not a day of the horizon."
                )
            )
            continue
        if date in seen_dates:
            out.append(
                ScheduleViolation(date, None, None, "DUPLICATE_DATE", f"{date} appears twice.")
            )
            continue
        seen_dates.add(date)
        routes = []
        for route in day.routes:
            srep = reps.get(route.rep_id)
            if srep is not None and not srep.works(date):
                out.append(
                    ScheduleViolation(
                        date,
                        route.rep_id,
                        None,
                        "DAY_OFF",
                        f"Rep '{route.rep_id}' is off on {date}.",
                    )
                )
                continue
            routes.append(route)
        day_visits = []
        for route in routes:
            for stop in route.stops:
                if stop.type != StopType.VISIT or stop.account_id is None:
                    continue
                visited.append((stop.account_id, route.rep_id, date, stop.start_s))
                sa = accounts.get(stop.account_id)
                if sa is None:
                    continue  # check_plan reports UNKNOWN_ACCOUNT
                booked = (sa.id, date) in appointments  # a meeting may fall outside hours
                if sa.windows_on(date) is None and not booked:
                    out.append(
                        ScheduleViolation(
                            date,
                            route.rep_id,
                            sa.id,
                            "CLOSED",
                            f"Account '{sa.id}' is visited on {date} ({date:%a}), a day its "
                            "weekdays or opening hours exclude.",
                        )
                    )
                    continue
                if not booked:
                    day_visits.append(sa.id)
        working = [sr.id for sr in problem.reps if sr.works(date)]
        if not working:
            continue  # nobody works: any route was reported DAY_OFF above
        day_problem = problem.day_problem(date, working, [(a, None) for a in set(day_visits)])
        plan = Plan(date, tuple(routes), (), SolverInfo(SolveStatus.HAND_MADE, 0, 0.0, 0.0))
        for v in check_plan(day_problem, plan, network=network):
            code = v.code
            if code == "MISSING_ACCOUNT":
                code = "APPOINTMENT"  # the only accounts of a day not taken from its routes
            out.append(ScheduleViolation(date, v.rep_id, v.account_id, code, v.detail))
    rows = Counter((v.account_id, v.rep_id, v.date, v.start_s) for v in schedule.visits)
    if rows != Counter(visited):
        out.append(
            ScheduleViolation(
                None,
                None,
                None,
                "VISITS_MISMATCH",
                "The visits rows differ from the routes' visits.",
            )
        )
    out += _check_accounts(problem, schedule, visited, horizon)
    out += _check_appointments(problem, visited)
    return out


def _check_accounts(
    problem: ScheduleProblem,
    schedule: Schedule,
    visited: list[tuple[str, str, dt.date, int]],
    horizon: dict[dt.date, int],
) -> list[ScheduleViolation]:
    out: list[ScheduleViolation] = []
    missing = Counter()
    for u in schedule.unassigned:
        missing[u.account_id] += u.missing
    by_account: dict[str, list[tuple[str, dt.date]]] = {}
    for account_id, rep_id, date, _ in visited:
        by_account.setdefault(account_id, []).append((rep_id, date))
    for account_id in set(missing) - {sa.id for sa in problem.accounts}:
        out.append(
            ScheduleViolation(
                None, None, account_id, "UNKNOWN_ACCOUNT", f"Account '{account_id}' is unknown."
            )
        )
    for sa in problem.accounts:
        rows = sorted(by_account.get(sa.id, []), key=lambda x: x[1])
        dates = [d for _, d in rows]
        name = f"Account '{sa.id}'"

        def add(code: str, detail: str, sa_id: str = sa.id) -> None:
            out.append(ScheduleViolation(None, None, sa_id, code, detail))

        if len(rows) + missing[sa.id] != sa.visits:
            add(
                "VISIT_COUNT",
                f"{name}: {len(rows)} planned + {missing[sa.id]} missing visits, not {sa.visits}.",
            )
        indices = {horizon[d] for d in dates if d in horizon}
        complete = len(rows) == sa.visits
        if sa.patterns and dates:
            fits = [set(p) for p in sa.patterns if indices <= set(p)]
            if not fits or (complete and indices not in fits):
                add(
                    "PATTERN",
                    f"{name}: visited on days {sorted(indices)}, in none of its patterns.",
                )
        chain = ([sa.last_visit] if sa.last_visit is not None else []) + dates
        for a, b in zip(chain, chain[1:], strict=False):
            gap = (b - a).days
            if sa.min_gap_days is not None and gap < sa.min_gap_days:
                add("SPACING", f"{name}: {gap} days from {a} to {b}, under {sa.min_gap_days}.")
            if complete and sa.max_gap_days is not None and gap > sa.max_gap_days:
                add("SPACING", f"{name}: {gap} days from {a} to {b}, over {sa.max_gap_days}.")
        if sa.same_rep and len({r for r, _ in rows}) > 1:
            add("SAME_REP", f"{name}: visited by {sorted({r for r, _ in rows})}, not one rep.")
    return out


def _check_appointments(
    problem: ScheduleProblem, visited: list[tuple[str, str, dt.date, int]]
) -> list[ScheduleViolation]:
    out = []
    rows = {(a, d): (r, s) for a, r, d, s in visited}
    for ap in problem.appointments:
        got = rows.get((ap.account_id, ap.date))
        if got != (ap.rep_id, ap.start_s):
            out.append(
                ScheduleViolation(
                    ap.date,
                    ap.rep_id,
                    ap.account_id,
                    "APPOINTMENT",
                    f"Appointment of rep '{ap.rep_id}' at account '{ap.account_id}' on "
                    f"{ap.date} at {ap.start_s} s is not in the schedule as booked.",
                )
            )
    return out
