"""Domain model of visit schedules: many working days, visit frequencies, appointments.

A schedule problem wraps the day-plan types of :mod:`solver.model` by composition: a
:class:`ScheduleRep` holds a day-plan :class:`~solver.model.Rep` plus its days off and
per-weekday shifts; a :class:`ScheduleAccount` holds a day-plan
:class:`~solver.model.Account` plus how often and on which days it may be visited. Every
object is a frozen dataclass validated on construction; bad input raises
:class:`~solver.errors.InvalidProblemError` naming the entity and the field.

Conventions
-----------
* ``days`` are the working dates of the horizon, strictly increasing; a pattern is a
  tuple of indices into ``days``.
* Gaps (``min_gap_days``, ``max_gap_days``) are calendar days between the dates of two
  consecutive visits (Monday to the next Monday is 7).
* Times of day are seconds since midnight of the date, as in day plans.

Modules, by step: :mod:`.horizon` (working dates, opening hours), :mod:`.parts` (reps,
accounts, appointments, options), :mod:`.problem` (the problem, checked as a whole) and
:mod:`.schedule` (the answer). Every name is imported from here.
"""

from solver.model import Balance
from solver.schedule.model.horizon import (
    DAY_S,
    WEEKDAY_NAMES,
    WEEKDAYS,
    opening_windows,
    parse_opening_hours,
    working_days,
)
from solver.schedule.model.parts import (
    Appointment,
    ScheduleAccount,
    ScheduleOptions,
    ScheduleRep,
)
from solver.schedule.model.problem import ScheduleProblem
from solver.schedule.model.schedule import (
    Kpi,
    Schedule,
    ScheduleDay,
    ScheduledVisit,
    ScheduleReason,
    ScheduleSummary,
    ScheduleUnassigned,
)

__all__ = [
    "DAY_S",
    "WEEKDAYS",
    "WEEKDAY_NAMES",
    "Appointment",
    "Balance",
    "Kpi",
    "Schedule",
    "ScheduleAccount",
    "ScheduleDay",
    "ScheduleOptions",
    "ScheduleProblem",
    "ScheduleReason",
    "ScheduleRep",
    "ScheduleSummary",
    "ScheduleUnassigned",
    "ScheduledVisit",
    "opening_windows",
    "parse_opening_hours",
    "working_days",
]
