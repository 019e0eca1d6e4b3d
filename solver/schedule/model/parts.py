"""The parts of a schedule problem: reps, accounts with visit rules, appointments, options."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from solver.errors import InvalidProblemError
from solver.model import Account, Balance, Rep, Shift, TimeWindow
from solver.schedule.model.horizon import (
    WEEKDAY_NAMES,
    WEEKDAYS,
    opening_windows,
    parse_opening_hours,
)


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
