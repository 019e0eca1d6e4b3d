"""Job requests and the job resource (``/v1/jobs``)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from service.common.schemas import ApiModel, OutModel, load_examples, openapi_examples
from service.jobs.kinds import KINDS
from service.jobs.tables import JobStatus

#: OpenAPI examples of the models below (data, in examples.json).
EXAMPLES = load_examples(__file__)

#: The name of every registered job kind (``"day-plan"``, ...).
KindName = Literal[tuple(KINDS)]  # type: ignore[valid-type]


class JobRequest(ApiModel):
    """Long work to run in the background."""

    model_config = openapi_examples(EXAMPLES, "JobRequest")

    kind: KindName
    """What the job does: day-plan, day-plan-batch, territories or estimate."""
    request: dict[str, Any] = Field(
        description="The body of the endpoint of that kind (POST /v1/day-plans, "
        "/v1/territories, /v1/estimates or /v1/visit-schedules)."
    )
    callback_url: str | None = Field(
        default=None,
        max_length=2000,
        description="http(s) URL that gets the job's summary, signed (Standard Webhooks), "
        "when it finishes.",
    )


class JobOut(OutModel):
    """A background job and, when it succeeded, its result."""

    model_config = openapi_examples(EXAMPLES, "JobOut")

    id: str
    """The job's id."""
    kind: KindName
    """What the job does."""
    status: JobStatus
    """queued, running, succeeded, failed or cancelled."""
    progress: float = Field(
        ge=0, le=1, description="Fraction done, 0..1 (a batch: fraction of reps planned)."
    )
    best_cost: float | None = Field(
        default=None, description="Objective of the best solution found so far (long solves)."
    )
    attempts: int = Field(
        default=0, description="Times the job was started (more than 1: a worker died)."
    )
    parts: dict[str, int] | None = Field(
        default=None, description="A batch: {'total', 'done'} reps."
    )
    created_at: str
    """When the job was submitted (ISO 8601, UTC)."""
    updated_at: str
    """When the job last changed (ISO 8601, UTC)."""
    result: dict[str, Any] | None = None
    """The answer of the job's kind once succeeded (e.g. a DayPlanResponse); else null."""
    error: dict[str, Any] | None = Field(
        default=None, description="The error body when the job failed."
    )


class JobList(OutModel):
    """A page of jobs, newest first (``GET /v1/jobs``)."""

    model_config = openapi_examples(EXAMPLES, "JobList")

    jobs: list[JobOut] = Field(
        description=(
            "The jobs of this page, newest first (creation time, then id); `result` is "
            "left out (null): GET /v1/jobs/{id} returns it."
        )
    )
    next: str | None = Field(
        default=None,
        description="URL of the next page (same filters), or null on the last page.",
        examples=["/v1/jobs?status=succeeded&limit=50&cursor=MjAyNi0xMi0wMVQw..."],
    )
