"""Visit-schedule requests and responses (``POST /v1/visit-schedules``, ``/replan``).

A schedule request is a day-plan request spread over a horizon of working dates: its
reps and accounts carry every day-plan field (the day-plan models are extended, not
copied) plus the rules across days. Clock values go up to 999:59 (``LongClock``) so that
abstract benchmark units fit. Every date of the response holds routes in exactly the
day-plan route shape (:class:`~service.day_plans.schemas.RouteOut`).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, model_validator

from service.common.addresses import GeocodedOut, MinQuality
from service.common.schemas import (
    MAX_TIME_LIMIT_S,
    ApiModel,
    Ident,
    LongClock,
    LongSeconds,
    MatrixIn,
    Money,
    OutModel,
    SolverOut,
    check_network_or_matrix,
    load_examples,
    openapi_examples,
)
from service.day_plans.schemas import AccountIn, BreakIn, RepIn, RouteOut, ShiftIn, Window
from solver.model import DEFAULT_VISIT_DURATION_S
from solver.schedule import Kpi

#: OpenAPI examples of the models below (data, in examples.json).
EXAMPLES = load_examples(__file__)

#: Descriptions of the fields of the domain :class:`~solver.schedule.Kpi` (the solver
#: knows nothing of pydantic, and its fields carry no docstrings).
KPI_DESCRIPTIONS = {
    "rep_id": "The rep; null for figures over all reps (total, per week).",
    "week": "ISO week, 'YYYY-Www' (e.g. '2026-W50'); null for figures over the whole "
    "horizon (total, per rep).",
    "days": "Rep-days worked: routes with a stop between the start and the end.",
    "visits": "Visits planned.",
    "drive_s": "Driving time, seconds.",
    "distance_m": "Driven distance, metres.",
    "working_s": "Working time, from leaving the start to arriving at the end, summed over "
    "the days, seconds.",
    "drive_share": "Share of the working time spent driving (drive_s / working_s), 0..1; 0 "
    "without working time.",
    "cost": "Cost of the routes (travel and lateness), in the currency of the reps' rates, "
    "rounded to cents.",
    "cost_per_visit": "cost / visits, in the same currency, rounded to cents; null without visits.",
}


def _describe_kpi(schema: dict) -> None:
    for name, description in KPI_DESCRIPTIONS.items():
        schema["properties"][name]["description"] = description


Kpi.__pydantic_config__ = ConfigDict(json_schema_extra=_describe_kpi)  # type: ignore[attr-defined]

Weekday = Annotated[int, Field(ge=0, le=6, description="Monday = 0 .. Sunday = 6.")]
#: Most working dates of one horizon (about four years of weekdays).
MAX_DAYS = 1000


class LongWindow(Window):
    """A time window on the date (hours up to 999)."""

    start: LongClock
    """Earliest start of the visit, 'HH:MM' or 'HH:MM:SS'; hours up to 999."""
    end: LongClock
    """Latest start of the visit (or end of the visit with visit_within_window)."""


class LongShiftIn(ShiftIn):
    """Working hours of a date (hours up to 999)."""

    start: LongClock
    """Earliest time the rep leaves the start, 'HH:MM' or 'HH:MM:SS'; hours up to 999."""
    end: LongClock
    """Latest arrival at the end of the day."""


class LongBreakIn(BreakIn):
    """A break (hours up to 999)."""

    earliest: LongClock
    """Earliest start of the break, 'HH:MM' or 'HH:MM:SS'; hours up to 999."""
    latest: LongClock
    """Latest start of the break."""
    duration_s: LongSeconds
    """Length of the break, seconds."""


class HorizonIn(ApiModel):
    """The working dates: an explicit ``days`` list, or ``start``/``end`` and rules."""

    days: list[dt.date] | None = Field(
        default=None, max_length=MAX_DAYS, description="Working dates, strictly increasing."
    )
    start: dt.date | None = None
    """First calendar date of the horizon (ISO 8601), with `end`; null when `days` is given."""
    end: dt.date | None = None
    """Last calendar date of the horizon, included; null when `days` is given."""
    weekdays: list[Weekday] = Field(
        default_factory=lambda: [0, 1, 2, 3, 4], description="Working weekdays, Monday = 0."
    )
    country: Annotated[str, Field(min_length=2, max_length=3)] | None = Field(
        default=None, description="ISO 3166 code; its public holidays are left out ('MT')."
    )
    subdivision: Annotated[str, Field(max_length=10)] | None = None
    """Region of `country` whose regional holidays are also left out (e.g. 'BY' for
    Bavaria); null = the national holidays only."""

    @model_validator(mode="after")
    def _one_form(self) -> HorizonIn:
        ranged = self.start is not None or self.end is not None
        if self.days is not None and ranged:
            raise ValueError("give either days or start/end, not both")
        if self.days is None and (self.start is None or self.end is None):
            raise ValueError("give days, or both start and end")
        if self.days is None and (self.end - self.start).days > 3 * 366:
            raise ValueError("the horizon is longer than three years")
        return self


class ScheduleRepIn(RepIn):
    """A rep over the horizon: every day-plan rep field, days off, weekday shifts."""

    shift: LongShiftIn
    """Working hours on every working date, unless `weekday_shifts` gives that weekday's."""
    break_: LongBreakIn | None = Field(default=None, alias="break", description="Optional break.")
    max_drive_s: LongSeconds | None = Field(default=None, description="Cap on driving, seconds.")
    days_off: list[dt.date] = Field(default_factory=list, max_length=MAX_DAYS)
    """Dates of the horizon the rep does not work (leave, training)."""
    weekday_shifts: dict[Weekday, LongShiftIn] = Field(
        default_factory=dict, description="Shift per weekday (Monday = 0) replacing `shift`."
    )


class ScheduleAccountIn(AccountIn):
    """An account over the horizon: every day-plan account field and its visit rules."""

    visit_duration_s: LongSeconds = DEFAULT_VISIT_DURATION_S
    """Time on site of each visit, seconds; default 1800 (half an hour) as in every
    capability; 0 only when given."""
    windows: list[LongWindow] = Field(
        default_factory=list, max_length=100, description="Windows on the visit start."
    )
    soft_end: LongClock | None = Field(default=None, description="Soft latest start of the visit.")
    visits: int = Field(default=1, ge=1, le=MAX_DAYS, description="Visits in the horizon.")
    patterns: list[list[Annotated[int, Field(ge=0, le=MAX_DAYS)]]] = Field(
        default_factory=list,
        max_length=10_000,
        description="Allowed sets of day indices into the horizon, each `visits` long.",
    )
    min_gap_days: int | None = Field(default=None, ge=0, le=10_000)
    """Fewest calendar days between two consecutive visits (Monday to the next Monday is 7;
    from `last_visit` for the first); null = no minimum."""
    max_gap_days: int | None = Field(default=None, ge=0, le=10_000)
    """Most calendar days between two consecutive visits (from `last_visit` for the first);
    null = no maximum."""
    last_visit: dt.date | None = Field(default=None, description="Last visit before the horizon.")
    weekdays: list[Weekday] = Field(
        default_factory=list, description="Allowed weekdays (Monday = 0); empty = any."
    )
    opening_hours: Annotated[str, Field(max_length=2000)] | None = Field(
        default=None,
        description="OpenStreetMap opening_hours, e.g. 'Mo-Fr 08:00-12:30; Sa 09:00-13:00'.",
    )
    same_rep: bool = Field(default=True, description="Every visit by one rep.")


class AppointmentIn(ApiModel):
    """A meeting already booked: pinned in that rep's day, one of the account's visits."""

    rep_id: Ident
    """The rep who holds the meeting (one of the request's reps)."""
    account_id: Ident
    """The account met (one of the request's accounts); the meeting is one of its visits."""
    date: dt.date
    """Date of the meeting (ISO 8601), a working date of the horizon."""
    start: LongClock
    duration_s: LongSeconds | None = Field(
        default=None, description="Length; null = the account's visit_duration_s."
    )


class ScheduleOptionsIn(ApiModel):
    """Solver options; a result carries the seed and time limit back."""

    time_limit_s: float = Field(default=10.0, gt=0, le=MAX_TIME_LIMIT_S, allow_inf_nan=False)
    """Longest solver run, seconds."""
    seed: int = Field(default=0, ge=0, le=2**31 - 1)
    """Random seed: the same request and seed give the same schedule."""
    deterministic: bool = False
    """Decide every step on work done (rounds, iterations), never on the clock: the same
    request and seed give the same schedule on any machine and load; `time_limit_s` then
    only caps each day's route search."""
    balance: Literal["none", "duration", "visits"] = "none"
    """What is evened out across a rep's days and the team's reps: none, duration (working
    time) or visits (visit counts)."""
    move_penalty: Money = Field(
        default=100.0, description="Re-planning: cost of moving one visit to another date/rep."
    )
    geometry: bool = Field(default=False, description="Road geometry in every route.")
    traffic: bool = Field(
        default=True,
        description="Time every leg when it is driven, with the network's speed profile; "
        "false = free-flow travel times.",
    )


class ScheduleRequest(ApiModel):
    """Reps, accounts with frequencies and rules, and appointments over a horizon."""

    network: Ident | None = Field(
        default=None, description="Prepared road network; null = the default (or the matrix)."
    )
    horizon: HorizonIn
    """The working dates planned."""
    reps: list[ScheduleRepIn] = Field(min_length=1, max_length=1000)
    """The reps working over the horizon."""
    accounts: list[ScheduleAccountIn] = Field(default_factory=list, max_length=100_000)
    """The accounts to visit, each with its number of visits and rules."""
    appointments: list[AppointmentIn] = Field(default_factory=list, max_length=100_000)
    """Meetings already booked; each is pinned in its rep's day."""
    matrix: MatrixIn | None = Field(
        default=None, description="Explicit matrix; locations are then {'index': i}."
    )
    options: ScheduleOptionsIn = Field(default_factory=ScheduleOptionsIn)
    """Solver options."""
    min_quality: MinQuality = "street"

    _network_or_matrix = model_validator(mode="after")(check_network_or_matrix)


# --------------------------------------------------------------------------- responses


class ScheduleDayOut(OutModel):
    """One date: the reps' routes, each exactly a day-plan route."""

    date: dt.date
    """The date (ISO 8601), one of the horizon's working dates."""
    routes: list[RouteOut]
    """The reps' routes of the date, each in the ``POST /v1/day-plans`` route shape."""


class VisitOut(OutModel):
    """One planned visit."""

    account_id: str
    """The account visited."""
    rep_id: str
    """The rep who makes the visit."""
    date: dt.date
    """The date of the visit (ISO 8601)."""
    start: str = Field(examples=["09:30"])
    """When the visit begins on that date, 'HH:MM:SS'."""
    appointment: bool = False
    """True when the visit is a booked appointment (pinned by the request)."""


class ScheduleUnassignedOut(OutModel):
    """Missing visits of an account, with a stable reason code and one sentence."""

    account_id: str
    """The account with missing visits."""
    missing: int
    """How many of its visits could not be planned."""
    reason: str = Field(examples=["SPACING_INFEASIBLE"])
    """Stable reason code (see the README's table), e.g. SPACING_INFEASIBLE."""
    detail: str
    """One sentence saying why."""


class ScheduleSummaryOut(OutModel):
    """KPIs in total, per rep, per ISO week (``2026-W49``) and per rep-week."""

    total: Kpi
    """Key figures over every rep and date."""
    per_rep: list[Kpi]
    """Key figures of each rep over the horizon (week null), in request order."""
    per_week: list[Kpi]
    """Key figures of each ISO week over every rep (rep_id null)."""
    per_rep_week: list[Kpi]
    """Key figures of each rep in each ISO week."""
    visits_requested: int
    """Visits asked for: the sum of the accounts' `visits`."""
    visits_planned: int
    """Visits planned in the schedule."""


class ScheduleResponse(OutModel):
    """The planned horizon."""

    model_config = openapi_examples(EXAMPLES, "ScheduleResponse")

    network: str | None = None
    """The road network used; null for an explicit matrix."""
    days: list[ScheduleDayOut]
    """Every working date of the horizon, in order, with its routes."""
    visits: list[VisitOut]
    """Every planned visit, by date."""
    unassigned: list[ScheduleUnassignedOut]
    """Accounts with visits that could not be planned, each with its reason."""
    summary: ScheduleSummaryOut
    """Key figures (visits, driving, working time, cost) in total, per rep and per week."""
    solver: SolverOut
    """How the schedule was found (status, seed, time)."""
    geocoding: list[GeocodedOut] = Field(default_factory=list)
    """One answer per account given by address only (quality, match)."""


class SickIn(ApiModel):
    """A rep who cannot work on some dates."""

    rep_id: Ident
    """The rep who cannot work (one of the previous request's reps)."""
    dates: list[dt.date] = Field(min_length=1, max_length=MAX_DAYS)
    """The dates the rep cannot work; they join the rep's days_off."""


class MovedAppointmentIn(ApiModel):
    """An appointment moved to another date, time or rep."""

    account_id: Ident
    """The account of the appointment."""
    date: dt.date = Field(description="The date it was booked on.")
    new_date: dt.date
    """The date it moves to (ISO 8601)."""
    new_start: LongClock
    new_rep_id: Ident | None = Field(default=None, description="null = the same rep.")


class DisruptionIn(ApiModel):
    """What changed since the schedule was planned."""

    sick: list[SickIn] = Field(default_factory=list, max_length=1000)
    """Reps who cannot work on some dates."""
    moved_appointments: list[MovedAppointmentIn] = Field(default_factory=list, max_length=10_000)
    """Appointments moved to another date, time or rep."""
    added_accounts: list[ScheduleAccountIn] = Field(default_factory=list, max_length=100_000)
    """New accounts to schedule."""
    dropped_accounts: list[Ident] = Field(default_factory=list, max_length=100_000)
    """Ids of accounts no longer visited; their appointments go with them."""


class ReplanOptionsIn(ApiModel):
    """Options of a re-plan; null keeps the previous request's."""

    time_limit_s: float | None = Field(default=None, gt=0, le=MAX_TIME_LIMIT_S)
    """Longest solver run, seconds; null = the previous request's."""
    seed: int | None = Field(default=None, ge=0, le=2**31 - 1)
    """Random seed; null = the previous request's."""
    deterministic: bool | None = None
    """Stop on work done, not the clock (see the schedule's options); null = the previous
    request's."""
    move_penalty: Money | None = None
    """Cost of moving one visit of the previous schedule to another date or rep, in the
    currency of the reps' rates; null = the previous request's."""


class ScheduleReplanRequest(ApiModel):
    """The rest of a schedule after a disruption.

    The previous request and schedule (or the id of the visit-schedule job holding
    them), what changed, and ``today``.
    """

    job_id: Ident | None = Field(
        default=None, description="A succeeded visit-schedule job (its request and result)."
    )
    request: ScheduleRequest | None = Field(default=None, description="The previous request.")
    previous: ScheduleResponse | None = Field(default=None, description="The previous schedule.")
    today: dt.date = Field(description="First date that may change; earlier days stay.")
    disruption: DisruptionIn = Field(default_factory=DisruptionIn)
    """The changes since the schedule was planned: sick reps, moved appointments, accounts
    added or dropped."""
    options: ReplanOptionsIn = Field(default_factory=ReplanOptionsIn)
    """Solver options of the re-plan."""

    @model_validator(mode="after")
    def _source(self) -> ScheduleReplanRequest:
        inline = self.request is not None and self.previous is not None
        if self.job_id is not None and (self.request is not None or self.previous is not None):
            raise ValueError("give either job_id or request and previous, not both")
        if self.job_id is None and not inline:
            raise ValueError("give job_id, or both request and previous")
        return self
