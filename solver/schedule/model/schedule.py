"""The schedule (the answer): days of routes, visits, missing visits with reasons, KPIs."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from solver.model import Route, SolverInfo


class ScheduleReason(StrEnum):
    """Why a visit of the schedule is missing (new codes; day-plan codes also appear)."""

    NO_ALLOWED_DAY = "NO_ALLOWED_DAY"
    """Fewer allowed days (weekdays, opening hours, reps at work) than wanted visits."""
    SPACING_INFEASIBLE = "SPACING_INFEASIBLE"
    """No set of allowed days meets min/max gaps (or the patterns) for every visit."""
    NO_ELIGIBLE_REP = "NO_ELIGIBLE_REP"
    """No rep working in the horizon may visit the account."""
    NO_ROOM = "NO_ROOM"
    """The allowed days are full: the visit fits no rep's day with the other work."""
    NOT_WORTH_THE_DETOUR = "NOT_WORTH_THE_DETOUR"
    """Optional visit whose value is below the travel cost of fitting it in."""


@dataclass(frozen=True, slots=True)
class ScheduleDay:
    """One date of the schedule: the reps' routes in the day-plan shape."""

    date: dt.date
    routes: tuple[Route, ...]


@dataclass(frozen=True, slots=True)
class ScheduledVisit:
    """One planned visit: who, where, when (``start_s`` seconds since midnight)."""

    account_id: str
    rep_id: str
    date: dt.date
    start_s: int
    appointment: bool = False


@dataclass(frozen=True, slots=True)
class ScheduleUnassigned:
    """A missing visit of an account: how many, the code and one sentence."""

    account_id: str
    missing: int
    reason: str
    detail: str


@dataclass(frozen=True, slots=True)
class Kpi:
    """Key figures of a group of routes (a rep, an ISO week, a rep's week or all).

    ``working_s`` is the time from leaving the start to arriving at the end;
    ``drive_share`` is ``drive_s / working_s``.
    """

    rep_id: str | None
    week: str | None
    days: int
    visits: int
    drive_s: int
    distance_m: int
    working_s: int
    drive_share: float
    cost: float
    cost_per_visit: float | None


@dataclass(frozen=True, slots=True)
class ScheduleSummary:
    """KPIs per rep, per ISO week (``"2026-W49"``), per rep and week, and in total."""

    total: Kpi
    per_rep: tuple[Kpi, ...]
    per_week: tuple[Kpi, ...]
    per_rep_week: tuple[Kpi, ...]
    visits_requested: int
    visits_planned: int


@dataclass(frozen=True, slots=True)
class Schedule:
    """The result of planning a schedule."""

    days: tuple[ScheduleDay, ...]
    visits: tuple[ScheduledVisit, ...]
    unassigned: tuple[ScheduleUnassigned, ...]
    summary: ScheduleSummary
    solver: SolverInfo

    def day(self, date: dt.date) -> ScheduleDay:
        """Return the schedule of ``date`` (KeyError if not in the horizon)."""
        for day in self.days:
            if day.date == date:
                return day
        raise KeyError(date)
