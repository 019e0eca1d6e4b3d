"""``POST /v1/day-plans`` and ``POST /v1/day-plans/check``: thin routes."""

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
from service.common.responses import SOLVE
from service.common.services import services_of
from service.day_plans.convert import day_plan_csv, day_plan_geojson
from service.day_plans.schemas import CheckRequest, CheckResponse, DayPlanRequest, DayPlanResponse
from service.day_plans.work import (
    check_day_plan_request,
    check_orders,
    plan_day_request,
    validate_day_plan,
)

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
