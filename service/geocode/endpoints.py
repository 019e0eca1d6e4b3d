"""``POST /v1/geocode``: addresses to places (a thin route)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from service.common.services import services_of
from service.geocode.schemas import GeocodeRequest, GeocodeResponse
from service.geocode.work import geocode_request, validate_geocode

router = APIRouter(tags=["addresses"])


@router.post("/geocode", response_model=GeocodeResponse, summary="Place addresses")
async def create_geocode(body: GeocodeRequest, request: Request) -> JSONResponse:
    """Place free-text or structured addresses with the configured geocoder.

    Each answer has a ``quality`` (address, interpolated, street, postcode, city, none),
    the matched address and a score; below ``min_quality`` it is not placed (no
    location, with the reason): never a silent guess.
    """
    services = services_of(request)
    return await services.answer(geocode_request, body, validate=validate_geocode)
