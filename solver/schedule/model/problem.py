"""The schedule problem: the horizon, reps, accounts and appointments, checked together."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from solver.errors import InvalidProblemError
from solver.model import Account, Problem, TimeWindow, TravelMatrix
from solver.model.validation import check_unique
from solver.schedule.model.parts import (
    Appointment,
    ScheduleAccount,
    ScheduleOptions,
    ScheduleRep,
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
        check_unique("Rep", "reps", [r.id for r in self.reps])
        check_unique("Account", "accounts", [a.id for a in self.accounts])
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
