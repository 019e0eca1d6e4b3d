"""Visit-schedule requests to the :mod:`solver.schedule` domain, schedules back to responses.

Reps and accounts are built with the day-plan converters (:func:`to_rep`,
:func:`to_account`) and wrapped in their schedule rules; every date's routes are written
and read with the day-plan route converters, so a schedule day *is* a day plan.
Errors name the request entity through the one formatter of
:mod:`service.common.errors` (``accounts[3] 'A17': min_gap_days 9 is greater than ...``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from service.common.addresses import NOT_GEOCODED, Placement, check_located
from service.common.convert import resolve_network, solver_out, to_matrix, to_solver_info
from service.common.errors import build_all, build_entity, owner_by_field
from service.common.schemas import SolverOut, clock_s
from service.day_plans.convert import route_out, to_account, to_plan, to_rep
from service.day_plans.schemas import DayPlanResponse
from service.schedules.schemas import (
    AppointmentIn,
    HorizonIn,
    ScheduleAccountIn,
    ScheduleDayOut,
    ScheduleRepIn,
    ScheduleRequest,
    ScheduleResponse,
    ScheduleSummaryOut,
    ScheduleUnassignedOut,
    VisitOut,
)
from solver.errors import InvalidProblemError
from solver.exports import kpi_csv
from solver.model import Plan, Problem, Shift, format_time_s
from solver.schedule import (
    Appointment,
    Schedule,
    ScheduleAccount,
    ScheduleDay,
    ScheduledVisit,
    ScheduleOptions,
    ScheduleProblem,
    ScheduleRep,
    ScheduleSummary,
    ScheduleUnassigned,
    working_days,
)
from solver.schedule.exports import schedule_csv as schedule_csv_text
from solver.schedule.exports import schedule_kpi_rows

#: Domain entity kind -> the request list that holds it (problem-level errors).
_COLLECTIONS = {"Rep": "reps", "Account": "accounts", "Appointment": "appointments"}


def horizon_days(horizon: HorizonIn) -> tuple[dt.date, ...]:
    """Return the working dates of a request horizon (``working_days`` for a range).

    Raises
    ------
    InvalidProblemError
        With a ``horizon.`` field path (end before start, unknown country).
    """
    if horizon.days is not None:
        return tuple(horizon.days)
    try:
        return working_days(
            horizon.start,
            horizon.end,
            weekdays=horizon.weekdays,
            country=horizon.country,
            subdivision=horizon.subdivision,
        )
    except InvalidProblemError as exc:
        raise exc.with_field_prefix("horizon") from None


def _schedule_rep(rep: ScheduleRepIn) -> ScheduleRep:
    return ScheduleRep(
        to_rep(rep),
        days_off=frozenset(rep.days_off),
        weekday_shifts={
            weekday: Shift(clock_s(shift.start), clock_s(shift.end))
            for weekday, shift in rep.weekday_shifts.items()
        },
    )


def _schedule_account(account: ScheduleAccountIn) -> ScheduleAccount:
    return ScheduleAccount(
        to_account(account),
        visits=account.visits,
        patterns=tuple(tuple(p) for p in account.patterns),
        min_gap_days=account.min_gap_days,
        max_gap_days=account.max_gap_days,
        last_visit=account.last_visit,
        weekdays=frozenset(account.weekdays),
        opening_hours=account.opening_hours,
        same_rep=account.same_rep,
    )


def _appointment(appointment: AppointmentIn) -> Appointment:
    return Appointment(
        appointment.rep_id,
        appointment.account_id,
        appointment.date,
        clock_s(appointment.start),
        appointment.duration_s,
    )


def to_schedule_problem(request: ScheduleRequest, *, default_network: str) -> ScheduleProblem:
    """Convert a schedule request into a validated :class:`~solver.schedule.ScheduleProblem`.

    Parameters
    ----------
    request
        The parsed request.
    default_network
        Network used when the request names none and gives no matrix.

    Returns
    -------
    ScheduleProblem
        Times in seconds since midnight of each date.

    Raises
    ------
    InvalidProblemError
        Naming the entity by request path and id, e.g.
        ``"accounts[2] 'A3': pattern [0, 9] names day 9, outside the horizon ..."`` with
        field ``accounts[2].patterns[0]``.
    """
    days = horizon_days(request.horizon)
    appointments = tuple(
        build_entity(
            f"appointments[{i}]",
            f"{ap.account_id}@{ap.date}",
            lambda ap=ap: _appointment(ap),
        )
        for i, ap in enumerate(request.appointments)
    )
    try:
        return ScheduleProblem(
            days=days,
            reps=build_all("reps", request.reps, _schedule_rep),
            accounts=build_all("accounts", request.accounts, _schedule_account),
            appointments=appointments,
            options=ScheduleOptions(
                balance=request.options.balance,
                move_penalty=request.options.move_penalty,
                traffic=request.options.traffic,
            ),
            network=resolve_network(request, default_network),
            matrix=to_matrix(request.matrix),
        )
    except InvalidProblemError as exc:
        if exc.entity == "Horizon":
            raise exc.with_field_prefix("horizon") from None
        raise owner_by_field(exc, _COLLECTIONS) from None


def day_problem_of(problem: ScheduleProblem, day: ScheduleDay, rep_ids: Any = None) -> Problem:
    """Return the day-plan problem of one schedule date (the reps of its routes, its visits).

    ``rep_ids`` limits it to some reps (default: every rep with a route that day). It is
    the problem :func:`solver.routing.check_plan` and the day exports read.
    """
    routes = [r for r in day.routes if rep_ids is None or r.rep_id in rep_ids]
    pinned = {ap.account_id for ap in problem.appointments if ap.date == day.date}
    visits = [
        (account_id, None)
        for route in routes
        for account_id in route.account_ids
        if account_id not in pinned
    ]
    # A date nobody works has no routes; its problem still needs a rep (for look-ups only).
    rep_ids = [r.rep_id for r in routes] or [problem.reps[0].id]
    return problem.day_problem(day.date, rep_ids, visits)


def day_response(
    problem: ScheduleProblem, day: ScheduleDay, solver: SolverOut, *, geometry: bool = True
) -> DayPlanResponse:
    """Return one schedule date as a ``POST /v1/day-plans`` response."""
    plan = Plan(day.date, day.routes, (), to_solver_info(solver))
    day_problem = day_problem_of(problem, day)
    return DayPlanResponse(
        date=day.date,
        network=problem.network,
        routes=[route_out(route, day_problem, geometry) for route in day.routes],
        unassigned=[],
        summary=plan.summary(),
        solver=solver,
    )


def from_schedule(
    schedule: Schedule, problem: ScheduleProblem, *, geometry: bool = False
) -> ScheduleResponse:
    """Convert a domain :class:`~solver.schedule.Schedule` into the HTTP response model."""
    solver = solver_out(schedule.solver)
    summary = schedule.summary
    return ScheduleResponse(
        network=problem.network,
        days=[
            ScheduleDayOut(
                date=day.date,
                routes=day_response(problem, day, solver, geometry=geometry).routes,
            )
            for day in schedule.days
        ],
        visits=[
            VisitOut(
                account_id=v.account_id,
                rep_id=v.rep_id,
                date=v.date,
                start=format_time_s(v.start_s),
                appointment=v.appointment,
            )
            for v in schedule.visits
        ],
        unassigned=[
            ScheduleUnassignedOut(
                account_id=u.account_id, missing=u.missing, reason=str(u.reason), detail=u.detail
            )
            for u in schedule.unassigned
        ],
        summary=ScheduleSummaryOut(
            total=summary.total,
            per_rep=list(summary.per_rep),
            per_week=list(summary.per_week),
            per_rep_week=list(summary.per_rep_week),
            visits_requested=summary.visits_requested,
            visits_planned=summary.visits_planned,
        ),
        solver=solver,
    )


def to_schedule(response: ScheduleResponse | dict[str, Any]) -> Schedule:
    """Return the domain schedule of a response (the inverse of :func:`from_schedule`).

    Stop locations are kept, so that a stored schedule can be checked
    (:func:`solver.schedule.check_schedule`), re-planned or exported.
    """
    response = ScheduleResponse.model_validate(response)
    days = []
    for day in response.days:
        plan = to_plan(
            DayPlanResponse(
                date=day.date,
                network=response.network,
                routes=day.routes,
                unassigned=[],
                summary={},
                solver=response.solver,
            )
        )
        days.append(ScheduleDay(day.date, plan.routes))
    summary = response.summary
    return Schedule(
        days=tuple(days),
        visits=tuple(
            ScheduledVisit(v.account_id, v.rep_id, v.date, clock_s(v.start), v.appointment)
            for v in response.visits
        ),
        unassigned=tuple(
            ScheduleUnassigned(u.account_id, u.missing, u.reason, u.detail)
            for u in response.unassigned
        ),
        summary=ScheduleSummary(
            total=summary.total,
            per_rep=tuple(summary.per_rep),
            per_week=tuple(summary.per_week),
            per_rep_week=tuple(summary.per_rep_week),
            visits_requested=summary.visits_requested,
            visits_planned=summary.visits_planned,
        ),
        solver=to_solver_info(response.solver),
    )


# --------------------------------------------------------------------------- addresses


def without_accounts(request: ScheduleRequest, account_ids: set[str]) -> ScheduleRequest:
    """Return the request without these accounts and their appointments."""
    if not account_ids:
        return request
    return request.model_copy(
        update={
            "accounts": [a for a in request.accounts if a.id not in account_ids],
            "appointments": [ap for ap in request.appointments if ap.account_id not in account_ids],
        }
    )


def by_location_only(request: ScheduleRequest) -> ScheduleRequest:
    """Return the request without its accounts given by address only (for validation).

    Their appointments go too: they are checked once the account is placed, in the worker.
    """
    check_located(request.accounts)
    return without_accounts(request, {a.id for a in request.accounts if a.location is None})


def with_placement(
    response: ScheduleResponse, placement: Placement, request: ScheduleRequest
) -> ScheduleResponse:
    """Add the geocoding answers and the accounts not placed to a schedule.

    Each account not placed comes back unassigned with reason ``NOT_GEOCODED`` and all of
    its visits missing; they count in ``summary.visits_requested``.
    """
    if not placement.answers:
        return response
    visits = {a.id: a.visits for a in request.accounts}
    missing = [
        ScheduleUnassignedOut(
            account_id=account_id, missing=visits[account_id], reason=NOT_GEOCODED, detail=detail
        )
        for account_id, detail in placement.not_placed
    ]
    summary = response.summary.model_copy(
        update={
            "visits_requested": response.summary.visits_requested
            + sum(item.missing for item in missing)
        }
    )
    return response.model_copy(
        update={
            "unassigned": [*response.unassigned, *missing],
            "summary": summary,
            "geocoding": list(placement.answers),
        }
    )


def placed_request(request: ScheduleRequest, response: ScheduleResponse) -> ScheduleRequest:
    """Return a stored request as it was planned, for its exports.

    Accounts given by address are placed where the response's ``geocoding`` put them;
    those not placed are left out with their appointments.
    """
    placed = {g.account_id: g.location for g in response.geocoding if g.placed and g.location}
    accounts = [
        a.model_copy(update={"location": placed[a.id]})
        if a.location is None and a.id in placed
        else a
        for a in request.accounts
    ]
    located = request.model_copy(update={"accounts": accounts})
    return without_accounts(located, {a.id for a in accounts if a.location is None})


# --------------------------------------------------------------------------- CSV


def schedule_csv(request: ScheduleRequest, response: ScheduleResponse, table: str = "csv") -> str:
    """Return a schedule as CSV keyed by the account ids (see ``solver.schedule.exports``).

    ``table`` ``csv``: one row per planned visit, then one per account with missing
    visits; ``kpi-csv``: one row per rep and ISO week (visits, drive hours, km, travel
    cost, cost per visit).
    """
    schedule = to_schedule(response)
    if table == "kpi-csv":
        return kpi_csv(schedule_kpi_rows(schedule))
    return schedule_csv_text(schedule, names={a.id: a.name for a in request.accounts})
