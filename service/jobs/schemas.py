"""Job requests and the job resource (``/v1/jobs``)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from service.common.schemas import ApiModel
from service.day_plans.examples import EXAMPLE_PLAN
from service.jobs.kinds import KINDS
from service.jobs.tables import JobStatus

#: The name of every registered job kind (``"day-plan"``, ...).
KindName = Literal[tuple(KINDS)]  # type: ignore[valid-type]


class JobRequest(ApiModel):
    """Long work to run in the background."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "kind": "day-plan",
                    "request": {
                        "date": "2026-12-01",
                        "reps": [
                            {
                                "id": "r1",
                                "start": {"index": 0},
                                "shift": {"start": "08:00", "end": "17:00"},
                            }
                        ],
                        "accounts": [
                            {"id": "A1", "location": {"index": 1}, "visit_duration_s": 600}
                        ],
                        "matrix": {
                            "durations_s": [[0, 600], [600, 0]],
                            "distances_m": [[0, 5000], [5000, 0]],
                        },
                        "options": {"time_limit_s": 1},
                    },
                }
            ]
        },
    )

    kind: KindName
    request: dict[str, Any] = Field(
        description="The body of POST /v1/day-plans or POST /v1/territories."
    )


class JobOut(BaseModel):
    """A background job and, when it succeeded, its result."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "fa3c85e08e8641bebfaec1b725440c83",
                    "kind": "day-plan",
                    "status": "succeeded",
                    "progress": 1.0,
                    "created_at": "2026-11-26T22:17:14+00:00",
                    "updated_at": "2026-11-26T22:17:16+00:00",
                    "result": EXAMPLE_PLAN,
                    "error": None,
                }
            ]
        }
    )

    id: str
    kind: KindName
    status: JobStatus
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
    updated_at: str
    result: dict[str, Any] | None = None
    error: dict[str, Any] | None = Field(
        default=None, description="The error body when the job failed."
    )
