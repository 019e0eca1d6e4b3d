"""Day-plan requests and responses (``POST /v1/day-plans``, ``/check``, ``/batch``)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, model_validator

from service.common.addresses import AddressIn, GeocodedOut, MinQuality
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
    OutModel,
    Seconds,
    SolverOut,
    VisitDuration,
    check_network_or_matrix,
    clock_s,
    describe_fields,
    entity_error_of,
    load_examples,
    openapi_examples,
)
from solver.model import DEFAULT_VISIT_DURATION_S, RouteTotals

#: OpenAPI examples of the models below (data, in examples.json).
EXAMPLES = load_examples(__file__)
describe_fields(RouteTotals)


class Window(ApiModel):
    """A time window on the plan date; bounds the start of the visit."""

    model_config = openapi_examples(EXAMPLES, "Window")

    start: Clock
    """Earliest start of the visit, 'HH:MM' or 'HH:MM:SS'."""
    end: Clock
    """Latest start of the visit (or end of the visit with visit_within_window)."""

    @model_validator(mode="after")
    def _ordered(self) -> Window:
        if clock_s(self.end) < clock_s(self.start):
            raise entity_error_of(f"window end {self.end} is before start {self.start}")
        return self


class ShiftIn(ApiModel):
    """Working hours: leave no earlier than ``start``; arrive at the end by ``end``."""

    model_config = openapi_examples(EXAMPLES, "ShiftIn")

    start: Clock
    """Earliest time the rep leaves the start."""
    end: Clock
    """Latest arrival at the end of the day."""

    @model_validator(mode="after")
    def _ordered(self) -> ShiftIn:
        if clock_s(self.end) <= clock_s(self.start):
            raise entity_error_of(f"shift end {self.end} is not after start {self.start}")
        return self


class BreakIn(ApiModel):
    """A break that starts between ``earliest`` and ``latest`` and lasts ``duration_s``."""

    model_config = openapi_examples(EXAMPLES, "BreakIn")

    earliest: Clock
    """Earliest start of the break."""
    latest: Clock
    """Latest start of the break."""
    duration_s: Seconds
    """Length of the break, seconds."""

    @model_validator(mode="after")
    def _ordered(self) -> BreakIn:
        if clock_s(self.latest) < clock_s(self.earliest):
            raise entity_error_of(f"break latest {self.latest} is before earliest {self.earliest}")
        return self


class RepIn(ApiModel):
    """A field rep for the day."""

    model_config = openapi_examples(EXAMPLES, "RepIn", populate_by_name=True)

    id: Ident
    """The rep's id, unique in the request."""
    start: Loc
    """Where the rep's day starts (home or office)."""
    end: Loc | None = Field(default=None, description="Where the day ends; null = start.")
    open_end: bool = Field(default=False, description="End at the last visit (no drive home).")
    shift: ShiftIn
    """The rep's working hours."""
    break_: BreakIn | None = Field(default=None, alias="break", description="Optional break.")
    max_drive_s: Seconds | None = Field(default=None, description="Cap on driving, seconds.")
    max_visits: Count | None = None
    """Most visits in the day; null = no limit."""
    cost_per_km: Money = 0.0
    """Cost of one driven kilometre, in the currency."""
    cost_per_hour: Money = 0.0
    """Cost of one driving hour, in the currency."""
    capacity: Count | None = None
    """Most total demand of the visited accounts; null = no limit."""
    skills: list[Ident] = Field(default_factory=list, max_length=1000)
    """Skills the rep has (an account needing a skill goes to a rep who has it)."""


class AccountIn(ApiModel):
    """A candidate visit."""

    model_config = openapi_examples(EXAMPLES, "AccountIn")

    id: Ident
    """The account's id, unique in the request."""
    location: Loc | None = None
    """Where the visit takes place; null = placed from `address` (geocoded)."""
    visit_duration_s: VisitDuration = DEFAULT_VISIT_DURATION_S
    windows: list[Window] = Field(
        default_factory=list, max_length=100, description="Windows on the visit start."
    )
    visit_within_window: bool = Field(
        default=False, description="The whole visit must fit inside a window (opening hours)."
    )
    priority: int = Field(default=50, ge=1, le=100)
    """Worth of the visit from 1 (low) to 100 (high) when no value is given."""
    value: Money | None = Field(default=None, description="Worth of the visit; overrides priority.")
    required: bool = False
    """The account must be visited (unassigned only when impossible)."""
    skills: list[Ident] = Field(default_factory=list, max_length=1000)
    """Skills a rep needs to visit it."""
    rep_ids: list[Ident] = Field(default_factory=list, max_length=10_000)
    """Reps allowed to visit it; empty = any rep."""
    demand: Count = 0
    """Load of the visit against the rep's capacity (samples, orders)."""
    soft_end: Clock | None = Field(default=None, description="Soft latest start of the visit.")
    lateness_cost_per_min: Money = 0.0
    """Cost of each minute a visit starts past soft_end, in the currency."""
    name: Annotated[str, Field(max_length=500)] | None = Field(
        default=None, description="Display name (calendars, maps)."
    )
    address: AddressIn | None = Field(
        default=None,
        description="Postal address, free text or structured fields: shown in calendars "
        "and maps, and geocoded when `location` is not given.",
    )


class PlanOptions(ApiModel):
    """Solver options; a result carries them back for reproducibility."""

    model_config = openapi_examples(EXAMPLES, "PlanOptions")

    time_limit_s: float = Field(default=5.0, gt=0, le=MAX_TIME_LIMIT_S, allow_inf_nan=False)
    """Longest solver run, seconds."""
    seed: int = Field(default=0, ge=0, le=2**31 - 1)
    """Random seed: the same request and seed give the same plan."""
    deterministic: bool = Field(
        default=False,
        description="Stop the search on work done (solutions, iterations), never on the "
        "clock: the same request and seed then give the same plan on any machine and "
        "load. Usually slower than the default time-limited search; `time_limit_s` is "
        "then only a safety cap.",
    )
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
    """The day planned (ISO 8601 date); times are on this date."""
    reps: list[RepIn] = Field(min_length=1, max_length=1000)
    """The reps working that day."""
    accounts: list[AccountIn] = Field(default_factory=list, max_length=100_000)
    """The candidate visits."""
    matrix: MatrixIn | None = Field(
        default=None, description="Explicit matrix; locations are then {'index': i}."
    )
    options: PlanOptions = Field(default_factory=PlanOptions)
    """Solver options."""
    already_visited: list[Ident] = Field(
        default_factory=list, description="Account ids done earlier today (re-planning)."
    )
    min_quality: MinQuality = "street"

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


class StopOut(OutModel):
    """A timed stop; ``travel_s``/``distance_m`` are those of the leg arriving here."""

    type: Literal["start", "visit", "break", "end"]
    """What happens at the stop: start, visit, break or end."""
    account_id: str | None = None
    """The visited account (visits only)."""
    drive_start: str | None = Field(
        default=None,
        description="When the leg arriving here is driven from the previous stop "
        "(before a break placed on the leg); null for the start and a break.",
        examples=["09:02:20"],
    )
    arrival: str = Field(examples=["09:12:05"])
    """When the rep is ready at the stop (after the leg's drive and a break on it)."""
    start: str = Field(description="When the visit (or break) begins.", examples=["09:12:05"])
    departure: str = Field(examples=["09:42:05"])
    """When the rep leaves the stop."""
    wait_s: int = 0
    """Idle time before the stop begins (a window not open yet, a break not started), seconds."""
    travel_s: int = 0
    """Driving time of the leg arriving here, seconds."""
    distance_m: int = 0
    """Length of the leg arriving here, metres."""
    location: dict[str, float | int] | None = Field(
        default=None, description="{'lat','lon'} or {'index'} of the stop."
    )


class RouteOut(OutModel):
    """One rep's day; ``totals`` is the domain :class:`~solver.model.RouteTotals` itself."""

    # The domain totals are validated again (numpy numbers become int/float).
    model_config = ConfigDict(revalidate_instances="always")

    rep_id: str
    """The rep driving the route."""
    stops: list[StopOut]
    """The day's stops in order, from start to end."""
    totals: RouteTotals
    """Totals of the route (drive, idle, cost, day start and end)."""
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


class UnassignedOut(OutModel):
    """An account left out of every route, with a stable reason code."""

    account_id: str
    """The account left out."""
    reason: str = Field(
        description="Stable reason code (see the README's table), e.g. NO_FEASIBLE_WINDOW.",
        examples=["NO_FEASIBLE_WINDOW"],
    )
    detail: str
    """One sentence saying why."""


class ViolationOut(OutModel):
    """A constraint a plan breaks."""

    rep_id: str | None = None
    """The rep whose route breaks the rule."""
    account_id: str | None = None
    """The account concerned, if any."""
    code: str
    """Stable code of the broken rule (e.g. WINDOW, SHIFT_END)."""
    detail: str
    """One sentence saying what is broken."""


class DayPlanResponse(OutModel):
    """The planned day."""

    model_config = openapi_examples(EXAMPLES, "DayPlanResponse")

    date: dt.date
    """The planned day."""
    network: str | None = None
    """The road network used; null for an explicit matrix."""
    routes: list[RouteOut]
    """One route per rep."""
    unassigned: list[UnassignedOut]
    """Accounts in no route, each with its reason."""
    summary: dict[str, float | int]
    """Totals over all routes (reps, visits, unassigned, drive_s, distance_m, visit_s, wait_s,
    break_s, cost, value)."""
    currency: Currency = Field(
        default=DEFAULT_CURRENCY, description="ISO 4217 currency of every cost in the answer."
    )
    solver: SolverOut
    """How the plan was found (status, seed, time)."""
    geocoding: list[GeocodedOut] = Field(default_factory=list)
    """One answer per account given by address only (quality, match)."""


class CheckResponse(DayPlanResponse):
    """A hand-made plan, timed, with every violated constraint (empty = feasible)."""

    model_config = openapi_examples(EXAMPLES, "CheckResponse")

    feasible: bool
    """True when the plan breaks no rule."""
    violations: list[ViolationOut]
    """Every rule the plan breaks; empty when feasible."""
