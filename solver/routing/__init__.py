"""Day plans on OR-Tools: one rep or a whole team, with windows, breaks and costs.

Public interface (see ``docs/CONTRACTS.md``):

* :func:`plan_day` -- solve a day; returns a :class:`~solver.model.Plan`.
* :func:`time_routes` -- time and check a hand-made order per rep.
* :func:`check_plan` -- the independent checker; returns a list of :class:`Violation`.
* :func:`replan_problem` -- the rest of one rep's day from a mid-day position.
* :func:`replan_day` -- re-plan that rest with as few changes to the order as it can.
"""

from solver.routing.check import Violation, check_plan
from solver.routing.plan import plan_day, time_routes
from solver.routing.replan import DayReplan, changed_stops, replan_day, replan_problem

__all__ = [
    "DayReplan",
    "Violation",
    "changed_stops",
    "check_plan",
    "plan_day",
    "replan_day",
    "replan_problem",
    "time_routes",
]
