"""``GET /health``: liveness and the prepared networks (no auth)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from service.routes.deps import services_of
from service.runtime import network_infos
from service.schemas import HealthOut

router = APIRouter(tags=["health"])


@router.get("/health", response_model=HealthOut, summary="Liveness and prepared networks")
def get_health(request: Request) -> HealthOut:
    """Return ``{"status": "ok", "networks": [names]}``; needs no API key."""
    infos = network_infos(services_of(request).config.networks_dir)
    return HealthOut(status="ok", networks=[info["name"] for info in infos])
