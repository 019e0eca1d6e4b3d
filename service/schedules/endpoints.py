"""``POST /v1/visit-schedules`` and ``POST /v1/visit-schedules/replan``: thin routes.

Large schedules run as jobs of kind ``visit-schedule`` (``POST /v1/jobs``); one rep's
day of such a job is ``GET /v1/jobs/{id}/days/{date}?rep_id=`` (see
:mod:`service.maps.exports`), in the ``POST /v1/day-plans`` response shape.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse

from service.common.errors import ApiError
from service.common.http import CSV_FORMATS, check_sync_size, csv_response
from service.common.services import services_of
from service.maps.exports import finished_job
from service.schedules.convert import schedule_csv
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

#: Formats of a schedule: JSON, or CSV for a CRM (a row per visit) or a BI tool (kpi-csv).
ScheduleFormat = Annotated[
    Literal["json", "csv", "kpi-csv"],
    Query(
        description="json; csv: a row per planned visit keyed by the account id, then a row "
        "per account with missing visits; kpi-csv: a row per rep and ISO week."
    ),
]

CSV_ONLY: dict[int | str, dict] = {
    200: {
        "description": "The schedule; ?format=csv or kpi-csv CSV.",
        "content": {"text/csv": {"schema": {"type": "string"}}},
    }
}


@router.post(
    "/visit-schedules",
    response_model=ScheduleResponse,
    responses=CSV_ONLY,
    summary="Plan each rep's weeks: which day each account is visited, and every day's route",
)
async def create_visit_schedule(
    body: ScheduleRequest,
    request: Request,
    format: ScheduleFormat = "json",  # noqa: A002
) -> Response:
    """Plan the horizon: visit frequencies, patterns, gaps, opening hours, appointments.

    Missing visits come back in ``unassigned`` with a reason code; accounts given by
    ``address`` are geocoded first (``NOT_GEOCODED`` when they cannot be placed). A
    large request (more accounts or a longer time limit than answered synchronously)
    gets a 413: submit it to ``POST /v1/jobs`` with ``kind: "visit-schedule"``.
    ``?format=csv``: a row per visit; ``?format=kpi-csv``: a row per rep and week.
    """
    services = services_of(request)
    check_sync_size(services.settings, len(body.accounts), body.options.time_limit_s)
    render = None
    if format in CSV_FORMATS:

        def render(result: ScheduleResponse) -> Response:
            return csv_response(schedule_csv(body, result, format), f"visit-schedule-{format}.csv")

    return await services.answer(
        plan_schedule_request, body, validate=validate_schedule, render=render
    )


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
