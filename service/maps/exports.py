"""Rep-facing exports of a finished job, and the data the map page draws.

* ``GET /v1/jobs/{id}/calendar.ics`` - one calendar event per visit;
* ``GET /v1/jobs/{id}/route.gpx`` - waypoints, routes and road tracks for GPS apps;
* ``GET /v1/jobs/{id}/links`` - navigation deep links and ``geo:`` URIs per rep;
* ``GET /v1/jobs/{id}/map`` - the job's request and result together (the map page
  needs the request for account and rep coordinates that results leave out).

The day plan is rebuilt from the job's stored request and result, parsed with the job
kind's models (:data:`service.jobs.kinds.KINDS`) and converted by
:mod:`service.day_plans.convert`; the formats themselves are made by :mod:`solver.exports`.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from service.common.errors import ApiError
from service.common.responses import JOB_CONFLICT, JOB_NOT_FOUND
from service.common.services import services_of
from service.day_plans.convert import to_plan, to_problem
from service.day_plans.schemas import DayPlanBatchRequest, DayPlanRequest, DayPlanResponse
from service.jobs.deps import jobs_of
from service.jobs.endpoints import job_json
from service.jobs.kinds import KINDS
from service.jobs.tables import Job, JobStatus
from solver.errors import NetworkNotFoundError
from solver.exports import plan_for_rep, plan_to_gpx, plan_to_ics, route_links
from solver.model import Plan, Problem
from solver.roads import network_local_timezone

log = logging.getLogger(__name__)

router = APIRouter(tags=["exports"], responses={**JOB_NOT_FOUND, **JOB_CONFLICT})

RepQuery = Annotated[
    str | None, Query(max_length=200, description="Only this rep's route (a rep's own export).")
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
    job = jobs_of(request).store.get(job_id)
    if job is None:
        raise ApiError(404, f"Job '{job_id}' does not exist.", error="job_not_found")
    if job.status != JobStatus.SUCCEEDED or job.result is None:
        raise ApiError(
            409, f"Job '{job_id}' is {job.status}; only a succeeded job has a plan to export."
        )
    return job


def day_plan_of_job(request: Request, job_id: str, rep_id: str | None) -> tuple[Plan, Problem]:
    """Rebuild the domain plan and problem of a succeeded day-plan job (or batch rep).

    Raises
    ------
    ApiError
        404 unknown job (or batch rep), 409 not succeeded or not a day plan, 422 a batch
        without ``rep_id``.
    InvalidProblemError
        When ``rep_id`` has no route in the plan (422).
    """
    job = finished_job(request, job_id)
    kind = KINDS[job.kind]
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


def _attachment(job_id: str, plan: Plan, rep_id: str | None, suffix: str) -> dict[str, str]:
    who = f"-{rep_id}" if rep_id else ""
    name = f"fieldroute-{plan.date.isoformat()}{who}-{job_id[:8]}.{suffix}"
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
    return {"Content-Disposition": f'attachment; filename="{safe}"'}


@router.get(
    "/jobs/{job_id}/calendar.ics",
    summary="The day plan as an iCalendar file (one event per visit)",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}}},
)
def job_calendar(
    job_id: str, request: Request, rep_id: RepQuery = None, tz: TzQuery = None
) -> Response:
    """Return one event per visit: from service start to departure, with location and GEO."""
    plan, problem = day_plan_of_job(request, job_id, rep_id)
    body = plan_to_ics(plan, problem, tzname=plan_timezone(request, problem, tz))
    headers = _attachment(job_id, plan, rep_id, "ics")
    return Response(body, media_type="text/calendar; charset=utf-8", headers=headers)


@router.get(
    "/jobs/{job_id}/route.gpx",
    summary="The day plan as GPX 1.1 (waypoints, routes, road tracks)",
    response_class=Response,
    responses={200: {"content": {"application/gpx+xml": {}}}},
)
def job_gpx(job_id: str, request: Request, rep_id: RepQuery = None, tz: TzQuery = None) -> Response:
    """Return a waypoint per visit, a route per rep and a track along the roads.

    Point times are UTC instants (the plan's local times in ``tz``, by default the
    road network's time zone).
    """
    plan, problem = day_plan_of_job(request, job_id, rep_id)
    body = plan_to_gpx(plan, problem, tzname=plan_timezone(request, problem, tz))
    headers = _attachment(job_id, plan, rep_id, "gpx")
    return Response(body, media_type="application/gpx+xml", headers=headers)


@router.get("/jobs/{job_id}/links", summary="Navigation deep links and geo: URIs per rep")
def job_links(job_id: str, request: Request, rep_id: RepQuery = None) -> dict[str, Any]:
    """Return, per rep, Google Maps directions URLs with the visits as waypoints.

    Long routes are split into several URLs (the URL scheme takes at most 9
    intermediate waypoints); each visit also has an RFC 5870 ``geo:`` URI.
    """
    plan, problem = day_plan_of_job(request, job_id, rep_id)
    return route_links(plan, problem)


@router.get("/jobs/{job_id}/map", summary="A finished job's request and result, for the map")
def job_map(job_id: str, request: Request) -> JSONResponse:
    """Return ``{"id", "kind", "request", "result"}`` of a succeeded job.

    The map page draws the result; the request gives the coordinates of accounts and
    reps that the result does not repeat (territory accounts, unassigned visits).
    """
    job = finished_job(request, job_id)
    result = job_json(job)["result"]
    return JSONResponse({"id": job.id, "kind": job.kind, "request": job.request, "result": result})
