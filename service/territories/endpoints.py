"""``POST /v1/territories``: balanced, compact territories (a thin route)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from service.common.http import GEOJSON_RESPONSE, Format, check_sync_size
from service.common.responses import SOLVE
from service.common.services import services_of
from service.territories.convert import territory_geojson
from service.territories.schemas import TerritoryRequest, TerritoryResponse
from service.territories.work import balance_request, validate_territories

router = APIRouter(tags=["territories"], responses=SOLVE)


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
    check_sync_size(services.settings, len(body.accounts), body.options.time_limit_s)
    geojson = territory_geojson if format == "geojson" else None
    return await services.answer(
        balance_request, body, validate=validate_territories, geojson=geojson
    )
