"""Check-in requests and answers (``POST/GET /v1/jobs/{id}/checkins``)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field, model_validator

from service.common.schemas import (
    ApiModel,
    Clock,
    Ident,
    OutModel,
    clock_s,
    entity_error_of,
    load_examples,
    openapi_examples,
)
from service.day_plans.replan import SkipReason

EXAMPLES = load_examples(__file__)


class CheckinIn(ApiModel):
    """What the rep did at one account: the actual arrival and departure, or a skip."""

    model_config = openapi_examples(EXAMPLES, "CheckinIn")

    id: Ident
    """Check-in id made by the phone (e.g. a UUID): a retry with the same id is stored once."""
    rep_id: Ident
    """The rep checking in."""
    account_id: Ident
    """The account visited or skipped."""
    status: Literal["done", "skipped"]
    """``done``: the visit was held; ``skipped``: not held today (see ``reason``)."""
    reason: SkipReason | None = None
    """Why a visit was skipped: ``closed``, ``refused``, ``postponed``."""
    arrival: Clock
    """Actual arrival (or when the visit was skipped), on the plan date."""
    departure: Clock | None = None
    """Actual departure of a visit held (required with ``done``)."""
    date: dt.date | None = None
    """The day of a visit-schedule job (ISO 8601); none for a day plan."""

    @model_validator(mode="after")
    def _consistent(self) -> CheckinIn:
        if self.status == "skipped" and self.reason is None:
            raise entity_error_of("reason: a skipped visit needs a reason")
        if self.status == "done" and self.departure is None:
            raise entity_error_of("departure: a visit done needs its departure time")
        if self.departure is not None and clock_s(self.departure) < clock_s(self.arrival):
            raise entity_error_of(f"departure {self.departure} is before arrival {self.arrival}")
        return self


class CheckinOut(OutModel):
    """A stored check-in."""

    model_config = openapi_examples(EXAMPLES, "CheckinOut")

    id: str
    """The phone's check-in id."""
    rep_id: str
    """The rep."""
    date: dt.date | None = None
    """The day of a visit-schedule job; null for a day plan."""
    account_id: str
    """The account."""
    status: str = Field(examples=["done"])
    """``done`` or ``skipped``."""
    reason: str | None = None
    """Why it was skipped."""
    arrival: str = Field(examples=["09:14:00"])
    """Actual arrival, 'HH:MM:SS'."""
    departure: str | None = Field(default=None, examples=["09:41:00"])
    """Actual departure, 'HH:MM:SS'."""
    planned_arrival: str | None = Field(default=None, examples=["09:12:05"])
    """Arrival at that account in the job's plan; null when the plan does not visit it."""
    received_at: dt.datetime
    """When the service stored it (UTC)."""


class RepDayKpi(OutModel):
    """Planned against actual for one rep's day: meetings held, travel time."""

    rep_id: str
    """The rep."""
    date: dt.date
    """The day."""
    meetings_planned: int
    """Visits in the job's plan of the day."""
    meetings_held: int
    """Visits checked in ``done``."""
    skipped: int
    """Visits checked in ``skipped``."""
    planned_drive_s: int
    """Driving time of the planned day, seconds."""
    planned_drive_per_leg_s: float
    """Planned driving time per leg (planned drive / (planned visits + 1)), seconds."""
    actual_travel_s: int
    """Time between a departure and the next check-in's arrival, summed, seconds."""
    legs_measured: int
    """Legs in ``actual_travel_s`` (consecutive check-ins)."""
    actual_travel_per_leg_s: float | None
    """Actual travel time per measured leg, seconds; null before two check-ins."""
    planned_day_end: str | None
    """When the planned day ends, 'HH:MM:SS'."""
    last_departure: str | None
    """The latest actual departure (or skip) so far, 'HH:MM:SS'."""


class CheckinsResponse(OutModel):
    """A job's check-ins in order of receipt, and the planned-vs-actual figures."""

    model_config = openapi_examples(EXAMPLES, "CheckinsResponse")

    job_id: str
    """The job."""
    checkins: list[CheckinOut]
    """Every check-in (of the rep and date asked for), in order of receipt."""
    kpis: list[RepDayKpi]
    """Per rep and day with a plan: meetings held and travel time against the plan."""
