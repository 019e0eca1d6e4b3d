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

import highspy
import numpy as np

from solver.territory.assign_local import (
    band_limits,
    band_violation,
    improve_moves,
    improve_swaps,
    rep_loads,
    repair_balance,
)
from solver.territory.assign_model import (
    AssignmentInput,
    AssignmentModel,
    AssignmentResult,
    initial_columns,
)

__all__ = ["AssignmentInput", "AssignmentResult", "solve_assignment"]

#: Share of the remaining time given to the small MIP over the split accounts.
_SUB_MIP_SHARE = 0.3
#: Deterministic mode: branch-and-bound nodes of each MIP (instead of its time share).
DETERMINISTIC_MIP_NODES = 2_000

#: Alternations of improve_moves and improve_swaps after the repair.
_LOCAL_ROUNDS = 10


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
    model = AssignmentModel(data, big_m, seed)
    model.add_columns(*initial_columns(data, candidate_reps))
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
    model: AssignmentModel,
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
    loads = rep_loads(data, model.w, rep_of)
    band_lower, band_upper = band_limits(data, loads)
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


def _score(data: AssignmentInput, model: AssignmentModel, rep_of: np.ndarray) -> float:
    """Objective of an integral assignment in the elastic model."""
    loads = rep_loads(data, model.w, rep_of)
    penalty = model.big_m * float(band_violation(data, loads).sum())
    return float(model.cost[rep_of, np.arange(rep_of.size)].sum()) + penalty
