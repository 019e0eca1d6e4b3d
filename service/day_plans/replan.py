"""``POST /v1/day-plans/replan``: the rest of a rep's day from where the rep stands.

The day comes from a request (``request`` and optionally ``previous_order``) or from a
succeeded job (``job_id``: a day plan, a batch rep's plan, or with ``date`` one day of a
visit schedule); the endpoint resolves it to the domain problem and the rep's planned
order, and :func:`replan_work` re-plans it in the worker pool with
:func:`solver.routing.replan_day`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from pydantic import Field, model_validator

from service.common.convert import to_location
from service.common.errors import raise_all
from service.common.runtime import RuntimeConfig, network_for
from service.common.schemas import (
    DEFAULT_CURRENCY,
    MAX_TIME_LIMIT_S,
    ApiModel,
    Clock,
    Currency,
    Ident,
    Loc,
    Money,
    clock_s,
    entity_error_of,
    load_examples,
    openapi_examples,
)
from service.day_plans.convert import from_plan, to_account
from service.day_plans.postpone import day_as_it_runs, move_postponed
from service.day_plans.schemas import AccountIn, DayPlanRequest, DayPlanResponse
from service.schedules.schemas import ScheduleResponse, VisitOut
from solver.errors import InvalidProblemError
from solver.model import Problem
from solver.routing import replan_day
from solver.routing.replan import DEFAULT_CHANGE_PENALTY
from solver.schedule import ScheduleProblem
from solver.schedule.model import Schedule

EXAMPLES = load_examples(__file__)

#: Why a rep skipped a visit.
SkipReason = Literal["closed", "refused", "postponed"]


class SkipIn(ApiModel):
    """A visit the rep skipped today, and why."""

    account_id: Ident
    """The account skipped."""
    reason: SkipReason
    """Why: ``closed``, ``refused`` or ``postponed`` (to another day)."""


class ReplanOptions(ApiModel):
    """Search settings of the re-plan."""

    time_limit_s: float = Field(default=2.0, gt=0, le=MAX_TIME_LIMIT_S, allow_inf_nan=False)
    """Wall-clock budget of the fresh solve, seconds."""
    seed: int = Field(default=0, ge=0, le=2**31 - 1)
    """Random seed (reproducible re-plans)."""
    change_penalty: Money = DEFAULT_CHANGE_PENALTY
    """Charge per stop whose place in the order changes, in the currency of the costs;
    0 re-solves freely."""
    geometry: bool = True
    """Return the route's road geometry."""
    currency: Currency | None = None
    """ISO 4217 code of the costs; default the service's."""


class ReplanRequest(ApiModel):
    """Where the rep stands now, what was done and skipped, and what is urgent."""

    model_config = openapi_examples(EXAMPLES, "ReplanRequest")

    job_id: Ident | None = None
    """A succeeded job that planned the day (day plan, batch, or visit schedule with
    ``date``); its stored check-ins count as done or skipped."""
    request: DayPlanRequest | None = None
    """Or the original day-plan request (accounts with locations)."""
    previous_order: list[Ident] | None = Field(default=None, max_length=10_000)
    """The rep's planned order; default the job's plan of the rep (none with ``request``:
    a fresh plan)."""
    date: dt.date | None = None
    """The day of a visit-schedule job (ISO 8601)."""
    rep_id: Ident
    """The rep who re-plans."""
    position: Loc
    """Where the rep is now."""
    now: Clock
    """The time now on the plan date, 'HH:MM' or 'HH:MM:SS'."""
    done: list[Ident] = Field(default_factory=list, max_length=10_000)
    """Accounts visited today."""
    skipped: list[SkipIn] = Field(default_factory=list, max_length=10_000)
    """Accounts skipped today, with the reason."""
    urgent: list[AccountIn] = Field(default_factory=list, max_length=1000)
    """Accounts to add to the day (new ids, with a location); planned as required."""
    options: ReplanOptions = Field(default_factory=ReplanOptions)
    """Search settings."""

    @model_validator(mode="after")
    def _one_source(self) -> ReplanRequest:
        if (self.job_id is None) == (self.request is None):
            raise entity_error_of("give either job_id or request (the day to re-plan)")
        return self


class ReplanResponse(DayPlanResponse):
    """The rest of the day (day-plan shape) and how much its order changed."""

    model_config = openapi_examples(EXAMPLES, "ReplanResponse")

    rep_id: str
    """The rep re-planned."""
    previous_order: list[str]
    """The remaining part of the planned order (visits done or skipped left out)."""
    changed_stops: int
    """Stops whose place changed: previous stops dropped or moved, plus stops added."""
    kept_previous_order: bool
    """True when the repaired previous order won over a fresh solve."""
    postponed_to: list[VisitOut] = Field(default_factory=list)
    """A visit-schedule day: the later visits the postponed accounts got."""
    schedule: ScheduleResponse | None = None
    """A visit-schedule day with a postponed visit: the whole schedule re-planned after
    the day (the day itself as it now runs); null otherwise."""


@dataclass(frozen=True)
class DayToReplan:
    """A resolved re-plan: the day's domain problem, the planned order, the request.

    For one day of a visit-schedule job, also the schedule's problem and schedule (a
    postponed visit moves to a later day).
    """

    problem: Problem
    previous_order: tuple[str, ...]
    body: ReplanRequest
    schedule_problem: ScheduleProblem | None = None
    schedule: Schedule | None = None


def merge_checkins(body: ReplanRequest, done: list[str], skipped: dict[str, str]) -> ReplanRequest:
    """Return ``body`` with stored check-ins added to its done and skipped visits."""
    have = set(body.done) | {s.account_id for s in body.skipped}
    extra_done = [a for a in done if a not in have]
    extra_skipped = [SkipIn(account_id=a, reason=r) for a, r in skipped.items() if a not in have]
    return body.model_copy(
        update={"done": body.done + extra_done, "skipped": body.skipped + extra_skipped}
    )


def check_replan(body: ReplanRequest) -> None:
    """Raise InvalidProblemError (422) for done/skipped lists that contradict each other."""
    errors: list[InvalidProblemError] = []
    seen: dict[str, str] = {}
    for i, account_id in enumerate(body.done):
        if account_id in seen:
            errors.append(
                InvalidProblemError(
                    f"account '{account_id}' is marked done twice.", field=f"done[{i}]"
                )
            )
        seen[account_id] = f"done[{i}]"
    for i, skip in enumerate(body.skipped):
        if skip.account_id in seen:
            errors.append(
                InvalidProblemError(
                    f"account '{skip.account_id}' is already in {seen[skip.account_id]}.",
                    field=f"skipped[{i}].account_id",
                )
            )
        seen[skip.account_id] = f"skipped[{i}]"
    for i, account in enumerate(body.urgent):
        if account.location is None:
            errors.append(
                InvalidProblemError(
                    f"urgent account '{account.id}' needs a location.",
                    field=f"urgent[{i}].location",
                )
            )
    raise_all(errors)


def replan_work(day: DayToReplan, config: RuntimeConfig) -> ReplanResponse:
    """Re-plan the rest of the day (runs in the worker pool).

    Parameters
    ----------
    day
        The day's problem, the rep's planned order and the re-plan request.
    config
        Where networks live.

    Returns
    -------
    ReplanResponse
        The rest of the day from ``position`` at ``now``; skipped accounts unassigned
        with reason ``SKIPPED``, accounts no longer reachable with their reason.

    Raises
    ------
    InvalidProblemError
        For an unknown rep or account, a time outside the shift, a position off the
        road network (field ``position``).
    """
    body = day.body
    options = body.options
    urgent = [to_account(a.model_copy(update={"required": True})) for a in body.urgent]
    result = replan_day(
        day.problem,
        rep_id=body.rep_id,
        position=to_location(body.position),
        now_s=clock_s(body.now),
        visited=body.done,
        skipped={s.account_id: s.reason for s in body.skipped},
        urgent=urgent,
        previous_order=day.previous_order,
        change_penalty=options.change_penalty,
        network=network_for(day.problem.network, config),
        time_limit_s=options.time_limit_s,
        seed=options.seed,
    )
    postponed = {s.account_id for s in body.skipped if s.reason == "postponed"}
    moved: list[VisitOut] = []
    schedule = None
    if day.schedule is not None and day.schedule_problem is not None and postponed:
        assert body.date is not None  # a schedule's day is named by its date
        network = network_for(day.problem.network, config)
        running = day_as_it_runs(
            day.schedule, day.problem, body.date, body.rep_id, body.done, result.plan, network
        )
        schedule, moved = move_postponed(
            day.schedule_problem,
            running,
            date=body.date,
            postponed=postponed,
            network=network,
            time_limit_s=options.time_limit_s,
            seed=options.seed,
        )
    response = from_plan(
        result.plan,
        result.problem,
        geometry=options.geometry,
        currency=options.currency or config.currency or DEFAULT_CURRENCY,
    )
    return ReplanResponse(
        **dict(response),
        rep_id=body.rep_id,
        previous_order=list(result.previous_order),
        changed_stops=result.changed_stops,
        kept_previous_order=result.kept_previous,
        postponed_to=moved,
        schedule=schedule,
    )
