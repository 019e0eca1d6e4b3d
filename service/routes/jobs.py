"""``/v1/jobs``: long work in the background, stored in the job database."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError

from service.errors import ApiError
from service.jobs import BATCH_KIND
from service.jobs import submit_job as hand_to_executor
from service.routes.deps import services_of
from service.schemas import (
    DayPlanBatchRequest,
    DayPlanRequest,
    DayPlanResponse,
    EstimateRequest,
    JobOut,
    JobRequest,
    to_problem,
)
from service.territories import TerritoryRequest, to_territory_inputs
from solver.errors import InvalidProblemError

router = APIRouter(tags=["jobs"])


def _request_models() -> dict[str, type[BaseModel]]:
    return {
        "day-plan": DayPlanRequest,
        "territories": TerritoryRequest,
        "estimates": EstimateRequest,
        BATCH_KIND: DayPlanBatchRequest,
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
        elif isinstance(parsed, DayPlanBatchRequest):
            validate_batch(parsed, default_network)
    except InvalidProblemError as exc:
        raise exc.with_field_prefix("request") from None
    return parsed.model_dump(mode="json", by_alias=True)


def validate_batch(batch: DayPlanBatchRequest, default_network: str) -> list[str]:
    """Check every request of a batch has exactly one rep, all different; return rep ids."""
    seen: dict[str, int] = {}
    for i, single in enumerate(batch.requests):
        if len(single.reps) != 1:
            raise InvalidProblemError(
                f"requests[{i}]: a batch request plans one rep, this one has {len(single.reps)}.",
                field=f"requests[{i}].reps",
            )
        rep_id = single.reps[0].id
        if rep_id in seen:
            raise InvalidProblemError(
                f"Rep '{rep_id}': planned twice (requests[{seen[rep_id]}] and requests[{i}]).",
                field=f"requests[{i}].reps[0].id",
            )
        seen[rep_id] = i
        try:
            to_problem(single, default_network=default_network)
        except InvalidProblemError as exc:
            raise exc.with_field_prefix(f"requests[{i}]") from None
    return list(seen)


def _create_and_submit(request: Request, kind: str, normalised: dict[str, Any]) -> JSONResponse:
    services = services_of(request)
    parts = None
    if kind == BATCH_KIND:
        parts = [single["reps"][0]["id"] for single in normalised["requests"]]
    job = services.store.create(
        kind, normalised, deadline_s=services.settings.job_deadline_s, parts=parts
    )
    hand_to_executor(services.store, services.executor, job)
    return JSONResponse(job.to_dict(), status_code=202, headers={"Location": f"/v1/jobs/{job.id}"})


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
    return _create_and_submit(request, body.kind, normalised)


@router.post(
    "/day-plans/batch",
    status_code=202,
    response_model=JobOut,
    summary="Plan many reps' days (one independent request per rep) as one background job",
)
def submit_day_plan_batch(body: DayPlanBatchRequest, request: Request) -> JSONResponse:
    """Store one job with a part per rep; each rep is planned (and retried) on its own.

    The job's ``progress`` is the fraction of reps planned and ``parts`` counts them;
    when every rep is done its ``result.reps`` lists each rep's status and the URL of
    its plan, ``GET /v1/jobs/{id}/results/{rep_id}``.
    """
    settings = services_of(request).settings
    if len(body.requests) > settings.max_batch_reps:
        raise ApiError(
            413,
            f"The batch has {len(body.requests)} requests, more than the "
            f"{settings.max_batch_reps} accepted in one batch; split it.",
            field="requests",
        )
    validate_batch(body, settings.default_network)
    return _create_and_submit(request, BATCH_KIND, body.model_dump(mode="json", by_alias=True))


@router.get(
    "/jobs/{job_id}/results/{rep_id}",
    response_model=DayPlanResponse,
    summary="One rep's day plan from a batch job",
)
def get_batch_result(job_id: str, rep_id: str, request: Request) -> JSONResponse:
    """Return the rep's planned day (the ``POST /v1/day-plans`` response body).

    404 for an unknown job or rep, 409 while the rep is not planned yet, and the rep's
    own error (422 for bad input, 503 when its worker died) when it failed.
    """
    _job(request, job_id)
    part = services_of(request).store.part(job_id, rep_id)
    if part is None:
        raise ApiError(
            404, f"Job '{job_id}' has no rep '{rep_id}'.", error="not_found", field="rep_id"
        )
    if part.status == "succeeded":
        return JSONResponse(part.result)
    if part.status == "failed" and part.error is not None:
        died = part.error.get("error") in ("worker_died", "job_abandoned")
        return JSONResponse(part.error, status_code=503 if died else 422)
    raise ApiError(409, f"Rep '{rep_id}' of job '{job_id}' is {part.status}; try again later.")


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
