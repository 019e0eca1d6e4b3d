"""Domain model for day planning: the problem a planner solves and the plan it returns.

Three modules, re-exported here (import from ``solver.model``): :mod:`.parts` (places,
time windows, breaks, shifts), :mod:`.problem` (reps, accounts, the travel matrix, the
problem) and :mod:`.plan`, the answer (routes of stops, unassigned accounts, the
solver's status and stop reason). :mod:`.validation` holds the checks they share (and
that the territory model uses too).

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

from solver.model.parts import (
    DEFAULT_VISIT_DURATION_S,
    MAX_TIME_S,
    UNREACHABLE,
    Break,
    Location,
    Shift,
    TimeWindow,
    format_time_s,
)
from solver.model.plan import (
    HIGHS_STATUS,
    ORTOOLS_STATUS,
    Plan,
    Reason,
    Route,
    RouteTotals,
    SolverInfo,
    SolveStatus,
    Stop,
    StopReason,
    StopType,
    Unassigned,
    solve_status,
)
from solver.model.problem import Account, Balance, Problem, Rep, TravelMatrix
from solver.model.validation import MAX_CLOCK_S

__all__ = [
    "DEFAULT_VISIT_DURATION_S",
    "HIGHS_STATUS",
    "MAX_CLOCK_S",
    "MAX_TIME_S",
    "ORTOOLS_STATUS",
    "UNREACHABLE",
    "Account",
    "Balance",
    "Break",
    "Location",
    "Plan",
    "Problem",
    "Reason",
    "Rep",
    "Route",
    "RouteTotals",
    "Shift",
    "SolveStatus",
    "SolverInfo",
    "Stop",
    "StopReason",
    "StopType",
    "TimeWindow",
    "TravelMatrix",
    "Unassigned",
    "format_time_s",
    "solve_status",
]
