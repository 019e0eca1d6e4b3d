"""The problem a day planner solves: reps, accounts, the travel matrix, the options.

Every object is a frozen dataclass validated on construction; an invalid value raises
:class:`~solver.errors.InvalidProblemError` with one sentence naming the entity.
The conventions (units, clock values, locations) are the package's: :mod:`solver.model`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np

from solver.errors import InvalidProblemError
from solver.model.parts import (
    DEFAULT_VISIT_DURATION_S,
    UNREACHABLE,
    Break,
    Location,
    Shift,
    TimeWindow,
    format_time_s,
)
from solver.model.validation import check_number, check_time, check_unique, invalid


@dataclass(frozen=True, slots=True)
class Rep:
    """A field sales representative for one day.

    Parameters
    ----------
    id
        Unique id of the rep.
    start
        Where the day starts (home or office).
    shift
        Working hours; the shift end is the latest arrival at the end location.
    end
        Where the day ends; ``None`` means back at ``start`` (unless ``open_end``).
    open_end
        When True the route ends at the last visit (no drive home is counted).
    lunch
        Optional break.
    max_drive_s
        Optional cap on the day's total driving time, seconds.
    max_visits
        Optional cap on the number of visits.
    cost_per_km, cost_per_hour
        Travel cost: per km driven and per hour of working time on the road
        (driving). Visit time is not costed (it is the job).
    capacity
        Optional capacity (e.g. sample boxes) against account ``demand``.
    skills
        Skills the rep has (e.g. ``"oncology"``).
    """

    id: str
    start: Location
    shift: Shift
    end: Location | None = None
    open_end: bool = False
    lunch: Break | None = None
    max_drive_s: int | None = None
    max_visits: int | None = None
    cost_per_km: float = 0.0
    cost_per_hour: float = 0.0
    capacity: int | None = None
    skills: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id:
            raise InvalidProblemError(
                f"Rep {self.id!r}: id must be a non-empty string.", field="id"
            )
        owner = ("Rep", self.id)
        if self.open_end and self.end is not None:
            raise invalid(owner, "open_end routes take no end location.", field="end")
        check_number(owner, "cost_per_km", self.cost_per_km)
        check_number(owner, "cost_per_hour", self.cost_per_hour)
        for name in ("max_drive_s", "max_visits", "capacity"):
            value = getattr(self, name)
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 0
            ):
                raise invalid(
                    owner, f"{name} must be a whole number >= 0, got {value!r}.", field=name
                )
        object.__setattr__(self, "skills", frozenset(self.skills))
        if self.lunch is not None and not (
            self.shift.start_s <= self.lunch.earliest_start_s
            and self.lunch.latest_start_s <= self.shift.end_s
        ):
            raise invalid(
                owner,
                f"break window {format_time_s(self.lunch.earliest_start_s)}-"
                f"{format_time_s(self.lunch.latest_start_s)} is outside the shift "
                f"{format_time_s(self.shift.start_s)}-{format_time_s(self.shift.end_s)}.",
                field="break",
            )

    @property
    def end_location(self) -> Location | None:
        """Where the route ends: ``end``, else ``start``; ``None`` for an open end."""
        if self.open_end:
            return None
        return self.end if self.end is not None else self.start


@dataclass(frozen=True, slots=True)
class Account:
    """A customer account that may be visited today.

    Parameters
    ----------
    id
        Unique id of the account.
    location
        Where the visit happens.
    visit_duration_s
        Time on site, seconds; default :data:`DEFAULT_VISIT_DURATION_S` (1800).
    windows
        Zero, one or several windows of the day. By default a window bounds the
        *start* of the visit; with ``visit_within_window`` the whole visit must fit.
        No window means any time within the rep's shift.
    visit_within_window
        Require the whole visit to fit inside one window (shop opening hours).
    priority
        1 (low) .. 100 (high). Used as the visit's value when ``value`` is None.
    value
        Worth of a visit in the cost currency; overrides ``priority``.
    required
        Must be visited whenever feasible (dropped only if no rep can fit it).
    skills
        Skills the visiting rep must have.
    rep_ids
        Reps allowed to visit; empty means any rep.
    demand
        Units taken from the rep's ``capacity``.
    soft_end_s
        Optional soft latest start: starting later costs ``lateness_cost_per_min``.
    lateness_cost_per_min
        Cost per minute past ``soft_end_s``.
    name, address
        Optional display name and postal address (shown in calendars and maps).
    """

    id: str
    location: Location
    visit_duration_s: int = DEFAULT_VISIT_DURATION_S
    windows: tuple[TimeWindow, ...] = ()
    visit_within_window: bool = False
    priority: int = 50
    value: float | None = None
    required: bool = False
    skills: frozenset[str] = field(default_factory=frozenset)
    rep_ids: frozenset[str] = field(default_factory=frozenset)
    demand: int = 0
    soft_end_s: int | None = None
    lateness_cost_per_min: float = 0.0
    name: str | None = None
    address: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id:
            raise InvalidProblemError(
                f"Account {self.id!r}: id must be a non-empty string.", field="id"
            )
        owner = ("Account", self.id)
        check_time(owner, "visit_duration_s", self.visit_duration_s)
        object.__setattr__(self, "windows", tuple(self.windows))
        object.__setattr__(self, "skills", frozenset(self.skills))
        object.__setattr__(self, "rep_ids", frozenset(self.rep_ids))
        ordered = sorted(self.windows, key=lambda w: w.start_s)
        for i, (a, b) in enumerate(zip(ordered, ordered[1:], strict=False)):
            if b.start_s <= a.end_s:
                raise invalid(
                    owner,
                    f"windows {format_time_s(a.start_s)}-{format_time_s(a.end_s)} and "
                    f"{format_time_s(b.start_s)}-{format_time_s(b.end_s)} overlap.",
                    field=f"windows[{i + 1}]",
                )
        object.__setattr__(self, "windows", tuple(ordered))
        if self.visit_within_window:
            for i, w in enumerate(self.windows):
                if w.end_s - w.start_s < self.visit_duration_s:
                    raise invalid(
                        owner,
                        f"window {format_time_s(w.start_s)}-{format_time_s(w.end_s)} is "
                        f"shorter than the {self.visit_duration_s} s visit.",
                        field=f"windows[{i}]",
                    )
        priority_ok = isinstance(self.priority, int | np.integer) and not isinstance(
            self.priority, bool
        )
        if not priority_ok or not 1 <= self.priority <= 100:
            raise invalid(
                owner, f"priority must be 1..100, got {self.priority!r}.", field="priority"
            )
        check_number(owner, "value", self.value)
        if (
            isinstance(self.demand, bool)
            or not isinstance(self.demand, int | np.integer)
            or (self.demand < 0)
        ):
            raise invalid(
                owner, f"demand must be a whole number >= 0, got {self.demand!r}.", field="demand"
            )
        if self.soft_end_s is not None:
            check_time(owner, "soft_end_s", self.soft_end_s)
        check_number(owner, "lateness_cost_per_min", self.lateness_cost_per_min)

    def start_windows(self) -> tuple[TimeWindow, ...]:
        """Windows on the visit *start* (shrunk by the duration with ``visit_within_window``)."""
        if not self.visit_within_window:
            return self.windows
        return tuple(TimeWindow(w.start_s, w.end_s - self.visit_duration_s) for w in self.windows)


@dataclass(frozen=True, slots=True, eq=False)
class TravelMatrix:
    """Travel times and distances between locations.

    Parameters
    ----------
    durations_s
        ``(n, m)`` integer array of travel times in seconds, row = origin.
    distances_m
        ``(n, m)`` integer array of distances in metres (length of the fastest path).

    Unreachable pairs hold :data:`UNREACHABLE` (-1) in both arrays.
    """

    durations_s: np.ndarray
    distances_m: np.ndarray

    def __post_init__(self) -> None:
        durations = np.asarray(self.durations_s)
        distances = np.asarray(self.distances_m)
        if durations.ndim != 2 or durations.shape != distances.shape:
            raise invalid(
                ("Matrix", None),
                f"durations_s {durations.shape} and distances_m {distances.shape} must be "
                "2-D arrays of the same shape.",
                field="matrix",
            )
        for name, array in (("durations_s", durations), ("distances_m", distances)):
            fractional = array.size and not np.issubdtype(array.dtype, np.integer)
            if fractional and (not np.all(np.isfinite(array)) or np.any(array != np.round(array))):
                raise invalid(
                    ("Matrix", None), f"{name} must hold whole numbers.", field=f"matrix.{name}"
                )
            if array.size and np.any(array < UNREACHABLE):
                raise invalid(
                    ("Matrix", None),
                    f"{name} has negative entries (use -1 for unreachable).",
                    field=f"matrix.{name}",
                )
        object.__setattr__(self, "durations_s", durations.astype(np.int64, copy=False))
        object.__setattr__(self, "distances_m", distances.astype(np.int64, copy=False))

    @property
    def shape(self) -> tuple[int, int]:
        """``(origins, destinations)``."""
        return self.durations_s.shape  # type: ignore[return-value]

    @property
    def reachable(self) -> np.ndarray:
        """Boolean mask of pairs that have a path."""
        return self.durations_s != UNREACHABLE


class Balance(StrEnum):
    """What ``options.balance`` evens out across a team's reps (and a rep's days)."""

    NONE = "none"
    DURATION = "duration"
    VISITS = "visits"


@dataclass(frozen=True, slots=True)
class Problem:
    """One day's planning problem.

    Parameters
    ----------
    date
        The plan date (times are seconds since its midnight).
    reps
        The reps working that day.
    accounts
        Candidate accounts.
    network
        Name of a prepared road network; locations are then lat/lon.
    matrix
        Explicit square matrix; locations are then indices into it.
    already_visited
        Account ids done earlier today (re-planning from mid-day): never planned again.
    balance
        What a team day evens out across its reps (:class:`Balance`): nothing (default),
        working time or visit counts; a soft cost after value and travel cost (see
        :mod:`solver.routing.balance`).
    traffic
        Time every leg at the moment it is driven, with the road network's speed
        profile (default); False restores free-flow travel times.
    """

    date: dt.date
    reps: tuple[Rep, ...]
    accounts: tuple[Account, ...]
    network: str | None = None
    matrix: TravelMatrix | None = None
    already_visited: frozenset[str] = field(default_factory=frozenset)
    balance: Balance = Balance.NONE
    traffic: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "reps", tuple(self.reps))
        object.__setattr__(self, "accounts", tuple(self.accounts))
        object.__setattr__(self, "already_visited", frozenset(self.already_visited))
        try:
            object.__setattr__(self, "balance", Balance(self.balance))
        except ValueError:
            raise invalid(
                ("Problem", None),
                f"balance must be one of none, duration, visits, got {self.balance!r}.",
                field="balance",
            ) from None
        if not self.reps:
            raise invalid(("Problem", None), "at least one rep is required.", field="reps")
        check_unique("Rep", "reps", (r.id for r in self.reps))
        check_unique("Account", "accounts", (a.id for a in self.accounts))
        rep_ids = {r.id for r in self.reps}
        for i, account in enumerate(self.accounts):
            unknown = sorted(account.rep_ids - rep_ids)
            if unknown:
                raise invalid(
                    ("Account", account.id),
                    f"rep_ids names unknown rep '{unknown[0]}'.",
                    field=f"accounts[{i}].rep_ids",
                )
        if self.matrix is not None:
            n, m = self.matrix.shape
            if n != m:
                raise invalid(("Matrix", None), f"must be square, got {n} x {m}.", field="matrix")
            for path, owner, loc in self._locations_with_paths():
                if loc.is_geo:
                    raise invalid(
                        owner,
                        "with an explicit matrix, locations must be {'index': i}.",
                        field=path,
                    )
                if loc.index >= n:
                    raise invalid(
                        owner,
                        f"location index {loc.index} is outside the {n} x {n} matrix.",
                        field=path,
                    )
        else:
            for path, owner, loc in self._locations_with_paths():
                if not loc.is_geo:
                    raise invalid(
                        owner,
                        "an index location needs an explicit matrix; give lat/lon "
                        "for a road network.",
                        field=path,
                    )

    def _locations_with_paths(self) -> Iterable[tuple[str, tuple[str, str | None], Location]]:
        for i, rep in enumerate(self.reps):
            yield f"reps[{i}].start", ("Rep", rep.id), rep.start
            if rep.end is not None:
                yield f"reps[{i}].end", ("Rep", rep.id), rep.end
        for i, account in enumerate(self.accounts):
            yield f"accounts[{i}].location", ("Account", account.id), account.location

    def account(self, account_id: str) -> Account:
        """Return the account with that id (KeyError if absent)."""
        for account in self.accounts:
            if account.id == account_id:
                return account
        raise KeyError(account_id)

    def rep(self, rep_id: str) -> Rep:
        """Return the rep with that id (KeyError if absent)."""
        for rep in self.reps:
            if rep.id == rep_id:
                return rep
        raise KeyError(rep_id)
