"""Plan a visit schedule: choose each account's days, route every day, improve.

Method (after Cordeau, Gendreau & Laporte 1997 and Vidal et al. 2012 for the PVRP):

1. **Options.** For every account, the day sets it may take: its ``patterns`` or, without
   patterns, every set of ``visits`` allowed days (weekday, opening hours, a working
   eligible rep) meeting the gaps; with ``same_rep`` an option also fixes the rep.
   Appointments pin their days (and rep). An account that cannot get all its visits
   gets options with fewer visits; the rest are reported (``NO_ALLOWED_DAY``,
   ``SPACING_INFEASIBLE``, ``NO_ELIGIBLE_REP``).
2. **Construction.** Accounts, hardest first, take the option of least estimated cost:
   cheapest insertion into the current sequence of each rep-day (capacity, visit count,
   drive and shift length estimated; windows are left to the day engine).
3. **Improvement.** Ruin and recreate in the estimate space: take a seed account and its
   nearest neighbours out of their days (exact removal gains), re-insert each with its
   option of least estimated cost, move visits between the rep-days of a touched day,
   relocate / 2-opt inside touched rep-days; threshold acceptance (a margin shrinking to
   0). Then every day whose content changed is routed by the day-plan engine
   (:func:`solver.routing.plan_day`: PyVRP + OR-Tools, windows, lunch, all day-plan
   rules); its routes replace the estimates and the round is kept only when the routed
   objective improves. Visits the engine drops are banned from that day and moved by
   the next round. Rounds repeat until the time limit (small schedules stop once
   several rounds change nothing); the last :data:`POLISH_SHARE` of the time routes every
   day again and keeps the cheaper plan of each day.

Estimated costs are those of the day plan (km x ``cost_per_km`` + driving hours x
``cost_per_hour``), plus a penalty per missing visit (the account's value; a large one
for required accounts), plus, with ``options.balance``, the squared deviation of each
rep-day's visits or busy hours from the mean rep-day (weighted by a typical round trip),
and, when re-planning, ``options.move_penalty`` per moved visit.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from solver.costs import travel_cost
from solver.errors import InvalidProblemError
from solver.model import Plan, Problem, Route, SolverInfo, SolveStatus, StopType
from solver.routing.data import ResolvedProblem, resolve_problem
from solver.routing.engine import eligible
from solver.routing.plan import plan_day
from solver.routing.schedule import account_value, time_route, timing_misses
from solver.schedule.model import (
    Balance,
    Schedule,
    ScheduleDay,
    ScheduledVisit,
    ScheduleProblem,
    ScheduleReason,
    ScheduleUnassigned,
)
from solver.schedule.summary import summarize

#: Estimated cost of a missing visit of a required account (currency units).
REQUIRED_MISS = 1e7
#: At most this many options are enumerated per account (then regular ones are sampled).
MAX_OPTIONS = 5000
#: Threshold acceptance of the estimate search: a worse state within this share of the
#: current objective is accepted at the start of a slice (the margin shrinks to 0).
THRESHOLD = 0.02
#: Penalty of one unit of overload, in mean arc costs per mean demand.
CAP_WEIGHT = 1.0
#: Schedules of at most this many accounts stop after :data:`IDLE_ROUNDS` rounds in a row
#: whose search changed no day.
SMALL_SCHEDULE = 40
#: See :data:`SMALL_SCHEDULE`.
IDLE_ROUNDS = 3
#: Deterministic mode: most rounds of perturbation and re-routing.
DETERMINISTIC_ROUNDS = 12
#: Shares of the time: routing every day first; each later estimate search (of the time
#: left); routing the days it changed (of the time left).
FIRST_ROUTE_SHARE = 0.05
SEARCH_SHARE = 0.5
ROUTE_SHARE = 0.1
#: Share of the time kept at the end to route every day again (not when re-planning).
POLISH_SHARE = 0.15
#: An infeasible insertion.
INF = math.inf


@dataclass(frozen=True, slots=True)
class _Option:
    days: tuple[int, ...]
    rep: int | None  # fixed rep (same_rep / appointments), else None
    missing: int  # visits the option leaves out
    reason: str | None  # why they are left out


@dataclass(slots=True)
class _RepDay:
    rep: int
    seq: list[int]  # account indices in visiting order
    load: int = 0
    busy_s: int = 0  # estimated travel + service time
    drive_s: int = 0


class _State:
    """Internal state: options, the chosen option per account and every rep-day sequence."""

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
        self.rep_days = [{r: _RepDay(r, []) for r in self.works[k]} for k in range(self.n_days)]
        self.banned: set[tuple[int, int]] = set()
        self._arrays: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self._version = 0  # bumped on every change of a sequence
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

    def _options(self, i: int) -> list[_Option]:
        sa = self.accounts[i]
        pinned = self.pinned.get(i, {})
        past = sorted(k for k in self.previous_days.get(i, {}) if k in self.past)
        past_reps = {r for k in past for r in self.previous_days[i][k]}
        need = sa.visits - len(past)
        if not any(self._eligible_reps(i, k) for k in range(self.n_days)):
            return [_Option(tuple(past), None, max(0, need), ScheduleReason.NO_ELIGIBLE_REP)]
        allowed = self._allowed_days(i)
        options: list[_Option] = []
        if not sa.same_rep:
            for days, missing, reason in self._day_sets(i, past, allowed):
                options.append(_Option(days, None, missing, reason))
        else:
            # One rep for every visit: the day sets of each candidate rep's working days.
            fixed = {pinned[k] for k in pinned} | past_reps
            candidates = sorted(fixed) if fixed else range(len(self.reps))
            for r in candidates:
                mine = [k for k in allowed if r in self._eligible_reps(i, k)]
                if not mine and not pinned:
                    continue
                for days, missing, reason in self._day_sets(i, past, mine):
                    options.append(_Option(days, r, missing, reason))
            if not options:
                options.append(
                    _Option(tuple(past), None, max(0, need), ScheduleReason.NO_ELIGIBLE_REP)
                )
        if not sa.account.required:
            options.append(_Option(tuple(past), None, need, ScheduleReason.NOT_WORTH_THE_DETOUR))
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

    def balance_measure(self, rd: _RepDay) -> float:
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

    # ------------------------------------------------------------ estimates
    def insertion(self, i: int, k: int, r: int) -> tuple[float, int]:
        """Cheapest estimated insertion of account ``i`` into rep ``r``'s day ``k``."""
        rd = self.rep_days[k][r]
        rep = self.day_reps[k][r]
        excess = 0
        if rep.capacity is not None and rd.load + self.demand[i] > rep.capacity:
            # Soft capacity (Vidal et al.): a penalised overload lets the day engine
            # re-split the day between its reps; the day must have room in total.
            if (
                sum(x.load for x in self.rep_days[k].values()) + self.demand[i]
                > self.day_capacity[k]
            ):
                return INF, -1
            excess = rd.load + self.demand[i] - max(rep.capacity, rd.load)
        if rep.max_visits is not None and len(rd.seq) + 1 > rep.max_visits:
            return INF, -1
        a = self.row[i]
        nodes = [self.start_row[r], *(self.row[j] for j in rd.seq), self.end_row[r]]
        before = np.array(nodes[:-1])
        after = np.array(nodes[1:])
        cost = self.cost[r]
        delta = cost[before, a] + cost[a, after] - cost[before, after]
        dt_ = self.durations[before, a] + self.durations[a, after] - self.durations[before, after]
        length = rep.shift.end_s - rep.shift.start_s - (rep.lunch.duration_s if rep.lunch else 0)
        ok = rd.busy_s + dt_ + self.service[i] <= length
        if rep.max_drive_s is not None:
            ok &= rd.drive_s + dt_ <= rep.max_drive_s
        if not ok.any():
            return INF, -1
        delta = np.where(ok, delta, INF)
        pos = int(np.argmin(delta))
        extra = 0.0
        if self.balance_weight:
            # Squared deviation from the mean rep-day (team-wide): evens out each rep's
            # days and the reps, without making extra work look costly.
            if self.problem.options.balance == Balance.VISITS:
                x, add = float(len(rd.seq)), 1.0
            else:
                x, add = rd.busy_s / 3600.0, (float(dt_[pos]) + self.service[i]) / 3600.0
            mean = self.balance_mean()
            extra = self.balance_weight * ((x + add - mean) ** 2 - (x - mean) ** 2)
        return float(delta[pos]) + extra + self.cap_penalty * excess, pos

    def best_rep(self, i: int, k: int, fixed: int | None) -> tuple[float, int, int]:
        if (i, k) in self.banned:
            return INF, -1, -1
        pinned = self.pinned.get(i, {}).get(k)
        if pinned is not None:
            fixed = pinned
        reps = [fixed] if fixed is not None else self._eligible_reps(i, k)
        best = (INF, -1, -1)
        for r in reps:
            if r not in self.rep_days[k]:
                continue
            c, pos = self.insertion(i, k, r)
            if c < best[0]:
                best = (c, r, pos)
        if best[1] < 0 and pinned is not None and pinned in self.rep_days[k]:
            # An appointment is placed even if the estimate finds no room.
            rd = self.rep_days[k][pinned]
            return 0.0, pinned, len(rd.seq)
        return best

    def miss_cost(self, i: int) -> float:
        account = self.accounts[i].account
        return REQUIRED_MISS if account.required else account_value(account)

    # ---------------------------------------------------------------- moves
    def remove(self, i: int) -> None:
        for k, r in self.placed[i].items():
            rd = self.rep_days[k][r]
            self._take_out(rd, i, k)
        self.placed[i] = {}

    def _take_out(self, rd: _RepDay, i: int, k: int) -> None:
        pos = rd.seq.index(i)
        nodes = [self.start_row[rd.rep], *(self.row[j] for j in rd.seq), self.end_row[rd.rep]]
        p, a, n = nodes[pos], nodes[pos + 1], nodes[pos + 2]
        dt_ = self.durations[p, a] + self.durations[a, n] - self.durations[p, n]
        self._version += 1
        rd.seq.pop(pos)
        rd.load -= self.demand[i]
        rd.busy_s -= int(dt_) + self.service[i]
        rd.drive_s -= int(dt_)

    def insert(self, i: int, places: dict[int, tuple[int, int]]) -> None:
        for k, (r, pos) in places.items():
            rd = self.rep_days[k][r]
            nodes = [self.start_row[r], *(self.row[j] for j in rd.seq), self.end_row[r]]
            p, n = nodes[pos], nodes[pos + 1]
            a = self.row[i]
            dt_ = self.durations[p, a] + self.durations[a, n] - self.durations[p, n]
            self._version += 1
            rd.seq.insert(pos, i)
            rd.load += self.demand[i]
            rd.busy_s += int(dt_) + self.service[i]
            rd.drive_s += int(dt_)
            self.placed[i][k] = r

    def _option_arrays(self, i: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per account: day masks (options x days), fixed rep (-1: any), missing visits."""
        arrays = self._arrays.get(i)
        if arrays is None:
            options = self.options[i]
            mask = np.zeros((len(options), self.n_days), dtype=bool)
            for o, option in enumerate(options):
                mask[o, [k for k in option.days if k not in self.past]] = True
            reps = np.array([-1 if o.rep is None else o.rep for o in options], dtype=np.int64)
            missing = np.array([o.missing for o in options], dtype=np.float64)
            arrays = self._arrays[i] = (mask, reps, missing)
        return arrays

    def choose(self, i: int, move_penalty: float, rng: random.Random) -> bool:
        """Re-insert account ``i`` with its best option; return True when it changed."""
        old_option, old_places = self.chosen[i], dict(self.placed[i])
        self.remove(i)
        mask, reps, missing = self._option_arrays(i)
        miss = self.miss_cost(i)
        days = np.flatnonzero(mask.any(axis=0))
        wanted = sorted(set(reps.tolist()))
        n_reps = len(self.reps)
        table = np.zeros((n_reps + 1, self.n_days))
        found: dict[tuple[int, int], tuple[float, int, int]] = {}
        for k in days.tolist():
            for r in wanted:
                best = self.best_rep(i, k, None if r < 0 else r)
                found[(r, k)] = best
                table[r if r >= 0 else n_reps, k] = miss if best[1] < 0 else best[0]
        rows = np.where(reps < 0, n_reps, reps)
        costs = missing * miss + (mask * table[rows]).sum(axis=1)
        if move_penalty and i in self.previous_days:
            before = self.previous_days[i]
            prev = np.zeros(self.n_days, dtype=bool)
            prev[[k for k in before if k not in self.past]] = True
            moved = (prev & ~mask).sum(axis=1).astype(np.float64)
            if self.accounts[i].same_rep:
                old_reps = {r for rs in before.values() for r in rs}
                other = np.array([r >= 0 and r not in old_reps for r in reps.tolist()])
                moved += np.where(other, (prev & mask).sum(axis=1), 0)
            costs = costs + move_penalty * moved
        o_index = int(np.argmin(costs))
        if old_option is not None and costs[old_option] <= costs[o_index] + 1e-9:
            o_index = old_option
        r = int(reps[o_index])
        places = {}
        for k in np.flatnonzero(mask[o_index]).tolist():
            _, rep, pos = found[(r, k)]
            if rep >= 0:
                places[k] = (rep, pos)
        self.chosen[i] = o_index
        self.insert(i, places)
        return o_index != old_option or self.placed[i] != old_places

    def fully_placed(self, i: int) -> bool:
        """Whether account ``i`` is placed on every future day of its chosen option.

        After a re-plan keeps only some previous days, an account chosen from the
        previous schedule may lack the visits of a day that is routed again.
        """
        option = self.options[i][self.chosen[i]]
        return set(self.placed[i]) >= {k for k in option.days if k not in self.past}

    def set_routes(self, k: int, plan: Plan) -> None:
        """Replace day ``k``'s sequences by the routed plan."""
        for rd in self.rep_days[k].values():
            for i in list(rd.seq):
                self.placed[i].pop(k, None)
            rd.seq, rd.load, rd.busy_s, rd.drive_s = [], 0, 0, 0
            self._version += 1
        for route in plan.routes:
            r = self.rep_index[route.rep_id]
            rd = self.rep_days[k][r]
            for account_id in route.account_ids:
                i = self.account_index[account_id]
                self.insert(i, {k: (r, len(rd.seq))})

    def snapshot(self) -> tuple:
        """Copy of the choices and sequences (to restore a better state)."""
        days = [
            {r: (list(rd.seq), rd.load, rd.busy_s, rd.drive_s) for r, rd in rds.items()}
            for rds in self.rep_days
        ]
        return list(self.chosen), [dict(p) for p in self.placed], days

    def restore(self, snap: tuple) -> None:
        """Go back to a :meth:`snapshot`."""
        chosen, placed, days = snap
        self._version += 1
        self.chosen = list(chosen)
        self.placed = [dict(p) for p in placed]
        for k, rds in enumerate(days):
            for r, (seq, load, busy, drive) in rds.items():
                rd = self.rep_days[k][r]
                rd.seq, rd.load, rd.busy_s, rd.drive_s = list(seq), load, busy, drive

    def objective(self, move_penalty: float) -> float:
        """Estimated objective: route costs + missing visits + balance + moves."""
        total = 0.0
        for k in range(self.n_days):
            for rd in self.rep_days[k].values():
                if not rd.seq:
                    continue
                nodes = [
                    self.start_row[rd.rep],
                    *(self.row[i] for i in rd.seq),
                    self.end_row[rd.rep],
                ]
                total += float(self.cost[rd.rep][nodes[:-1], nodes[1:]].sum())
                capacity = self.day_reps[k][rd.rep].capacity
                if capacity is not None and rd.load > capacity:
                    total += self.cap_penalty * (rd.load - capacity)
        if self.balance_weight:
            mean = self.balance_mean()
            for k in range(self.n_days):
                if k in self.past:
                    continue
                for rd in self.rep_days[k].values():
                    x = self.balance_measure(rd)
                    total += self.balance_weight * (x - mean) ** 2
        for i, sa in enumerate(self.accounts):
            past = sum(1 for k in self.previous_days.get(i, {}) if k in self.past)
            missing = sa.visits - past - len(self.placed[i])
            total += max(0, missing) * self.miss_cost(i)
            if move_penalty and i in self.previous_days:
                before = self.previous_days[i]
                now = self.placed[i]
                total += move_penalty * sum(
                    1
                    for k, reps in before.items()
                    if k not in self.past
                    and (k not in now or (self.accounts[i].same_rep and now[k] not in reps))
                )
        return total

    def improve_day(self, k: int) -> None:
        """Move visits between the rep-days of day ``k`` while the estimate improves.

        Only visits whose rep is free that day (not ``same_rep``, not an appointment).
        """
        rds = self.rep_days[k]
        if len(rds) < 2:
            return
        for _ in range(3):
            moved = False
            for r, rd in list(rds.items()):
                for i in list(rd.seq):
                    if self.accounts[i].same_rep or k in self.pinned.get(i, {}):
                        continue
                    cost = self.cost_lists[r]
                    pos = rd.seq.index(i)
                    nodes = [self.start_row[r], *(self.row[j] for j in rd.seq), self.end_row[r]]
                    p, a, n = nodes[pos], nodes[pos + 1], nodes[pos + 2]
                    gain = cost[p][a] + cost[a][n] - cost[p][n]
                    capacity = self.day_reps[k][r].capacity
                    if capacity is not None and rd.load > capacity:
                        over = rd.load - capacity
                        gain += self.cap_penalty * (over - max(0, over - self.demand[i]))
                    best = None
                    for r2 in self._eligible_reps(i, k):
                        if r2 == r:
                            continue
                        c2, pos2 = self.insertion(i, k, r2)
                        if c2 < gain - 1e-9 and (best is None or c2 < best[0]):
                            best = (c2, r2, pos2)
                    if best is not None:
                        self._take_out(rd, i, k)
                        self.placed[i].pop(k, None)
                        self.insert(i, {k: (best[1], best[2])})
                        moved = True
            if not moved:
                return

    def improve_route(self, k: int, r: int) -> None:
        """Relocate visits inside rep ``r``'s day ``k`` (and 2-opt on symmetric costs)."""
        rd = self.rep_days[k].get(r)
        if rd is None or len(rd.seq) < 3:
            return
        cost = self.cost_lists[r]
        seq = list(rd.seq)
        rows = [self.start_row[r], *(self.row[i] for i in seq), self.end_row[r]]

        def length(nodes: list[int]) -> float:
            return sum(cost[a][b] for a, b in zip(nodes, nodes[1:], strict=False))

        current = length(rows)
        improved = True
        while improved:
            improved = False
            n = len(seq)
            if self.symmetric:
                for a in range(1, n):
                    for b in range(a + 1, n + 1):
                        p, q = rows[a - 1], rows[a]
                        u, v = rows[b], rows[b + 1]
                        if cost[p][u] + cost[q][v] < cost[p][q] + cost[u][v] - 1e-9:
                            rows[a : b + 1] = rows[a : b + 1][::-1]
                            seq[a - 1 : b] = seq[a - 1 : b][::-1]
                            improved = True
            for a in range(n):
                node = seq[a]
                rest_seq = seq[:a] + seq[a + 1 :]
                rest = [rows[0], *(self.row[i] for i in rest_seq), rows[-1]]
                base = length(rest)
                x = self.row[node]
                best_pos, best_len = None, current - 1e-9
                for pos in range(len(rest) - 1):
                    value = (
                        base
                        + cost[rest[pos]][x]
                        + cost[x][rest[pos + 1]]
                        - cost[rest[pos]][rest[pos + 1]]
                    )
                    if value < best_len:
                        best_pos, best_len = pos, value
                if best_pos is not None:
                    seq = rest_seq[:best_pos] + [node] + rest_seq[best_pos:]
                    rows = [rows[0], *(self.row[i] for i in seq), rows[-1]]
                    improved = True
                current = length(rows)
        busy = sum(self.durations[a, b] for a, b in zip(rows, rows[1:], strict=False))
        busy += sum(self.service[i] for i in seq)
        rep = self.day_reps[k][r]
        limit = rep.shift.end_s - rep.shift.start_s - (rep.lunch.duration_s if rep.lunch else 0)
        if busy <= max(limit, rd.busy_s):
            drive = busy - sum(self.service[i] for i in seq)
            rd.seq, rd.busy_s, rd.drive_s = seq, int(busy), int(drive)
            self._version += 1

    def day_content(self, k: int) -> tuple:
        """Return what defines day ``k``'s day plan: its visits with their allowed reps."""
        visits = []
        for rd in self.rep_days[k].values():
            for i in rd.seq:
                o = self.options[i][self.chosen[i]] if self.chosen[i] is not None else None
                fixed = o.rep if o is not None else None
                if fixed is None and self.accounts[i].same_rep:
                    fixed = rd.rep
                visits.append((i, fixed))
        return tuple(sorted(visits, key=lambda v: v[0]))


def plan_schedule(
    problem: ScheduleProblem,
    *,
    network: Any = None,
    time_limit_s: float = 30.0,
    seed: int = 0,
    on_progress: Callable[[float, float | None], None] | None = None,
    deterministic: bool = False,
) -> Schedule:
    """Plan the visits of every account over the horizon and route every day.

    Parameters
    ----------
    problem
        The schedule problem (days, reps, accounts, appointments, options).
    network
        A loaded road network (``solver.roads.RoadNetwork``) for lat/lon problems.
    time_limit_s
        Wall-clock budget, seconds (> 0); the rounds of improvement stop when it is used.
    seed
        Random seed of the search order and of the day engine.
    on_progress
        Called as ``on_progress(fraction_done, estimated_cost)`` after each round.
    deterministic
        Decide every step on work done, never on the clock: rounds until
        :data:`IDLE_ROUNDS` in a row find nothing better (at most
        :data:`DETERMINISTIC_ROUNDS`), searches bounded by iterations, days routed with
        ``plan_day(deterministic=True)``. The same problem and seed then give the same
        schedule on any machine load; ``time_limit_s`` only caps each day's route.

    Returns
    -------
    Schedule
        The routes of every day (day-plan shape), one row per planned visit, the
        missing visits with reasons, and KPIs per rep and week.

    Raises
    ------
    InvalidProblemError
        When ``time_limit_s`` is not a positive number or the network is missing.
    """
    return _solve(problem, network, time_limit_s, seed, on_progress, None, None, deterministic)


def replan_schedule(
    problem: ScheduleProblem,
    previous: Schedule,
    *,
    today: dt.date,
    network: Any = None,
    time_limit_s: float = 30.0,
    seed: int = 0,
    on_progress: Callable[[float, float | None], None] | None = None,
    deterministic: bool = False,
) -> Schedule:
    """Re-plan the rest of a schedule after a disruption, changing as little as possible.

    The new ``problem`` carries the disruption (a rep's new ``days_off``, a moved or new
    appointment, accounts added or dropped). Days before ``today`` stay exactly as in
    ``previous`` (their visits count towards frequencies and gaps); from ``today`` on,
    every visit moved to another date or rep costs ``problem.options.move_penalty``, and
    days whose visits did not change keep their routes.

    Parameters
    ----------
    problem
        The updated schedule problem (same horizon as ``previous``).
    previous
        The schedule being followed.
    today
        First date that may change.
    network, time_limit_s, seed, on_progress, deterministic
        As in :func:`plan_schedule`.

    Returns
    -------
    Schedule
        The new schedule over the whole horizon.

    Raises
    ------
    InvalidProblemError
        When a date of ``previous`` is not in the horizon of ``problem``.
    """
    known = set(problem.days)
    for day in previous.days:
        if day.date not in known:
            raise InvalidProblemError(
                f"date {day.date} of the previous schedule is not in the horizon.",
                entity="Schedule",
                field="days",
            )
    return _solve(problem, network, time_limit_s, seed, on_progress, previous, today, deterministic)


def _solve(
    problem: ScheduleProblem,
    network: Any,
    time_limit_s: float,
    seed: int,
    on_progress: Callable[[float, float | None], None] | None,
    previous: Schedule | None,
    today: dt.date | None,
    deterministic: bool = False,
) -> Schedule:
    if not isinstance(time_limit_s, int | float) or not math.isfinite(time_limit_s):
        raise InvalidProblemError(f"Solve: time_limit_s must be a number, got {time_limit_s!r}.")
    if time_limit_s <= 0:
        raise InvalidProblemError(f"Solve: time_limit_s must be > 0, got {time_limit_s!r}.")
    began = time.monotonic()
    deadline = began + time_limit_s
    # deterministic: the clock never moves for decisions (work budgets decide instead)
    now = (lambda: began) if deterministic else time.monotonic
    rng = random.Random(seed)
    state = _State(problem, network, previous, today)
    move_penalty = problem.options.move_penalty if previous is not None else 0.0
    plans: dict[int, Plan] = {}
    contents: dict[int, tuple] = {}
    if previous is not None:
        _start_from(state, previous, plans, contents)
    order = _hardest_first(state)
    for i in order:
        if state.chosen[i] is None or not state.fully_placed(i):
            state.choose(i, move_penalty, rng)
    future = [k for k in range(state.n_days) if k not in state.past]
    _local_search(state, move_penalty, rng, INF if deterministic else deadline)
    rounds = 1
    first = [k for k in future if contents.get(k) != state.day_content(k)]
    per_day = max(0.2, min(10.0, FIRST_ROUTE_SHARE * time_limit_s / max(1, len(first))))
    cap = time_limit_s if deterministic else None  # each day's safety cap
    for k in first:
        plans[k], contents[k] = _route_day(state, k, cap or per_day, seed, deterministic)
    best = (state.objective(move_penalty), state.snapshot(), dict(plans), dict(contents))
    if on_progress is not None:
        on_progress(min(1.0, (time.monotonic() - began) / time_limit_s), best[0])
    idle, converged = 0, False
    polish_s = POLISH_SHARE * time_limit_s if previous is None else 0.0
    main_deadline = deadline - polish_s
    while main_deadline - now() > max(0.3, 0.03 * time_limit_s):
        if deterministic and rounds > DETERMINISTIC_ROUNDS:
            break
        rounds += 1
        left = main_deadline - now()
        slice_s = max(0.3, min(SEARCH_SHARE * left, 0.1 * len(state.accounts)))
        until = INF if deterministic else time.monotonic() + slice_s
        _perturb_and_improve(state, move_penalty, rng, until)
        changed = [k for k in future if contents.get(k) != state.day_content(k)]
        idle = 0 if changed else idle + 1
        if idle >= IDLE_ROUNDS and (deterministic or len(state.accounts) <= SMALL_SCHEDULE):
            converged = True
            break  # several searches in a row found no better day sets
        left = main_deadline - now()
        per_day = max(0.2, min(10.0, ROUTE_SHARE * left / max(1, len(changed))))
        for k in changed:
            if not deterministic and time.monotonic() + per_day > main_deadline:
                break
            plans[k], contents[k] = _route_day(
                state, k, cap or per_day, seed + rounds, deterministic
            )
        unrouted = [k for k in future if contents.get(k) != state.day_content(k)]
        value = state.objective(move_penalty)
        if not unrouted and value < best[0] - 1e-6:
            best = (value, state.snapshot(), dict(plans), dict(contents))
        else:
            state.restore(best[1])
            plans, contents = dict(best[2]), dict(best[3])
        if on_progress is not None:
            on_progress(min(1.0, (time.monotonic() - began) / time_limit_s), best[0])
    for k in future:  # safety: every day of the result is a routed day plan
        if k not in plans or contents.get(k) != state.day_content(k):
            plans[k], contents[k] = _route_day(state, k, cap or 0.2, seed, deterministic)
    if polish_s:
        until = INF if deterministic else min(deadline, time.monotonic() + polish_s)
        _polish(state, plans, future, until, seed, cap)
    status = SolveStatus.CONVERGED if converged else SolveStatus.TIME_LIMIT
    if deterministic and not converged:
        status = SolveStatus.FEASIBLE  # the round budget, not the clock, ended it
    return _result(state, plans, seed, time_limit_s, began, status, deterministic)


def _polish(
    state: _State,
    plans: dict[int, Plan],
    future: list[int],
    deadline: float,
    seed: int,
    cap: float | None = None,
) -> None:
    """Route every day again with the time left; keep a day's new plan when it is cheaper.

    The new plan must visit the same accounts (nothing newly dropped). With ``cap``
    (deterministic mode) every day is routed deterministically, capped at ``cap`` s.
    """
    busy = [k for k in future if any(route.account_ids for route in plans[k].routes)]
    for n, k in enumerate(busy):
        per_day = cap or (deadline - time.monotonic()) / (len(busy) - n)
        if per_day < 0.1:
            return
        old = plans[k]
        content = state.day_content(k)
        visits = [
            (state.accounts[i].id, None if fixed is None else {state.reps[fixed].id})
            for i, fixed in content
        ]
        rep_ids = [state.reps[r].id for r in state.works[k]]
        day = state.problem.day_problem(state.days[k], rep_ids, visits)
        new = plan_day(
            day,
            network=state.resolved.network,
            time_limit_s=per_day,
            seed=seed + 7,
            deterministic=cap is not None,
        )
        visited = {a for route in old.routes for a in route.account_ids}
        if new.unassigned or {a for r in new.routes for a in r.account_ids} != visited:
            continue
        if sum(r.totals.cost for r in new.routes) < sum(r.totals.cost for r in old.routes) - 1e-9:
            plans[k] = new


def _perturb_and_improve(
    state: _State, move_penalty: float, rng: random.Random, until: float
) -> None:
    """Ruin and recreate in the estimate space: re-insert a neighbourhood, keep if better.

    Stops at ``until`` or after ``100 + 20 x movable accounts`` iterations without a
    better state (so that small schedules do not depend on the machine's speed). With
    ``until`` infinite (deterministic mode) the acceptance margin shrinks over at most
    ``4 x`` that many iterations instead of over the time slice.
    """
    movable = [i for i in range(len(state.accounts)) if len(state.options[i]) > 1]
    if not movable:
        return
    size = max(3, min(30, len(movable) // 8))
    best = current = state.objective(move_penalty)
    best_snap = snap = state.snapshot()
    start = time.monotonic()
    span = max(1e-3, until - start)
    stall, stall_limit = 0, 100 + 20 * len(movable)
    iterations, budget = 0, 4 * stall_limit
    while time.monotonic() < until and stall < stall_limit and iterations < budget:
        stall += 1
        iterations += 1
        # Threshold acceptance: accept a worse state within a margin shrinking to 0.
        done = iterations / budget if until == INF else (time.monotonic() - start) / span
        margin = THRESHOLD * max(0.0, 1 - done)
        seed_account = rng.choice(movable)
        group = [j for j in state.near[seed_account] if len(state.options[j]) > 1][:size]
        for i in group:
            state.remove(i)
            state.chosen[i] = None
        rng.shuffle(group)
        for i in group:
            state.choose(i, move_penalty, rng)
        touched = {(k, r) for i in group for k, r in state.placed[i].items()}
        for k in {k for k, _ in touched}:
            state.improve_day(k)
        touched = {(k, r) for i in group for k, r in state.placed[i].items()}
        for k, r in touched:
            state.improve_route(k, r)
        for i in group:
            state.choose(i, move_penalty, rng)
        value = state.objective(move_penalty)
        if value < best - 1e-6:
            best, best_snap, stall = value, state.snapshot(), 0
        if value < current * (1 + margin) - 1e-9:
            current, snap = value, state.snapshot() if value >= best - 1e-6 else best_snap
        else:
            state.restore(snap)
    state.restore(best_snap)


def _hardest_first(state: _State) -> list[int]:
    def key(i: int) -> tuple:
        sa = state.accounts[i]
        far = max(float(state.cost[0][state.start_row[0], state.row[i]]), 0.0)
        return (
            i not in state.pinned,
            not sa.account.required,
            len(state.options[i]),
            -sa.visits,
            -state.demand[i],
            -far,
        )

    return sorted(range(len(state.accounts)), key=key)


def _local_search(state: _State, move_penalty: float, rng: random.Random, deadline: float) -> None:
    accounts = list(range(len(state.accounts)))
    for _ in range(50):
        rng.shuffle(accounts)
        moved = 0
        for i in accounts:
            if len(state.options[i]) > 1 or state.chosen[i] is None:
                moved += state.choose(i, move_penalty, rng)
            if time.monotonic() > deadline:
                return
        if not moved:
            return


def _route_day(
    state: _State, k: int, time_limit_s: float, seed: int, deterministic: bool = False
) -> tuple[Plan, tuple]:
    content = state.day_content(k)
    visits = [
        (state.accounts[i].id, None if fixed is None else {state.reps[fixed].id})
        for i, fixed in content
    ]
    rep_ids = [state.reps[r].id for r in state.works[k]]
    date = state.days[k]
    if not rep_ids:
        return Plan(date, (), (), SolverInfo(SolveStatus.EMPTY, seed, 0.0, 0.0)), content
    day = state.problem.day_problem(date, rep_ids, visits)
    plan = plan_day(
        day,
        network=state.resolved.network,
        time_limit_s=time_limit_s,
        seed=seed,
        deterministic=deterministic,
    )
    state.set_routes(k, plan)
    for u in plan.unassigned:
        state.banned.add((state.account_index[u.account_id], k))
    return plan, state.day_content(k)


def _start_from(state: _State, previous: Schedule, plans: dict, contents: dict) -> None:
    """Start from the previous schedule: keep its option choices and its day routes.

    A future day keeps its routes when every visit on it still belongs to the chosen
    option of its account and the day still passes the day-plan checker (reps at work,
    appointments, windows); otherwise it is routed again.
    """
    for i in range(len(state.accounts)):
        before = state.previous_days.get(i)
        if not before:
            continue
        wanted = set(before)
        reps = {r for rs in before.values() for r in rs}
        for o_index, option in enumerate(state.options[i]):
            if set(option.days) == wanted and (option.rep is None or option.rep in reps):
                state.chosen[i] = o_index
                break
    for day in previous.days:
        k = state.days.index(day.date)
        plan = Plan(day.date, day.routes, (), SolverInfo(SolveStatus.FEASIBLE, 0, 0.0, 0.0))
        if k in state.past:
            plans[k] = plan  # the past stays as it was
            continue
        if not _still_valid(state, k, plan):
            continue
        state.set_routes(k, plan)
        plans[k] = plan
        contents[k] = state.day_content(k)


def _still_valid(state: _State, k: int, plan: Plan) -> bool:
    """Whether a previous day can be kept as it is on the disrupted problem.

    Every visit must still belong to its account's chosen option, the same reps must be
    at work, and each route, timed again by the day engine's own timing on that date's
    day problem (weekday shift, opening hours, appointments), must give the same stops
    and totals without a missed window, late break or shift overrun, within the rep's
    limits. (The solver decides with its own timing, never with the checker.)
    """
    working = {state.reps[r].id for r in state.works[k]}
    visits = []
    for route in plan.routes:
        if route.rep_id not in working:
            return False
        for account_id in route.account_ids:
            i = state.account_index.get(account_id)
            chosen = state.chosen[i] if i is not None else None
            if chosen is None or k not in state.options[i][chosen].days:
                return False
            visits.append((account_id, None))
    if {route.rep_id for route in plan.routes} != working:
        return False
    try:
        day = state.problem.day_problem(state.days[k], sorted(working), visits)
    except KeyError:  # closed that day now
        return False
    resolved = resolve_problem(day, state.resolved.network)
    return all(_same_timing(resolved, route) for route in plan.routes)


def _same_timing(resolved: ResolvedProblem, route: Route) -> bool:
    """Whether ``route`` is what the day engine's timing gives its order, within limits."""
    rep = resolved.problem.rep(route.rep_id)
    order = route.account_ids
    accounts = [resolved.problem.account(a) for a in order]
    break_after = None
    visits_before = 0
    for stop in route.stops:
        if stop.type == StopType.BREAK:
            break_after = visits_before
        elif stop.type == StopType.VISIT:
            visits_before += 1
    retimed = time_route(resolved, rep, order, break_after=break_after)
    if timing_misses(retimed, rep, accounts):
        return False
    if retimed.stops != route.stops or retimed.totals != route.totals:
        return False
    demand = sum(a.demand for a in accounts)
    return (
        (rep.capacity is None or demand <= rep.capacity)
        and (rep.max_visits is None or len(accounts) <= rep.max_visits)
        and (rep.max_drive_s is None or retimed.totals.drive_s <= rep.max_drive_s)
    )


def _estimate(state: _State) -> float:
    total = 0.0
    for k in range(state.n_days):
        for rd in state.rep_days[k].values():
            nodes = [
                state.start_row[rd.rep],
                *(state.row[i] for i in rd.seq),
                state.end_row[rd.rep],
            ]
            total += float(state.cost[rd.rep][nodes[:-1], nodes[1:]].sum())
    return round(total, 6)


def _result(
    state: _State,
    plans: dict[int, Plan],
    seed: int,
    time_limit_s: float,
    began: float,
    status: str,
    deterministic: bool = False,
) -> Schedule:
    problem = state.problem
    pinned = {(ap.account_id, ap.date) for ap in problem.appointments}
    days, visits = [], []
    for k, date in enumerate(state.days):
        plan = plans.get(k)
        routes = plan.routes if plan is not None else ()
        days.append(ScheduleDay(date, tuple(routes)))
        for route in routes:
            for stop in route.stops:
                if stop.type == StopType.VISIT and stop.account_id is not None:
                    visits.append(
                        ScheduledVisit(
                            stop.account_id,
                            route.rep_id,
                            date,
                            stop.start_s,
                            (stop.account_id, date) in pinned,
                        )
                    )
    counts: dict[str, int] = {}
    for v in visits:
        counts[v.account_id] = counts.get(v.account_id, 0) + 1
    dropped_reason: dict[str, tuple[str, str]] = {}
    for plan in plans.values():
        for u in plan.unassigned:
            dropped_reason.setdefault(u.account_id, (str(u.reason), u.detail))
    unassigned = []
    for i, sa in enumerate(state.accounts):
        missing = sa.visits - counts.get(sa.id, 0)
        if missing <= 0:
            continue
        option = state.options[i][state.chosen[i]] if state.chosen[i] is not None else None
        if option is not None and option.reason is not None and option.missing:
            reason = str(option.reason)
            detail = _sentence(state, i, reason)
        elif sa.id in dropped_reason:
            reason, detail = dropped_reason[sa.id]
            detail = f"{detail} ({missing} of {sa.visits} visits missing.)"
        else:
            reason = str(ScheduleReason.NO_ROOM)
            detail = _sentence(state, i, reason)
        unassigned.append(ScheduleUnassigned(sa.id, missing, reason, detail))
    summary = summarize(problem, days, sum(sa.visits for sa in state.accounts))
    info = SolverInfo(
        status=status,
        seed=seed,
        time_limit_s=float(time_limit_s),
        time_s=round(time.monotonic() - began, 3),
        objective=summary.total.cost,
        deterministic=deterministic,
    )
    return Schedule(tuple(days), tuple(visits), tuple(unassigned), summary, info)


def _sentence(state: _State, i: int, reason: str) -> str:
    sa = state.accounts[i]
    name = f"Account '{sa.id}'"
    if reason == ScheduleReason.NO_ALLOWED_DAY:
        allowed = len(state._allowed_days(i))
        return (
            f"{name}: only {allowed} allowed day(s) (weekdays, opening hours, reps at work) "
            f"for {sa.visits} visits."
        )
    if reason == ScheduleReason.SPACING_INFEASIBLE:
        return (
            f"{name}: no set of {sa.visits} allowed days keeps the gaps "
            f"{sa.min_gap_days}..{sa.max_gap_days} days."
        )
    if reason == ScheduleReason.NO_ELIGIBLE_REP:
        return f"{name}: no working rep is allowed to visit it (rep_ids, skills, days off)."
    if reason == ScheduleReason.NOT_WORTH_THE_DETOUR:
        return f"{name}: optional, and its value is below the travel cost of its visits."
    return f"{name}: its allowed days are full (shift, capacity or visit limits)."
