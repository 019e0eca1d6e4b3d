"""``GET /v1/webhooks/secret`` and ``GET /v1/jobs/{id}/deliveries`` (thin routes).

Sending is :mod:`service.jobs.webhooks`; these routes tell a receiver its signing
secret and show every delivery attempt of a job's webhook.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from service.common.errors import ApiError
from service.common.services import services_of
from service.jobs.deps import jobs_of
from service.jobs.endpoints import api_key_of
from service.jobs.webhooks import webhook_secret
from service.tenants.access import tenant_of
from service.webhooks.schemas import DeliveriesOut, DeliveryOut, SecretOut

router = APIRouter(tags=["webhooks"])


@router.get("/webhooks/secret", response_model=SecretOut, summary="Your webhook signing secret")
def get_webhook_secret(request: Request) -> JSONResponse:
    """Return the secret that signs the webhooks of jobs submitted with your API key.

    Verify a webhook with any Standard Webhooks library, e.g. in Python
    ``standardwebhooks.Webhook(secret).verify(body, headers)``.
    """
    settings = services_of(request).settings
    secret = webhook_secret(api_key_of(request), settings.webhook_signing_key)
    return JSONResponse(SecretOut(secret=secret).model_dump())


@router.get(
    "/jobs/{job_id}/deliveries",
    response_model=DeliveriesOut,
    summary="Every delivery attempt of a job's webhook",
)
def get_deliveries(job_id: str, request: Request) -> JSONResponse:
    """Return the state of the job's webhook and each attempt (time, status, error)."""
    store = jobs_of(request).store
    if store.get(job_id, tenant_id=tenant_of(request)) is None:
        raise ApiError(404, f"Job '{job_id}' does not exist.", error="job_not_found")
    body = DeliveriesOut(
        job_id=job_id,
        state=store.callback_state(job_id),
        deliveries=[DeliveryOut(**d.to_dict()) for d in store.deliveries(job_id)],
    )
    return JSONResponse(body.model_dump())
