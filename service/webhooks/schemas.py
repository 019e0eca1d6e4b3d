"""Responses of ``GET /v1/webhooks/secret`` and ``GET /v1/jobs/{id}/deliveries``."""

from __future__ import annotations

from pydantic import Field

from service.common.schemas import OutModel, load_examples, openapi_examples

#: OpenAPI examples of the models below (data, in examples.json).
EXAMPLES = load_examples(__file__)


class SecretOut(OutModel):
    """The webhook signing secret of the caller's API key."""

    model_config = openapi_examples(EXAMPLES, "SecretOut")

    secret: str = Field(description="Standard Webhooks secret, 'whsec_' + base64.")
    headers: list[str] = Field(default=["webhook-id", "webhook-timestamp", "webhook-signature"])
    """The headers every webhook carries for verification (Standard Webhooks)."""


class DeliveryOut(OutModel):
    """One delivery attempt."""

    webhook_id: str
    """The webhook-id header: 'msg_' + the job id, the same on every attempt."""
    attempt: int
    """Attempt number, from 1."""
    url: str
    """The callback URL the summary was posted to."""
    at: str
    """When the attempt was made (ISO 8601, UTC, milliseconds)."""
    ok: bool
    """Whether the receiver took it (answered 2xx)."""
    status_code: int | None
    """HTTP status the receiver answered; null when no answer came (timeout, refused
    connection, URL not allowed)."""
    error: str | None
    """Why the attempt failed ('HTTP 500', a connection error); null when ok."""
    duration_ms: int
    """Time the attempt took, milliseconds."""


class DeliveriesOut(OutModel):
    """A job's webhook and every attempt to deliver it."""

    model_config = openapi_examples(EXAMPLES, "DeliveriesOut")

    job_id: str
    """The job's id."""
    state: str | None = Field(
        description="pending | sending | done | failed; null when the job has no callback."
    )
    deliveries: list[DeliveryOut]
    """Every delivery attempt, oldest first; empty before the first."""
