"""A visit of a visit schedule postponed today moves to a later day of the schedule.

When the rep re-plans one day of a visit-schedule job and skips a visit as
``postponed``, the day as it now runs (the visits done, then the re-planned rest) takes
the place of the planned day, and :func:`solver.schedule.replan_schedule` re-plans the
days after it: the postponed account is missing a visit and gets one on a later day
where its rules allow, every other visit moved costs the schedule's ``move_penalty``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from service.schedules.convert import from_schedule
from service.schedules.schemas import ScheduleResponse, VisitOut
from solver.model import Plan, Problem, StopType
from solver.routing import time_routes
from solver.schedule import ScheduleProblem, replan_schedule
from solver.schedule.model import Schedule, ScheduleDay, ScheduledVisit


def day_as_it_runs(
    schedule: Schedule,
    day_problem: Problem,
    date: dt.date,
    rep_id: str,
    done: list[str],
    rest: Plan,
    network: Any,
) -> Schedule:
    """Return ``schedule`` with the rep's route of ``date`` replaced by the day as it runs.

    The route visits the accounts done (in the planned order), then the re-planned rest,
    timed from the day's start on the date's problem; accounts not of the schedule
    (urgent ones) are left out of it.
    """
    planned = schedule.day(date)
    route = next((r for r in planned.routes if r.rep_id == rep_id), None)
    before = [a for a in (route.account_ids if route else ()) if a in done]
    known = {a.id for a in day_problem.accounts}
    after = [a for r in rest.routes for a in r.account_ids if a in known and a not in before]
    timed, _ = time_routes(day_problem, {rep_id: before + after}, network=network)
    mine = next(r for r in timed.routes if r.rep_id == rep_id)
    routes = tuple(mine if r.rep_id == rep_id else r for r in planned.routes)
    if route is None:
        routes += (mine,)
    days = tuple(ScheduleDay(date, routes) if d.date == date else d for d in schedule.days)
    pinned = {v.account_id for v in schedule.visits if v.date == date and v.appointment}
    visits = [v for v in schedule.visits if not (v.date == date and v.rep_id == rep_id)]
    visits += [
        ScheduledVisit(s.account_id, rep_id, date, s.start_s, s.account_id in pinned)
        for s in mine.stops
        if s.type == StopType.VISIT and s.account_id is not None
    ]
    visits.sort(key=lambda v: (v.date, v.rep_id, v.start_s))
    return dataclasses.replace(schedule, days=days, visits=tuple(visits))


def move_postponed(
    problem: ScheduleProblem,
    schedule: Schedule,
    *,
    date: dt.date,
    postponed: set[str],
    network: Any,
    time_limit_s: float,
    seed: int,
) -> tuple[ScheduleResponse | None, list[VisitOut]]:
    """Re-plan the days after ``date`` so that the postponed visits find a later day.

    Parameters
    ----------
    problem
        The schedule's problem.
    schedule
        The schedule with ``date`` as it now runs (:func:`day_as_it_runs`).
    date
        The day re-planned; it and the days before it stay as they are.
    postponed
        Accounts whose visit of ``date`` was postponed.
    network, time_limit_s, seed
        As in :func:`solver.schedule.replan_schedule`.

    Returns
    -------
    schedule
        The re-planned schedule over the whole horizon; None when ``date`` is the last
        day of the horizon.
    moved
        The postponed accounts' visits on later days that the previous schedule did not
        have there (empty when their rules allow no later day).
    """
    later = [d for d in problem.days if d > date]
    if not later:
        return None, []
    new = replan_schedule(
        problem, schedule, today=later[0], network=network, time_limit_s=time_limit_s, seed=seed
    )
    body = from_schedule(new, problem, geometry=False)
    had = {(v.account_id, v.date) for v in schedule.visits}
    moved = [
        v
        for v in body.visits
        if v.account_id in postponed and v.date > date and (v.account_id, v.date) not in had
    ]
    return body, moved
