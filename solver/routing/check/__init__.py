"""Independent plan checker: recompute a plan from the raw problem, verify every rule.

The checker shares no code with the solver. It imports only the domain model
(:mod:`solver.model`) and the errors; an import-linter contract in ``pyproject.toml``
keeps it that way, for every module of this package. From the problem alone it takes
every leg's travel time and distance (the problem's explicit matrix, or the road
network's ``matrix`` queried pair by pair), re-derives each arrival, wait, break,
visit and departure with its own arithmetic, and verifies windows, shift, break,
capacity, maximum visits, maximum drive time, eligibility, the route totals (drive,
distance, visit, wait, break, lateness, cost and value) and that every account is
either visited once or unassigned.

Timing rules (the same identities the solver documents, written here again): for a
leg ``P -> N`` with a break stop ``B`` between them::

    B.start >= departure(P)
    arrival(N) = max(departure(P) + travel(P, N), B.start) + (B.departure - B.start)

and without a break ``arrival(N) = departure(P) + travel(P, N)``; always
``start = arrival + wait`` with ``wait >= 0``, and a visit's departure is its start
plus the visit duration. The break is due when the route still works at the break's
latest start.

Figures: lateness of a visit is ``max(0, start - soft_end)`` seconds; the route cost
is ``drive_s x cost_per_hour / 3600 + distance_m x cost_per_km / 1000`` plus, per
late visit, ``lateness_s x lateness_cost_per_min / 60``, reported in whole cents (half a
cent from the exact figure at most); the day starts at the start's departure and ends at
the end's arrival; a stop's leg is driven from ``drive_start_s``, after the previous
departure, and the drive (and a break on the leg) fit before the arrival; an account's
value is its
``value``, else its ``priority``.

Violation codes
---------------
``UNKNOWN_REP``, ``DUPLICATE_ROUTE``, ``UNKNOWN_ACCOUNT``, ``DUPLICATE_VISIT``,
``ALREADY_VISITED``, ``NOT_ELIGIBLE``, ``BAD_STOPS``, ``UNREACHABLE_LEG``,
``LEG_MISMATCH`` (travel or distance differs from the matrix), ``TIME_MISMATCH``
(times inconsistent with the legs), ``SHIFT_START``, ``SHIFT_END``, ``WINDOW``,
``BREAK_MISSING``, ``BREAK_WINDOW``, ``CAPACITY``, ``MAX_VISITS``,
``MAX_DRIVE_TIME``, ``TOTALS_MISMATCH``, ``MISSING_ACCOUNT`` (neither routed nor
unassigned), ``ROUTED_AND_UNASSIGNED``.

Modules, by step: :mod:`.plan` (:func:`check_plan`: routes, reps and accounts of the
whole plan), :mod:`.route` (one route, stop by stop, and its totals), :mod:`.legs`
(each leg's time and distance from the raw inputs) and :mod:`.violation`.
"""

from solver.routing.check.plan import check_plan
from solver.routing.check.violation import Violation

__all__ = ["Violation", "check_plan"]
