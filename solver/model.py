"""Domain model for day planning: the problem a planner solves and the plan it returns.

Every object is a frozen dataclass validated on construction; an invalid value raises
:class:`~solver.errors.InvalidProblemError` with one sentence naming the entity.

Conventions
-----------
* Times of day are integer seconds since midnight of the plan date (``*_s`` fields
  such as ``start_s``); durations are integer seconds (``duration_s``); distances are
  integer metres (``distance_m``). Conversion from "HH:MM" strings happens at the edge
  (the HTTP schemas), never here.
* Costs are floats in the caller's currency: ``cost_per_km`` and ``cost_per_hour``.
* A :class:`Location` is either geographic (``lat``/``lon``, resolved on a road
  network) or an ``index`` into an explicit :class:`TravelMatrix`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np

from solver.errors import InvalidProblemError

#: Entry of a :class:`TravelMatrix` for a pair with no path between them.
UNREACHABLE = -1

#: Upper bound on clock values a caller writes as ``HH:MM``: two days (the HTTP schemas).
MAX_TIME_S = 2 * 24 * 3600

#: Time on site of a visit when a request gives none, seconds (half an hour, the usual
#: field-sales call). One default for day plans, territories and every other
#: capability; a visit of 0 s happens only when asked for.
DEFAULT_VISIT_DURATION_S = 1800
#: Upper bound on times inside the domain model: 999:59:59, so that abstract units
#: (benchmark instances whose "seconds" are scaled distances) fit.
MAX_CLOCK_S = 1000 * 3600 - 1


def format_time_s(time_s: int | float) -> str:
    """Format seconds since midnight as ``HH:MM:SS``, the one time format of every output.

    Parameters
    ----------
    time_s
        Seconds since midnight of the plan date; values past 24 h give hours >= 24.

    Returns
    -------
    str
        The clock time, e.g. ``"09:05:00"`` or ``"09:05:30"``.
    """
    total = int(round(time_s))
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}"


def _invalid(
    owner: tuple[str, str | None], reason: str, *, field: str | None = None
) -> InvalidProblemError:
    """Return the error of ``owner`` (entity kind and id) with ``reason`` and ``field``."""
    return InvalidProblemError(reason, entity=owner[0], entity_id=owner[1], field=field)


def _check_time(owner: tuple[str, str | None], name: str, value: int) -> None:
    if not isinstance(value, int | np.integer) or isinstance(value, bool):
        raise _invalid(owner, f"{name} must be whole seconds, got {value!r}.")
    if not 0 <= value <= MAX_CLOCK_S:
        raise _invalid(
            owner, f"{name} {value} s is outside 0..{MAX_CLOCK_S} s (999:59:59).", field=name
        )


def _check_non_negative(owner: tuple[str, str | None], name: str, value: float | None) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise _invalid(owner, f"{name} must be a number, got {value!r}.", field=name)
    if not math.isfinite(value) or value < 0:
        raise _invalid(owner, f"{name} must be >= 0, got {value!r}.", field=name)


@dataclass(frozen=True, slots=True)
class Location:
    """A place: geographic coordinates or an index into an explicit matrix.

    Parameters
    ----------
    lat, lon
        WGS84 degrees; both set for a geographic location.
    index
        Row/column of an explicit :class:`TravelMatrix`; set instead of lat/lon.
    """

    lat: float | None = None
    lon: float | None = None
    index: int | None = None

    def __post_init__(self) -> None:
        geo = self.lat is not None or self.lon is not None
        if geo and self.index is not None:
            raise _invalid(("Location", None), "give either lat/lon or index, not both.")
        if self.index is not None:
            if isinstance(self.index, bool) or not isinstance(self.index, int | np.integer):
                raise _invalid(("Location", None), f"index must be an integer, got {self.index!r}.")
            if self.index < 0:
                raise _invalid(("Location", None), f"index must be >= 0, got {self.index}.")
            return
        if self.lat is None or self.lon is None:
            raise _invalid(("Location", None), "both lat and lon are required.")
        if not (math.isfinite(self.lat) and -90 <= self.lat <= 90):
            raise _invalid(("Location", None), f"lat {self.lat} is outside -90..90.", field="lat")
        if not (math.isfinite(self.lon) and -180 <= self.lon <= 180):
            raise _invalid(("Location", None), f"lon {self.lon} is outside -180..180.", field="lon")

    @property
    def is_geo(self) -> bool:
        """True for a lat/lon location, False for a matrix index."""
        return self.index is None


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """A window of the day, ``[start_s, end_s]`` in seconds since midnight."""

    start_s: int
    end_s: int

    def __post_init__(self) -> None:
        _check_time("TimeWindow", "start_s", self.start_s)
        _check_time("TimeWindow", "end_s", self.end_s)
        if self.end_s < self.start_s:
            raise _invalid(
                ("TimeWindow", None),
                f"end {format_time_s(self.end_s)} is before start {format_time_s(self.start_s)}.",
            )

    def contains(self, time_s: float) -> bool:
        """Return True when ``time_s`` lies inside the window (ends included)."""
        return self.start_s <= time_s <= self.end_s


@dataclass(frozen=True, slots=True)
class Break:
    """A break (lunch) the rep takes wherever they are.

    The break starts between ``earliest_start_s`` and ``latest_start_s`` and lasts
    ``duration_s``; it is taken between two stops (never during a visit).
    """

    earliest_start_s: int
    latest_start_s: int
    duration_s: int

    def __post_init__(self) -> None:
        _check_time("Break", "earliest_start_s", self.earliest_start_s)
        _check_time("Break", "latest_start_s", self.latest_start_s)
        _check_time("Break", "duration_s", self.duration_s)
        if self.latest_start_s < self.earliest_start_s:
            raise _invalid(
                ("Break", None),
                f"latest start {format_time_s(self.latest_start_s)} is before earliest "
                f"start {format_time_s(self.earliest_start_s)}.",
            )


@dataclass(frozen=True, slots=True)
class Shift:
    """Working hours: leave no earlier than ``start_s``, arrive at the end by ``end_s``."""

    start_s: int
    end_s: int

    def __post_init__(self) -> None:
        _check_time("Shift", "start_s", self.start_s)
        _check_time("Shift", "end_s", self.end_s)
        if self.end_s <= self.start_s:
            raise _invalid(
                ("Shift", None),
                f"end {format_time_s(self.end_s)} is not after start "
                f"{format_time_s(self.start_s)}.",
            )


@dataclass(frozen=True, slots=True)
class Rep:
    """A field sales representative for one day.

    Parameters
    ----------
    id
        Unique id of the rep.
    start
        Where the day starts (home or office).
    shift
        Working hours; the shift end is the latest arrival at the end location.
    end
        Where the day ends; ``None`` means back at ``start`` (unless ``open_end``).
    open_end
        When True the route ends at the last visit (no drive home is counted).
    lunch
        Optional break.
    max_drive_s
        Optional cap on the day's total driving time, seconds.
    max_visits
        Optional cap on the number of visits.
    cost_per_km, cost_per_hour
        Travel cost: per km driven and per hour of working time on the road
        (driving). Visit time is not costed (it is the job).
    capacity
        Optional capacity (e.g. sample boxes) against account ``demand``.
    skills
        Skills the rep has (e.g. ``"oncology"``).
    """

    id: str
    start: Location
    shift: Shift
    end: Location | None = None
    open_end: bool = False
    lunch: Break | None = None
    max_drive_s: int | None = None
    max_visits: int | None = None
    cost_per_km: float = 0.0
    cost_per_hour: float = 0.0
    capacity: int | None = None
    skills: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id:
            raise InvalidProblemError(
                f"Rep {self.id!r}: id must be a non-empty string.", field="id"
            )
        owner = ("Rep", self.id)
        if self.open_end and self.end is not None:
            raise _invalid(owner, "open_end routes take no end location.", field="end")
        _check_non_negative(owner, "cost_per_km", self.cost_per_km)
        _check_non_negative(owner, "cost_per_hour", self.cost_per_hour)
        for name in ("max_drive_s", "max_visits", "capacity"):
            value = getattr(self, name)
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 0
            ):
                raise _invalid(
                    owner, f"{name} must be a whole number >= 0, got {value!r}.", field=name
                )
        object.__setattr__(self, "skills", frozenset(self.skills))
        if self.lunch is not None and not (
            self.shift.start_s <= self.lunch.earliest_start_s
            and self.lunch.latest_start_s <= self.shift.end_s
        ):
            raise _invalid(
                owner,
                f"break window {format_time_s(self.lunch.earliest_start_s)}-"
                f"{format_time_s(self.lunch.latest_start_s)} is outside the shift "
                f"{format_time_s(self.shift.start_s)}-{format_time_s(self.shift.end_s)}.",
                field="break",
            )

    @property
    def end_location(self) -> Location | None:
        """Where the route ends: ``end``, else ``start``; ``None`` for an open end."""
        if self.open_end:
            return None
        return self.end if self.end is not None else self.start


@dataclass(frozen=True, slots=True)
class Account:
    """A customer account that may be visited today.

    Parameters
    ----------
    id
        Unique id of the account.
    location
        Where the visit happens.
    visit_duration_s
        Time on site, seconds; default :data:`DEFAULT_VISIT_DURATION_S` (1800).
    windows
        Zero, one or several windows of the day. By default a window bounds the
        *start* of the visit; with ``visit_within_window`` the whole visit must fit.
        No window means any time within the rep's shift.
    visit_within_window
        Require the whole visit to fit inside one window (shop opening hours).
    priority
        1 (low) .. 100 (high). Used as the visit's value when ``value`` is None.
    value
        Worth of a visit in the cost currency; overrides ``priority``.
    required
        Must be visited whenever feasible (dropped only if no rep can fit it).
    skills
        Skills the visiting rep must have.
    rep_ids
        Reps allowed to visit; empty means any rep.
    demand
        Units taken from the rep's ``capacity``.
    soft_end_s
        Optional soft latest start: starting later costs ``lateness_cost_per_min``.
    lateness_cost_per_min
        Cost per minute past ``soft_end_s``.
    name, address
        Optional display name and postal address (shown in calendars and maps).
    """

    id: str
    location: Location
    visit_duration_s: int = DEFAULT_VISIT_DURATION_S
    windows: tuple[TimeWindow, ...] = ()
    visit_within_window: bool = False
    priority: int = 50
    value: float | None = None
    required: bool = False
    skills: frozenset[str] = field(default_factory=frozenset)
    rep_ids: frozenset[str] = field(default_factory=frozenset)
    demand: int = 0
    soft_end_s: int | None = None
    lateness_cost_per_min: float = 0.0
    name: str | None = None
    address: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id:
            raise InvalidProblemError(
                f"Account {self.id!r}: id must be a non-empty string.", field="id"
            )
        owner = ("Account", self.id)
        _check_time(owner, "visit_duration_s", self.visit_duration_s)
        object.__setattr__(self, "windows", tuple(self.windows))
        object.__setattr__(self, "skills", frozenset(self.skills))
        object.__setattr__(self, "rep_ids", frozenset(self.rep_ids))
        ordered = sorted(self.windows, key=lambda w: w.start_s)
        for i, (a, b) in enumerate(zip(ordered, ordered[1:], strict=False)):
            if b.start_s <= a.end_s:
                raise _invalid(
                    owner,
                    f"windows {format_time_s(a.start_s)}-{format_time_s(a.end_s)} and "
                    f"{format_time_s(b.start_s)}-{format_time_s(b.end_s)} overlap.",
                    field=f"windows[{i + 1}]",
                )
        object.__setattr__(self, "windows", tuple(ordered))
        if self.visit_within_window:
            for i, w in enumerate(self.windows):
                if w.end_s - w.start_s < self.visit_duration_s:
                    raise _invalid(
                        owner,
                        f"window {format_time_s(w.start_s)}-{format_time_s(w.end_s)} is "
                        f"shorter than the {self.visit_duration_s} s visit.",
                        field=f"windows[{i}]",
                    )
        priority_ok = isinstance(self.priority, int | np.integer) and not isinstance(
            self.priority, bool
        )
        if not priority_ok or not 1 <= self.priority <= 100:
            raise _invalid(
                owner, f"priority must be 1..100, got {self.priority!r}.", field="priority"
            )
        _check_non_negative(owner, "value", self.value)
        if (
            isinstance(self.demand, bool)
            or not isinstance(self.demand, int | np.integer)
            or (self.demand < 0)
        ):
            raise _invalid(
                owner, f"demand must be a whole number >= 0, got {self.demand!r}.", field="demand"
            )
        if self.soft_end_s is not None:
            _check_time(owner, "soft_end_s", self.soft_end_s)
        _check_non_negative(owner, "lateness_cost_per_min", self.lateness_cost_per_min)

    def start_windows(self) -> tuple[TimeWindow, ...]:
        """Windows on the visit *start* (shrunk by the duration with ``visit_within_window``)."""
        if not self.visit_within_window:
            return self.windows
        return tuple(TimeWindow(w.start_s, w.end_s - self.visit_duration_s) for w in self.windows)


@dataclass(frozen=True, slots=True, eq=False)
class TravelMatrix:
    """Travel times and distances between locations.

    Parameters
    ----------
    durations_s
        ``(n, m)`` integer array of travel times in seconds, row = origin.
    distances_m
        ``(n, m)`` integer array of distances in metres (length of the fastest path).

    Unreachable pairs hold :data:`UNREACHABLE` (-1) in both arrays.
    """

    durations_s: np.ndarray
    distances_m: np.ndarray

    def __post_init__(self) -> None:
        durations = np.asarray(self.durations_s)
        distances = np.asarray(self.distances_m)
        if durations.ndim != 2 or durations.shape != distances.shape:
            raise _invalid(
                ("Matrix", None),
                f"durations_s {durations.shape} and distances_m {distances.shape} must be "
                "2-D arrays of the same shape.",
                field="matrix",
            )
        for name, array in (("durations_s", durations), ("distances_m", distances)):
            fractional = array.size and not np.issubdtype(array.dtype, np.integer)
            if fractional and (not np.all(np.isfinite(array)) or np.any(array != np.round(array))):
                raise _invalid(
                    ("Matrix", None), f"{name} must hold whole numbers.", field=f"matrix.{name}"
                )
            if array.size and np.any(array < UNREACHABLE):
                raise _invalid(
                    ("Matrix", None),
                    f"{name} has negative entries (use -1 for unreachable).",
                    field=f"matrix.{name}",
                )
        object.__setattr__(self, "durations_s", durations.astype(np.int64, copy=False))
        object.__setattr__(self, "distances_m", distances.astype(np.int64, copy=False))

    @property
    def shape(self) -> tuple[int, int]:
        """``(origins, destinations)``."""
        return self.durations_s.shape  # type: ignore[return-value]

    @property
    def reachable(self) -> np.ndarray:
        """Boolean mask of pairs that have a path."""
        return self.durations_s != UNREACHABLE


@dataclass(frozen=True, slots=True)
class Problem:
    """One day's planning problem.

    Parameters
    ----------
    date
        The plan date (times are seconds since its midnight).
    reps
        The reps working that day.
    accounts
        Candidate accounts.
    network
        Name of a prepared road network; locations are then lat/lon.
    matrix
        Explicit square matrix; locations are then indices into it.
    already_visited
        Account ids done earlier today (re-planning from mid-day): never planned again.
    """

    date: dt.date
    reps: tuple[Rep, ...]
    accounts: tuple[Account, ...]
    network: str | None = None
    matrix: TravelMatrix | None = None
    already_visited: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        object.__setattr__(self, "reps", tuple(self.reps))
        object.__setattr__(self, "accounts", tuple(self.accounts))
        object.__setattr__(self, "already_visited", frozenset(self.already_visited))
        if not self.reps:
            raise _invalid(("Problem", None), "at least one rep is required.", field="reps")
        _check_unique("Rep", "reps", (r.id for r in self.reps))
        _check_unique("Account", "accounts", (a.id for a in self.accounts))
        rep_ids = {r.id for r in self.reps}
        for i, account in enumerate(self.accounts):
            unknown = sorted(account.rep_ids - rep_ids)
            if unknown:
                raise _invalid(
                    ("Account", account.id),
                    f"rep_ids names unknown rep '{unknown[0]}'.",
                    field=f"accounts[{i}].rep_ids",
                )
        if self.matrix is not None:
            n, m = self.matrix.shape
            if n != m:
                raise _invalid(("Matrix", None), f"must be square, got {n} x {m}.", field="matrix")
            for path, owner, loc in self._locations_with_paths():
                if loc.is_geo:
                    raise _invalid(
                        owner,
                        "with an explicit matrix, locations must be {'index': i}.",
                        field=path,
                    )
                if loc.index >= n:
                    raise _invalid(
                        owner,
                        f"location index {loc.index} is outside the {n} x {n} matrix.",
                        field=path,
                    )
        else:
            for path, owner, loc in self._locations_with_paths():
                if not loc.is_geo:
                    raise _invalid(
                        owner,
                        "an index location needs an explicit matrix; give lat/lon "
                        "for a road network.",
                        field=path,
                    )

    def _locations_with_paths(self) -> Iterable[tuple[str, tuple[str, str | None], Location]]:
        for i, rep in enumerate(self.reps):
            yield f"reps[{i}].start", ("Rep", rep.id), rep.start
            if rep.end is not None:
                yield f"reps[{i}].end", ("Rep", rep.id), rep.end
        for i, account in enumerate(self.accounts):
            yield f"accounts[{i}].location", ("Account", account.id), account.location

    def account(self, account_id: str) -> Account:
        """Return the account with that id (KeyError if absent)."""
        for account in self.accounts:
            if account.id == account_id:
                return account
        raise KeyError(account_id)

    def rep(self, rep_id: str) -> Rep:
        """Return the rep with that id (KeyError if absent)."""
        for rep in self.reps:
            if rep.id == rep_id:
                return rep
        raise KeyError(rep_id)


def _check_unique(kind: str, path: str, ids: Iterable[str]) -> None:
    seen: dict[str, int] = {}
    for i, ident in enumerate(ids):
        if ident in seen:
            raise _invalid(
                (kind, ident),
                f"id is used twice ({path}[{seen[ident]}] and {path}[{i}]).",
                field=f"{path}[{i}].id",
            )
        seen[ident] = i


# --------------------------------------------------------------------------- results


class StopType(StrEnum):
    """Kind of a stop in a route."""

    START = "start"
    VISIT = "visit"
    BREAK = "break"
    END = "end"


class Reason(StrEnum):
    """Why an account was left unassigned (documented list, stable codes)."""

    NO_FEASIBLE_WINDOW = "NO_FEASIBLE_WINDOW"
    """No window of the account can be reached within any eligible rep's shift."""
    SHIFT_TOO_SHORT = "SHIFT_TOO_SHORT"
    """The visit fits alone, but not together with the other planned work."""
    UNREACHABLE = "UNREACHABLE"
    """No road path between the rep's start/end and the account."""
    OFF_NETWORK = "OFF_NETWORK"
    """The location is too far from any road to snap onto the network."""
    REP_OFF_NETWORK = "REP_OFF_NETWORK"
    """Every eligible rep starts or ends too far from any road: the rep is the cause."""
    NO_ELIGIBLE_REP = "NO_ELIGIBLE_REP"
    """No rep has the required skills or is among the allowed ``rep_ids``."""
    CAPACITY = "CAPACITY"
    """The demand does not fit any eligible rep's remaining capacity."""
    MAX_VISITS = "MAX_VISITS"
    """Eligible reps are at their maximum number of visits."""
    MAX_DRIVE_TIME = "MAX_DRIVE_TIME"
    """Serving it would exceed the reps' maximum drive time."""
    NOT_WORTH_THE_DETOUR = "NOT_WORTH_THE_DETOUR"
    """Feasible, but its value is below the travel cost of the detour."""
    ALREADY_VISITED = "ALREADY_VISITED"
    """Visited earlier today (re-planning from mid-day)."""
    NOT_IN_ORDER = "NOT_IN_ORDER"
    """Left out of a hand-made order (timing a rep's own plan)."""
    NOT_GEOCODED = "NOT_GEOCODED"
    """Given by ``address`` only, and the address could not be placed at ``min_quality``."""


@dataclass(frozen=True, slots=True)
class Stop:
    """One timed stop of a route.

    ``travel_s`` and ``distance_m`` are those of the leg arriving at this stop, driven
    from ``drive_start_s`` (None for the start and a break). For a visit, ``start_s``
    is when service begins (``arrival_s + wait_s``) and ``departure_s = start_s + visit
    duration``. When a break comes between two visits the leg is driven first, then
    the rep waits and takes the break on site: ``drive_start_s`` is then before the
    break, ``arrival_s`` after it.
    """

    type: StopType
    arrival_s: int
    start_s: int
    departure_s: int
    wait_s: int = 0
    travel_s: int = 0
    distance_m: int = 0
    account_id: str | None = None
    location: Location | None = None
    drive_start_s: int | None = None


@dataclass(frozen=True, slots=True)
class RouteTotals:
    """Totals of a route; each is the sum over its stops, but for the day's two ends.

    ``wait_s`` is the rep's idle time (waiting for windows and breaks); ``cost`` is in
    the request's currency, rounded to cents; ``day_start_s`` is when the rep leaves
    the start and ``day_end_s`` when the day ends (arrival at the end).
    """

    drive_s: int
    """Driving time, seconds."""
    distance_m: int
    """Driven distance, metres."""
    visit_s: int
    """Time spent visiting, seconds."""
    wait_s: int
    """Idle time: waiting for windows to open and breaks to start, seconds."""
    break_s: int
    """Break time, seconds."""
    cost: float
    """Travel cost (hours x cost_per_hour + km x cost_per_km) plus lateness cost, rounded to cents
    of the currency."""
    visits: int
    """Number of visits."""
    value: float = 0.0
    """Summed worth of the visits (value, else priority)."""
    lateness_s: int = 0
    """Seconds visits start past their soft end, summed."""
    day_start_s: int = 0
    """When the rep leaves the start, seconds since midnight of the plan date."""
    day_end_s: int = 0
    """When the rep's day ends (arrival at the end), seconds since midnight."""


@dataclass(frozen=True, slots=True)
class Route:
    """A rep's day: ordered stops, totals and, on a road network, the geometry."""

    rep_id: str
    stops: tuple[Stop, ...]
    totals: RouteTotals
    geometry: dict | None = None

    @property
    def account_ids(self) -> tuple[str, ...]:
        """Ids of visited accounts in visiting order."""
        return tuple(s.account_id for s in self.stops if s.type == StopType.VISIT and s.account_id)


@dataclass(frozen=True, slots=True)
class Unassigned:
    """An account that is not in any route, with a reason code and a sentence."""

    account_id: str
    reason: Reason
    detail: str


class SolveStatus(StrEnum):
    """How a solve ended, in fieldroute's own words (never an engine's status name).

    Each engine's statuses (OR-Tools routing, PyVRP, HiGHS for territories) are mapped
    to these by the module that runs it, so that clients see one documented set.
    """

    #: The plan is proven optimal (or within the engine's optimality tolerance).
    OPTIMAL = "optimal"
    #: The search stopped by itself: at a local optimum, or within the requested gap.
    CONVERGED = "converged"
    #: A feasible plan; the search ended without a proof of optimality.
    FEASIBLE = "feasible"
    #: The time limit stopped the search; the plan is the best found until then.
    TIME_LIMIT = "time_limit"
    #: No plan satisfies the constraints (every account is unassigned with a reason).
    INFEASIBLE = "infeasible"
    #: Nothing to plan (no account can be visited, or no accounts at all).
    EMPTY = "empty"
    #: The client's own orders were timed and checked (``/v1/day-plans/check``).
    HAND_MADE = "hand_made"


class StopReason(StrEnum):
    """Why a search stopped (``SolverInfo.stop_reason``), in fieldroute's own words."""

    #: No better solution for a share of the search so far (seconds, or solutions in
    #: deterministic mode): the answer stopped improving before the limit.
    CONVERGED = "converged"
    #: ``time_limit_s`` was reached (in deterministic mode: the safety cap, so the
    #: result may differ between runs).
    TIME_LIMIT = "time_limit"
    #: The deterministic search spent its work budget (solutions / iterations).
    WORK_LIMIT = "work_limit"
    #: The search ended by itself (nothing left to explore, or within the gap).
    COMPLETED = "completed"
    #: Nothing to search (no candidate to plan).
    EMPTY = "empty"


#: OR-Tools routing search statuses -> :class:`SolveStatus`.
ORTOOLS_STATUS: dict[str, SolveStatus] = {
    "ROUTING_OPTIMAL": SolveStatus.OPTIMAL,
    "ROUTING_SUCCESS": SolveStatus.FEASIBLE,
    "ROUTING_PARTIAL_SUCCESS_LOCAL_OPTIMUM_NOT_REACHED": SolveStatus.TIME_LIMIT,
    "ROUTING_FAIL_TIMEOUT": SolveStatus.TIME_LIMIT,
    "ROUTING_FAIL": SolveStatus.INFEASIBLE,
    "ROUTING_INFEASIBLE": SolveStatus.INFEASIBLE,
    "ROUTING_INVALID": SolveStatus.INFEASIBLE,
    "ROUTING_NOT_SOLVED": SolveStatus.TIME_LIMIT,
}

#: HiGHS model statuses and the territory search's own outcomes -> :class:`SolveStatus`.
HIGHS_STATUS: dict[str, SolveStatus] = {
    "Optimal": SolveStatus.OPTIMAL,
    "Objective target reached": SolveStatus.CONVERGED,
    "Rounded within max_gap": SolveStatus.CONVERGED,
    "Time limit reached": SolveStatus.TIME_LIMIT,
    "Rounded (no time left for the MIP)": SolveStatus.TIME_LIMIT,
    "Iteration limit reached": SolveStatus.TIME_LIMIT,
    "empty": SolveStatus.EMPTY,
}


def solve_status(engine_status: str, table: dict[str, SolveStatus]) -> SolveStatus:
    """Return fieldroute's status of an engine's status name.

    Parameters
    ----------
    engine_status
        The engine's own name (``"ROUTING_SUCCESS"``, ``"Time limit reached"``) or
        already a :class:`SolveStatus` value.
    table
        The engine's mapping (:data:`ORTOOLS_STATUS`, :data:`HIGHS_STATUS`).

    Returns
    -------
    SolveStatus
        An unknown name that still came with a plan is ``feasible``.
    """
    if engine_status in SolveStatus.__members__.values():
        return SolveStatus(engine_status)
    return table.get(engine_status, SolveStatus.FEASIBLE)


@dataclass(frozen=True, slots=True)
class SolverInfo:
    """How the plan was found (``status``: one of :class:`SolveStatus`)."""

    status: SolveStatus
    seed: int
    time_limit_s: float
    time_s: float
    objective: float | None = None
    #: Why the search stopped (None where the engine does not say).
    stop_reason: StopReason | None = None
    #: True when the search stopped on work done, not on the clock (same seed, same plan).
    deterministic: bool = False

    def __post_init__(self) -> None:
        if self.stop_reason is not None:
            object.__setattr__(self, "stop_reason", StopReason(self.stop_reason))
        if self.status not in SolveStatus.__members__.values():
            raise InvalidProblemError(
                f"status {self.status!r} is not one of {', '.join(SolveStatus)}.",
                entity="SolverInfo",
                field="status",
            )
        object.__setattr__(self, "status", SolveStatus(self.status))


@dataclass(frozen=True, slots=True)
class Plan:
    """The result of planning a day."""

    date: dt.date
    routes: tuple[Route, ...]
    unassigned: tuple[Unassigned, ...]
    solver: SolverInfo

    def summary(self) -> dict[str, float | int]:
        """Return totals over all routes (drive, distance, visits, cost, unassigned)."""
        totals = [r.totals for r in self.routes]
        return {
            "reps": len(self.routes),
            "visits": sum(t.visits for t in totals),
            "unassigned": len(self.unassigned),
            "drive_s": sum(t.drive_s for t in totals),
            "distance_m": sum(t.distance_m for t in totals),
            "visit_s": sum(t.visit_s for t in totals),
            "wait_s": sum(t.wait_s for t in totals),
            "break_s": sum(t.break_s for t in totals),
            "cost": round(sum(t.cost for t in totals), 2),
            "value": round(sum(t.value for t in totals), 2),
        }
