"""``POST /v1/day-plans``, ``/check`` and ``/replan``: thin routes."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from service.common.http import (
    CSV_FORMATS,
    CSV_RESPONSE,
    GEOJSON_RESPONSE,
    ExportFormat,
    Format,
    check_sync_size,
    csv_response,
)
from service.common.responses import JOB_CONFLICT, JOB_NOT_FOUND, SOLVE
from service.common.services import services_of
from service.day_plans.convert import day_plan_csv, day_plan_geojson, to_problem
from service.day_plans.replan import (
    DayToReplan,
    ReplanRequest,
    ReplanResponse,
    check_replan,
    merge_checkins,
    replan_work,
)
from service.day_plans.schemas import CheckRequest, CheckResponse, DayPlanRequest, DayPlanResponse
from service.day_plans.work import (
    check_day_plan_request,
    check_orders,
    plan_day_request,
    validate_day_plan,
)
from service.maps.exports import day_plan_of_job, schedule_of_job
from service.today.store import checkins_of
from solver.errors import InvalidProblemError

router = APIRouter(tags=["day plans"], responses=SOLVE)


@router.post(
    "/day-plans",
    response_model=DayPlanResponse,
    responses=CSV_RESPONSE,
    summary="Plan a day for a team of reps",
)
async def create_day_plan(
    body: DayPlanRequest,
    request: Request,
    format: ExportFormat = "json",  # noqa: A002
) -> Response:
    """Plan the day: which rep visits which accounts, in what order, at what times.

    Accounts that cannot fit come back in ``unassigned`` with a reason code; accounts
    given by ``address`` are geocoded first (``NOT_GEOCODED`` when they cannot be
    placed). ``?format=csv``: a row per stop; ``?format=kpi-csv``: a row per rep.
    """
    services = services_of(request)
    check_sync_size(services.settings, len(body.accounts), body.options.time_limit_s)
    geojson = day_plan_geojson if format == "geojson" else None
    render = None
    if format in CSV_FORMATS:

        def render(result: DayPlanResponse) -> Response:
            return csv_response(day_plan_csv(body, result, format), f"day-plan-{format}.csv")

    return await services.answer(
        plan_day_request, body, validate=validate_day_plan, geojson=geojson, render=render
    )


@router.post(
    "/day-plans/check",
    response_model=CheckResponse,
    responses=GEOJSON_RESPONSE,
    summary="Time and check each rep's own order of visits",
)
async def check_day_plan(
    body: CheckRequest,
    request: Request,
    format: Format = "json",  # noqa: A002
) -> JSONResponse:
    """Time the given orders and return the plan with every violated constraint."""
    services = services_of(request)
    check_sync_size(services.settings, len(body.accounts), 0.0)  # no search: timing only
    geojson = day_plan_geojson if format == "geojson" else None
    return await services.answer(
        check_day_plan_request, body, validate=check_orders, geojson=geojson
    )


@router.post(
    "/day-plans/replan",
    response_model=ReplanResponse,
    responses={**JOB_NOT_FOUND, **JOB_CONFLICT},
    summary="Re-plan the rest of a rep's day from where the rep stands",
)
async def replan_day_plan(body: ReplanRequest, request: Request) -> JSONResponse:
    """Re-plan the rest of one rep's day: the visits done and skipped, the clock, urgent accounts.

    The day is a request (``request``) or a succeeded job (``job_id``; a visit schedule's
    day with ``date``), whose check-ins (``POST /v1/jobs/{id}/checkins``) count as done
    or skipped. The answer is the rest of the day in the day-plan shape, with as few
    changes to the remaining order as the new situation allows (each changed stop costs
    ``options.change_penalty``); skipped accounts come back unassigned with reason
    ``SKIPPED``, accounts that can no longer be reached with their reason.
    """
    services = services_of(request)
    check_replan(body)
    if body.job_id is not None:
        plan, problem = day_plan_of_job(request, body.job_id, body.rep_id, body.date)
        route = next((r for r in plan.routes if r.rep_id == body.rep_id), None)
        planned = body.previous_order
        if planned is None:
            planned = list(route.account_ids) if route is not None else []
        done, skipped = checkins_of(request).day_status(body.job_id, body.rep_id, body.date)
        body = merge_checkins(body, done, skipped)
        check_replan(body)
        schedule_problem, schedule = schedule_of_job(request, body.job_id)
    else:
        assert body.request is not None  # one source, checked by the model
        if any(a.location is None for a in body.request.accounts):
            raise InvalidProblemError(
                "re-planning needs every account's location (or the job_id of the plan).",
                field="request.accounts",
            )
        try:
            problem = to_problem(body.request, default_network=services.settings.default_network)
        except InvalidProblemError as exc:
            raise exc.with_field_prefix("request") from None
        planned = body.previous_order or []
        schedule_problem, schedule = None, None
    accounts = len(problem.accounts) + len(body.urgent)
    check_sync_size(services.settings, accounts, body.options.time_limit_s)
    day = DayToReplan(problem, tuple(planned), body, schedule_problem, schedule)
    result = await services.call(replan_work, day)
    return JSONResponse(result.model_dump(mode="json"))
