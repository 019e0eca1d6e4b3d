"""Road network and health responses (``GET /v1/networks``, ``GET /health``)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from service.common.schemas import load_examples, openapi_examples

#: OpenAPI examples of the models below (data, in examples.json).
EXAMPLES = load_examples(__file__)


class NetworkOut(BaseModel):
    """A prepared road network."""

    model_config = openapi_examples(EXAMPLES, "NetworkOut")

    name: str = Field(examples=["malta"])
    bbox: list[float] = Field(description="[min_lon, min_lat, max_lon, max_lat], degrees.")
    nodes: int
    edges: int
    source_file: str
    source_sha256: str | None = None
    built_at: str = Field(description="ISO 8601 build time.")
    timezone: str | None = Field(
        default=None,
        description="IANA time zone of the network's area, recorded at build time: the "
        "local time of plans on it, used by the calendar and GPX exports. Null for a "
        "network built before zones were recorded.",
        examples=["Europe/Malta"],
    )
    default: bool = False


class HealthOut(BaseModel):
    """Liveness and the networks this service can plan on."""

    model_config = openapi_examples(EXAMPLES, "HealthOut")

    status: Literal["ok"]
    networks: list[str]
