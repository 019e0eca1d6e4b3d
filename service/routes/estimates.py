"""``POST /v1/estimates``: travel time, distance and cost matrices, or the legs of a sequence."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from service import runtime
from service.errors import ApiError
from service.routes.deps import services_of
from service.schemas import EstimateRequest, MatrixEstimate, SequenceEstimate

router = APIRouter(tags=["estimates"])


@router.post(
    "/estimates",
    response_model=MatrixEstimate | SequenceEstimate,
    summary="Travel time, distance and cost estimates",
)
async def create_estimate(body: EstimateRequest, request: Request) -> JSONResponse:
    """Return matrices (origins x destinations) or per-leg and total figures of a sequence.

    Cost is ``km * cost_per_km + hours * cost_per_hour``; unreachable pairs are -1
    (cost null).
    """
    services = services_of(request)
    limit = services.settings.max_sync_matrix_cells
    if body.cells() > limit:
        raise ApiError(
            413,
            f"The request asks for {body.cells()} origin-destination pairs, more than the "
            f"{limit} answered synchronously; submit it to POST /v1/jobs (kind 'estimates').",
        )
    result = await services.call(runtime.estimate, body.model_dump(mode="json"))
    return JSONResponse(result)
