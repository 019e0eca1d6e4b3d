"""HTTP request and response models, and their conversion to and from the domain model.

Clock times travel as ``"HH:MM"`` or ``"HH:MM:SS"`` strings on the plan date; the solver
works in integer seconds since midnight. :func:`parse_time_s` / :func:`format_time_s`
are the one place where the two meet; :func:`to_problem` and :func:`from_plan` are the
one place where request and response models meet the domain dataclasses.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    model_validator,
)
from pydantic_core import PydanticCustomError

from solver.errors import InvalidProblemError
from solver.model import (
    MAX_TIME_S,
    Account,
    Break,
    Location,
    Plan,
    Problem,
    Rep,
    Shift,
    StopType,
    TimeWindow,
    TravelMatrix,
    format_time_s,
)

_TIME_RE = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")

#: Largest id accepted for reps and accounts, characters.
MAX_ID_CHARS = 200
#: Largest time limit a request may ask for, seconds.
MAX_TIME_LIMIT_S = 3600.0
#: Largest matrix entry (seconds or metres); keeps arithmetic far from int64 overflow.
MAX_MATRIX_VALUE = 10**9


def parse_time_s(text: str) -> int:
    """Parse ``"HH:MM"`` or ``"HH:MM:SS"`` into seconds since midnight.

    Parameters
    ----------
    text
        Clock time on the plan date; hours may exceed 23 for work past midnight
        (up to two days, ``MAX_TIME_S``).

    Returns
    -------
    int
        Seconds since midnight.

    Raises
    ------
    ValueError
        When the text is not a clock time.
    """
    match = _TIME_RE.match(text)
    if not match:
        raise ValueError(f"time {text!r} must be 'HH:MM' or 'HH:MM:SS'")
    hours, minutes, seconds = (int(g) if g else 0 for g in match.groups())
    if minutes > 59 or seconds > 59:
        raise ValueError(f"time {text!r} has minutes or seconds above 59")
    total = hours * 3600 + minutes * 60 + seconds
    if total > MAX_TIME_S:
        raise ValueError(f"time {text!r} is later than {MAX_TIME_S // 3600}:00 (two days)")
    return total


def _check_clock(text: str) -> str:
    parse_time_s(text)
    return text


Clock = Annotated[
    str,
    AfterValidator(_check_clock),
    Field(description="Clock time on the plan date, 'HH:MM' or 'HH:MM:SS'.", examples=["08:00"]),
]
Ident = Annotated[str, Field(min_length=1, max_length=MAX_ID_CHARS)]
Money = Annotated[float, Field(ge=0, le=1e9, allow_inf_nan=False)]
Count = Annotated[int, Field(ge=0, le=10**9)]
Seconds = Annotated[int, Field(ge=0, le=MAX_TIME_S)]


#: Pydantic error type of messages that name their own field (no path is added to them).
ENTITY_ERROR = "entity_error"


def _entity_error_of(message: str) -> PydanticCustomError:
    """Return a validation error whose message already names the field (``window end ...``)."""
    return PydanticCustomError(ENTITY_ERROR, message.replace("{", "(").replace("}", ")"))


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


# --------------------------------------------------------------------------- requests


class Loc(_Model):
    """A place: ``{"lat", "lon"}`` on a road network, or ``{"index": i}`` into the matrix."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"lat": 35.8989, "lon": 14.5146}, {"index": 0}]},
    )

    lat: float | None = Field(default=None, ge=-90, le=90, description="WGS84 latitude, degrees.")
    lon: float | None = Field(
        default=None, ge=-180, le=180, description="WGS84 longitude, degrees."
    )
    index: int | None = Field(
        default=None, ge=0, le=100_000, description="Row/column of the explicit matrix."
    )

    @model_validator(mode="after")
    def _one_form(self) -> Loc:
        geo = self.lat is not None or self.lon is not None
        if geo and self.index is not None:
            raise ValueError("give either lat/lon or index, not both")
        if self.index is None and (self.lat is None or self.lon is None):
            raise ValueError("both lat and lon are required (or an index into the matrix)")
        return self

    def to_location(self) -> Location:
        """Return the domain :class:`~solver.model.Location`."""
        if self.index is not None:
            return Location(index=self.index)
        return Location(lat=self.lat, lon=self.lon)

    def to_point(self) -> tuple[float, float]:
        """Return ``(lat, lon)``; raise InvalidProblemError for an index location."""
        if self.lat is None or self.lon is None:
            raise InvalidProblemError("Location: a road network needs lat/lon, not an index.")
        return (self.lat, self.lon)


class Window(_Model):
    """A time window on the plan date; bounds the start of the visit."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"start": "09:00", "end": "12:00"}]}
    )

    start: Clock
    end: Clock

    @model_validator(mode="after")
    def _ordered(self) -> Window:
        if parse_time_s(self.end) < parse_time_s(self.start):
            raise _entity_error_of(f"window end {self.end} is before start {self.start}")
        return self


class ShiftIn(_Model):
    """Working hours: leave no earlier than ``start``; arrive at the end by ``end``."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"start": "08:00", "end": "17:00"}]}
    )

    start: Clock
    end: Clock

    @model_validator(mode="after")
    def _ordered(self) -> ShiftIn:
        if parse_time_s(self.end) <= parse_time_s(self.start):
            raise _entity_error_of(f"shift end {self.end} is not after start {self.start}")
        return self


class BreakIn(_Model):
    """A break that starts between ``earliest`` and ``latest`` and lasts ``duration_s``."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"earliest": "12:00", "latest": "13:30", "duration_s": 1800}]
        },
    )

    earliest: Clock
    latest: Clock
    duration_s: Seconds

    @model_validator(mode="after")
    def _ordered(self) -> BreakIn:
        if parse_time_s(self.latest) < parse_time_s(self.earliest):
            raise _entity_error_of(f"break latest {self.latest} is before earliest {self.earliest}")
        return self


class RepIn(_Model):
    """A field rep for the day."""

    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
        json_schema_extra={
            "examples": [
                {
                    "id": "maria",
                    "start": {"lat": 35.8958, "lon": 14.4611},
                    "shift": {"start": "08:00", "end": "17:00"},
                    "break": {"earliest": "12:00", "latest": "13:30", "duration_s": 1800},
                    "cost_per_km": 0.3,
                    "cost_per_hour": 25,
                }
            ]
        },
    )

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


class AccountIn(_Model):
    """A candidate visit."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "id": "A17",
                    "location": {"lat": 35.9122, "lon": 14.5042},
                    "visit_duration_s": 1800,
                    "windows": [{"start": "09:00", "end": "12:00"}],
                    "priority": 80,
                }
            ]
        },
    )

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


class MatrixIn(_Model):
    """An explicit square travel matrix; -1 marks an unreachable pair."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"durations_s": [[0, 600], [600, 0]], "distances_m": [[0, 5000], [5000, 0]]}
            ]
        },
    )

    durations_s: list[list[Annotated[int, Field(ge=-1, le=MAX_MATRIX_VALUE)]]]
    distances_m: list[list[Annotated[int, Field(ge=-1, le=MAX_MATRIX_VALUE)]]]

    @model_validator(mode="after")
    def _square(self) -> MatrixIn:
        for name in ("durations_s", "distances_m"):
            rows = getattr(self, name)
            if any(len(row) != len(rows) for row in rows):
                raise ValueError(f"{name} must be a square list of rows")
        if len(self.durations_s) != len(self.distances_m):
            raise ValueError("durations_s and distances_m must have the same size")
        return self


class PlanOptions(_Model):
    """Solver options; a result carries them back for reproducibility."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"time_limit_s": 5, "seed": 0}]}
    )

    time_limit_s: float = Field(default=5.0, gt=0, le=MAX_TIME_LIMIT_S, allow_inf_nan=False)
    seed: int = Field(default=0, ge=0, le=2**31 - 1)
    geometry: bool = Field(default=True, description="Return route geometry on a road network.")


class DayPlanRequest(_Model):
    """One day to plan for a team of reps."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "network": "malta",
                    "date": "2026-12-01",
                    "reps": [
                        {
                            "id": "maria",
                            "start": {"lat": 35.8958, "lon": 14.4611},
                            "shift": {"start": "08:00", "end": "17:00"},
                        }
                    ],
                    "accounts": [
                        {
                            "id": "valletta-pharmacy",
                            "location": {"lat": 35.8989, "lon": 14.5146},
                            "visit_duration_s": 1200,
                            "windows": [{"start": "09:00", "end": "12:00"}],
                        },
                        {
                            "id": "sliema-clinic",
                            "location": {"lat": 35.9122, "lon": 14.5042},
                            "visit_duration_s": 1800,
                        },
                    ],
                    "options": {"time_limit_s": 1, "seed": 0},
                }
            ]
        },
    )

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

    @model_validator(mode="after")
    def _network_or_matrix(self) -> DayPlanRequest:
        if self.network is not None and self.matrix is not None:
            raise ValueError("give either a network or an explicit matrix, not both")
        return self


class CheckRequest(DayPlanRequest):
    """A day-plan request plus each rep's own order of account ids."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "date": "2026-12-01",
                    "reps": [
                        {
                            "id": "r1",
                            "start": {"index": 0},
                            "shift": {"start": "08:00", "end": "17:00"},
                        }
                    ],
                    "accounts": [
                        {"id": "A1", "location": {"index": 1}, "visit_duration_s": 600},
                    ],
                    "matrix": {
                        "durations_s": [[0, 600], [600, 0]],
                        "distances_m": [[0, 5000], [5000, 0]],
                    },
                    "orders": {"r1": ["A1"]},
                }
            ]
        },
    )

    orders: dict[Ident, list[Ident]] = Field(
        description="Rep id -> the account ids that rep visits, in order."
    )


# --------------------------------------------------------------------------- to_problem


def _entity_error(path: str, ident: str, exc: InvalidProblemError) -> InvalidProblemError:
    """Re-raise a domain error with the request path and id of the entity in front."""
    message = exc.message
    for owner in (f"Rep '{ident}': ", f"Account '{ident}': "):
        message = message.removeprefix(owner)
    for owner in ("TimeWindow: ", "Shift: ", "Break: ", "Location: "):
        if message.startswith(owner):
            message = owner.removesuffix(": ").lower() + " " + message.removeprefix(owner)
            message = message.replace("timewindow", "window")
    field = path if not exc.field else f"{path}.{exc.field}"
    return InvalidProblemError(f"{path} '{ident}': {message}", field=field)


def _build(path: str, ident: str, make: Callable[[], Any]) -> Any:
    try:
        return make()
    except InvalidProblemError as exc:
        raise _entity_error(path, ident, exc) from None


def _rep(rep: RepIn) -> Rep:
    lunch = None
    if rep.break_ is not None:
        lunch = Break(
            parse_time_s(rep.break_.earliest),
            parse_time_s(rep.break_.latest),
            rep.break_.duration_s,
        )
    return Rep(
        id=rep.id,
        start=rep.start.to_location(),
        shift=Shift(parse_time_s(rep.shift.start), parse_time_s(rep.shift.end)),
        end=rep.end.to_location() if rep.end is not None else None,
        open_end=rep.open_end,
        lunch=lunch,
        max_drive_s=rep.max_drive_s,
        max_visits=rep.max_visits,
        cost_per_km=rep.cost_per_km,
        cost_per_hour=rep.cost_per_hour,
        capacity=rep.capacity,
        skills=frozenset(rep.skills),
    )


def _account(account: AccountIn) -> Account:
    return Account(
        id=account.id,
        location=account.location.to_location(),
        visit_duration_s=account.visit_duration_s,
        windows=tuple(
            TimeWindow(parse_time_s(w.start), parse_time_s(w.end)) for w in account.windows
        ),
        visit_within_window=account.visit_within_window,
        priority=account.priority,
        value=account.value,
        required=account.required,
        skills=frozenset(account.skills),
        rep_ids=frozenset(account.rep_ids),
        demand=account.demand,
        soft_end_s=parse_time_s(account.soft_end) if account.soft_end else None,
        lateness_cost_per_min=account.lateness_cost_per_min,
        name=account.name,
        address=account.address,
    )


def resolve_network(request: DayPlanRequest, default_network: str) -> str | None:
    """Return the network a request plans on: its own, the default, or None with a matrix."""
    if request.matrix is not None:
        return None
    return request.network or default_network


def to_problem(request: DayPlanRequest, *, default_network: str) -> Problem:
    """Convert a day-plan request into a validated domain :class:`~solver.model.Problem`.

    Parameters
    ----------
    request
        The parsed request.
    default_network
        Network used when the request names none and gives no matrix.

    Returns
    -------
    Problem
        Times in seconds since midnight of ``request.date``.

    Raises
    ------
    InvalidProblemError
        Naming the entity by request path and id, e.g.
        ``"accounts[3] 'A17': priority must be 1..100, got 0."``.
    """
    reps = tuple(
        _build(f"reps[{i}]", rep.id, lambda rep=rep: _rep(rep))
        for i, rep in enumerate(request.reps)
    )
    accounts = tuple(
        _build(f"accounts[{i}]", account.id, lambda account=account: _account(account))
        for i, account in enumerate(request.accounts)
    )
    matrix = None
    if request.matrix is not None:
        matrix = TravelMatrix(request.matrix.durations_s, request.matrix.distances_m)
    try:
        return Problem(
            date=request.date,
            reps=reps,
            accounts=accounts,
            network=resolve_network(request, default_network),
            matrix=matrix,
            already_visited=frozenset(request.already_visited),
        )
    except InvalidProblemError as exc:
        raise _with_entity_path(exc, request) from None


_ENTITY_FIELD = re.compile(r"^(reps|accounts)\[(\d+)\]")


def _with_entity_path(exc: InvalidProblemError, request: DayPlanRequest) -> InvalidProblemError:
    """Name a problem-level error's entity by request path: ``Rep 'r1':`` -> ``reps[0] 'r1':``."""
    match = _ENTITY_FIELD.match(exc.field or "")
    if not match:
        return exc
    kind, index = match.group(1), int(match.group(2))
    items = request.reps if kind == "reps" else request.accounts
    ident = items[index].id
    owner = f"{'Rep' if kind == 'reps' else 'Account'} '{ident}': "
    if not exc.message.startswith(owner):
        return exc
    message = f"{kind}[{index}] '{ident}': {exc.message.removeprefix(owner)}"
    return InvalidProblemError(message, field=exc.field)


# --------------------------------------------------------------------------- responses


class StopOut(BaseModel):
    """A timed stop; ``travel_s``/``distance_m`` are those of the leg arriving here."""

    type: Literal["start", "visit", "break", "end"]
    account_id: str | None = None
    arrival: str = Field(examples=["09:12"])
    start: str = Field(description="When the visit (or break) begins.", examples=["09:12"])
    departure: str = Field(examples=["09:42"])
    wait_s: int = 0
    travel_s: int = 0
    distance_m: int = 0
    location: dict[str, float | int] | None = Field(
        default=None, description="{'lat','lon'} or {'index'} of the stop."
    )


class TotalsOut(BaseModel):
    """Totals of one route."""

    drive_s: int
    distance_m: int
    visit_s: int
    wait_s: int
    break_s: int
    cost: float
    visits: int
    value: float = 0.0
    lateness_s: int = 0


class RouteOut(BaseModel):
    """One rep's day."""

    rep_id: str
    stops: list[StopOut]
    totals: TotalsOut
    geometry: dict[str, Any] | None = Field(
        default=None, description="GeoJSON LineString on a road network, else null."
    )


class UnassignedOut(BaseModel):
    """An account left out of every route, with a stable reason code."""

    account_id: str
    reason: str = Field(examples=["NO_FEASIBLE_WINDOW"])
    detail: str


class SolverOut(BaseModel):
    """How the plan was found."""

    status: str
    seed: int
    time_limit_s: float
    time_s: float
    objective: float | None = None


class ViolationOut(BaseModel):
    """A constraint a plan breaks."""

    rep_id: str | None = None
    account_id: str | None = None
    code: str
    detail: str


_EXAMPLE_ROUTE = {
    "rep_id": "maria",
    "stops": [
        {
            "type": "start",
            "account_id": None,
            "arrival": "08:00",
            "start": "08:00",
            "departure": "08:00",
            "wait_s": 0,
            "travel_s": 0,
            "distance_m": 0,
            "location": {"lat": 35.8958, "lon": 14.4611},
        },
        {
            "type": "visit",
            "account_id": "valletta-pharmacy",
            "arrival": "08:14:25",
            "start": "09:00",
            "departure": "09:20",
            "wait_s": 2735,
            "travel_s": 865,
            "distance_m": 8123,
            "location": {"lat": 35.8989, "lon": 14.5146},
        },
        {
            "type": "end",
            "account_id": None,
            "arrival": "09:34:40",
            "start": "09:34:40",
            "departure": "09:34:40",
            "wait_s": 0,
            "travel_s": 880,
            "distance_m": 8310,
            "location": {"lat": 35.8958, "lon": 14.4611},
        },
    ],
    "totals": {
        "drive_s": 1745,
        "distance_m": 16433,
        "visit_s": 1200,
        "wait_s": 2735,
        "break_s": 0,
        "cost": 17.05,
        "visits": 1,
        "value": 50.0,
        "lateness_s": 0,
    },
    "geometry": {"type": "LineString", "coordinates": [[14.4611, 35.8958], [14.5146, 35.8989]]},
}
_EXAMPLE_PLAN = {
    "date": "2026-12-01",
    "network": "malta",
    "routes": [_EXAMPLE_ROUTE],
    "unassigned": [
        {
            "account_id": "sliema-clinic",
            "reason": "NO_FEASIBLE_WINDOW",
            "detail": "Account 'sliema-clinic': no window can be reached within the shift.",
        }
    ],
    "summary": {
        "reps": 1,
        "visits": 1,
        "unassigned": 1,
        "drive_s": 1745,
        "distance_m": 16433,
        "visit_s": 1200,
        "wait_s": 2735,
        "break_s": 0,
        "cost": 17.05,
        "value": 50.0,
    },
    "solver": {
        "status": "ROUTING_SUCCESS",
        "seed": 0,
        "time_limit_s": 1.0,
        "time_s": 0.41,
        "objective": 17.05,
    },
}


class DayPlanResponse(BaseModel):
    """The planned day."""

    model_config = ConfigDict(json_schema_extra={"examples": [_EXAMPLE_PLAN]})

    date: dt.date
    network: str | None = None
    routes: list[RouteOut]
    unassigned: list[UnassignedOut]
    summary: dict[str, float | int]
    solver: SolverOut


class CheckResponse(DayPlanResponse):
    """A hand-made plan, timed, with every violated constraint (empty = feasible)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    **_EXAMPLE_PLAN,
                    "feasible": False,
                    "violations": [
                        {
                            "rep_id": "maria",
                            "account_id": "valletta-pharmacy",
                            "code": "WINDOW",
                            "detail": "Rep 'maria': visit to 'valletta-pharmacy' starts at "
                            "12:40, outside its windows.",
                        }
                    ],
                }
            ]
        }
    )

    feasible: bool
    violations: list[ViolationOut]


def _loc_dict(location: Location | None) -> dict[str, float | int] | None:
    if location is None:
        return None
    if location.index is not None:
        return {"index": int(location.index)}
    return {"lat": float(location.lat), "lon": float(location.lon)}


def _stop_location(problem: Problem, rep: Rep, stop: Any, previous: Location | None) -> Any:
    if stop.location is not None:
        return stop.location
    if stop.type == StopType.START:
        return rep.start
    if stop.type == StopType.END:
        return rep.end_location or previous
    if stop.type == StopType.VISIT and stop.account_id is not None:
        try:
            return problem.account(stop.account_id).location
        except KeyError:
            return None
    return previous  # a break is taken where the rep is


def from_plan(plan: Plan, problem: Problem) -> DayPlanResponse:
    """Convert a domain :class:`~solver.model.Plan` into the HTTP response model.

    Parameters
    ----------
    plan
        The solver's result.
    problem
        The problem it solves (fills in stop locations the plan leaves out).

    Returns
    -------
    DayPlanResponse
        Times as clock strings on the plan date.
    """
    routes = []
    for route in plan.routes:
        try:
            rep = problem.rep(route.rep_id)
        except KeyError:
            rep = None
        stops = []
        previous: Location | None = None
        for stop in route.stops:
            location = _stop_location(problem, rep, stop, previous) if rep else stop.location
            previous = location or previous
            stops.append(
                StopOut(
                    type=str(stop.type),
                    account_id=stop.account_id,
                    arrival=format_time_s(stop.arrival_s),
                    start=format_time_s(stop.start_s),
                    departure=format_time_s(stop.departure_s),
                    wait_s=int(stop.wait_s),
                    travel_s=int(stop.travel_s),
                    distance_m=int(stop.distance_m),
                    location=_loc_dict(location),
                )
            )
        t = route.totals
        routes.append(
            RouteOut(
                rep_id=route.rep_id,
                stops=stops,
                totals=TotalsOut(
                    drive_s=int(t.drive_s),
                    distance_m=int(t.distance_m),
                    visit_s=int(t.visit_s),
                    wait_s=int(t.wait_s),
                    break_s=int(t.break_s),
                    cost=float(t.cost),
                    visits=int(t.visits),
                    value=float(t.value),
                    lateness_s=int(t.lateness_s),
                ),
                geometry=route.geometry,
            )
        )
    info = plan.solver
    return DayPlanResponse(
        date=plan.date,
        network=problem.network,
        routes=routes,
        unassigned=[
            UnassignedOut(account_id=u.account_id, reason=str(u.reason), detail=u.detail)
            for u in plan.unassigned
        ],
        summary=plan.summary(),
        solver=SolverOut(
            status=str(info.status),
            seed=int(info.seed),
            time_limit_s=float(info.time_limit_s),
            time_s=round(float(info.time_s), 3),
            objective=None if info.objective is None else float(info.objective),
        ),
    )


def plan_from_response(response: dict[str, Any]) -> Plan:
    """Rebuild the domain :class:`~solver.model.Plan` from a day-plan response body.

    The inverse of :func:`from_plan` (up to stop locations), so that a client or a
    test can run ``solver.routing.check_plan`` on what the API returned.
    """
    from solver.model import Reason, Route, RouteTotals, SolverInfo, Stop, Unassigned

    routes = []
    for route in response["routes"]:
        stops = tuple(
            Stop(
                type=StopType(s["type"]),
                arrival_s=parse_time_s(s["arrival"]),
                start_s=parse_time_s(s["start"]),
                departure_s=parse_time_s(s["departure"]),
                wait_s=s["wait_s"],
                travel_s=s["travel_s"],
                distance_m=s["distance_m"],
                account_id=s.get("account_id"),
            )
            for s in route["stops"]
        )
        routes.append(
            Route(route["rep_id"], stops, RouteTotals(**route["totals"]), route.get("geometry"))
        )
    info = response["solver"]
    return Plan(
        date=dt.date.fromisoformat(str(response["date"])),
        routes=tuple(routes),
        unassigned=tuple(
            Unassigned(u["account_id"], Reason(u["reason"]), u["detail"])
            for u in response["unassigned"]
        ),
        solver=SolverInfo(
            info["status"], info["seed"], info["time_limit_s"], info["time_s"], info["objective"]
        ),
    )


def day_plan_geojson(plan: dict[str, Any]) -> dict[str, Any]:
    """Return a day-plan response (as a dict) as a GeoJSON FeatureCollection.

    Routes become LineString features (their geometry, else straight lines between
    stops); stops become Point features carrying their times. Stops without
    coordinates (explicit-matrix plans) are left out.
    """
    features: list[dict[str, Any]] = []
    for route in plan["routes"]:
        coords = [
            [s["location"]["lon"], s["location"]["lat"]]
            for s in route["stops"]
            if s.get("location") and "lat" in s["location"]
        ]
        geometry = route.get("geometry") or (
            {"type": "LineString", "coordinates": coords} if len(coords) >= 2 else None
        )
        if geometry is not None:
            features.append(
                {
                    "type": "Feature",
                    "geometry": geometry,
                    "properties": {"kind": "route", "rep_id": route["rep_id"], **route["totals"]},
                }
            )
        for order, stop in enumerate(route["stops"]):
            loc = stop.get("location")
            if not loc or "lat" not in loc:
                continue
            props = {k: v for k, v in stop.items() if k != "location"}
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [loc["lon"], loc["lat"]]},
                    "properties": {
                        "kind": "stop",
                        "rep_id": route["rep_id"],
                        "order": order,
                        **props,
                    },
                }
            )
    return {
        "type": "FeatureCollection",
        "features": features,
        "properties": {"date": str(plan["date"]), "summary": plan["summary"]},
    }


# --------------------------------------------------------------------------- estimates


class EstimateRequest(_Model):
    """Travel estimates: a matrix (``origins`` x ``destinations``) or a ``sequence`` of legs."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "network": "malta",
                    "origins": [{"lat": 35.8989, "lon": 14.5146}],
                    "destinations": [
                        {"lat": 35.9122, "lon": 14.5042},
                        {"lat": 35.8859, "lon": 14.4032},
                    ],
                    "cost_per_km": 0.3,
                    "cost_per_hour": 25,
                },
                {
                    "network": "malta",
                    "sequence": [
                        {"lat": 35.8989, "lon": 14.5146},
                        {"lat": 35.9122, "lon": 14.5042},
                        {"lat": 35.8859, "lon": 14.4032},
                    ],
                },
            ]
        },
    )

    network: Ident | None = None
    origins: list[Loc] | None = Field(default=None, max_length=100_000)
    destinations: list[Loc] | None = Field(
        default=None, max_length=100_000, description="null = the origins."
    )
    sequence: list[Loc] | None = Field(default=None, min_length=2, max_length=100_000)
    cost_per_km: Money = 0.0
    cost_per_hour: Money = 0.0
    geometry: bool = Field(default=False, description="Return the path of a sequence as GeoJSON.")

    @model_validator(mode="after")
    def _one_kind(self) -> EstimateRequest:
        if (self.origins is None) == (self.sequence is None):
            raise ValueError("give either origins (and destinations) or a sequence")
        if self.sequence is not None and self.destinations is not None:
            raise ValueError("destinations go with origins, not with a sequence")
        if self.origins is not None and not self.origins:
            raise ValueError("origins must not be empty")
        for name in ("origins", "destinations", "sequence"):
            for i, loc in enumerate(getattr(self, name) or []):
                if loc.index is not None:
                    raise ValueError(f"{name}[{i}] must be lat/lon on a road network")
        return self

    def cells(self) -> int:
        """Return the number of origin-destination pairs the request asks for."""
        if self.sequence is not None:
            return len(self.sequence) - 1
        destinations = self.destinations if self.destinations is not None else self.origins
        return len(self.origins or []) * len(destinations or [])


class MatrixEstimate(BaseModel):
    """Matrices, row = origin; unreachable pairs are -1 (cost null)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "network": "malta",
                    "durations_s": [[488, 881]],
                    "distances_m": [[5999, 13147]],
                    "costs": [[5.19, 10.06]],
                }
            ]
        }
    )

    network: str
    durations_s: list[list[int]]
    distances_m: list[list[int]]
    costs: list[list[float | None]]


class Leg(BaseModel):
    """One leg of a sequence."""

    from_index: int
    to_index: int
    duration_s: int | None
    distance_m: int | None
    cost: float | None


class SequenceEstimate(BaseModel):
    """Per-leg and total estimates of visiting a sequence in order."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "network": "malta",
                    "legs": [
                        {
                            "from_index": 0,
                            "to_index": 1,
                            "duration_s": 485,
                            "distance_m": 6297,
                            "cost": 1.89,
                        }
                    ],
                    "total": {"duration_s": 485, "distance_m": 6297, "cost": 1.89},
                    "reachable": True,
                    "geometry": None,
                }
            ]
        }
    )

    network: str
    legs: list[Leg]
    total: dict[str, float | int | None]
    reachable: bool
    geometry: dict[str, Any] | None = None


def travel_cost(
    duration_s: int, distance_m: int, cost_per_km: float, cost_per_hour: float
) -> float:
    """Return the cost of a leg: ``km * cost_per_km + hours * cost_per_hour``, rounded to cents."""
    return round(distance_m / 1000 * cost_per_km + duration_s / 3600 * cost_per_hour, 2)


def estimate_from_matrix(
    request: EstimateRequest, network: str, matrix: TravelMatrix
) -> MatrixEstimate | SequenceEstimate:
    """Turn a travel matrix into the estimate response for ``request``.

    For a sequence the matrix is the square matrix of the sequence's points.
    """
    durations = matrix.durations_s.tolist()
    distances = matrix.distances_m.tolist()
    per_km, per_hour = request.cost_per_km, request.cost_per_hour
    if request.sequence is None:
        costs = [
            [
                None if d < 0 else travel_cost(d, m, per_km, per_hour)
                for d, m in zip(drow, mrow, strict=True)
            ]
            for drow, mrow in zip(durations, distances, strict=True)
        ]
        return MatrixEstimate(
            network=network, durations_s=durations, distances_m=distances, costs=costs
        )
    legs = []
    for i in range(len(request.sequence) - 1):
        d, m = durations[i][i + 1], distances[i][i + 1]
        ok = d >= 0 and m >= 0
        legs.append(
            Leg(
                from_index=i,
                to_index=i + 1,
                duration_s=d if ok else None,
                distance_m=m if ok else None,
                cost=travel_cost(d, m, per_km, per_hour) if ok else None,
            )
        )
    reachable = all(leg.duration_s is not None for leg in legs)
    total: dict[str, float | int | None] = {"duration_s": None, "distance_m": None, "cost": None}
    if reachable:
        total = {
            "duration_s": sum(leg.duration_s or 0 for leg in legs),
            "distance_m": sum(leg.distance_m or 0 for leg in legs),
            "cost": round(sum(leg.cost or 0.0 for leg in legs), 2),
        }
    return SequenceEstimate(network=network, legs=legs, total=total, reachable=reachable)


def points_of(locations: Sequence[Loc]) -> list[tuple[float, float]]:
    """Return ``[(lat, lon), ...]`` for geographic request locations."""
    return [loc.to_point() for loc in locations]


# --------------------------------------------------------------------------- networks, jobs


class NetworkOut(BaseModel):
    """A prepared road network."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "malta",
                    "bbox": [14.3246, 35.8071, 14.5732, 35.9953],
                    "nodes": 19025,
                    "edges": 45692,
                    "source_file": "malta-2016-11-09.osm.pbf",
                    "source_sha256": "acb9bb2a00ca497c5e2bf3b96ab55bbf"
                    "4ce01599abdedcb6c56d5cd109215a12",
                    "built_at": "2026-11-26T22:16:35+00:00",
                    "timezone": "Europe/Malta",
                    "default": True,
                }
            ]
        }
    )

    name: str = Field(examples=["malta"])
    bbox: list[float] = Field(description="[min_lon, min_lat, max_lon, max_lat], degrees.")
    nodes: int
    edges: int
    source_file: str
    source_sha256: str | None = None
    built_at: str = Field(description="ISO 8601 build time.")
    timezone: str | None = Field(
        default=None,
        description="IANA time zone of the network's area, recorded at build time: the "
        "local time of plans on it, used by the calendar and GPX exports. Null for a "
        "network built before zones were recorded.",
        examples=["Europe/Malta"],
    )
    default: bool = False


class HealthOut(BaseModel):
    """Liveness and the networks this service can plan on."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"status": "ok", "networks": ["malta"]}]}
    )

    status: Literal["ok"]
    networks: list[str]


JobKind = Literal["day-plan", "territories", "estimates", "day-plan-batch"]
JobStatus = Literal["queued", "running", "succeeded", "failed", "cancelled"]


class JobRequest(_Model):
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

    kind: JobKind
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
                    "result": _EXAMPLE_PLAN,
                    "error": None,
                }
            ]
        }
    )

    id: str
    kind: JobKind
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


class DayPlanBatchRequest(_Model):
    """Many reps' independent day plans, one request per rep, run as one job."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "requests": [
                        {
                            "network": "malta",
                            "date": "2026-12-01",
                            "reps": [
                                {
                                    "id": "R1",
                                    "start": {"lat": 35.8958, "lon": 14.4611},
                                    "shift": {"start": "08:00", "end": "17:00"},
                                }
                            ],
                            "accounts": [
                                {
                                    "id": "A1",
                                    "location": {"lat": 35.8989, "lon": 14.5146},
                                    "visit_duration_s": 1800,
                                }
                            ],
                            "options": {"time_limit_s": 2, "seed": 0},
                        }
                    ]
                }
            ]
        },
    )

    requests: list[DayPlanRequest] = Field(
        min_length=1, description="One day-plan request per rep (each with exactly one rep)."
    )
