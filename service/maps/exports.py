"""Rep-facing exports of a finished job, and the data the map page draws.

* ``GET /v1/jobs/{id}/calendar.ics`` - one calendar event per visit;
* ``GET /v1/jobs/{id}/route.gpx`` - waypoints, routes and road tracks for GPS apps;
* ``GET /v1/jobs/{id}/links`` - navigation deep links and ``geo:`` URIs per rep;
* ``GET /v1/jobs/{id}/map`` - the job's request and result together (the map page
  needs the request for account and rep coordinates that results leave out);
* ``GET /v1/jobs/{id}/days/{date}`` - one date (one rep's day with ``?rep_id=``) of a
  visit-schedule job, as a ``POST /v1/day-plans`` response.

On a visit-schedule job every day export takes ``?date=`` (and ``?rep_id=``); the
calendar without ``date`` holds every day of the horizon.

The day plan is rebuilt from the job's stored request and result, parsed with the job
kind's models (:data:`service.jobs.kinds.KINDS`) and converted by
:mod:`service.day_plans.convert`; the formats themselves are made by :mod:`solver.exports`.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from service.common.addresses import as_placed
from service.common.errors import ApiError
from service.common.responses import JOB_CONFLICT, JOB_NOT_FOUND
from service.common.services import services_of
from service.day_plans.convert import to_plan, to_problem
from service.day_plans.schemas import DayPlanBatchRequest, DayPlanRequest, DayPlanResponse
from service.jobs.deps import jobs_of
from service.jobs.endpoints import job_json
from service.jobs.kinds import KINDS
from service.jobs.tables import Job, JobStatus
from service.schedules.convert import (
    day_problem_of,
    day_response,
    placed_request,
    to_schedule,
    to_schedule_problem,
)
from service.schedules.schemas import ScheduleRequest, ScheduleResponse
from service.tenants.access import tenant_of
from solver.errors import NetworkNotFoundError
from solver.exports import plan_for_rep, plan_to_gpx, plan_to_ics, plans_to_ics, route_links
from solver.model import Plan, Problem
from solver.roads import network_local_timezone

log = logging.getLogger(__name__)

router = APIRouter(tags=["exports"], responses={**JOB_NOT_FOUND, **JOB_CONFLICT})

RepQuery = Annotated[
    str | None, Query(max_length=200, description="Only this rep's route (a rep's own export).")
]
DateQuery = Annotated[
    dt.date | None, Query(description="A visit-schedule job: the date of the day to export.")
]
TzQuery = Annotated[
    str | None,
    Query(
        max_length=64,
        description="IANA time zone of the plan's times, e.g. Europe/Malta; default: the "
        "road network's time zone (floating local times, and GPX points without times, "
        "for a plan on an explicit matrix).",
    ),
]


def finished_job(request: Request, job_id: str) -> Job:
    """Return a succeeded job; 404 when unknown, 409 when it has no result yet (or failed)."""
    job = jobs_of(request).store.get(job_id, tenant_id=tenant_of(request))
    if job is None:
        raise ApiError(404, f"Job '{job_id}' does not exist.", error="job_not_found")
    if job.status != JobStatus.SUCCEEDED or job.result is None:
        raise ApiError(
            409, f"Job '{job_id}' is {job.status}; only a succeeded job has a plan to export."
        )
    return job


def _schedule_of_job(request: Request, job: Job) -> tuple[Any, ScheduleResponse]:
    """Return the schedule problem and the stored schedule of a visit-schedule job."""
    kind = KINDS[job.kind]
    parsed: ScheduleRequest = kind.parse_request(job.request)
    result: ScheduleResponse = kind.parse_result(job.result or {})
    settings = services_of(request).settings
    located = placed_request(parsed, result)  # accounts given by address, as placed
    return to_schedule_problem(located, default_network=settings.default_network), result


def schedule_of_job(request: Request, job_id: str) -> tuple[Any, Any]:
    """Return the domain schedule problem and schedule of a visit-schedule job, else Nones."""
    job = finished_job(request, job_id)
    if not _is_schedule(job):
        return None, None
    problem, response = _schedule_of_job(request, job)
    return problem, to_schedule(response)


def _is_schedule(job: Job) -> bool:
    return KINDS[job.kind].result_model is ScheduleResponse


def schedule_day_of_job(
    request: Request, job_id: str, date: dt.date, rep_id: str | None
) -> tuple[DayPlanResponse, Problem]:
    """Return one date of a succeeded visit-schedule job as a day-plan response.

    With ``rep_id`` only that rep's route (an empty day-plan when the rep does not work
    or visits nobody that date). The problem is that date's day-plan problem.

    Raises
    ------
    ApiError
        404 unknown job or a date outside the horizon or an unknown rep, 409 not
        succeeded or not a visit schedule.
    """
    job = finished_job(request, job_id)
    if not _is_schedule(job):
        raise ApiError(409, f"Job '{job_id}' is a {job.kind} job, not a visit schedule.")
    problem, response, schedule = _rep_schedule_of_job(request, job, rep_id)
    return _schedule_day(job_id, problem, response, schedule, date, rep_id)


def _rep_schedule_of_job(
    request: Request, job: Job, rep_id: str | None
) -> tuple[Any, ScheduleResponse, Any]:
    """Return the problem, stored response and domain schedule; 404 for an unknown rep."""
    problem, response = _schedule_of_job(request, job)
    if rep_id is not None and rep_id not in {r.id for r in problem.reps}:
        raise ApiError(404, f"Job '{job.id}' has no rep '{rep_id}'.", field="rep_id")
    return problem, response, to_schedule(response)


def _schedule_day(
    job_id: str,
    problem: Any,
    response: ScheduleResponse,
    schedule: Any,
    date: dt.date,
    rep_id: str | None,
) -> tuple[DayPlanResponse, Problem]:
    """Return one date of a parsed schedule as a day-plan response and its problem."""
    try:
        day = schedule.day(date)
    except KeyError:
        raise ApiError(
            404, f"{date} is not a working day of job '{job_id}'s horizon.", field="date"
        ) from None
    if rep_id is not None:
        day = type(day)(day.date, tuple(r for r in day.routes if r.rep_id == rep_id))
    body = day_response(problem, day, response.solver, geometry=True)
    return body, day_problem_of(problem, day)


def day_plan_of_job(
    request: Request, job_id: str, rep_id: str | None, date: dt.date | None = None
) -> tuple[Plan, Problem]:
    """Rebuild the domain plan and problem of a succeeded day-plan job (or batch rep).

    A visit-schedule job needs ``date``: its plan is that date's (one rep's with ``rep_id``).

    Raises
    ------
    ApiError
        404 unknown job (or batch rep), 409 not succeeded or not a day plan, 422 a batch
        without ``rep_id`` or a visit schedule without ``date``.
    InvalidProblemError
        When ``rep_id`` has no route in the plan (422).
    """
    job = finished_job(request, job_id)
    kind = KINDS[job.kind]
    if _is_schedule(job):
        if date is None:
            raise ApiError(
                422,
                f"Job '{job_id}' is a visit schedule; name the day with ?date=YYYY-MM-DD.",
                field="date",
            )
        response, problem = schedule_day_of_job(request, job_id, date, rep_id)
        return to_plan(response, locations=False), problem
    if kind.result_model is not DayPlanResponse and kind.part_result_model is not DayPlanResponse:
        raise ApiError(409, f"Job '{job_id}' is a {job.kind} job; exports need a day-plan job.")
    parsed = kind.parse_request(job.request)
    if isinstance(parsed, DayPlanBatchRequest):  # a batch: the rep's own part
        if rep_id is None:
            raise ApiError(
                422,
                f"Job '{job_id}' is a batch of reps' plans; name the rep with ?rep_id=.",
                field="rep_id",
            )
        part = jobs_of(request).store.part(job_id, rep_id)
        if part is None or part.result is None:
            raise ApiError(404, f"Job '{job_id}' has no plan of rep '{rep_id}'.", field="rep_id")
        day_request: DayPlanRequest = parsed.requests[part.position]
        response = DayPlanResponse.model_validate(part.result)
    else:
        day_request, response = parsed, kind.parse_result(job.result or {})
    settings = services_of(request).settings
    day_request = as_placed(day_request, response.geocoding)  # accounts given by address
    problem = to_problem(day_request, default_network=settings.default_network)
    plan = to_plan(response, locations=False)
    if rep_id is not None:
        plan = plan_for_rep(plan, rep_id)
    return plan, problem


def plan_timezone(request: Request, problem: Problem, tz: str | None) -> str | None:
    """Return the time zone of an export: ``tz`` if given, else the plan's network's.

    Raises
    ------
    ApiError
        422 when ``tz`` is not an IANA time zone.
    """
    if tz is not None:
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            raise ApiError(
                422, f"tz '{tz}' is not an IANA time zone such as Europe/Malta.", field="tz"
            ) from None
        return tz
    if problem.network is None:
        return None
    networks_dir = Path(services_of(request).config.networks_dir)
    try:
        return network_local_timezone(problem.network, networks_dir=networks_dir)
    except NetworkNotFoundError:  # removed since the job ran: floating times, no GPX times
        log.warning("Export of a plan on network %r, which is gone: no time zone.", problem.network)
        return None


def _download(name: str) -> dict[str, str]:
    """Return the header that saves the answer as ``name`` (made safe for any client)."""
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
    return {"Content-Disposition": f'attachment; filename="{safe}"'}


def _attachment(job_id: str, plan: Plan, rep_id: str | None, suffix: str) -> dict[str, str]:
    who = f"-{rep_id}" if rep_id else ""
    return _download(f"fieldroute-{plan.date.isoformat()}{who}-{job_id[:8]}.{suffix}")


@router.get(
    "/jobs/{job_id}/calendar.ics",
    summary="The day plan as an iCalendar file (one event per visit)",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}}},
)
def job_calendar(
    job_id: str,
    request: Request,
    rep_id: RepQuery = None,
    tz: TzQuery = None,
    date: DateQuery = None,
) -> Response:
    """Return one event per visit: from service start to departure, with location and GEO.

    A visit-schedule job: the day of ``date``, or without ``date`` every day of the
    horizon in one calendar (a rep's whole call cycle with ``rep_id``).
    """
    job = finished_job(request, job_id)
    if _is_schedule(job) and date is None:
        return _horizon_calendar(request, job, rep_id, tz)
    plan, problem = day_plan_of_job(request, job_id, rep_id, date)
    body = plan_to_ics(plan, problem, tzname=plan_timezone(request, problem, tz))
    headers = _attachment(job_id, plan, rep_id, "ics")
    return Response(body, media_type="text/calendar; charset=utf-8", headers=headers)


def _horizon_calendar(request: Request, job: Job, rep_id: str | None, tz: str | None) -> Response:
    schedule_problem, stored, schedule = _rep_schedule_of_job(request, job, rep_id)
    days = []
    for day in stored.days:
        response, problem = _schedule_day(
            job.id, schedule_problem, stored, schedule, day.date, rep_id
        )
        if response.routes:
            days.append((to_plan(response, locations=False), problem))
    tzname = plan_timezone(request, days[0][1], tz) if days else None
    body = plans_to_ics(days, tzname=tzname, title="fieldroute visit schedule")
    who = f"-{rep_id}" if rep_id else ""
    first = schedule_problem.days[0].isoformat()
    headers = _download(f"fieldroute-schedule-{first}{who}-{job.id[:8]}.ics")
    return Response(body, media_type="text/calendar; charset=utf-8", headers=headers)


@router.get(
    "/jobs/{job_id}/route.gpx",
    summary="The day plan as GPX 1.1 (waypoints, routes, road tracks)",
    response_class=Response,
    responses={200: {"content": {"application/gpx+xml": {}}}},
)
def job_gpx(
    job_id: str,
    request: Request,
    rep_id: RepQuery = None,
    tz: TzQuery = None,
    date: DateQuery = None,
) -> Response:
    """Return a waypoint per visit, a route per rep and a track along the roads.

    Point times are UTC instants (the plan's local times in ``tz``, by default the
    road network's time zone).
    """
    plan, problem = day_plan_of_job(request, job_id, rep_id, date)
    body = plan_to_gpx(plan, problem, tzname=plan_timezone(request, problem, tz))
    headers = _attachment(job_id, plan, rep_id, "gpx")
    return Response(body, media_type="application/gpx+xml", headers=headers)


@router.get("/jobs/{job_id}/links", summary="Navigation deep links and geo: URIs per rep")
def job_links(
    job_id: str, request: Request, rep_id: RepQuery = None, date: DateQuery = None
) -> dict[str, Any]:
    """Return, per rep, Google Maps directions URLs with the visits as waypoints.

    Long routes are split into several URLs (the URL scheme takes at most 9
    intermediate waypoints); each visit also has an RFC 5870 ``geo:`` URI.
    """
    plan, problem = day_plan_of_job(request, job_id, rep_id, date)
    return route_links(plan, problem)


@router.get(
    "/jobs/{job_id}/days/{date}",
    response_model=DayPlanResponse,
    summary="One date of a visit-schedule job (one rep's day with ?rep_id=), as a day plan",
)
def job_day(job_id: str, date: dt.date, request: Request, rep_id: RepQuery = None) -> JSONResponse:
    """Return the date's routes in the ``POST /v1/day-plans`` response shape.

    The rep's app reads it like a day plan; the day exports of the same job take
    ``?date=`` (and ``?rep_id=``).
    """
    response, _ = schedule_day_of_job(request, job_id, date, rep_id)
    return JSONResponse(response.model_dump(mode="json"))


@router.get("/jobs/{job_id}/map", summary="A finished job's request and result, for the map")
def job_map(job_id: str, request: Request) -> JSONResponse:
    """Return ``{"id", "kind", "request", "result"}`` of a succeeded job.

    The map page draws the result; the request gives the coordinates of accounts and
    reps that the result does not repeat (territory accounts, unassigned visits).
    """
    job = finished_job(request, job_id)
    result = job_json(job)["result"]
    return JSONResponse({"id": job.id, "kind": job.kind, "request": job.request, "result": result})
