"""``POST /v1/visit-schedules`` and ``POST /v1/visit-schedules/replan``: thin routes.

Large schedules run as jobs of kind ``visit-schedule`` (``POST /v1/jobs``); one rep's
day of such a job is ``GET /v1/jobs/{id}/days/{date}?rep_id=`` (see
:mod:`service.maps.exports`), in the ``POST /v1/day-plans`` response shape.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from service.common.errors import ApiError
from service.common.http import check_sync_size
from service.common.services import services_of
from service.maps.exports import finished_job
from service.schedules.schemas import ScheduleReplanRequest, ScheduleRequest, ScheduleResponse
from service.schedules.work import (
    plan_schedule_request,
    replan_schedule_request,
    validate_replan,
    validate_schedule,
)

router = APIRouter(tags=["visit schedules"])

#: The job kind of a visit schedule (``POST /v1/jobs``), registered in service.jobs.kinds.
SCHEDULE_KIND = "visit-schedule"


@router.post(
    "/visit-schedules",
    response_model=ScheduleResponse,
    summary="Plan each rep's weeks: which day each account is visited, and every day's route",
)
async def create_visit_schedule(body: ScheduleRequest, request: Request) -> JSONResponse:
    """Plan the horizon: visit frequencies, patterns, gaps, opening hours, appointments.

    Missing visits come back in ``unassigned`` with a reason code. A large request (more
    accounts or a longer time limit than answered synchronously) gets a 413: submit it
    to ``POST /v1/jobs`` with ``kind: "visit-schedule"``.
    """
    services = services_of(request)
    check_sync_size(services.settings, len(body.accounts), body.options.time_limit_s)
    return await services.answer(plan_schedule_request, body, validate=validate_schedule)


@router.post(
    "/visit-schedules/replan",
    response_model=ScheduleResponse,
    summary="Re-plan the rest of a schedule after a disruption, with few changes",
)
async def replan_visit_schedule(body: ScheduleReplanRequest, request: Request) -> JSONResponse:
    """Re-plan from ``today`` on: sick dates, moved appointments, accounts added or dropped.

    Give the previous ``request`` and its schedule (``previous``), or the ``job_id`` of a
    succeeded visit-schedule job holding both. Dates before ``today`` stay as they
    were; each visit moved to another date or rep costs ``move_penalty``.
    """
    services = services_of(request)
    if body.job_id is not None:
        job = finished_job(request, body.job_id)
        if job.kind != SCHEDULE_KIND:
            raise ApiError(
                409,
                f"Job '{body.job_id}' is a {job.kind} job; re-planning needs a visit-schedule job.",
                field="job_id",
            )
        body = body.model_copy(
            update={
                "job_id": None,
                "request": ScheduleRequest.model_validate(job.request),
                "previous": ScheduleResponse.model_validate(job.result),
            }
        )
    accounts = len(body.request.accounts) + len(body.disruption.added_accounts)
    time_limit_s = body.options.time_limit_s or body.request.options.time_limit_s
    check_sync_size(services.settings, accounts, time_limit_s)
    return await services.answer(replan_schedule_request, body, validate=validate_replan)
