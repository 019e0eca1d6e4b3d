"""``POST /v1/territories``: balanced, compact territories."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from service import runtime
from service.routes.day_plans import GEOJSON_RESPONSE, Format, check_sync_size
from service.routes.deps import services_of
from service.territories import (
    TerritoryRequest,
    TerritoryResponse,
    territory_geojson,
    to_territory_inputs,
)

router = APIRouter(tags=["territories"])


@router.post(
    "/territories",
    response_model=TerritoryResponse,
    responses=GEOJSON_RESPONSE,
    summary="Balance territories across reps",
)
async def create_territories(
    body: TerritoryRequest,
    request: Request,
    format: Format = "json",  # noqa: A002
) -> JSONResponse:
    """Assign accounts to reps: balanced on workload/revenue/accounts, compact, few moves."""
    services = services_of(request)
    check_sync_size(request, len(body.accounts), body.options.time_limit_s)
    to_territory_inputs(body)  # 422 before the pool
    result = await services.call(runtime.solve_territories, body.model_dump(mode="json"))
    if format == "geojson":
        return JSONResponse(territory_geojson(result), media_type="application/geo+json")
    return JSONResponse(result)
