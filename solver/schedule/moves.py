"""Schedule search state, moves: estimated insertions, removals, option choice, objective.

Estimated costs are those of the day plan (km x ``cost_per_km`` + driving hours x
``cost_per_hour``) on the rep-day sequences, plus a penalty per missing visit, per unit
of overload, of imbalance and, when re-planning, per moved visit (see
:mod:`solver.schedule.plan`).
"""

from __future__ import annotations

import math
import random

import numpy as np

from solver.model import Plan
from solver.routing.schedule import account_value
from solver.schedule.model import Balance
from solver.schedule.state import RepDay, StateBase

#: Estimated cost of a missing visit of a required account (currency units).
REQUIRED_MISS = 1e7
#: An infeasible insertion.
INF = math.inf
#: Memoised insertions (see :meth:`State.insertion`) are dropped beyond this many.
INSERTION_CACHE = 500_000


class State(StateBase):
    """Internal state: options, the chosen option per account and every rep-day sequence."""

    def insertion(self, i: int, k: int, r: int) -> tuple[float, int]:
        """Cheapest estimated insertion of account ``i`` into rep ``r``'s day ``k``.

        Without balancing, past the check of the day's room in total, the result
        depends only on the rep-day's sequence: it is memoised on it (the option
        searches ask the same insertions again and again while few rep-days change).
        """
        rd = self.rep_days[k][r]
        capacity = self.day_reps[k][r].capacity
        if (  # (the one rule looking beyond this rep-day: the day's room in total)
            capacity is not None
            and rd.load + self.demand[i] > capacity
            and sum(x.load for x in self.rep_days[k].values()) + self.demand[i]
            > self.day_capacity[k]
        ):
            return INF, -1
        if self.balance_weight:
            return self._insertion(i, k, r)
        key = (i, k, r, tuple(rd.seq))
        found = self._insertions.get(key)
        if found is None:
            if len(self._insertions) > INSERTION_CACHE:
                self._insertions.clear()
            found = self._insertions[key] = self._insertion(i, k, r)
        return found

    def _insertion(self, i: int, k: int, r: int) -> tuple[float, int]:
        rd = self.rep_days[k][r]
        rep = self.day_reps[k][r]
        excess = 0
        if rep.capacity is not None and rd.load + self.demand[i] > rep.capacity:
            # Soft capacity (Vidal et al.): a penalised overload lets the day engine
            # re-split the day between its reps (the day's room is checked by the caller).
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
        """Cheapest (cost, rep, position) of account ``i`` on day ``k`` (rep ``fixed``)."""
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
        """Estimated cost of one missing visit of account ``i``."""
        account = self.accounts[i].account
        return REQUIRED_MISS if account.required else account_value(account)

    # ---------------------------------------------------------------- moves
    def remove(self, i: int) -> None:
        """Take account ``i`` out of every rep-day it is placed on."""
        for k, r in self.placed[i].items():
            rd = self.rep_days[k][r]
            self._take_out(rd, i, k)
        self.placed[i] = {}

    def _take_out(self, rd: RepDay, i: int, k: int) -> None:
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
        """Insert account ``i`` at ``places`` (day -> (rep, position))."""
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

    def choose(
        self, i: int, move_penalty: float, rng: random.Random, avoid: int | None = None
    ) -> bool:
        """Re-insert account ``i`` with its best option; return True when it changed.

        ``avoid``: an option not to take (a forced change), when there is another.
        """
        old_option, old_places = self.chosen[i], dict(self.placed[i])
        self.remove(i)
        costs, found = self.option_costs(i, move_penalty)
        mask, reps, _ = self._option_arrays(i)
        if avoid is not None and len(costs) > 1:
            costs[avoid] = INF
            old_option = None
        o_index = int(np.argmin(costs))
        if old_option is not None and costs[old_option] <= costs[o_index] + 1e-9:
            o_index = old_option
        self.take(i, o_index, found)
        return o_index != old_option or self.placed[i] != old_places

    def take(self, i: int, o_index: int, found: dict) -> None:
        """Place account ``i`` (not placed) with option ``o_index`` where ``found`` says."""
        mask, reps, _ = self._option_arrays(i)
        r = int(reps[o_index])
        places = {}
        for k in np.flatnonzero(mask[o_index]).tolist():
            _, rep, pos = found[(r, k)]
            if rep >= 0:
                places[k] = (rep, pos)
        self.chosen[i] = o_index
        self.insert(i, places)

    def option_costs(self, i: int, move_penalty: float) -> tuple[np.ndarray, dict]:
        """Estimated cost of each option of account ``i`` (not placed): exact insertions.

        Returns the costs and the cheapest (cost, rep, position) per (rep or -1, day).
        """
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
        return costs, found

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
