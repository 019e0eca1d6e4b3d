"""``GET /v1/networks``, ``GET /v1/networks/{name}`` and ``GET /health`` (no auth)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from service.common.errors import ApiError, ErrorBody
from service.common.services import services_of
from service.networks.convert import network_out
from service.networks.schemas import HealthOut, NetworkOut
from service.networks.work import network_info, network_infos

router = APIRouter(tags=["networks"])

#: Routes without the API key (liveness checks).
public_router = APIRouter(tags=["health"])


def not_prepared(name: str) -> ApiError:
    """Return the 404 of a network that is not prepared on this service."""
    return ApiError(
        404, f"Network '{name}' is not prepared on this service.", error="network_not_found"
    )


@router.get("/networks", response_model=list[NetworkOut], summary="List prepared road networks")
def list_road_networks(request: Request) -> list[NetworkOut]:
    """Return every network prepared in the service's networks directory."""
    services = services_of(request)
    default = services.settings.default_network
    return [network_out(i, default) for i in network_infos(services.config.networks_dir)]


@router.get(
    "/networks/{name}",
    response_model=NetworkOut,
    summary="One prepared road network",
    responses={404: {"model": ErrorBody, "description": "No network of that name."}},
)
def get_road_network(name: str, request: Request) -> NetworkOut:
    """Return one network's name, bbox, node/edge counts, source file and build time."""
    services = services_of(request)
    info = network_info(services.config.networks_dir, name)
    if info is None:
        raise not_prepared(name)
    return network_out(info, services.settings.default_network)


@public_router.get(
    "/health", response_model=HealthOut, summary="Liveness, prepared networks and the job queue"
)
def get_health(request: Request) -> HealthOut:
    """Return ``{"status": "ok", "networks": [names], "queue": state}``; needs no API key.

    ``queue`` is ``"unavailable"`` while the Celery broker (Redis) does not answer: the
    service still answers, and job submissions get 503 ``queue_unavailable``.
    """
    services = services_of(request)
    infos = network_infos(services.config.networks_dir)
    return HealthOut(
        status="ok", networks=[info.name for info in infos], queue=services.queue_state()
    )
