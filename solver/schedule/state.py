"""Schedule search state, set-up: matrices, each account's options (day sets), weights.

Part of :mod:`solver.schedule.plan` (method described there); the moves on this state
are in :mod:`solver.schedule.moves`.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from solver.costs import travel_cost
from solver.model import Problem
from solver.routing.data import resolve_problem
from solver.routing.engine import eligible
from solver.schedule.model import Balance, Schedule, ScheduleProblem, ScheduleReason

#: At most this many options are enumerated per account (then regular ones are sampled).
MAX_OPTIONS = 5000
#: Penalty of one unit of overload, in mean arc costs per mean demand.
CAP_WEIGHT = 1.0


@dataclass(frozen=True, slots=True)
class Option:
    """One way to place an account: its days, maybe a fixed rep, visits left out."""

    days: tuple[int, ...]
    rep: int | None  # fixed rep (same_rep / appointments), else None
    missing: int  # visits the option leaves out
    reason: str | None  # why they are left out


@dataclass(slots=True)
class RepDay:
    """A rep's estimated sequence on one day, with its load and estimated times."""

    rep: int
    seq: list[int]  # account indices in visiting order
    load: int = 0
    busy_s: int = 0  # estimated travel + service time
    drive_s: int = 0


class StateBase:
    """Set-up of the search state: options, chosen option per account, rep-day sequences."""

    def __init__(
        self,
        problem: ScheduleProblem,
        network: Any,
        previous: Schedule | None,
        today: dt.date | None,
    ) -> None:
        self.problem = problem
        self.days = problem.days
        self.n_days = len(self.days)
        self.reps = [sr for sr in problem.reps]
        self.accounts = list(problem.accounts)
        base = Problem(
            self.days[0],
            tuple(sr.rep for sr in self.reps),
            tuple(sa.account for sa in self.accounts),
            network=problem.network,
            matrix=problem.matrix,
        )
        self.resolved = resolve_problem(base, network)
        self._matrices()
        self.past = {k for k, d in enumerate(self.days) if today is not None and d < today}
        self.previous_days: dict[int, dict[int, set[int]]] = {}  # account -> day -> reps
        if previous is not None:
            self._read_previous(previous)
        self.pinned: dict[int, dict[int, int]] = {}  # account -> day -> rep (appointments)
        for ap in problem.appointments:
            i = self.account_index[ap.account_id]
            self.pinned.setdefault(i, {})[self.days.index(ap.date)] = self.rep_index[ap.rep_id]
        self.works = [[r for r, sr in enumerate(self.reps) if sr.works(day)] for day in self.days]
        self.day_reps = [{r: sr.on(day) for r, sr in enumerate(self.reps)} for day in self.days]
        self._eligible: dict[tuple[int, int], list[int]] = {}
        self.options = [self._options(i) for i in range(len(self.accounts))]
        self.chosen: list[int | None] = [None] * len(self.accounts)
        self.placed: list[dict[int, int]] = [{} for _ in self.accounts]  # day -> rep
        self.rep_days = [{r: RepDay(r, []) for r in self.works[k]} for k in range(self.n_days)]
        self.banned: set[tuple[int, int]] = set()
        self._arrays: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self._version = 0  # bumped on every change of a sequence
        # (account, day, rep, sequence, day's load) -> insertion (see State.insertion)
        self._insertions: dict[tuple, tuple[float, int]] = {}
        self._mean = (-1, 0.0)
        self.balance_weight = self._balance_weight()
        self.cap_penalty = self._cap_penalty()
        self.day_capacity = [
            sum(
                self.day_reps[k][r].capacity if self.day_reps[k][r].capacity is not None else 10**12
                for r in self.works[k]
            )
            for k in range(self.n_days)
        ]

    # ----------------------------------------------------------------- set-up
    def _matrices(self) -> None:
        resolved = self.resolved
        self.account_index = {sa.id: i for i, sa in enumerate(self.accounts)}
        self.rep_index = {sr.id: r for r, sr in enumerate(self.reps)}
        n = resolved.matrix.shape[0]
        virtual = n
        durations = np.zeros((n + 1, n + 1), dtype=np.float64)
        distances = np.zeros((n + 1, n + 1), dtype=np.float64)
        durations[:n, :n] = resolved.matrix.durations_s
        distances[:n, :n] = resolved.matrix.distances_m
        blocked = durations < 0
        durations[blocked] = 1e9
        distances[blocked] = 1e9
        self.durations = durations
        self.distances = distances
        self.row = [resolved.row(sa.account.location) for sa in self.accounts]
        self.start_row = [resolved.row(sr.rep.start) for sr in self.reps]
        ends = [sr.rep.end_location for sr in self.reps]
        self.end_row = [virtual if e is None else resolved.row(e) for e in ends]
        self.cost: dict[int, np.ndarray] = {}
        self.cost_lists: dict[int, list[list[float]]] = {}
        rates: dict[tuple[float, float], np.ndarray] = {}
        lists: dict[tuple[float, float], list[list[float]]] = {}
        for r, sr in enumerate(self.reps):
            key = (sr.rep.cost_per_km, sr.rep.cost_per_hour)
            if key not in rates:
                money = travel_cost(distances / 1000.0, durations / 3600.0, *key)
                rates[key] = money + durations * 1e-6
                # One Python copy per distinct rates (reps share it): n^2 floats each.
                lists[key] = rates[key].tolist()
            self.cost[r] = rates[key]
            self.cost_lists[r] = lists[key]
        self.symmetric = bool(np.allclose(durations, durations.T)) and all(
            np.allclose(c, c.T) for c in rates.values()
        )
        rows = np.array(self.row, dtype=np.int64)
        if len(rows):
            between = self.cost[0][np.ix_(rows, rows)]
            self.near = [
                [int(j) for j in np.argsort(between[i], kind="stable")[:40]]
                for i in range(len(rows))
            ]
        else:
            self.near = []
        self.service = [sa.account.visit_duration_s for sa in self.accounts]
        self.demand = [sa.account.demand for sa in self.accounts]

    def _read_previous(self, previous: Schedule) -> None:
        day_index = {d: k for k, d in enumerate(self.days)}
        for visit in previous.visits:
            i = self.account_index.get(visit.account_id)
            k = day_index.get(visit.date)
            r = self.rep_index.get(visit.rep_id)
            if i is None or k is None or r is None:
                continue
            self.previous_days.setdefault(i, {}).setdefault(k, set()).add(r)

    def _eligible_reps(self, i: int, k: int) -> list[int]:
        found = self._eligible.get((i, k))
        if found is None:
            account = self.accounts[i].account
            found = [r for r in self.works[k] if eligible(self.day_reps[k][r], account)]
            self._eligible[(i, k)] = found
        return found

    def _allowed_days(self, i: int) -> list[int]:
        sa = self.accounts[i]
        allowed = []
        for k, day in enumerate(self.days):
            if k in self.past:
                continue
            if sa.windows_on(day) is None or not self._eligible_reps(i, k):
                continue
            allowed.append(k)
        return allowed

    def _spacing_ok(self, i: int, days: Sequence[int]) -> bool:
        sa = self.accounts[i]
        lo, hi = sa.min_gap_days, sa.max_gap_days
        if lo is None and hi is None:
            return True
        dates = [self.days[k] for k in days]
        if sa.last_visit is not None:
            dates = [sa.last_visit, *dates]
        for a, b in zip(dates, dates[1:], strict=False):
            gap = (b - a).days
            if (lo is not None and gap < lo) or (hi is not None and gap > hi):
                return False
        return True

    def _options(self, i: int) -> list[Option]:
        sa = self.accounts[i]
        pinned = self.pinned.get(i, {})
        past = sorted(k for k in self.previous_days.get(i, {}) if k in self.past)
        past_reps = {r for k in past for r in self.previous_days[i][k]}
        need = sa.visits - len(past)
        if not any(self._eligible_reps(i, k) for k in range(self.n_days)):
            return [Option(tuple(past), None, max(0, need), ScheduleReason.NO_ELIGIBLE_REP)]
        allowed = self._allowed_days(i)
        options: list[Option] = []
        if not sa.same_rep:
            for days, missing, reason in self._day_sets(i, past, allowed):
                options.append(Option(days, None, missing, reason))
        else:
            # One rep for every visit: the day sets of each candidate rep's working days.
            fixed = {pinned[k] for k in pinned} | past_reps
            candidates = sorted(fixed) if fixed else range(len(self.reps))
            for r in candidates:
                mine = [k for k in allowed if r in self._eligible_reps(i, k)]
                if not mine and not pinned:
                    continue
                for days, missing, reason in self._day_sets(i, past, mine):
                    options.append(Option(days, r, missing, reason))
            if not options:
                options.append(
                    Option(tuple(past), None, max(0, need), ScheduleReason.NO_ELIGIBLE_REP)
                )
        if not sa.account.required:
            options.append(Option(tuple(past), None, need, ScheduleReason.NOT_WORTH_THE_DETOUR))
        return options

    def _day_sets(
        self, i: int, past: list[int], allowed: list[int]
    ) -> list[tuple[tuple[int, ...], int, str | None]]:
        """Day sets over ``allowed`` future days (+ the past and appointment days).

        Each comes with the number of visits it leaves out and why.
        """
        sa = self.accounts[i]
        must = sorted(set(self.pinned.get(i, {})) - self.past)
        allowed = sorted(set(allowed) | set(must))
        need = sa.visits - len(past)
        if sa.patterns:
            valid = [
                tuple(sorted(p))
                for p in sa.patterns
                if {k for k in p if k in self.past} == set(past)
                and set(must) <= set(p)
                and all(k in allowed or k in self.past for k in p)
            ]
            valid = [p for p in dict.fromkeys(valid) if self._spacing_ok(i, p)]
            if valid:
                return [(p, 0, None) for p in valid]
            partial = {
                tuple(sorted(set(past) | {k for k in p if k in allowed} | set(must)))
                for p in sa.patterns
            }
            sets = [p for p in sorted(partial) if self._spacing_ok(i, p)]
            sets = sets or [tuple(sorted(set(past) | set(must)))]
            return [(p, sa.visits - len(p), ScheduleReason.NO_ALLOWED_DAY) for p in sets]
        free = [k for k in allowed if k not in must]
        for count in range(max(0, need), -1, -1):
            extra = count - len(must)
            if extra < 0:
                continue
            found = self._combinations(i, past, must, free, extra)
            if found:
                reason = None
                if count < need:
                    reason = (
                        ScheduleReason.NO_ALLOWED_DAY
                        if len(allowed) < need
                        else ScheduleReason.SPACING_INFEASIBLE
                    )
                return [(p, need - count, reason) for p in found]
        return [(tuple(past + must), need - len(must), ScheduleReason.SPACING_INFEASIBLE)]

    def _combinations(
        self, i: int, past: list[int], must: list[int], free: list[int], extra: int
    ) -> list[tuple[int, ...]]:
        found: list[tuple[int, ...]] = []
        if math.comb(len(free), extra) <= MAX_OPTIONS:
            for combo in itertools.combinations(free, extra):
                days = tuple(sorted((*past, *must, *combo)))
                if self._spacing_ok(i, days):
                    found.append(days)
            return found
        # Too many: regular spreads (every first day, every step), snapped to allowed days.
        seen = set()
        for first in free:
            for step in range(1, len(self.days) + 1):
                chosen, k = [], first
                for _ in range(extra):
                    later = [d for d in free if d >= k and d not in chosen]
                    if not later:
                        break
                    chosen.append(later[0])
                    k = later[0] + step
                days = tuple(sorted((*past, *must, *chosen)))
                if len(chosen) == extra and days not in seen and self._spacing_ok(i, days):
                    seen.add(days)
                    found.append(days)
        return found

    def _cap_penalty(self) -> float:
        demands = [d for d in self.demand if d > 0]
        if not demands or not self.row:
            return 0.0
        rows = [self.start_row[0], *self.row]
        sub = self.cost[0][np.ix_(rows, rows)]
        mean_arc = float(np.mean(sub[sub < 1e8]))
        return CAP_WEIGHT * mean_arc / float(np.mean(demands))

    def balance_measure(self, rd: RepDay) -> float:
        """Visits or busy hours of a rep-day, as ``options.balance`` says."""
        if self.problem.options.balance == Balance.VISITS:
            return float(len(rd.seq))
        return rd.busy_s / 3600.0

    def balance_mean(self) -> float:
        """Mean :meth:`balance_measure` over the future rep-days (cached per change)."""
        if self._mean[0] == self._version:
            return self._mean[1]
        values = [
            self.balance_measure(rd)
            for k in range(self.n_days)
            if k not in self.past
            for rd in self.rep_days[k].values()
        ]
        mean = sum(values) / len(values) if values else 0.0
        self._mean = (self._version, mean)
        return mean

    def _balance_weight(self) -> float:
        if self.problem.options.balance == Balance.NONE:
            return 0.0
        # One unit of imbalance costs about a typical round trip from home to an account.
        trips = [
            float(self.cost[r][self.start_row[r], a] + self.cost[r][a, self.end_row[r]])
            for r in range(len(self.reps))
            for a in self.row
        ]
        trips = [t for t in trips if t < 1e8]
        return max(float(np.mean(trips)) if trips else 1.0, 1e-3)
