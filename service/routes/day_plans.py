"""``POST /v1/day-plans`` and ``POST /v1/day-plans/check``."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from service import runtime
from service.errors import ApiError
from service.routes.deps import services_of
from service.schemas import (
    CheckRequest,
    CheckResponse,
    DayPlanRequest,
    DayPlanResponse,
    day_plan_geojson,
    to_problem,
)

router = APIRouter(tags=["day plans"])

GEOJSON_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The plan; with ?format=geojson a GeoJSON FeatureCollection instead.",
        "content": {"application/geo+json": {"schema": {"type": "object"}}},
    }
}

Format = Annotated[Literal["json", "geojson"], Query(description="json, or geojson for map tools.")]


def check_sync_size(request: Request, accounts: int, time_limit_s: float) -> None:
    """Refuse synchronous work above the configured size with a 413 pointing to /v1/jobs.

    The size is the number of accounts (``max_sync_accounts``) and the requested solver
    time limit (``max_sync_time_limit_s``).
    """
    settings = services_of(request).settings
    if time_limit_s > settings.max_sync_time_limit_s:
        raise ApiError(
            413,
            f"The request asks for a {time_limit_s:g} s solve, longer than the "
            f"{settings.max_sync_time_limit_s:g} s answered synchronously; submit it to "
            "POST /v1/jobs instead.",
            field="options.time_limit_s",
        )
    limit = settings.max_sync_accounts
    if accounts > limit:
        raise ApiError(
            413,
            f"The request has {accounts} accounts, more than the {limit} answered "
            "synchronously; submit it to POST /v1/jobs instead.",
            field="accounts",
        )


def body_of(model: DayPlanRequest) -> dict[str, Any]:
    """Return the request as the JSON dict the workers take (aliases such as ``break``)."""
    return model.model_dump(mode="json", by_alias=True)


@router.post(
    "/day-plans",
    response_model=DayPlanResponse,
    responses=GEOJSON_RESPONSE,
    summary="Plan a day for a team of reps",
)
async def create_day_plan(
    body: DayPlanRequest,
    request: Request,
    format: Format = "json",  # noqa: A002
) -> JSONResponse:
    """Plan the day: which rep visits which accounts, in what order, at what times.

    Accounts that cannot fit come back in ``unassigned`` with a reason code.
    """
    services = services_of(request)
    check_sync_size(request, len(body.accounts), body.options.time_limit_s)
    to_problem(body, default_network=services.settings.default_network)  # 422 before the pool
    result = await services.call(runtime.solve_day_plan, body_of(body))
    if format == "geojson":
        return JSONResponse(day_plan_geojson(result), media_type="application/geo+json")
    return JSONResponse(result)


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
    check_sync_size(request, len(body.accounts), 0.0)  # no search: timing only
    to_problem(body, default_network=services.settings.default_network)
    result = await services.call(runtime.check_day_plan, body_of(body))
    if format == "geojson":
        return JSONResponse(day_plan_geojson(result), media_type="application/geo+json")
    return JSONResponse(result)
