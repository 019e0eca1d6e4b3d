"""``GET /v1/networks`` and ``GET /v1/networks/{name}``: the prepared road networks."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from service.errors import ApiError
from service.routes.deps import services_of
from service.runtime import network_infos
from service.schemas import NetworkOut

router = APIRouter(tags=["networks"])


def _network_out(info: dict[str, Any], default: str) -> NetworkOut:
    return NetworkOut(
        name=info["name"],
        bbox=[float(v) for v in info["bbox"]],
        nodes=int(info["nodes"]),
        edges=int(info["edges"]),
        source_file=str(info["source_file"]),
        source_sha256=info.get("source_sha256"),
        built_at=str(info["built_at"]),
        timezone=info.get("timezone"),
        default=info["name"] == default,
    )


@router.get("/networks", response_model=list[NetworkOut], summary="List prepared road networks")
def list_road_networks(request: Request) -> list[NetworkOut]:
    """Return every network prepared in the service's networks directory."""
    services = services_of(request)
    default = services.settings.default_network
    return [_network_out(i, default) for i in network_infos(services.config.networks_dir)]


@router.get(
    "/networks/{name}",
    response_model=NetworkOut,
    summary="One prepared road network",
    responses={404: {"description": "No network of that name."}},
)
def get_road_network(name: str, request: Request) -> NetworkOut:
    """Return one network's name, bbox, node/edge counts, source file and build time."""
    services = services_of(request)
    for info in network_infos(services.config.networks_dir):
        if info["name"] == name:
            return _network_out(info, services.settings.default_network)
    raise ApiError(
        404, f"Network '{name}' is not prepared on this service.", error="network_not_found"
    )
