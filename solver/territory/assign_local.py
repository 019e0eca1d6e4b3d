"""Greedy steps of the assignment on numpy arrays (internal; see :mod:`solver.territory.assign`).

* :func:`repair_balance` -- single moves that bring every rep into its band;
* :func:`improve_moves` -- cost-saving single moves inside the bands;
* :func:`improve_swaps` -- cost-saving exchanges of two accounts between two reps.
"""

from __future__ import annotations

import time

import numpy as np

from solver.territory.assign_model import AssignmentInput

#: Accounts (smallest regret first) among which improve_swaps looks for exchanges.
_SWAP_CANDIDATES = 1500

#: Exchanges tried per round of improve_swaps (best first).
_SWAP_TRIALS = 5000


def rep_loads(data: AssignmentInput, w: np.ndarray, rep_of: np.ndarray) -> np.ndarray:
    """Return each rep's load: the sum of its accounts' weights ``w``."""
    return np.bincount(rep_of, weights=w[rep_of, np.arange(rep_of.size)], minlength=w.shape[0])


def band_limits(data: AssignmentInput, loads: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return each rep's ``(lower, upper)`` balance bounds for these loads' total."""
    target = data.share * loads.sum()
    return (1 - data.tolerance) * target, (1 + data.tolerance) * target


def band_violation(data: AssignmentInput, loads: np.ndarray) -> np.ndarray:
    """Return how far each rep's load lies outside its band (0 inside)."""
    lower, upper = band_limits(data, loads)
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
        loads = rep_loads(data, w, rep_of)
        violation = band_violation(data, loads)
        worst = int(np.argmax(violation))
        if violation[worst] <= 1e-12:
            break
        lower, upper = band_limits(data, loads)
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
    if band_violation(data, rep_loads(data, w, rep_of)).max(initial=0.0) > 1e-12:
        return rep_of
    accounts = np.arange(rep_of.size)
    has_current = data.current >= 0
    for _ in range(max_rounds):
        loads = rep_loads(data, w, rep_of)
        lower, upper = band_limits(data, loads)
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
        if band_violation(data, rep_loads(data, w, rep_of)).max(initial=0.0) > 1e-12:
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
    if n_reps < 2 or band_violation(data, rep_loads(data, w, rep_of)).max(initial=0.0) > 1e-12:
        return rep_of
    tol = data.tolerance
    accounts = np.arange(n_accounts)
    has_current = data.current >= 0
    allowed = np.isfinite(cost)

    def fits(loads: np.ndarray) -> bool:
        return bool(band_violation(data, loads).max(initial=0.0) <= 1e-12)

    started = time.perf_counter()
    for _ in range(max_rounds):
        if time.perf_counter() - started >= time_limit_s:
            break
        loads = rep_loads(data, w, rep_of)
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
