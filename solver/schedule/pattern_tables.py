"""Tables of the pattern search (:mod:`solver.schedule.patterns`), kept per sequence.

For every rep's sequence of every day: its cost, load and duration, the cheapest
insertion of every account into it (with the overtime it adds, weighted by ``beta``)
and the removal gain of each of its visits (cost, overload and overtime removed). A
move changes a few sequences, so only their tables are rebuilt. Also the options of the
accounts the search may move (day masks, fixed reps) and each account's wanted days.
"""

from __future__ import annotations

import numpy as np

from solver.schedule.moves import State

#: Improvements smaller than this are none.
EPS = 1e-6


class PatternTables:
    """Tables of the pattern search: sequences, insertion costs, removal gains, options.

    Built from the schedule state for the accounts ``accounts`` (those with several
    options); :meth:`write` puts a snapshot back into the state.
    """

    def __init__(self, state: State, accounts: list[int]) -> None:
        s = self.s = state
        self.n = n = len(s.accounts)
        self.t = t = s.n_days
        self.routes = [(k, r) for k in range(t) for r in sorted(s.rep_days[k])]
        self.route_of = {kr: x for x, kr in enumerate(self.routes)}
        nr = len(self.routes)
        self.day_of = np.array([k for k, _ in self.routes], dtype=np.int64)
        self.day_routes = [[x for x, (k, _) in enumerate(self.routes) if k == d] for d in range(t)]
        # The same as a grid (days x most reps a day), padded with the dummy sequence.
        self.day_grid = np.full((t, max([2, *map(len, self.day_routes)])), nr, dtype=np.int64)
        for d, xs in enumerate(self.day_routes):
            self.day_grid[d, : len(xs)] = xs
        self.rows = np.array(s.row, dtype=np.int64)
        self.demand = np.array(s.demand, dtype=np.float64)
        self.service = np.array(s.service, dtype=np.float64)
        self.miss = np.array([s.miss_cost(i) for i in range(n)], dtype=np.float64)
        self.visits = np.array([sa.visits for sa in s.accounts], dtype=np.int64)
        self.cap = np.full(nr, np.inf)
        self.limit = np.full(nr, np.inf)
        for x, (k, r) in enumerate(self.routes):
            rep = s.day_reps[k][r]
            if rep.capacity is not None:
                self.cap[x] = rep.capacity
            self.limit[x] = rep.shift.end_s - rep.shift.start_s
        # A shift longer than any sequence could last never binds: no overtime tables.
        arcs = s.durations[np.ix_(self.rows, self.rows)] if n else np.zeros((1, 1))
        ends = [*s.start_row, *(e for e in s.end_row if e < s.durations.shape[0] - 1)]
        reach = s.durations[np.ix_(ends, self.rows)] if n else np.zeros((1, 1))
        longest = float(max(arcs.max(), reach.max(), 0.0))
        bound = (self.visits.sum() + 1) * longest + float((self.service * self.visits).sum())
        self.limit[self.limit >= bound] = np.inf
        self.timed = bool(np.isfinite(self.limit).any())
        # Cost tables per distinct matrix: C[:, rows] and C[rows, :].T, so that the
        # insertion of every account between two nodes is two row lookups.
        self._tables: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self.matrix = []
        for _, r in self.routes:
            c = s.cost[r]
            if id(c) not in self._tables:
                self._tables[id(c)] = (c, c[:, self.rows], c[self.rows, :].T.copy())
            self.matrix.append(self._tables[id(c)])
        d = s.durations
        self.dtab = (d, d[:, self.rows], d[self.rows, :].T.copy())
        # Who may go where: eligible reps, not banned by the day engine.
        self.allowed = np.zeros((nr + 1, n), dtype=bool)
        for x, (k, r) in enumerate(self.routes):
            for i in range(n):
                if (i, k) not in s.banned and r in s._eligible_reps(i, k):
                    self.allowed[x, i] = True
        self.relocatable = np.array(
            [
                not sa.same_rep and (s.chosen[i] is None or s.options[i][s.chosen[i]].rep is None)
                for i, sa in enumerate(s.accounts)
            ]
        )
        self._options(accounts)
        # Current sequences and their tables.
        self.seq = [list(s.rep_days[k][r].seq) for k, r in self.routes]
        self.chosen = list(s.chosen)
        # The days (and fixed sequence) of every account's chosen option: a visit wanted
        # there and not placed is missing, and may be filled in.
        self.want = np.zeros((n, t), dtype=bool)
        self.want_route = np.full((n, t), -1, dtype=np.int64)
        for i in range(n):
            if s.chosen[i] is not None:
                self.set_want(i, s.chosen[i])
        self.load = np.zeros(nr)
        self.dur = np.zeros(nr)
        self.cost = np.zeros(nr)
        self.placed = np.zeros((n, t), dtype=bool)
        self.route_at = np.full((n, t), -1, dtype=np.int64)
        self.gain = np.zeros((3, n, t))  # cost, overload, overtime removed with the visit
        self.ins_base = np.full((nr + 1, n), np.inf)  # cheapest insertion, beta included
        self.ins_over = np.zeros((nr + 1, n))  # overload the insertion adds
        self.ins_pos = np.zeros((nr + 1, n), dtype=np.int64)
        self._detour: list[np.ndarray | None] = [None] * nr
        self._overtime: list[np.ndarray | None] = [None] * nr
        self.alpha = max(s.cap_penalty, EPS)
        costs = s.cost[self.routes[0][1]][np.ix_(self.rows, self.rows)] if nr and n else arcs
        self.beta = max(float(costs.mean()) / max(float(arcs.mean()), EPS), EPS)
        for x in range(nr):
            self.rebuild(x)

    def _options(self, accounts: list[int]) -> None:
        s = self.s
        acc, idx, masks, reps = [], [], [], []
        for i in accounts:
            mask, rep, _ = s._option_arrays(i)
            for o in range(len(mask)):
                acc.append(i)
                idx.append(o)
                masks.append(mask[o])
                reps.append(int(rep[o]))
        self.o_acc = np.array(acc, dtype=np.int64)
        self.o_idx = np.array(idx, dtype=np.int64)
        self.o_mask = np.array(masks, dtype=bool).reshape(len(acc), self.t)
        self.o_rep = np.array(reps, dtype=np.int64)
        self.o_size = self.o_mask.sum(axis=1)
        self.o_route = np.full((len(acc), self.t), -1, dtype=np.int64)
        for row, r in enumerate(reps):
            if r >= 0:
                self.o_route[row] = self.rep_routes(r)
        self.fixed_reps = bool((self.o_rep >= 0).any())
        self.row_of = {(a, o): row for row, (a, o) in enumerate(zip(acc, idx, strict=True))}

    def set_want(self, i: int, o: int) -> None:
        """Record option ``o`` of account ``i`` as its chosen one (its days, its rep)."""
        mask, reps, _ = self.s._option_arrays(i)
        self.want[i] = mask[o]
        self.want_route[i] = self.rep_routes(int(reps[o])) if reps[o] >= 0 else -1

    def rep_routes(self, r: int) -> np.ndarray:
        """Rep ``r``'s sequence of each day; the dummy (one past the last) where it has none."""
        dummy = len(self.routes)
        return np.array([self.route_of.get((k, r), dummy) for k in range(self.t)], dtype=np.int64)

    def cheapest_route(self, table: np.ndarray, i: int, k: int, fixed: int) -> int:
        """Return the sequence of day ``k`` for account ``i``: the cheapest by ``table``.

        ``fixed`` (>= 0): that sequence only. -1 when there is none (no rep that day, or
        the fixed rep does not work that day).
        """
        if fixed >= 0:
            return fixed if fixed < len(self.routes) else -1
        xs = self.day_routes[k]
        return xs[int(np.argmin(table[xs, i]))] if xs else -1

    # ------------------------------------------------------------ tables
    def rebuild(self, x: int) -> None:
        """Rebuild sequence ``x``'s figures, insertion table and its visits' gains."""
        k, r = self.routes[x]
        seq = self.seq[x]
        c, c_to, c_from = self.matrix[x]
        d, d_to, d_from = self.dtab
        nodes = np.array(
            [self.s.start_row[r], *(self.rows[seq].tolist()), self.s.end_row[r]], dtype=np.int64
        )
        prev, nxt = nodes[:-1], nodes[1:]
        self.cost[x] = float(c[prev, nxt].sum())
        self.load[x] = float(self.demand[seq].sum()) if seq else 0.0
        self.dur[x] = float(d[prev, nxt].sum() + (self.service[seq].sum() if seq else 0.0))
        over = max(0.0, self.load[x] - self.cap[x])
        self.ins_over[x] = np.maximum(0.0, self.load[x] + self.demand - self.cap[x]) - over
        self._detour[x] = c_to[prev] + c_from[nxt] - c[prev, nxt][:, None]
        if self.timed and np.isfinite(self.limit[x]):
            late = max(0.0, self.dur[x] - self.limit[x])
            extra = d_to[prev] + d_from[nxt] - d[prev, nxt][:, None] + self.service
            self._overtime[x] = np.maximum(0.0, self.dur[x] + extra - self.limit[x]) - late
        else:
            self._overtime[x] = None
        self._best_insertion(x)
        if seq:
            p, a, q = nodes[:-2], nodes[1:-1], nodes[2:]
            members = np.array(seq, dtype=np.int64)
            self.placed[members, k] = True
            self.route_at[members, k] = x
            self.gain[0, members, k] = c[p, a] + c[a, q] - c[p, q]
            self.gain[1, members, k] = over - np.maximum(
                0.0, self.load[x] - self.demand[members] - self.cap[x]
            )
            if self._overtime[x] is not None:
                late = max(0.0, self.dur[x] - self.limit[x])
                saved = d[p, a] + d[a, q] - d[p, q] + self.service[members]
                self.gain[2, members, k] = late - np.maximum(
                    0.0, self.dur[x] - saved - self.limit[x]
                )
            else:
                self.gain[2, members, k] = 0.0

    def _best_insertion(self, x: int) -> None:
        detour = self._detour[x]
        if self._overtime[x] is not None:
            detour = detour + self.beta * self._overtime[x]
        pos = np.argmin(detour, axis=0)
        best = detour[pos, np.arange(self.n)]
        best = np.where(self.allowed[x], best, np.inf)
        if self.seq[x]:
            best[self.seq[x]] = np.inf
        self.ins_base[x] = best
        self.ins_pos[x] = pos

    def reweigh(self) -> None:
        """Rebuild every insertion table after ``beta`` changed."""
        for x in range(len(self.routes)):
            if self._overtime[x] is not None:
                self._best_insertion(x)

    def remove(self, i: int, k: int) -> int:
        """Take account ``i`` out of day ``k``; return its sequence (rebuilt later)."""
        x = int(self.route_at[i, k])
        self.seq[x].remove(i)
        self.placed[i, k] = False
        self.route_at[i, k] = -1
        self.gain[:, i, k] = 0.0
        return x

    def insert(self, i: int, x: int) -> None:
        """Put account ``i`` into sequence ``x`` at its cheapest place (tables current)."""
        self.seq[x].insert(int(self.ins_pos[x, i]), i)
        k = self.routes[x][0]
        self.placed[i, k] = True
        self.route_at[i, k] = x

    # ------------------------------------------------------------ values
    def insertions(self) -> np.ndarray:
        """Cheapest penalised insertion of every account into every sequence."""
        return self.ins_base + self.alpha * self.ins_over

    def overload(self) -> tuple[float, float]:
        """Total load over capacity and time past the shift lengths."""
        over = float(np.maximum(0.0, self.load - self.cap).sum())
        late = float(np.maximum(0.0, self.dur - self.limit).sum()) if self.timed else 0.0
        return over, late

    def true_cost(self) -> float:
        """Route costs plus missing visits (the state's objective when feasible)."""
        missing = self.visits - self.placed.sum(axis=1)
        return float(self.cost.sum() + (np.maximum(missing, 0) * self.miss).sum())

    def penalised(self) -> float:
        """:meth:`true_cost` plus the weighted overloads."""
        over, late = self.overload()
        return self.true_cost() + self.alpha * over + self.beta * late

    def gains(self) -> np.ndarray:
        """Penalised removal gain of every placed visit (accounts x days)."""
        return self.gain[0] + self.alpha * self.gain[1] + self.beta * self.gain[2]

    # ------------------------------------------------------------ post-optimisation
    def polish(self, x: int) -> None:
        """2-opt (symmetric costs) and relocate inside sequence ``x``, then rebuild."""
        seq = self.seq[x]
        if len(seq) >= 3:
            r = self.routes[x][1]
            c = self.matrix[x][0]
            nodes = np.array([self.s.start_row[r], *self.rows[seq].tolist(), self.s.end_row[r]])
            order = np.array([-1, *seq, -1], dtype=np.int64)
            for _ in range(4 * len(seq)):
                moved = self._two_opt(nodes, order, c) if self.s.symmetric else False
                moved = self._relocate(nodes, order, c) or moved
                if not moved:
                    break
            new = [int(i) for i in order[1:-1]]
            if new != seq:
                before = self.dur[x]
                self.seq[x] = new
                self.rebuild(x)
                if not (self.timed and self.dur[x] > max(before, self.limit[x]) + EPS):
                    return
                self.seq[x] = seq  # (cheaper but longer past the shift: not kept)
        self.rebuild(x)

    @staticmethod
    def _two_opt(nodes: np.ndarray, order: np.ndarray, c: np.ndarray) -> bool:
        a, b = nodes[:-1], nodes[1:]
        edge = c[a, b]
        delta = c[a[:, None], a[None, :]] + c[b[:, None], b[None, :]] - edge[:, None] - edge
        delta = np.triu(delta, 2)
        e = int(np.argmin(delta))
        i, j = divmod(e, len(a))
        if delta[i, j] >= -EPS:
            return False
        nodes[i + 1 : j + 1] = nodes[i + 1 : j + 1][::-1].copy()
        order[i + 1 : j + 1] = order[i + 1 : j + 1][::-1].copy()
        return True

    @staticmethod
    def _relocate(nodes: np.ndarray, order: np.ndarray, c: np.ndarray) -> bool:
        m = len(nodes)
        inner = np.arange(1, m - 1)
        p, a, q = nodes[inner - 1], nodes[inner], nodes[inner + 1]
        gain = c[p, a] + c[a, q] - c[p, q]
        u, v = nodes[:-1], nodes[1:]  # edges (u_e, v_e), e = 0..m-2
        add = c[u[None, :], a[:, None]] + c[a[:, None], v[None, :]] - c[u, v][None, :]
        delta = add - gain[:, None]
        # (the edges next to the visit itself are no other place)
        delta[np.arange(len(inner)), inner - 1] = np.inf
        delta[np.arange(len(inner)), inner] = np.inf
        e = int(np.argmin(delta))
        row, edge = divmod(e, m - 1)
        if delta[row, edge] >= -EPS:
            return False
        pos = int(inner[row])
        node, who = nodes[pos], order[pos]
        keep = np.ones(m, dtype=bool)
        keep[pos] = False
        at = edge + 1 if edge < pos else edge  # insert before this index of the rest
        rest_n, rest_o = nodes[keep], order[keep]
        nodes[:] = np.concatenate([rest_n[:at], [node], rest_n[at:]])
        order[:] = np.concatenate([rest_o[:at], [who], rest_o[at:]])
        return True

    # ------------------------------------------------------------ state
    def snapshot(self) -> tuple[list[list[int]], list[int | None]]:
        """Copy the sequences and chosen options."""
        return [list(q) for q in self.seq], list(self.chosen)

    def write(self, snap: tuple[list[list[int]], list[int | None]]) -> None:
        """Make ``snap`` the schedule state's sequences and chosen options."""
        s = self.s
        seqs, chosen = snap
        for rds in s.rep_days:
            for rd in rds.values():
                rd.seq, rd.load, rd.busy_s, rd.drive_s = [], 0, 0, 0
        s.placed = [{} for _ in s.accounts]
        s._version += 1
        for (k, r), seq in zip(self.routes, seqs, strict=True):
            for i in seq:
                s.insert(i, {k: (r, len(s.rep_days[k][r].seq))})
        s.chosen = list(chosen)
