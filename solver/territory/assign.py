"""Balanced generalized assignment of accounts to reps, on HiGHS.

The model (``x[r, a]`` = share of account ``a`` given to rep ``r``)::

    minimise    sum c[r, a] x[r, a]  +  M (sum e_up + sum e_lo)
    subject to  sum_r x[r, a] = 1                                 every account a
                sum_a w[r, a] x[r, a] - (1 + tol) s[r] T - e_up[r] <= 0   every rep r
                sum_a w[r, a] x[r, a] - (1 - tol) s[r] T + e_lo[r] >= 0   every rep r
                sum_{r, a} w[r, a] x[r, a] - T = 0
                sum_{a with a current rep} x[current(a), a] >= n_current - max_moves
                x[r, a] = 0 where r cannot reach a or a is locked to another rep

``c`` is visits per week x one-way travel from the rep's home (hours) minus the move
penalty on the current rep's column, ``w`` the balance metric (normalised so that the
mean target is 1), ``s`` the reps' capacity shares and ``T`` the metric's total. The
elastic variables ``e`` with a large cost ``M`` keep every restricted model feasible;
a positive ``e`` at the optimum means the tolerance cannot be met. ``max_moves`` is hard
(keeping every account with its current rep is always feasible, so the caller must give
a current rep only where that column is allowed).

Steps: (1) the LP relaxation by column generation (start from each account's nearest
reps, add every column with a negative reduced cost until none is left, so the optimum
is the LP over *all* reps: the lower bound); (2) round the LP (largest share), repair
the balance with greedy single moves, then improve it inside the bands with single moves
and exchanges of two accounts between two reps (numpy) until neither helps; unless that
is already within ``max_gap`` of the LP bound, (3) a small MIP in which only the
accounts the LP split (or the repair moved) are free, then, if still needed, the MIP
over all the LP's columns, both warm-started with the incumbent and stopped at the time
limit or once within ``max_gap`` of the LP bound (or of the MIP's own dual bound).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import highspy
import numpy as np

#: Share of the remaining time given to the small MIP over the split accounts.
_SUB_MIP_SHARE = 0.3
#: Deterministic mode: branch-and-bound nodes of each MIP (instead of its time share).
DETERMINISTIC_MIP_NODES = 2_000

#: Accounts (smallest regret first) among which improve_swaps looks for exchanges.
_SWAP_CANDIDATES = 1500

#: Exchanges tried per round of improve_swaps (best first).
_SWAP_TRIALS = 5000

#: Alternations of improve_moves and improve_swaps after the repair.
_LOCAL_ROUNDS = 10

#: Reduced cost below which a column enters the LP.
_PRICE_EPS = 1e-9


@dataclass(frozen=True, slots=True, eq=False)
class AssignmentInput:
    """Arrays of one assignment problem (internal).

    Parameters
    ----------
    cost
        ``(R, A)`` objective coefficients, hours per week; ``inf`` where not allowed.
    weight
        ``(R, A)`` balance metric of account ``a`` when served by rep ``r``.
    share
        ``(R,)`` target shares (sum 1).
    tolerance
        Relative band around each target.
    current
        ``(A,)`` index of the current rep, -1 for none; the current column must be allowed.
    max_moves
        Optional cap on moves against ``current``.
    move_penalty
        Objective cost of one move, hours per week.
    """

    cost: np.ndarray
    weight: np.ndarray
    share: np.ndarray
    tolerance: float
    current: np.ndarray
    max_moves: int | None = None
    move_penalty: float = 0.0


@dataclass(slots=True)
class AssignmentResult:
    """Outcome of :func:`solve_assignment` (internal)."""

    rep_of: np.ndarray
    lower_bound: float  # nan when the LP did not finish
    lp_excess: float  # sum of the elastic balance amounts at the LP optimum, in targets
    status: str
    columns: int
    notes: list[str] = field(default_factory=list)


class _Model:
    """The LP/MIP in HiGHS plus the bookkeeping of which (rep, account) columns it holds."""

    def __init__(self, data: AssignmentInput, big_m: float, seed: int) -> None:
        self.data = data
        #: Longest HiGHS call, seconds (deterministic mode: its safety cap).
        self.safety_cap_s = math.inf
        n_reps, n_accounts = data.cost.shape
        self.n_reps, self.n_accounts = n_reps, n_accounts
        self.big_m = big_m
        self.has_moves_row = data.max_moves is not None
        self.n_current = int(np.count_nonzero(data.current >= 0))
        # normalised weights: mean target = 1
        finite_w = np.where(np.isfinite(data.cost), data.weight, np.inf)
        scale = float(np.sum(np.min(finite_w, axis=0))) / n_reps
        self.scale = scale if scale > 0 else 1.0
        self.w = data.weight / self.scale
        self.cost = data.cost.copy()
        rows = np.arange(n_accounts)
        has_current = data.current >= 0
        self.cost[data.current[has_current], rows[has_current]] -= data.move_penalty

        h = highspy.Highs()
        h.silent()
        h.setOptionValue("random_seed", int(seed) % 2147483647)
        inf = highspy.kHighsInf
        # fixed columns: T, e_up[R], e_lo[R]; then the x columns
        self.col_t = 0
        self.col_up = 1
        self.col_lo = 1 + n_reps
        n_fixed = 1 + 2 * n_reps
        costs = np.r_[0.0, np.full(2 * n_reps, big_m)]
        h.addVars(n_fixed, np.zeros(n_fixed), np.full(n_fixed, inf))
        h.changeColsCost(n_fixed, np.arange(n_fixed, dtype=np.int32), costs)
        # rows: accounts, upper, lower, total, moves (hard: keeping everyone is feasible)
        self.row_up = n_accounts
        self.row_lo = n_accounts + n_reps
        self.row_t = n_accounts + 2 * n_reps
        self.row_mv = self.row_t + 1
        share = data.share
        tol = data.tolerance
        lower = [np.ones(n_accounts), np.full(n_reps, -inf), np.zeros(n_reps), [0.0]]
        upper = [np.ones(n_accounts), np.zeros(n_reps), np.full(n_reps, inf), [0.0]]
        if self.has_moves_row:
            lower.append([float(self.n_current - data.max_moves)])
            upper.append([inf])
        lower_arr, upper_arr = np.concatenate(lower), np.concatenate(upper)
        # entries of the fixed columns, written row-wise: row i -> (cols, vals)
        starts, index, value = [0] * n_accounts, [], []
        for r in range(n_reps):
            starts.append(len(index))
            index += [self.col_t, self.col_up + r]
            value += [-(1 + tol) * share[r], -1.0]
        for r in range(n_reps):
            starts.append(len(index))
            index += [self.col_t, self.col_lo + r]
            value += [-(1 - tol) * share[r], 1.0]
        starts.append(len(index))
        index.append(self.col_t)
        value.append(-1.0)
        if self.has_moves_row:
            starts.append(len(index))  # no fixed column in the moves row
        h.addRows(
            len(lower_arr),
            lower_arr,
            upper_arr,
            len(index),
            np.asarray(starts, dtype=np.int32),
            np.asarray(index, dtype=np.int32),
            np.asarray(value, dtype=np.float64),
        )
        self.h = h
        self.n_fixed = n_fixed
        self.col_rep = np.empty(0, dtype=np.int64)
        self.col_account = np.empty(0, dtype=np.int64)
        self.in_model = np.zeros((n_reps, n_accounts), dtype=bool)

    def add_columns(self, reps: np.ndarray, accounts: np.ndarray) -> None:
        """Add the x columns of the given (rep, account) pairs."""
        if reps.size == 0:
            return
        n = reps.size
        cost = self.cost[reps, accounts]
        w = self.w[reps, accounts]
        is_current = self.data.current[accounts] == reps
        per_col = 4 + (is_current & self.has_moves_row).astype(np.int64)
        starts = np.r_[0, np.cumsum(per_col)[:-1]]
        index = np.empty(int(per_col.sum()), dtype=np.int32)
        value = np.empty(index.size, dtype=np.float64)
        index[starts] = accounts
        value[starts] = 1.0
        index[starts + 1] = self.row_up + reps
        value[starts + 1] = w
        index[starts + 2] = self.row_lo + reps
        value[starts + 2] = w
        index[starts + 3] = self.row_t
        value[starts + 3] = w
        mv = np.flatnonzero(per_col == 5)
        index[starts[mv] + 4] = self.row_mv
        value[starts[mv] + 4] = 1.0
        self.h.addCols(
            n,
            cost,
            np.zeros(n),
            np.ones(n),
            index.size,
            starts.astype(np.int32),
            index,
            value,
        )
        self.col_rep = np.r_[self.col_rep, reps]
        self.col_account = np.r_[self.col_account, accounts]
        self.in_model[reps, accounts] = True

    def solve(self, time_limit_s: float) -> str:
        limit = min(float(time_limit_s), self.safety_cap_s)
        self.h.setOptionValue("time_limit", max(0.05, limit))
        self.h.run()
        return self.h.modelStatusToString(self.h.getModelStatus())

    def price(self, per_account: int) -> tuple[np.ndarray, np.ndarray]:
        """Return the columns not in the model with a negative reduced cost (best first)."""
        dual = np.asarray(self.h.getSolution().row_dual)
        y = dual[: self.n_accounts]
        u = dual[self.row_up : self.row_up + self.n_reps]
        lo = dual[self.row_lo : self.row_lo + self.n_reps]
        t = dual[self.row_t]
        reduced = self.cost - y[None, :] - self.w * (u + lo + t)[:, None]
        if self.has_moves_row:
            m = dual[self.row_mv]
            has = self.data.current >= 0
            reduced[self.data.current[has], np.flatnonzero(has)] -= m
        reduced[self.in_model | ~np.isfinite(self.cost)] = np.inf
        k = min(per_account, self.n_reps)
        best = np.argpartition(reduced, k - 1, axis=0)[:k] if k < self.n_reps else None
        if best is None:
            best = np.broadcast_to(np.arange(self.n_reps)[:, None], reduced.shape)
        accounts = np.broadcast_to(np.arange(self.n_accounts)[None, :], best.shape)
        values = reduced[best, accounts]
        keep = values < -_PRICE_EPS
        return best[keep].astype(np.int64), accounts[keep].astype(np.int64)

    def column_values(self) -> np.ndarray:
        return np.asarray(self.h.getSolution().col_value)

    def excess(self, values: np.ndarray) -> float:
        """Sum of the elastic balance amounts in a solution, in targets."""
        return float(values[self.col_up : self.n_fixed].sum())


def _initial_columns(data: AssignmentInput, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Each account's ``k`` cheapest allowed reps, plus its current rep."""
    n_reps, n_accounts = data.cost.shape
    k = min(k, n_reps)
    if k < n_reps:
        best = np.argpartition(data.cost, k - 1, axis=0)[:k]
    else:
        best = np.broadcast_to(np.arange(n_reps)[:, None], data.cost.shape)
    accounts = np.broadcast_to(np.arange(n_accounts)[None, :], best.shape)
    mask = np.zeros(data.cost.shape, dtype=bool)
    mask[best, accounts] = True
    has = data.current >= 0
    mask[data.current[has], np.flatnonzero(has)] = True
    mask &= np.isfinite(data.cost)
    reps, accs = np.nonzero(mask)
    return reps.astype(np.int64), accs.astype(np.int64)


def _loads(data: AssignmentInput, w: np.ndarray, rep_of: np.ndarray) -> np.ndarray:
    return np.bincount(rep_of, weights=w[rep_of, np.arange(rep_of.size)], minlength=w.shape[0])


def _bands(data: AssignmentInput, loads: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return each rep's ``(lower, upper)`` balance bounds for these loads' total."""
    target = data.share * loads.sum()
    return (1 - data.tolerance) * target, (1 + data.tolerance) * target


def _violation(data: AssignmentInput, loads: np.ndarray) -> np.ndarray:
    lower, upper = _bands(data, loads)
    return np.maximum(loads - upper, 0) + np.maximum(lower - loads, 0)


def repair_balance(
    data: AssignmentInput, w: np.ndarray, cost: np.ndarray, rep_of: np.ndarray, max_steps: int
) -> np.ndarray:
    """Greedily move single accounts until every rep is within its band (or no move helps).

    Each step takes the rep furthest outside its band and makes the cheapest move of one
    of its accounts out (too much) or of a neighbour's account in (too little) that does
    not push the other rep outside its own band and respects ``max_moves``.

    Parameters
    ----------
    data
        The problem.
    w
        Normalised weights ``(R, A)``.
    cost
        Objective ``(R, A)`` including move penalties; ``inf`` where not allowed.
    rep_of
        Starting assignment ``(A,)``; not modified.
    max_steps
        Upper bound on moves.

    Returns
    -------
    numpy.ndarray
        The repaired assignment.
    """
    rep_of = rep_of.copy()
    accounts = np.arange(rep_of.size)
    has_current = data.current >= 0
    for _ in range(max_steps):
        loads = _loads(data, w, rep_of)
        violation = _violation(data, loads)
        worst = int(np.argmax(violation))
        if violation[worst] <= 1e-12:
            break
        lower, upper = _bands(data, loads)
        moves_used = int(np.count_nonzero(has_current & (rep_of != data.current)))
        budget_left = None if data.max_moves is None else data.max_moves - moves_used
        if loads[worst] > upper[worst]:
            members = accounts[rep_of == worst]
            # move one member to another rep that stays under its upper bound
            delta = cost[:, members] - cost[worst, members][None, :]
            fits = loads[:, None] + w[:, members] <= upper[:, None] + 1e-12
            fits[worst] = False
            delta = np.where(fits, delta, np.inf)
        else:
            members = accounts[rep_of != worst]
            donors = rep_of[members]
            delta = np.full((w.shape[0], members.size), np.inf)
            ok = loads[donors] - w[donors, members] >= lower[donors] - 1e-12
            delta[worst] = np.where(ok, cost[worst, members] - cost[donors, members], np.inf)
        if budget_left is not None and budget_left <= 0:
            # only moves that do not add a move are allowed
            from_current = has_current[members] & (rep_of[members] == data.current[members])
            delta[:, from_current] = np.inf
        if members.size == 0 or not np.isfinite(delta).any():
            break
        to_rep, j = np.unravel_index(int(np.argmin(delta)), delta.shape)
        rep_of[members[j]] = to_rep
    return rep_of


def improve_moves(
    data: AssignmentInput,
    w: np.ndarray,
    cost: np.ndarray,
    rep_of: np.ndarray,
    *,
    max_rounds: int = 50,
) -> np.ndarray:
    """Make cost-improving single moves that keep every rep inside its balance band.

    Each round finds every account's best move (to a rep whose load stays under its
    upper bound, from a rep whose load stays over its lower bound) and applies the
    improving ones, best first, re-checking both bands against the loads as they change.
    Moves that would add a move beyond ``max_moves`` are not made. Stops when a round
    improves nothing; an assignment that was outside its bands is returned unchanged.

    Parameters
    ----------
    data
        The problem.
    w
        Normalised weights ``(R, A)``.
    cost
        Objective ``(R, A)`` including move penalties; ``inf`` where not allowed.
    rep_of
        Starting assignment ``(A,)``; not modified.
    max_rounds
        Upper bound on rounds.

    Returns
    -------
    numpy.ndarray
        An assignment no worse in cost, inside the bands when the start was.
    """
    rep_of = rep_of.copy()
    if _violation(data, _loads(data, w, rep_of)).max(initial=0.0) > 1e-12:
        return rep_of
    accounts = np.arange(rep_of.size)
    has_current = data.current >= 0
    for _ in range(max_rounds):
        loads = _loads(data, w, rep_of)
        lower, upper = _bands(data, loads)
        own_cost = cost[rep_of, accounts]
        delta = np.where(loads[:, None] + w <= upper[:, None] + 1e-12, cost - own_cost, np.inf)
        delta[rep_of, accounts] = np.inf
        leaves = loads[rep_of] - w[rep_of, accounts] >= lower[rep_of] - 1e-12
        delta[:, ~leaves] = np.inf
        best_rep = np.argmin(delta, axis=0)
        gain = delta[best_rep, accounts]
        candidates = np.flatnonzero(gain < -1e-9)
        if candidates.size == 0:
            break
        moves_used = int(np.count_nonzero(has_current & (rep_of != data.current)))
        before = rep_of.copy()
        changed = False
        for a in candidates[np.argsort(gain[candidates], kind="stable")]:
            src, dst = rep_of[a], best_rep[a]
            if loads[dst] + w[dst, a] > upper[dst] + 1e-12:
                continue
            if loads[src] - w[src, a] < lower[src] - 1e-12:
                continue
            adds_move = has_current[a] and src == data.current[a]
            if adds_move and data.max_moves is not None and moves_used >= data.max_moves:
                continue
            rep_of[a] = dst
            loads[src] -= w[src, a]
            loads[dst] += w[dst, a]
            moves_used += int(adds_move) - int(has_current[a] and dst == data.current[a])
            changed = True
        if _violation(data, _loads(data, w, rep_of)).max(initial=0.0) > 1e-12:
            return before  # the shifting total pushed a rep out: keep the last good round
        if not changed:
            break
    return rep_of


def improve_swaps(
    data: AssignmentInput,
    w: np.ndarray,
    cost: np.ndarray,
    rep_of: np.ndarray,
    *,
    max_rounds: int = 200,
    max_candidates: int = _SWAP_CANDIDATES,
    time_limit_s: float = float("inf"),
) -> np.ndarray:
    """Make cost-improving exchanges of two accounts between two reps, inside the bands.

    Where the bands are tight a single move pushes a rep out of its band, but exchanging an
    account of rep ``p`` with one of rep ``q`` barely changes either load. Each round
    evaluates, in numpy, every exchange among the ``max_candidates`` accounts with the
    smallest regret (cheapest other allowed rep minus their own), keeps those after which
    every rep (``p``, ``q`` and, as the total shifts, all others) is inside its band and
    ``max_moves`` holds, and applies the improving ones best first, each account at most
    once a round and each re-checked exactly against the loads as they change. Stops when
    a round improves nothing; an assignment outside its bands is returned unchanged.

    Parameters
    ----------
    data
        The problem.
    w
        Normalised weights ``(R, A)``.
    cost
        Objective ``(R, A)`` including move penalties; ``inf`` where not allowed.
    rep_of
        Starting assignment ``(A,)``; not modified.
    max_rounds
        Upper bound on rounds.
    max_candidates
        Accounts considered per round (memory grows with its square).
    time_limit_s
        No new round starts after this many seconds (wall clock).

    Returns
    -------
    numpy.ndarray
        An assignment no worse in cost, inside the bands when the start was.
    """
    rep_of = rep_of.copy()
    n_reps, n_accounts = w.shape
    if n_reps < 2 or _violation(data, _loads(data, w, rep_of)).max(initial=0.0) > 1e-12:
        return rep_of
    tol = data.tolerance
    accounts = np.arange(n_accounts)
    has_current = data.current >= 0
    allowed = np.isfinite(cost)

    def fits(loads: np.ndarray) -> bool:
        return bool(_violation(data, loads).max(initial=0.0) <= 1e-12)

    started = time.perf_counter()
    for _ in range(max_rounds):
        if time.perf_counter() - started >= time_limit_s:
            break
        loads = _loads(data, w, rep_of)
        total = loads.sum()
        own = cost[rep_of, accounts]
        others = np.where(allowed, cost, np.inf)
        others[rep_of, accounts] = np.inf
        regret = others.min(axis=0) - own
        k = min(max_candidates, n_accounts)
        cand = np.argsort(regret, kind="stable")[:k]
        cand = cand[np.isfinite(regret[cand])]
        if cand.size < 2:
            break
        p = rep_of[cand]
        # exchange (i, j): account cand[i] goes to p[j], account cand[j] goes to p[i]
        gain = cost[p[None, :], cand[:, None]] + cost[p[:, None], cand[None, :]]
        gain -= own[cand][:, None] + own[cand][None, :]
        gain[p[:, None] == p[None, :]] = np.inf
        gain[~(gain < -1e-9)] = np.inf
        gain = np.triu(gain, 1) + np.tril(np.full_like(gain, np.inf))
        i_idx, j_idx = np.nonzero(np.isfinite(gain))
        if i_idx.size == 0:
            break
        # bands of p and q as the total shifts (all reps are re-checked when applied)
        w_own = w[p, cand]
        new_p = loads[p[i_idx]] - w_own[i_idx] + w[p[i_idx], cand[j_idx]]
        new_q = loads[p[j_idx]] - w_own[j_idx] + w[p[j_idx], cand[i_idx]]
        new_total = total + (new_p - loads[p[i_idx]]) + (new_q - loads[p[j_idx]])
        s_p, s_q = data.share[p[i_idx]], data.share[p[j_idx]]
        ok = (new_p <= (1 + tol) * s_p * new_total + 1e-12) & (
            new_p >= (1 - tol) * s_p * new_total - 1e-12
        )
        ok &= (new_q <= (1 + tol) * s_q * new_total + 1e-12) & (
            new_q >= (1 - tol) * s_q * new_total - 1e-12
        )
        i_idx, j_idx = i_idx[ok], j_idx[ok]
        order = np.argsort(gain[i_idx, j_idx], kind="stable")[:_SWAP_TRIALS]
        moves_used = int(np.count_nonzero(has_current & (rep_of != data.current)))
        used = np.zeros(n_accounts, dtype=bool)
        changed = False
        for i, j in zip(i_idx[order], j_idx[order], strict=True):
            a, b = cand[i], cand[j]
            if used[a] or used[b]:
                continue
            pa, pb = rep_of[a], rep_of[b]
            if pa != p[i] or pb != p[j]:
                continue
            trial = loads.copy()
            trial[pa] += w[pa, b] - w[pa, a]
            trial[pb] += w[pb, a] - w[pb, b]
            if not fits(trial):
                continue
            moved = 0
            for acc, old, new in ((a, pa, pb), (b, pb, pa)):
                if has_current[acc]:
                    moved += int(new != data.current[acc]) - int(old != data.current[acc])
            if data.max_moves is not None and moved > 0 and moves_used + moved > data.max_moves:
                continue
            rep_of[a], rep_of[b] = pb, pa
            loads = trial
            moves_used += moved
            used[a] = used[b] = True
            changed = True
        if not changed:
            break
    return rep_of


def solve_assignment(
    data: AssignmentInput,
    *,
    candidate_reps: int,
    time_limit_s: float,
    seed: int,
    max_gap: float = 0.01,
    deterministic: bool = False,
) -> AssignmentResult:
    """Solve the balanced assignment: LP bound, rounding + repair, then a MIP.

    Parameters
    ----------
    data
        The problem; every account must have at least one allowed rep.
    candidate_reps
        Nearest reps per account in the first restricted LP.
    time_limit_s
        Wall-clock budget, seconds, for all steps.
    seed
        HiGHS random seed.
    max_gap
        The integral search stops once within this relative gap of the LP bound.
    deterministic
        Decide every step on work done, never on the clock: no step is skipped for
        lack of time, and each MIP stops at :data:`DETERMINISTIC_MIP_NODES` nodes.
        ``time_limit_s`` is then a safety cap on each HiGHS call only.

    Returns
    -------
    AssignmentResult
        The assignment and the bound.
    """
    started = time.perf_counter()
    n_reps, n_accounts = data.cost.shape
    finite = np.where(np.isfinite(data.cost), data.cost, 0.0)
    big_m = 1000.0 * max(1.0, float(np.abs(finite).max(initial=0.0)) * n_accounts)
    model = _Model(data, big_m, seed)
    model.add_columns(*_initial_columns(data, candidate_reps))
    notes: list[str] = []
    if deterministic:
        model.safety_cap_s = time_limit_s
        model.h.setOptionValue("mip_max_nodes", DETERMINISTIC_MIP_NODES)

    def left() -> float:
        if deterministic:
            return math.inf
        return time_limit_s - (time.perf_counter() - started)

    status = model.solve(left())
    while status == "Optimal":
        reps, accounts = model.price(per_account=2)
        if reps.size == 0:
            break
        model.add_columns(reps, accounts)
        if left() <= 0:
            notes.append("The LP was stopped by the time limit: the bound is not proven.")
            break
        status = model.solve(left())
    bound_proven = status == "Optimal" and not notes
    if status != "Optimal":
        notes.append(f"The LP ended with status '{status}': the bound is not proven.")
    values = model.column_values()
    lp_objective = float(model.h.getInfo().objective_function_value)
    excess = model.excess(values)
    lp_penalty = big_m * excess
    x = values[model.n_fixed :]

    # round: largest share per account (columns are unique per pair)
    rep_of = np.zeros(n_accounts, dtype=np.int64)
    best_share = np.zeros(n_accounts)
    order = np.argsort(x, kind="stable")
    rep_of[model.col_account[order]] = model.col_rep[order]
    best_share[model.col_account[order]] = x[order]
    rounded = _enforce_max_moves(data, model.cost, rep_of)
    rep_of = repair_balance(data, model.w, model.cost, rounded, max_steps=4 * n_reps + 100)
    for _ in range(_LOCAL_ROUNDS):  # single moves and exchanges until neither helps
        if left() <= 0:
            break
        moved = improve_moves(data, model.w, model.cost, rep_of)
        improved = improve_swaps(data, model.w, model.cost, moved, time_limit_s=left())
        if np.array_equal(improved, rep_of):
            break
        rep_of = improved

    mip_status = "Rounded (no time left for the MIP)"
    # the model's costs are shifted by -move_penalty on current columns; the gap is not
    shift = data.move_penalty * model.n_current
    target = lp_objective + max_gap * max(abs(lp_objective + shift), 1e-9)
    if _score(data, model, rep_of) <= target + 1e-9:
        mip_status = "Rounded within max_gap"
    elif left() > 0.2:
        # every pair the repair used must be a column of the MIP
        missing = ~model.in_model[rep_of, np.arange(n_accounts)]
        model.add_columns(rep_of[missing], np.flatnonzero(missing))
        x_cols = np.arange(model.n_fixed, model.h.getNumCol(), dtype=np.int32)
        model.h.changeColsIntegrality(
            x_cols.size, x_cols, np.full(x_cols.size, highspy.HighsVarType.kInteger)
        )
        model.h.setOptionValue("mip_rel_gap", max_gap)
        # stop as soon as an incumbent is within the same gap of the LP bound
        model.h.setOptionValue("objective_target", target)
        # (a) a small MIP over the accounts the LP split or the repair moved, others fixed
        free = (best_share < 1 - 1e-6) | (rep_of != rounded)
        mip_status, rep_of = _improve(data, model, rep_of, free, left() * _SUB_MIP_SHARE)
        # (b) the full MIP with the remaining time, unless already close enough
        if _score(data, model, rep_of) > target + 1e-9 and left() > 0.2:
            mip_status, rep_of = _improve(data, model, rep_of, None, left())
        if mip_status == "Time limit reached":
            notes.append("The integral search was stopped by the time limit.")
            if deterministic:
                notes.append(
                    "The deterministic search reached its safety cap (time_limit_s): "
                    "this plan may differ between runs."
                )
    return AssignmentResult(
        rep_of=rep_of,
        lower_bound=(
            lp_objective - lp_penalty + data.move_penalty * model.n_current
            if bound_proven
            else float("nan")
        ),
        lp_excess=excess,
        status=mip_status,
        columns=int(model.col_rep.size),
        notes=notes,
    )


def _improve(
    data: AssignmentInput,
    model: _Model,
    rep_of: np.ndarray,
    free: np.ndarray | None,
    time_limit_s: float,
) -> tuple[str, np.ndarray]:
    """Run the MIP from the incumbent ``rep_of``; accounts not ``free`` stay where they are.

    Returns the MIP status and the better of the incumbent and the MIP's solution.
    """
    n_reps, n_accounts = model.n_reps, model.n_accounts
    n_cols = model.h.getNumCol()
    x_cols = np.arange(model.n_fixed, n_cols, dtype=np.int32)
    chosen = rep_of[model.col_account] == model.col_rep
    lower = np.zeros(x_cols.size)
    upper = np.ones(x_cols.size)
    if free is not None:
        fixed = ~free[model.col_account]
        lower[fixed] = upper[fixed] = chosen[fixed]
    model.h.changeColsBounds(x_cols.size, x_cols, lower, upper)
    start = np.zeros(n_cols)
    start[model.n_fixed :] = chosen
    loads = _loads(data, model.w, rep_of)
    band_lower, band_upper = _bands(data, loads)
    start[model.col_t] = loads.sum()
    start[model.col_up : model.col_up + n_reps] = np.maximum(loads - band_upper, 0)
    start[model.col_lo : model.col_lo + n_reps] = np.maximum(band_lower - loads, 0)
    solution = highspy.HighsSolution()
    solution.col_value = start.tolist()
    solution.value_valid = True
    model.h.setSolution(solution)
    status = model.solve(time_limit_s)
    values = model.column_values()
    if free is not None:  # undo the fixing
        model.h.changeColsBounds(x_cols.size, x_cols, np.zeros(x_cols.size), np.ones(x_cols.size))
    if len(values) == n_cols and model.h.getInfo().primal_solution_status == 2:
        taken = values[model.n_fixed :] > 0.5
        candidate = rep_of.copy()
        candidate[model.col_account[taken]] = model.col_rep[taken]
        if np.bincount(model.col_account[taken], minlength=n_accounts).min() == 1 and (
            _score(data, model, candidate) <= _score(data, model, rep_of) + 1e-9
        ):
            return status, candidate
    return status, rep_of


def _enforce_max_moves(data: AssignmentInput, cost: np.ndarray, rep_of: np.ndarray) -> np.ndarray:
    """Send moved accounts back to their current rep, cheapest first, until within max_moves."""
    if data.max_moves is None:
        return rep_of
    rep_of = rep_of.copy()
    moved = np.flatnonzero((data.current >= 0) & (rep_of != data.current))
    excess = moved.size - data.max_moves
    if excess <= 0:
        return rep_of
    regret = cost[data.current[moved], moved] - cost[rep_of[moved], moved]
    back = moved[np.argsort(regret, kind="stable")[:excess]]
    rep_of[back] = data.current[back]
    return rep_of


def _score(data: AssignmentInput, model: _Model, rep_of: np.ndarray) -> float:
    """Objective of an integral assignment in the elastic model."""
    loads = _loads(data, model.w, rep_of)
    penalty = model.big_m * float(_violation(data, loads).sum())
    return float(model.cost[rep_of, np.arange(rep_of.size)].sum()) + penalty
