"""``POST /v1/estimates``: travel time, distance and cost matrices, or the legs of a sequence."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from service.common.errors import ApiError
from service.common.responses import SOLVE
from service.common.services import services_of
from service.estimates.schemas import EstimateRequest, MatrixEstimate, SequenceEstimate
from service.estimates.work import estimate, validate_estimate

router = APIRouter(tags=["estimates"], responses=SOLVE)


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
    settings = services.settings
    inline = body.cells() <= settings.inline_max_cells  # see Settings.inline_max_cells
    quick = body.cells() <= settings.quick_max_cells  # see Settings.quick_workers
    return await services.answer(
        estimate, body, validate=validate_estimate, quick=quick, inline=inline
    )
