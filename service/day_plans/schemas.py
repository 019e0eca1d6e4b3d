"""Day-plan requests and responses (``POST /v1/day-plans``, ``/check``, ``/batch``)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from service.common.schemas import (
    DEFAULT_CURRENCY,
    MAX_TIME_LIMIT_S,
    ApiModel,
    Clock,
    Count,
    Currency,
    Ident,
    Loc,
    MatrixIn,
    Money,
    Seconds,
    SolverOut,
    check_network_or_matrix,
    entity_error_of,
    load_examples,
    openapi_examples,
    parse_time_s,
)
from solver.model import RouteTotals

#: OpenAPI examples of the models below (data, in examples.json).
EXAMPLES = load_examples(__file__)


class Window(ApiModel):
    """A time window on the plan date; bounds the start of the visit."""

    model_config = openapi_examples(EXAMPLES, "Window")

    start: Clock
    end: Clock

    @model_validator(mode="after")
    def _ordered(self) -> Window:
        if parse_time_s(self.end) < parse_time_s(self.start):
            raise entity_error_of(f"window end {self.end} is before start {self.start}")
        return self


class ShiftIn(ApiModel):
    """Working hours: leave no earlier than ``start``; arrive at the end by ``end``."""

    model_config = openapi_examples(EXAMPLES, "ShiftIn")

    start: Clock
    end: Clock

    @model_validator(mode="after")
    def _ordered(self) -> ShiftIn:
        if parse_time_s(self.end) <= parse_time_s(self.start):
            raise entity_error_of(f"shift end {self.end} is not after start {self.start}")
        return self


class BreakIn(ApiModel):
    """A break that starts between ``earliest`` and ``latest`` and lasts ``duration_s``."""

    model_config = openapi_examples(EXAMPLES, "BreakIn")

    earliest: Clock
    latest: Clock
    duration_s: Seconds

    @model_validator(mode="after")
    def _ordered(self) -> BreakIn:
        if parse_time_s(self.latest) < parse_time_s(self.earliest):
            raise entity_error_of(f"break latest {self.latest} is before earliest {self.earliest}")
        return self


class RepIn(ApiModel):
    """A field rep for the day."""

    model_config = openapi_examples(EXAMPLES, "RepIn", populate_by_name=True)

    id: Ident
    start: Loc
    end: Loc | None = Field(default=None, description="Where the day ends; null = start.")
    open_end: bool = Field(default=False, description="End at the last visit (no drive home).")
    shift: ShiftIn
    break_: BreakIn | None = Field(default=None, alias="break", description="Optional break.")
    max_drive_s: Seconds | None = Field(default=None, description="Cap on driving, seconds.")
    max_visits: Count | None = None
    cost_per_km: Money = 0.0
    cost_per_hour: Money = 0.0
    capacity: Count | None = None
    skills: list[Ident] = Field(default_factory=list, max_length=1000)


class AccountIn(ApiModel):
    """A candidate visit."""

    model_config = openapi_examples(EXAMPLES, "AccountIn")

    id: Ident
    location: Loc
    visit_duration_s: Seconds = 0
    windows: list[Window] = Field(
        default_factory=list, max_length=100, description="Windows on the visit start."
    )
    visit_within_window: bool = Field(
        default=False, description="The whole visit must fit inside a window (opening hours)."
    )
    priority: int = Field(default=50, ge=1, le=100)
    value: Money | None = Field(default=None, description="Worth of the visit; overrides priority.")
    required: bool = False
    skills: list[Ident] = Field(default_factory=list, max_length=1000)
    rep_ids: list[Ident] = Field(default_factory=list, max_length=10_000)
    demand: Count = 0
    soft_end: Clock | None = Field(default=None, description="Soft latest start of the visit.")
    lateness_cost_per_min: Money = 0.0
    name: Annotated[str, Field(max_length=500)] | None = Field(
        default=None, description="Display name (calendars, maps)."
    )
    address: Annotated[str, Field(max_length=1000)] | None = Field(
        default=None, description="Postal address (calendars, maps)."
    )


class PlanOptions(ApiModel):
    """Solver options; a result carries them back for reproducibility."""

    model_config = openapi_examples(EXAMPLES, "PlanOptions")

    time_limit_s: float = Field(default=5.0, gt=0, le=MAX_TIME_LIMIT_S, allow_inf_nan=False)
    seed: int = Field(default=0, ge=0, le=2**31 - 1)
    geometry: bool = Field(default=True, description="Return route geometry on a road network.")
    currency: Currency | None = Field(
        default=None,
        description="ISO 4217 currency of the reps' rates and the costs; null = the "
        "service's default (FIELDROUTE_CURRENCY, EUR).",
    )


class DayPlanRequest(ApiModel):
    """One day to plan for a team of reps."""

    model_config = openapi_examples(EXAMPLES, "DayPlanRequest")

    network: Ident | None = Field(
        default=None, description="Prepared road network; null = the default (or the matrix)."
    )
    date: dt.date
    reps: list[RepIn] = Field(min_length=1, max_length=1000)
    accounts: list[AccountIn] = Field(default_factory=list, max_length=100_000)
    matrix: MatrixIn | None = Field(
        default=None, description="Explicit matrix; locations are then {'index': i}."
    )
    options: PlanOptions = Field(default_factory=PlanOptions)
    already_visited: list[Ident] = Field(
        default_factory=list, description="Account ids done earlier today (re-planning)."
    )

    _network_or_matrix = model_validator(mode="after")(check_network_or_matrix)


class CheckRequest(DayPlanRequest):
    """A day-plan request plus each rep's own order of account ids."""

    model_config = openapi_examples(EXAMPLES, "CheckRequest")

    orders: dict[Ident, list[Ident]] = Field(
        description="Rep id -> the account ids that rep visits, in order."
    )


class DayPlanBatchRequest(ApiModel):
    """Many reps' independent day plans, one request per rep, run as one job."""

    model_config = openapi_examples(EXAMPLES, "DayPlanBatchRequest")

    requests: list[DayPlanRequest] = Field(
        min_length=1, description="One day-plan request per rep (each with exactly one rep)."
    )


# --------------------------------------------------------------------------- responses


class StopOut(BaseModel):
    """A timed stop; ``travel_s``/``distance_m`` are those of the leg arriving here."""

    type: Literal["start", "visit", "break", "end"]
    account_id: str | None = None
    drive_start: str | None = Field(
        default=None,
        description="When the leg arriving here is driven from the previous stop "
        "(before a break placed on the leg); null for the start and a break.",
        examples=["09:02:20"],
    )
    arrival: str = Field(examples=["09:12:05"])
    start: str = Field(description="When the visit (or break) begins.", examples=["09:12:05"])
    departure: str = Field(examples=["09:42:05"])
    wait_s: int = 0
    travel_s: int = 0
    distance_m: int = 0
    location: dict[str, float | int] | None = Field(
        default=None, description="{'lat','lon'} or {'index'} of the stop."
    )


class RouteOut(BaseModel):
    """One rep's day; ``totals`` is the domain :class:`~solver.model.RouteTotals` itself."""

    # The domain totals are validated again (numpy numbers become int/float).
    model_config = ConfigDict(revalidate_instances="always")

    rep_id: str
    stops: list[StopOut]
    totals: RouteTotals
    # Optional only so that results stored before they existed still parse.
    day_start: str | None = Field(
        default=None,
        description="When the rep leaves the start (totals.day_start_s).",
        examples=["08:00:00"],
    )
    day_end: str | None = Field(
        default=None,
        description="When the rep's day ends, at the end location (totals.day_end_s).",
        examples=["16:05:40"],
    )
    geometry: dict[str, Any] | None = Field(
        default=None, description="GeoJSON LineString on a road network, else null."
    )


class UnassignedOut(BaseModel):
    """An account left out of every route, with a stable reason code."""

    account_id: str
    reason: str = Field(examples=["NO_FEASIBLE_WINDOW"])
    detail: str


class ViolationOut(BaseModel):
    """A constraint a plan breaks."""

    rep_id: str | None = None
    account_id: str | None = None
    code: str
    detail: str


class DayPlanResponse(BaseModel):
    """The planned day."""

    model_config = openapi_examples(EXAMPLES, "DayPlanResponse")

    date: dt.date
    network: str | None = None
    routes: list[RouteOut]
    unassigned: list[UnassignedOut]
    summary: dict[str, float | int]
    currency: Currency = Field(
        default=DEFAULT_CURRENCY, description="ISO 4217 currency of every cost in the answer."
    )
    solver: SolverOut


class CheckResponse(DayPlanResponse):
    """A hand-made plan, timed, with every violated constraint (empty = feasible)."""

    model_config = openapi_examples(EXAMPLES, "CheckResponse")

    feasible: bool
    violations: list[ViolationOut]
