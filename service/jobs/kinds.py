"""The one registry of job kinds: what each kind takes, checks, runs and returns.

A :class:`JobKind` is registered once, in :data:`KINDS`, and every piece of the job
machinery reads it from there: ``POST /v1/jobs`` (which kinds exist, the request model,
the 422 check before queueing), the executors (:func:`service.jobs.lease.run_job` runs
``kind.run``), the batch endpoint (``kind.parts``, ``kind.run_part``) and the exports
(``kind.request_model``, ``kind.result_model``). A new capability that runs as a job adds
one line to :data:`KINDS`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, TypeAdapter

from service.accounts.schemas import ImportRequest, ImportResponse
from service.accounts.work import import_request, validate_import
from service.common.runtime import ProgressFn, RuntimeConfig
from service.day_plans.convert import day_plan_csv
from service.day_plans.schemas import DayPlanBatchRequest, DayPlanRequest, DayPlanResponse
from service.day_plans.work import (
    batch_parts,
    plan_batch_part,
    plan_day_request,
    validate_batch,
    validate_day_plan,
)
from service.estimates.schemas import EstimateRequest
from service.estimates.work import Estimate, estimate, validate_estimate
from service.schedules.convert import schedule_csv
from service.schedules.schemas import ScheduleRequest, ScheduleResponse
from service.schedules.work import plan_schedule_request, validate_schedule
from service.territories.convert import territories_csv
from service.territories.schemas import TerritoryRequest, TerritoryResponse
from service.territories.work import balance_request, validate_territories

Req = TypeVar("Req", bound=BaseModel)


@dataclass(frozen=True)
class JobKind(Generic[Req]):
    """One kind of background job.

    Parameters
    ----------
    name
        The ``kind`` of ``POST /v1/jobs`` (``"day-plan"``).
    request_model
        The pydantic model of its request (the body of the matching endpoint).
    validate
        ``validate(request, default_network)``: raise InvalidProblemError (422) at once
        for a request the solver would refuse, before the job is queued.
    result_model
        The model (or union of models) of its result; None for a batch, whose result is
        the store's summary of its parts.
    run
        ``run(request, config, on_progress) -> result``: the use case a worker runs.
    parts
        A batch: ``parts(request)`` returns the keys of its independent parts.
    run_part
        A batch: ``run_part(request, position, config, on_progress) -> result`` of one
        part, whose result is a ``part_result_model`` (``on_progress`` answers True
        once the batch was cancelled: the part's solve stops).
    part_result_model
        A batch: the model of each part's result.
    csv
        ``csv(request, result, table) -> text``: the result as CSV keyed by the CRM
        ids (``table`` ``csv`` or ``kpi-csv``), for ``?format=csv`` on its job.
    """

    name: str
    request_model: type[Req]
    validate: Callable[[Req, str], None]
    result_model: Any = None
    run: Callable[[Req, RuntimeConfig, ProgressFn | None], BaseModel] | None = None
    parts: Callable[[Req], list[str]] | None = None
    run_part: Callable[[Req, int, RuntimeConfig, ProgressFn], BaseModel] | None = None
    part_result_model: type[BaseModel] | None = None
    csv: Callable[[Req, Any, str], str] | None = None

    def parse_request(self, body: dict[str, Any]) -> Req:
        """Return the request model of a stored (or posted) JSON request."""
        return self.request_model.model_validate(body)

    def parse_result(self, body: dict[str, Any]) -> Any:
        """Return the result model of a stored JSON result."""
        return TypeAdapter(self.result_model).validate_python(body)


def _registry(*kinds: JobKind) -> dict[str, JobKind]:
    return {kind.name: kind for kind in kinds}


#: Every job kind, by name, in the order the API lists them.
KINDS: dict[str, JobKind] = _registry(
    JobKind(
        "day-plan",
        DayPlanRequest,
        validate_day_plan,
        DayPlanResponse,
        plan_day_request,
        csv=day_plan_csv,
    ),
    JobKind(
        "territories",
        TerritoryRequest,
        validate_territories,
        TerritoryResponse,
        balance_request,
        csv=territories_csv,
    ),
    JobKind("estimates", EstimateRequest, validate_estimate, Estimate, estimate),
    JobKind(
        "visit-schedule",
        ScheduleRequest,
        validate_schedule,
        ScheduleResponse,
        plan_schedule_request,
        csv=schedule_csv,
    ),
    JobKind(
        "day-plan-batch",
        DayPlanBatchRequest,
        validate_batch,
        parts=batch_parts,
        run_part=plan_batch_part,
        part_result_model=DayPlanResponse,
        csv=day_plan_csv,
    ),
    JobKind("accounts-import", ImportRequest, validate_import, ImportResponse, import_request),
)

#: The kind of a batch of independent single-rep day plans (``POST /v1/day-plans/batch``).
BATCH_KIND = "day-plan-batch"
