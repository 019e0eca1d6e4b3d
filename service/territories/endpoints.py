"""``POST /v1/territories``: balanced, compact territories (a thin route)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from service.common.http import (
    CSV_FORMATS,
    CSV_RESPONSE,
    ExportFormat,
    check_sync_size,
    csv_response,
)
from service.common.responses import SOLVE
from service.common.services import services_of
from service.territories.convert import territories_csv, territory_geojson
from service.territories.schemas import TerritoryRequest, TerritoryResponse
from service.territories.work import balance_request, validate_territories

router = APIRouter(tags=["territories"], responses=SOLVE)


@router.post(
    "/territories",
    response_model=TerritoryResponse,
    responses=CSV_RESPONSE,
    summary="Balance territories across reps",
)
async def create_territories(
    body: TerritoryRequest,
    request: Request,
    format: ExportFormat = "json",  # noqa: A002
) -> Response:
    """Assign accounts to reps: balanced on workload/revenue/accounts, compact, few moves.

    Accounts given by ``address`` are geocoded first (``NOT_GEOCODED`` when they cannot
    be placed). ``?format=csv``: one row per account keyed by its (CRM) id with rep,
    previous rep, moved and weekly workload; ``?format=kpi-csv``: one row per rep.
    """
    services = services_of(request)
    check_sync_size(services.settings, len(body.accounts), body.options.time_limit_s)
    geojson = territory_geojson if format == "geojson" else None
    render = None
    if format in CSV_FORMATS:

        def render(result: TerritoryResponse) -> Response:
            return csv_response(territories_csv(body, result, format), f"territories-{format}.csv")

    return await services.answer(
        balance_request, body, validate=validate_territories, geojson=geojson, render=render
    )
