"""``/v1/jobs``: long work in the background, stored in the job database."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError

from service.errors import ApiError
from service.routes.deps import services_of
from service.schemas import DayPlanRequest, EstimateRequest, JobOut, JobRequest, to_problem
from service.territories import TerritoryRequest, to_territory_inputs
from solver.errors import InvalidProblemError

router = APIRouter(tags=["jobs"])


def _request_models() -> dict[str, type[BaseModel]]:
    return {
        "day-plan": DayPlanRequest,
        "territories": TerritoryRequest,
        "estimates": EstimateRequest,
    }


def validate_job_request(body: JobRequest, default_network: str) -> dict[str, Any]:
    """Validate the inner request of a job now, so a bad one fails with 422 at once.

    Returns
    -------
    dict
        The normalised request the job will run.
    """
    model = _request_models()[body.kind]
    try:
        parsed = model.model_validate(body.request)
    except ValidationError as exc:
        errors = [{**e, "loc": ("body", "request", *e["loc"])} for e in exc.errors()]
        raise RequestValidationError(errors, body=body.model_dump(mode="json")) from None
    try:
        if isinstance(parsed, DayPlanRequest):
            to_problem(parsed, default_network=default_network)
        elif isinstance(parsed, TerritoryRequest):
            to_territory_inputs(parsed)
    except InvalidProblemError as exc:
        raise exc.with_field_prefix("request") from None
    return parsed.model_dump(mode="json", by_alias=True)


def _job(request: Request, job_id: str) -> Any:
    job = services_of(request).store.get(job_id)
    if job is None:
        raise ApiError(404, f"Job '{job_id}' does not exist.", error="job_not_found")
    return job


@router.post(
    "/jobs",
    status_code=202,
    response_model=JobOut,
    summary="Submit long work (a day plan or territories) to run in the background",
)
def submit_job(body: JobRequest, request: Request) -> JSONResponse:
    """Store the job as ``queued`` and start it; poll ``GET /v1/jobs/{id}`` for the result."""
    services = services_of(request)
    normalised = validate_job_request(body, services.settings.default_network)
    job = services.store.create(body.kind, normalised)
    services.executor.submit(job.id, job.kind, job.request)
    return JSONResponse(job.to_dict(), status_code=202, headers={"Location": f"/v1/jobs/{job.id}"})


@router.get("/jobs/{job_id}", response_model=JobOut, summary="Status, progress and result")
def get_job(job_id: str, request: Request) -> JSONResponse:
    """Return the job: status (queued|running|succeeded|failed|cancelled), progress, result."""
    return JSONResponse(_job(request, job_id).to_dict())


@router.delete("/jobs/{job_id}", response_model=JobOut, summary="Cancel a job")
def cancel_job(job_id: str, request: Request) -> JSONResponse:
    """Cancel a queued or running job; 409 when it has already finished."""
    services = services_of(request)
    job = _job(request, job_id)
    if not services.store.cancel(job_id):
        raise ApiError(409, f"Job '{job_id}' is already {job.status}; it cannot be cancelled.")
    services.executor.cancel(job_id)
    return JSONResponse(_job(request, job_id).to_dict())
