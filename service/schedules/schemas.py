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

from pydantic import BaseModel, Field, model_validator

from service.common.schemas import (
    MAX_TIME_LIMIT_S,
    ApiModel,
    Ident,
    LongClock,
    LongSeconds,
    MatrixIn,
    Money,
    SolverOut,
    check_network_or_matrix,
)
from service.day_plans.schemas import AccountIn, BreakIn, RepIn, RouteOut, ShiftIn, Window
from solver.schedule import Kpi

Weekday = Annotated[int, Field(ge=0, le=6, description="Monday = 0 .. Sunday = 6.")]
#: Most working dates of one horizon (about four years of weekdays).
MAX_DAYS = 1000


class LongWindow(Window):
    """A time window on the date (hours up to 999)."""

    start: LongClock
    end: LongClock


class LongShiftIn(ShiftIn):
    """Working hours of a date (hours up to 999)."""

    start: LongClock
    end: LongClock


class LongBreakIn(BreakIn):
    """A break (hours up to 999)."""

    earliest: LongClock
    latest: LongClock
    duration_s: LongSeconds


class HorizonIn(ApiModel):
    """The working dates: an explicit ``days`` list, or ``start``/``end`` and rules."""

    days: list[dt.date] | None = Field(
        default=None, max_length=MAX_DAYS, description="Working dates, strictly increasing."
    )
    start: dt.date | None = None
    end: dt.date | None = None
    weekdays: list[Weekday] = Field(
        default_factory=lambda: [0, 1, 2, 3, 4], description="Working weekdays, Monday = 0."
    )
    country: Annotated[str, Field(min_length=2, max_length=3)] | None = Field(
        default=None, description="ISO 3166 code; its public holidays are left out ('MT')."
    )
    subdivision: Annotated[str, Field(max_length=10)] | None = None

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
    break_: LongBreakIn | None = Field(default=None, alias="break", description="Optional break.")
    max_drive_s: LongSeconds | None = Field(default=None, description="Cap on driving, seconds.")
    days_off: list[dt.date] = Field(default_factory=list, max_length=MAX_DAYS)
    weekday_shifts: dict[Weekday, LongShiftIn] = Field(
        default_factory=dict, description="Shift per weekday (Monday = 0) replacing `shift`."
    )


class ScheduleAccountIn(AccountIn):
    """An account over the horizon: every day-plan account field and its visit rules."""

    visit_duration_s: LongSeconds = 0
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
    max_gap_days: int | None = Field(default=None, ge=0, le=10_000)
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
    account_id: Ident
    date: dt.date
    start: LongClock
    duration_s: LongSeconds | None = Field(
        default=None, description="Length; null = the account's visit_duration_s."
    )


class ScheduleOptionsIn(ApiModel):
    """Solver options; a result carries the seed and time limit back."""

    time_limit_s: float = Field(default=10.0, gt=0, le=MAX_TIME_LIMIT_S, allow_inf_nan=False)
    seed: int = Field(default=0, ge=0, le=2**31 - 1)
    balance: Literal["none", "duration", "visits"] = "none"
    move_penalty: Money = Field(
        default=100.0, description="Re-planning: cost of moving one visit to another date/rep."
    )
    geometry: bool = Field(default=False, description="Road geometry in every route.")


class ScheduleRequest(ApiModel):
    """Reps, accounts with frequencies and rules, and appointments over a horizon."""

    network: Ident | None = Field(
        default=None, description="Prepared road network; null = the default (or the matrix)."
    )
    horizon: HorizonIn
    reps: list[ScheduleRepIn] = Field(min_length=1, max_length=1000)
    accounts: list[ScheduleAccountIn] = Field(default_factory=list, max_length=100_000)
    appointments: list[AppointmentIn] = Field(default_factory=list, max_length=100_000)
    matrix: MatrixIn | None = Field(
        default=None, description="Explicit matrix; locations are then {'index': i}."
    )
    options: ScheduleOptionsIn = Field(default_factory=ScheduleOptionsIn)

    _network_or_matrix = model_validator(mode="after")(check_network_or_matrix)


# --------------------------------------------------------------------------- responses


class ScheduleDayOut(BaseModel):
    """One date: the reps' routes, each exactly a day-plan route."""

    date: dt.date
    routes: list[RouteOut]


class VisitOut(BaseModel):
    """One planned visit."""

    account_id: str
    rep_id: str
    date: dt.date
    start: str = Field(examples=["09:30"])
    appointment: bool = False


class ScheduleUnassignedOut(BaseModel):
    """Missing visits of an account, with a stable reason code and one sentence."""

    account_id: str
    missing: int
    reason: str = Field(examples=["SPACING_INFEASIBLE"])
    detail: str


class ScheduleSummaryOut(BaseModel):
    """KPIs in total, per rep, per ISO week (``2026-W49``) and per rep-week."""

    total: Kpi
    per_rep: list[Kpi]
    per_week: list[Kpi]
    per_rep_week: list[Kpi]
    visits_requested: int
    visits_planned: int


class ScheduleResponse(BaseModel):
    """The planned horizon."""

    network: str | None = None
    days: list[ScheduleDayOut]
    visits: list[VisitOut]
    unassigned: list[ScheduleUnassignedOut]
    summary: ScheduleSummaryOut
    solver: SolverOut


class SickIn(ApiModel):
    """A rep who cannot work on some dates."""

    rep_id: Ident
    dates: list[dt.date] = Field(min_length=1, max_length=MAX_DAYS)


class MovedAppointmentIn(ApiModel):
    """An appointment moved to another date, time or rep."""

    account_id: Ident
    date: dt.date = Field(description="The date it was booked on.")
    new_date: dt.date
    new_start: LongClock
    new_rep_id: Ident | None = Field(default=None, description="null = the same rep.")


class DisruptionIn(ApiModel):
    """What changed since the schedule was planned."""

    sick: list[SickIn] = Field(default_factory=list, max_length=1000)
    moved_appointments: list[MovedAppointmentIn] = Field(default_factory=list, max_length=10_000)
    added_accounts: list[ScheduleAccountIn] = Field(default_factory=list, max_length=100_000)
    dropped_accounts: list[Ident] = Field(default_factory=list, max_length=100_000)


class ReplanOptionsIn(ApiModel):
    """Options of a re-plan; null keeps the previous request's."""

    time_limit_s: float | None = Field(default=None, gt=0, le=MAX_TIME_LIMIT_S)
    seed: int | None = Field(default=None, ge=0, le=2**31 - 1)
    move_penalty: Money | None = None


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
    options: ReplanOptionsIn = Field(default_factory=ReplanOptionsIn)

    @model_validator(mode="after")
    def _source(self) -> ScheduleReplanRequest:
        inline = self.request is not None and self.previous is not None
        if self.job_id is not None and (self.request is not None or self.previous is not None):
            raise ValueError("give either job_id or request and previous, not both")
        if self.job_id is None and not inline:
            raise ValueError("give job_id, or both request and previous")
        return self
