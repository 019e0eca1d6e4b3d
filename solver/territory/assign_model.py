"""The assignment's data and its LP/MIP in HiGHS (internal; see :mod:`solver.territory.assign`)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import highspy
import numpy as np

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


class AssignmentModel:
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
        """Run HiGHS (at most ``time_limit_s``, capped); return its model status."""
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
        """Return the values of the model's columns at its last solution."""
        return np.asarray(self.h.getSolution().col_value)

    def excess(self, values: np.ndarray) -> float:
        """Sum of the elastic balance amounts in a solution, in targets."""
        return float(values[self.col_up : self.n_fixed].sum())


def initial_columns(data: AssignmentInput, k: int) -> tuple[np.ndarray, np.ndarray]:
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
