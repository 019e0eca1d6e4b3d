"""Road network and health responses (``GET /v1/networks``, ``GET /health``)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from service.common.schemas import OutModel, load_examples, openapi_examples

#: OpenAPI examples of the models below (data, in examples.json).
EXAMPLES = load_examples(__file__)


class NetworkOut(OutModel):
    """A prepared road network."""

    model_config = openapi_examples(EXAMPLES, "NetworkOut")

    name: str = Field(examples=["malta"])
    """The network's name, used as 'network' in requests."""
    bbox: list[float] = Field(description="[min_lon, min_lat, max_lon, max_lat], degrees.")
    nodes: int
    """Road graph nodes."""
    edges: int
    """Road graph edges."""
    source_file: str
    """File name of the OSM extract it was built from."""
    source_sha256: str | None = None
    """SHA-256 of the OSM extract (null for networks built before it was recorded)."""
    built_at: str = Field(description="ISO 8601 build time.")
    timezone: str | None = Field(
        default=None,
        description="IANA time zone of the network's area, recorded at build time: the "
        "local time of plans on it, used by the calendar and GPX exports. Null for a "
        "network built before zones were recorded.",
        examples=["Europe/Malta"],
    )
    default: bool = False
    """True for the network used when a request names none."""


class HealthOut(OutModel):
    """Liveness and the networks this service can plan on."""

    model_config = openapi_examples(EXAMPLES, "HealthOut")

    status: Literal["ok"]
    """Always 'ok' when the service answers."""
    networks: list[str]
    """Names of the prepared networks."""
    queue: Literal["in-process", "ok", "unavailable"]
    """Whether jobs can be queued: 'in-process' (jobs run in this service's own workers),
    'ok' (the Celery broker, Redis, answers), or 'unavailable' (Redis does not answer:
    job submissions get 503 `queue_unavailable`, and the jobs left unfinished at start-up
    are resumed once it answers)."""
