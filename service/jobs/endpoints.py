"""``/v1/jobs`` and ``POST /v1/day-plans/batch``: long work in the background (thin routes).

Which kinds exist, what each takes and how it is checked before it is queued come from
the one registry, :data:`service.jobs.kinds.KINDS`. URLs (``Location``, a batch rep's
``result_url``) are built here and nowhere else.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError

from service.common.errors import ApiError
from service.common.responses import JOB_CONFLICT, JOB_NOT_FOUND, NETWORK_NOT_FOUND
from service.common.services import services_of
from service.day_plans.schemas import DayPlanBatchRequest, DayPlanResponse
from service.jobs.deps import jobs_of
from service.jobs.executors import submit_job as hand_to_executor
from service.jobs.kinds import BATCH_KIND, KINDS, JobKind
from service.jobs.schemas import JobOut, JobRequest
from service.jobs.tables import Job, JobStatus
from solver.errors import InvalidProblemError

router = APIRouter(tags=["jobs"])


def job_url(job_id: str) -> str:
    """Return the URL of a job."""
    return f"/v1/jobs/{job_id}"


def job_json(job: Job) -> dict[str, Any]:
    """Return the ``GET /v1/jobs/{id}`` body; a batch's reps carry their ``result_url``."""
    body = job.to_dict()
    batch = KINDS[job.kind].parts is not None
    if batch and isinstance(body.get("result"), dict):
        for line in body["result"].get("reps", []):
            line["result_url"] = f"{job_url(job.id)}/results/{line['rep_id']}"
    return body


def parse_job_request(body: JobRequest, default_network: str) -> tuple[JobKind, BaseModel]:
    """Parse and check the inner request of a job now, so a bad one fails with 422 at once."""
    kind = KINDS[body.kind]
    try:
        parsed = kind.parse_request(body.request)
    except ValidationError as exc:
        errors = [{**e, "loc": ("body", "request", *e["loc"])} for e in exc.errors()]
        raise RequestValidationError(errors, body=body.model_dump(mode="json")) from None
    try:
        kind.validate(parsed, default_network)
    except InvalidProblemError as exc:
        raise exc.with_field_prefix("request") from None
    return kind, parsed


def _create_and_submit(request: Request, kind: JobKind, parsed: BaseModel) -> JSONResponse:
    settings, jobs = services_of(request).settings, jobs_of(request)
    parts = kind.parts(parsed) if kind.parts is not None else None
    job = jobs.store.create(kind.name, parsed, deadline_s=settings.job_deadline_s, parts=parts)
    hand_to_executor(jobs.store, jobs.executor, job)
    return JSONResponse(job_json(job), status_code=202, headers={"Location": job_url(job.id)})


def _job(request: Request, job_id: str) -> Job:
    job = jobs_of(request).store.get(job_id)
    if job is None:
        raise ApiError(404, f"Job '{job_id}' does not exist.", error="job_not_found")
    return job


@router.post(
    "/jobs",
    status_code=202,
    response_model=JobOut,
    summary="Submit long work (a day plan or territories) to run in the background",
    responses=NETWORK_NOT_FOUND,
)
def submit_job(body: JobRequest, request: Request) -> JSONResponse:
    """Store the job as ``queued`` and start it; poll ``GET /v1/jobs/{id}`` for the result."""
    kind, parsed = parse_job_request(body, services_of(request).settings.default_network)
    return _create_and_submit(request, kind, parsed)


@router.post(
    "/day-plans/batch",
    status_code=202,
    response_model=JobOut,
    summary="Plan many reps' days (one independent request per rep) as one background job",
    responses=NETWORK_NOT_FOUND,
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
    kind = KINDS[BATCH_KIND]
    kind.validate(body, settings.default_network)
    return _create_and_submit(request, kind, body)


@router.get(
    "/jobs/{job_id}/results/{rep_id}",
    response_model=DayPlanResponse,
    summary="One rep's day plan from a batch job",
    responses={**JOB_NOT_FOUND, **JOB_CONFLICT},
)
def get_batch_result(job_id: str, rep_id: str, request: Request) -> JSONResponse:
    """Return the rep's planned day (the ``POST /v1/day-plans`` response body).

    404 for an unknown job or rep, 409 while the rep is not planned yet, and the rep's
    own error (422 for bad input, 503 when its worker died) when it failed.
    """
    _job(request, job_id)
    part = jobs_of(request).store.part(job_id, rep_id)
    if part is None:
        raise ApiError(
            404, f"Job '{job_id}' has no rep '{rep_id}'.", error="not_found", field="rep_id"
        )
    if part.status == JobStatus.SUCCEEDED:
        return JSONResponse(part.result)
    if part.status == JobStatus.FAILED and part.error is not None:
        died = part.error.get("error") in ("worker_died", "job_abandoned")
        return JSONResponse(part.error, status_code=503 if died else 422)
    raise ApiError(409, f"Rep '{rep_id}' of job '{job_id}' is {part.status}; try again later.")


@router.get(
    "/jobs/{job_id}",
    response_model=JobOut,
    summary="Status, progress and result",
    responses=JOB_NOT_FOUND,
)
def get_job(job_id: str, request: Request) -> JSONResponse:
    """Return the job: status (queued|running|succeeded|failed|cancelled), progress, result."""
    return JSONResponse(job_json(_job(request, job_id)))


@router.delete(
    "/jobs/{job_id}",
    response_model=JobOut,
    summary="Cancel a job",
    responses={**JOB_NOT_FOUND, **JOB_CONFLICT},
)
def cancel_job(job_id: str, request: Request) -> JSONResponse:
    """Cancel a queued or running job; 409 when it has already finished."""
    jobs = jobs_of(request)
    job = _job(request, job_id)
    if not jobs.store.cancel(job_id):
        raise ApiError(409, f"Job '{job_id}' is already {job.status}; it cannot be cancelled.")
    jobs.executor.cancel(job_id)
    return JSONResponse(job_json(_job(request, job_id)))
