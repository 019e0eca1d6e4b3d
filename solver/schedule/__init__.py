"""Visit schedules over many working days: frequencies, patterns, appointments.

Public interface (see ``docs/CONTRACTS.md``):

* :func:`plan_schedule` -- choose each account's days and route every day; returns a
  :class:`~solver.schedule.model.Schedule`.
* :func:`replan_schedule` -- the rest of a schedule after a disruption, few changes.
* :func:`check_schedule` -- the independent checker; returns a list of violations.
* :func:`working_days` -- the horizon's dates from a start, an end, weekdays and the
  public holidays of a country.
"""

from solver.schedule.check import ScheduleViolation, check_schedule
from solver.schedule.model import (
    Appointment,
    Balance,
    Kpi,
    Schedule,
    ScheduleAccount,
    ScheduleDay,
    ScheduledVisit,
    ScheduleOptions,
    ScheduleProblem,
    ScheduleReason,
    ScheduleRep,
    ScheduleSummary,
    ScheduleUnassigned,
    working_days,
)
from solver.schedule.plan import plan_schedule, replan_schedule

__all__ = [
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
    "ScheduleViolation",
    "ScheduledVisit",
    "check_schedule",
    "plan_schedule",
    "replan_schedule",
    "working_days",
]
