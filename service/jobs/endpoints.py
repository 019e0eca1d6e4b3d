"""``/v1/jobs`` and ``POST /v1/day-plans/batch``: long work in the background (thin routes).

Which kinds exist, what each takes and how it is checked before it is queued come from
the one registry, :data:`service.jobs.kinds.KINDS`. URLs (``Location``, a batch rep's
``result_url``) are built here and nowhere else.
"""

from __future__ import annotations

import base64
import datetime as dt
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ValidationError

from service.common.errors import ApiError
from service.common.http import API_KEY_HEADER, csv_response
from service.common.responses import JOB_CONFLICT, JOB_NOT_FOUND, NETWORK_NOT_FOUND
from service.common.services import services_of
from service.day_plans.schemas import DayPlanBatchRequest, DayPlanResponse
from service.jobs.callbacks import Callback
from service.jobs.deps import jobs_of
from service.jobs.executors import ExecutorUnavailableError
from service.jobs.executors import submit_job as hand_to_executor
from service.jobs.kinds import BATCH_KIND, KINDS, JobKind
from service.jobs.quota import TenantFullError
from service.jobs.schemas import JobList, JobOut, JobRequest, KindName
from service.jobs.tables import Job, JobStatus, aware
from service.jobs.webhooks import check_callback_url, dispatch_if_finished, webhook_secret
from service.tenants.access import tenant_of
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


#: Query parameter of the endpoints that submit a job without a JSON envelope.
CallbackQuery = Query(
    default=None,
    max_length=2000,
    description="http(s) URL that gets the job's summary, signed, when it finishes.",
)


def api_key_of(request: Request) -> str:
    """Return the caller's API key ("" in open dev mode without one)."""
    return request.headers.get(API_KEY_HEADER.model.name) or ""


def callback_for(request: Request, callback_url: str | None, api_key: str) -> Callback | None:
    """Check a job's ``callback_url`` (422 naming it) and return it with its signing secret."""
    if callback_url is None:
        return None
    settings = services_of(request).settings
    check_callback_url(callback_url, allow_private=settings.webhook_allow_private)
    return Callback(callback_url, webhook_secret(api_key, settings.webhook_signing_key))


def check_room(request: Request, tasks: int) -> None:
    """Refuse a new job with 503 past the executor's backlog (with ``Retry-After``).

    ``tasks`` is what the job adds to the backlog (one, or a batch's reps). The
    tenant's limit of jobs at once is checked when the job is stored
    (:func:`create_and_submit`).
    """
    settings, jobs = services_of(request).settings, jobs_of(request)
    backlog = getattr(jobs.executor, "backlog", None)
    waiting = backlog() if backlog is not None else None
    if waiting is not None and waiting + tasks > settings.max_job_backlog and waiting > 0:
        raise ApiError(
            503,
            f"The service has {waiting} job tasks waiting or running, its limit is "
            f"{settings.max_job_backlog}; retry later.",
            error="busy",
            headers={"Retry-After": str(settings.retry_after_s)},
        )


def create_and_submit(
    request: Request, kind: JobKind, parsed: BaseModel, callback: Callback | None = None
) -> JSONResponse:
    """Store a job (with its webhook, if any), hand it to the executor, answer 202.

    503 with ``Retry-After`` when the service is full (:func:`check_room`) or its job
    queue is unreachable (``queue_unavailable``: nothing is stored); 429 with
    ``Retry-After`` when the tenant has ``tenant_max_jobs`` queued or running jobs (the
    store counts and inserts in one atomic step, so simultaneous submissions cannot
    pass the limit together).
    """
    settings, jobs = services_of(request).settings, jobs_of(request)
    parts = kind.parts(parsed) if kind.parts is not None else None
    check_room(request, len(parts) if parts else 1)
    try:
        job = jobs.store.create(
            kind.name,
            parsed,
            deadline_s=settings.job_deadline_s,
            parts=parts,
            callback=callback,
            tenant_id=tenant_of(request),
            max_unfinished=settings.tenant_max_jobs,
        )
    except TenantFullError as exc:
        raise ApiError(
            429,
            f"This tenant already has {exc.limit} queued or running jobs, its limit; retry "
            "when one has finished.",
            error="too_many_jobs",
            headers={"Retry-After": str(settings.retry_after_s)},
        ) from None
    try:
        hand_to_executor(jobs.store, jobs.executor, job)
    except ExecutorUnavailableError as exc:
        jobs.store.discard(job.id)  # never accepted: a retry must not find a twin
        raise ApiError(
            503,
            f"The job could not be queued: {exc}; retry later.",
            error="queue_unavailable",
            headers={"Retry-After": str(settings.retry_after_s)},
        ) from None
    return JSONResponse(job_json(job), status_code=202, headers={"Location": job_url(job.id)})


def _job(request: Request, job_id: str) -> Job:
    job = jobs_of(request).store.get(job_id, tenant_id=tenant_of(request))
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
    """Store the job as ``queued`` and start it; poll ``GET /v1/jobs/{id}`` for the result.

    With ``callback_url`` the job's summary is POSTed there, signed, when it finishes.
    """
    kind, parsed = parse_job_request(body, services_of(request).settings.default_network)
    callback = callback_for(request, body.callback_url, api_key_of(request))
    return create_and_submit(request, kind, parsed, callback)


@router.post(
    "/day-plans/batch",
    status_code=202,
    response_model=JobOut,
    summary="Plan many reps' days (one independent request per rep) as one background job",
    responses=NETWORK_NOT_FOUND,
)
def submit_day_plan_batch(
    body: DayPlanBatchRequest, request: Request, callback_url: str | None = CallbackQuery
) -> JSONResponse:
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
    callback = callback_for(request, callback_url, api_key_of(request))
    return create_and_submit(request, kind, body, callback)


@router.get(
    "/jobs/{job_id}/results/{rep_id}",
    response_model=DayPlanResponse,
    summary="One rep's day plan from a batch job",
    responses={**JOB_NOT_FOUND, **JOB_CONFLICT},
)
def get_batch_result(
    job_id: str,
    rep_id: str,
    request: Request,
    format: Literal["json", "csv", "kpi-csv"] = "json",  # noqa: A002
) -> Response:
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
        if format != "json":
            job = _job(request, job_id)
            kind = KINDS[job.kind]
            single = kind.parse_request(job.request).requests[part.position]
            result = kind.part_result_model.model_validate(part.result)
            return csv_response(kind.csv(single, result, format), f"{rep_id}-{format}.csv")
        return JSONResponse(part.result)
    if part.status == JobStatus.FAILED and part.error is not None:
        died = part.error.get("error") in ("worker_died", "job_abandoned")
        return JSONResponse(part.error, status_code=503 if died else 422)
    raise ApiError(409, f"Rep '{rep_id}' of job '{job_id}' is {part.status}; try again later.")


#: Most jobs on one page of ``GET /v1/jobs``.
MAX_PAGE = 200


def _cursor_of(job: Job) -> str:
    """Return the opaque cursor after ``job``: its creation instant and id, base64url."""
    text = f"{aware(job.created_at).isoformat()}|{job.id}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _parse_cursor(cursor: str) -> tuple[dt.datetime, str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        at, job_id = base64.urlsafe_b64decode(padded.encode()).decode().split("|", 1)
        return aware(dt.datetime.fromisoformat(at)), job_id
    except ValueError:
        raise ApiError(
            422, "cursor: not a cursor of GET /v1/jobs (use the 'next' link).", field="cursor"
        ) from None


@router.get("/jobs", response_model=JobList, summary="List jobs (filters, pages)")
def list_jobs(
    request: Request,
    status: Annotated[
        list[JobStatus] | None, Query(description="Keep jobs with this status (repeatable).")
    ] = None,
    kind: Annotated[
        list[KindName] | None, Query(description="Keep jobs of this kind (repeatable).")
    ] = None,
    created_since: Annotated[
        dt.datetime | None,
        Query(description="Keep jobs created at or after this ISO 8601 instant (naive = UTC)."),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="Most jobs on the page.")] = 50,
    cursor: Annotated[
        str | None, Query(max_length=200, description="The `next` link's cursor.")
    ] = None,
) -> JSONResponse:
    """Return the jobs, newest first, a page at a time.

    Filters combine (``?status=queued&status=running&kind=day-plan``). The order is
    stable (creation time, then id) and pages are cut by a cursor, so jobs created
    while a client pages through are neither repeated nor skipped; follow ``next``
    until it is null. Each job is as ``GET /v1/jobs/{id}`` returns it, without its
    ``result``.
    """
    since = None if created_since is None else aware(created_since).astimezone(dt.UTC)
    page = jobs_of(request).store.list_jobs(
        statuses=status or (),
        kinds=kind or (),
        since=since,
        before=None if cursor is None else _parse_cursor(cursor),
        limit=limit + 1,
        tenant_id=tenant_of(request),
    )
    more, page = len(page) > limit, page[:limit]
    next_url = None
    if more:
        query = [("status", str(s)) for s in status or ()] + [("kind", k) for k in kind or ()]
        if since is not None:
            query.append(("created_since", since.isoformat()))
        query += [("limit", str(limit)), ("cursor", _cursor_of(page[-1]))]
        next_url = f"/v1/jobs?{urlencode(query)}"
    jobs = [job_json(job) | {"result": None} for job in page]
    return JSONResponse({"jobs": jobs, "next": next_url})


@router.get(
    "/jobs/{job_id}",
    response_model=JobOut,
    summary="Status, progress and result",
    responses=JOB_NOT_FOUND,
)
def get_job(
    job_id: str,
    request: Request,
    format: Literal["json", "csv", "kpi-csv"] = Query(  # noqa: A002, B008
        default="json",
        description="json; csv or kpi-csv: the result as CSV keyed by the CRM ids "
        "(day-plan, territories and visit-schedule jobs, once succeeded).",
    ),
) -> Response:
    """Return the job: status (queued|running|succeeded|failed|cancelled), progress, result."""
    job = _job(request, job_id)
    if format == "json":
        return JSONResponse(job_json(job))
    kind = KINDS[job.kind]
    if kind.csv is None or kind.run is None:
        raise ApiError(422, f"Jobs of kind '{job.kind}' have no CSV export.", field="format")
    if job.status != JobStatus.SUCCEEDED or job.result is None:
        raise ApiError(409, f"Job '{job_id}' is {job.status}; its result is not ready.")
    text = kind.csv(kind.parse_request(job.request), kind.parse_result(job.result), format)
    return csv_response(text, f"{job.kind}-{job_id}-{format}.csv")


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
    dispatch_if_finished(jobs.store, job_id, services_of(request).config)
    return JSONResponse(job_json(_job(request, job_id)))
