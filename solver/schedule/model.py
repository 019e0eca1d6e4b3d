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
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

import opening_hours

from solver.errors import InvalidProblemError
from solver.model import (
    Account,
    Balance,
    Problem,
    Rep,
    Route,
    Shift,
    SolverInfo,
    TimeWindow,
    TravelMatrix,
)

#: Weekday numbers as in :meth:`datetime.date.weekday` (Monday = 0).
WEEKDAYS = (0, 1, 2, 3, 4, 5, 6)
#: Weekday names in OSM order, for messages.
WEEKDAY_NAMES = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
#: Seconds in a day (the end of a window open until midnight).
DAY_S = 24 * 3600


def working_days(
    start: dt.date,
    end: dt.date,
    *,
    weekdays: Iterable[int] = (0, 1, 2, 3, 4),
    country: str | None = None,
    subdivision: str | None = None,
) -> tuple[dt.date, ...]:
    """Return the working dates from ``start`` to ``end`` (both included).

    Parameters
    ----------
    start, end
        First and last calendar date of the horizon.
    weekdays
        Working weekdays, Monday = 0 (default Monday to Friday).
    country
        ISO 3166 code of a country whose public holidays are left out (``holidays``
        package), e.g. ``"MT"``; None keeps every weekday.
    subdivision
        Optional region of ``country`` (e.g. ``"BY"`` for Bavaria).

    Returns
    -------
    tuple of datetime.date
        The working dates in order.

    Raises
    ------
    InvalidProblemError
        When ``end`` is before ``start``, a weekday is not 0..6 or the country is unknown.
    """
    if end < start:
        raise InvalidProblemError(
            f"end {end} is before start {start}.", entity="Horizon", field="end"
        )
    allowed = set(weekdays)
    if not allowed <= set(WEEKDAYS):
        raise InvalidProblemError(
            f"weekdays must be 0 (Monday) .. 6, got {sorted(allowed)}.",
            entity="Horizon",
            field="weekdays",
        )
    closed: Mapping[dt.date, str] = {}
    if country is not None:
        import holidays

        try:
            closed = holidays.country_holidays(
                country, subdiv=subdivision, years=range(start.year, end.year + 1)
            )
        except NotImplementedError as error:
            raise InvalidProblemError(
                f"no public holidays are known for country {country!r} "
                f"(subdivision {subdivision!r}).",
                entity="Horizon",
                field="country",
            ) from error
    days = []
    day = start
    while day <= end:
        if day.weekday() in allowed and day not in closed:
            days.append(day)
        day += dt.timedelta(days=1)
    return tuple(days)


@functools.lru_cache(maxsize=4096)
def parse_opening_hours(text: str) -> opening_hours.OpeningHours:
    """Parse an OSM ``opening_hours`` value (cached).

    Raises
    ------
    InvalidProblemError
        When the value does not parse.
    """
    try:
        return opening_hours.OpeningHours(text)
    except (opening_hours.ParserError, ValueError, TypeError) as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else "parse error"
        raise InvalidProblemError(
            f"opening_hours {text!r} is not valid OSM syntax ({first}).", field="opening_hours"
        ) from error


@functools.lru_cache(maxsize=65536)
def opening_windows(text: str, date: dt.date) -> tuple[TimeWindow, ...]:
    """Return the open intervals of ``text`` on ``date`` as windows of that day (seconds)."""
    parsed = parse_opening_hours(text)
    midnight = dt.datetime.combine(date, dt.time())
    windows = []
    for begin, end, state, _ in parsed.intervals(midnight, midnight + dt.timedelta(days=1)):
        if str(state).split(".")[-1].upper() != "OPEN":
            continue
        start_s = max(0, int((begin - midnight).total_seconds()))
        end_s = min(DAY_S, int((end - midnight).total_seconds()))
        if end_s > start_s:
            windows.append(TimeWindow(start_s, end_s))
    return tuple(windows)


@dataclass(frozen=True, slots=True)
class ScheduleRep:
    """A rep over the horizon: the day-plan rep plus days off and weekday shifts.

    Parameters
    ----------
    rep
        The day-plan rep (start, end, shift, lunch, costs, capacity, skills...).
    days_off
        Dates the rep does not work (holidays, training, sick days).
    weekday_shifts
        Optional shift per weekday (Monday = 0) replacing ``rep.shift`` that day.
    """

    rep: Rep
    days_off: frozenset[dt.date] = field(default_factory=frozenset)
    weekday_shifts: Mapping[int, Shift] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "days_off", frozenset(self.days_off))
        object.__setattr__(self, "weekday_shifts", dict(self.weekday_shifts))
        for weekday, shift in self.weekday_shifts.items():
            if weekday not in WEEKDAYS:
                raise InvalidProblemError(
                    f"weekday_shifts key must be 0 (Monday) .. 6, got {weekday!r}.",
                    entity="Rep",
                    entity_id=self.rep.id,
                    field="weekday_shifts",
                )
            try:
                dataclasses.replace(self.rep, shift=shift)
            except InvalidProblemError as error:
                raise InvalidProblemError(
                    f"on {WEEKDAY_NAMES[weekday]}: {error.message}",
                    entity="Rep",
                    entity_id=self.rep.id,
                    field=f"weekday_shifts.{weekday}",
                ) from error

    @property
    def id(self) -> str:
        """The rep's id."""
        return self.rep.id

    def works(self, date: dt.date) -> bool:
        """Return True when the rep works on ``date`` (not a day off)."""
        return date not in self.days_off

    def on(self, date: dt.date) -> Rep:
        """Return the day-plan rep of ``date`` (its weekday shift applied)."""
        shift = self.weekday_shifts.get(date.weekday())
        if shift is None or shift == self.rep.shift:
            return self.rep
        return dataclasses.replace(self.rep, shift=shift)


@dataclass(frozen=True, slots=True)
class ScheduleAccount:
    """An account over the horizon: the day-plan account plus its visit rules.

    Parameters
    ----------
    account
        The day-plan account (location, visit duration, windows, value, required,
        skills, allowed reps, demand...). Its ``windows`` apply on every date.
    visits
        Number of visits wanted in the horizon (>= 1).
    patterns
        Optional allowed sets of day indices into the horizon's ``days``, each exactly
        ``visits`` long; empty means any days that meet the other rules.
    min_gap_days, max_gap_days
        Optional bounds on the calendar days between consecutive visits (from
        ``last_visit`` for the first visit when given).
    last_visit
        Date of the last visit before the horizon, if any.
    weekdays
        Allowed weekdays (Monday = 0); empty means every weekday.
    opening_hours
        OSM ``opening_hours`` value; on each date its open intervals (intersected with
        ``account.windows`` when given) must contain the whole visit. A date with no
        such interval is closed.
    same_rep
        True: every visit by one rep. False: each visit by any eligible rep.
    """

    account: Account
    visits: int = 1
    patterns: tuple[tuple[int, ...], ...] = ()
    min_gap_days: int | None = None
    max_gap_days: int | None = None
    last_visit: dt.date | None = None
    weekdays: frozenset[int] = field(default_factory=frozenset)
    opening_hours: str | None = None
    same_rep: bool = True

    def __post_init__(self) -> None:
        ident = self.account.id

        def fail(reason: str, name: str) -> None:
            raise InvalidProblemError(reason, entity="Account", entity_id=ident, field=name)

        if isinstance(self.visits, bool) or not isinstance(self.visits, int) or self.visits < 1:
            fail(f"visits must be a whole number >= 1, got {self.visits!r}.", "visits")
        patterns = tuple(tuple(p) for p in self.patterns)
        object.__setattr__(self, "patterns", patterns)
        for i, pattern in enumerate(patterns):
            if len(pattern) != self.visits:
                fail(
                    f"pattern {list(pattern)} has {len(pattern)} days, not visits = {self.visits}.",
                    f"patterns[{i}]",
                )
            if any(isinstance(d, bool) or not isinstance(d, int) or d < 0 for d in pattern):
                fail(f"pattern {list(pattern)} must hold day indices >= 0.", f"patterns[{i}]")
            if len(set(pattern)) != len(pattern):
                fail(f"pattern {list(pattern)} names a day twice.", f"patterns[{i}]")
        for name in ("min_gap_days", "max_gap_days"):
            value = getattr(self, name)
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int) or value < 0
            ):
                fail(f"{name} must be a whole number >= 0, got {value!r}.", name)
        if (
            self.min_gap_days is not None
            and self.max_gap_days is not None
            and self.min_gap_days > self.max_gap_days
        ):
            fail(
                f"min_gap_days {self.min_gap_days} is greater than max_gap_days "
                f"{self.max_gap_days}.",
                "min_gap_days",
            )
        object.__setattr__(self, "weekdays", frozenset(self.weekdays))
        if not self.weekdays <= set(WEEKDAYS):
            fail(f"weekdays must be 0 (Monday) .. 6, got {sorted(self.weekdays)}.", "weekdays")
        if self.opening_hours is not None:
            try:
                parse_opening_hours(self.opening_hours)
            except InvalidProblemError as error:
                fail(error.reason, "opening_hours")

    @property
    def id(self) -> str:
        """The account's id."""
        return self.account.id

    def windows_on(self, date: dt.date) -> tuple[TimeWindow, ...] | None:
        """Return the account's windows on ``date``; None when it is closed or not allowed.

        Without ``opening_hours`` these are ``account.windows`` (empty: any time). With
        it, the open intervals that day intersected with ``account.windows``, keeping
        those that hold the whole visit.
        """
        if self.weekdays and date.weekday() not in self.weekdays:
            return None
        if self.opening_hours is None:
            return self.account.windows
        duration = self.account.visit_duration_s
        open_windows = opening_windows(self.opening_hours, date)
        if self.account.windows:
            cut = []
            for a in open_windows:
                for b in self.account.windows:
                    start_s, end_s = max(a.start_s, b.start_s), min(a.end_s, b.end_s)
                    if end_s > start_s:
                        cut.append(TimeWindow(start_s, end_s))
            open_windows = tuple(cut)
        kept = tuple(w for w in open_windows if w.end_s - w.start_s >= duration)
        return kept or None

    def day_account(self, date: dt.date, rep_ids: Iterable[str] | None = None) -> Account | None:
        """Return the day-plan account of ``date`` (None when closed), optionally for given reps."""
        windows = self.windows_on(date)
        if windows is None:
            return None
        changes: dict = {}
        if self.opening_hours is not None:
            changes.update(windows=windows, visit_within_window=True)
        if rep_ids is not None:
            changes["rep_ids"] = frozenset(rep_ids)
        return dataclasses.replace(self.account, **changes) if changes else self.account


@dataclass(frozen=True, slots=True)
class Appointment:
    """A meeting already booked: pinned in that rep's day, one of the account's visits.

    Parameters
    ----------
    rep_id, account_id
        Who meets whom.
    date
        The date (one of the horizon's days).
    start_s
        Start of the meeting, seconds since midnight.
    duration_s
        Length of the meeting; None means the account's ``visit_duration_s``.
    """

    rep_id: str
    account_id: str
    date: dt.date
    start_s: int
    duration_s: int | None = None

    def __post_init__(self) -> None:
        ident = f"{self.account_id}@{self.date}"
        for name in ("start_s", "duration_s"):
            value = getattr(self, name)
            if value is None and name == "duration_s":
                continue
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise InvalidProblemError(
                    f"{name} must be whole seconds >= 0, got {value!r}.",
                    entity="Appointment",
                    entity_id=ident,
                    field=name,
                )


@dataclass(frozen=True, slots=True)
class ScheduleOptions:
    """Options of a schedule solve.

    Parameters
    ----------
    balance
        ``none``, ``duration`` (even working time) or ``visits`` (even visit counts).
    move_penalty
        Re-planning only: cost of moving one visit of the previous schedule to another
        date or rep (currency units).
    traffic
        Time each day's legs when they are driven, with the network's speed profile
        (default); False = free-flow.
    """

    balance: Balance = Balance.NONE
    move_penalty: float = 100.0
    traffic: bool = True

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "balance", Balance(self.balance))
        except ValueError as error:
            raise InvalidProblemError(
                f"balance must be one of none, duration, visits, got {self.balance!r}.",
                entity="Options",
                field="balance",
            ) from error
        if not isinstance(self.move_penalty, int | float) or self.move_penalty < 0:
            raise InvalidProblemError(
                f"move_penalty must be a number >= 0, got {self.move_penalty!r}.",
                entity="Options",
                field="move_penalty",
            )


@dataclass(frozen=True, slots=True)
class ScheduleProblem:
    """A visit-schedule problem over a horizon of working days.

    Parameters
    ----------
    days
        Working dates of the horizon, strictly increasing (see :func:`working_days`).
    reps
        The reps.
    accounts
        The accounts with their visit rules.
    appointments
        Meetings already booked.
    options
        Balance and re-planning options.
    network
        Name of a prepared road network (lat/lon locations).
    matrix
        Explicit travel matrix (index locations); used for every day.
    """

    days: tuple[dt.date, ...]
    reps: tuple[ScheduleRep, ...]
    accounts: tuple[ScheduleAccount, ...]
    appointments: tuple[Appointment, ...] = ()
    options: ScheduleOptions = field(default_factory=ScheduleOptions)
    network: str | None = None
    matrix: TravelMatrix | None = None

    def __post_init__(self) -> None:
        for name in ("days", "reps", "accounts", "appointments"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        if not self.days:
            raise InvalidProblemError(
                "at least one day is required.", entity="Horizon", field="days"
            )
        for i, (a, b) in enumerate(zip(self.days, self.days[1:], strict=False)):
            if b <= a:
                raise InvalidProblemError(
                    f"days must be strictly increasing ({a} then {b}).",
                    entity="Horizon",
                    field=f"days[{i + 1}]",
                )
        if not self.reps:
            raise InvalidProblemError(
                "at least one rep is required.", entity="Problem", field="reps"
            )
        _unique("Rep", "reps", [r.id for r in self.reps])
        _unique("Account", "accounts", [a.id for a in self.accounts])
        rep_ids = {r.id for r in self.reps}
        n_days = len(self.days)
        for i, sa in enumerate(self.accounts):
            unknown = sorted(sa.account.rep_ids - rep_ids)
            if unknown:
                raise InvalidProblemError(
                    f"rep_ids names unknown rep '{unknown[0]}'.",
                    entity="Account",
                    entity_id=sa.id,
                    field=f"accounts[{i}].rep_ids",
                )
            for k, pattern in enumerate(sa.patterns):
                outside = [d for d in pattern if d >= n_days]
                if outside:
                    raise InvalidProblemError(
                        f"pattern {list(pattern)} names day {outside[0]}, outside the "
                        f"horizon of {n_days} days (0..{n_days - 1}).",
                        entity="Account",
                        entity_id=sa.id,
                        field=f"accounts[{i}].patterns[{k}]",
                    )
        self._check_appointments()
        # Locations against the matrix (or lat/lon for a network), as a day plan checks them.
        Problem(
            self.days[0],
            tuple(r.rep for r in self.reps),
            tuple(a.account for a in self.accounts),
            network=self.network,
            matrix=self.matrix,
        )

    def _check_appointments(self) -> None:
        reps = {r.id: r for r in self.reps}
        accounts = {a.id: a for a in self.accounts}
        day_set = set(self.days)
        seen: dict[tuple[str, dt.date], int] = {}
        per_account: dict[str, list[Appointment]] = {}
        for i, ap in enumerate(self.appointments):
            path = f"appointments[{i}]"

            def fail(reason: str, name: str, ap: Appointment = ap, path: str = path) -> None:
                raise InvalidProblemError(
                    reason,
                    entity="Appointment",
                    entity_id=f"{ap.account_id}@{ap.date}",
                    field=f"{path}.{name}",
                )

            if ap.account_id not in accounts:
                fail(f"account '{ap.account_id}' is unknown.", "account_id")
            if ap.rep_id not in reps:
                fail(f"rep '{ap.rep_id}' is unknown.", "rep_id")
            if ap.date not in day_set:
                fail(f"date {ap.date} is not a working day of the horizon.", "date")
            srep = reps[ap.rep_id]
            if not srep.works(ap.date):
                fail(f"rep '{ap.rep_id}' is off on {ap.date}.", "date")
            shift = srep.on(ap.date).shift
            sa = accounts[ap.account_id]
            duration = self.appointment_duration_s(ap)
            if ap.start_s < shift.start_s or ap.start_s + duration > shift.end_s:
                fail(
                    f"{_clock(ap.start_s)}-{_clock(ap.start_s + duration)} is outside rep "
                    f"'{ap.rep_id}''s shift {_clock(shift.start_s)}-{_clock(shift.end_s)} "
                    f"on {ap.date}.",
                    "start",
                )
            if (ap.account_id, ap.date) in seen:
                fail(f"account '{ap.account_id}' has two appointments on {ap.date}.", "date")
            seen[(ap.account_id, ap.date)] = i
            if sa.account.rep_ids and ap.rep_id not in sa.account.rep_ids:
                fail(f"rep '{ap.rep_id}' is not among the account's rep_ids.", "rep_id")
            per_account.setdefault(ap.account_id, []).append(ap)
            if len(per_account[ap.account_id]) > sa.visits:
                fail(
                    f"account '{ap.account_id}' has more appointments than its {sa.visits} visits.",
                    "account_id",
                )
            if sa.same_rep and len({a.rep_id for a in per_account[ap.account_id]}) > 1:
                fail(
                    f"account '{ap.account_id}' keeps one rep (same_rep) but its appointments "
                    "name two reps.",
                    "rep_id",
                )

    def appointment_duration_s(self, appointment: Appointment) -> int:
        """Length of an appointment: its own, else the account's visit duration."""
        if appointment.duration_s is not None:
            return appointment.duration_s
        return self.account(appointment.account_id).account.visit_duration_s

    def account(self, account_id: str) -> ScheduleAccount:
        """Return the account with that id (KeyError if absent)."""
        for sa in self.accounts:
            if sa.id == account_id:
                return sa
        raise KeyError(account_id)

    def rep(self, rep_id: str) -> ScheduleRep:
        """Return the rep with that id (KeyError if absent)."""
        for sr in self.reps:
            if sr.id == rep_id:
                return sr
        raise KeyError(rep_id)

    def appointment_account(self, appointment: Appointment) -> Account:
        """Return the day-plan account of an appointment: pinned start, that rep only, required."""
        base = self.account(appointment.account_id).account
        return dataclasses.replace(
            base,
            visit_duration_s=self.appointment_duration_s(appointment),
            windows=(TimeWindow(appointment.start_s, appointment.start_s),),
            visit_within_window=False,
            rep_ids=frozenset({appointment.rep_id}),
            required=True,
            soft_end_s=None,
        )

    def day_problem(
        self,
        date: dt.date,
        rep_ids: Iterable[str],
        visits: Iterable[tuple[str, frozenset[str] | None]],
    ):
        """Return the day-plan problem of ``date`` for reps and ``(account_id, rep_ids)`` visits.

        Appointments of that date are added (pinned); ``rep_ids`` None keeps the
        account's own allowed reps. Closed accounts raise ``KeyError``.
        """
        reps = tuple(self.rep(r).on(date) for r in rep_ids)
        accounts: list[Account] = []
        pinned = {ap.account_id: ap for ap in self.appointments if ap.date == date}
        for account_id, allowed in visits:
            if account_id in pinned:
                continue
            day_account = self.account(account_id).day_account(date, allowed)
            if day_account is None:
                raise KeyError(account_id)
            accounts.append(day_account)
        working = {r.id for r in reps}
        accounts += [self.appointment_account(ap) for ap in pinned.values() if ap.rep_id in working]
        # rep_ids of an account may name reps not working that day: keep the known ones.
        accounts = [
            dataclasses.replace(a, rep_ids=a.rep_ids & working) if a.rep_ids - working else a
            for a in accounts
        ]
        return Problem(
            date,
            reps,
            tuple(accounts),
            network=self.network,
            matrix=self.matrix,
            traffic=self.options.traffic,
        )


def _clock(time_s: int) -> str:
    hours, rest = divmod(int(time_s), 3600)
    return f"{hours:02d}:{rest // 60:02d}"


def _unique(kind: str, path: str, ids: list[str]) -> None:
    seen: dict[str, int] = {}
    for i, ident in enumerate(ids):
        if ident in seen:
            raise InvalidProblemError(
                f"id is used twice ({path}[{seen[ident]}] and {path}[{i}]).",
                entity=kind,
                entity_id=ident,
                field=f"{path}[{i}].id",
            )
        seen[ident] = i


# --------------------------------------------------------------------------- results


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
