"""Domain model of a planner's answer: routes of stops, unassigned accounts, the solve.

Frozen dataclasses built by the routing engine (:mod:`solver.routing`) and read by the
checkers, the exports and the HTTP schemas. Units as in :mod:`solver.model`:
clock times in seconds since midnight of the plan date (``*_s``), distances in metres
(``distance_m``), costs in the caller's currency.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from solver.errors import InvalidProblemError
from solver.model.parts import Location


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
    SKIPPED = "SKIPPED"
    """Skipped by the rep today (closed, refused, postponed) while re-planning the day."""


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
    #: The caller asked the search to stop (a cancelled job): the best plan so far.
    CANCELLED = "cancelled"


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
