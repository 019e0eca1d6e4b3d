"""Lower the simulated drive of a balanced plan: boundary moves and exchanges.

Balancing on the simulated week (:mod:`solver.territory.workload`) solves the assignment
on per-account weights with the home->account travel as its objective. That objective
is a proxy: a plan with less home->account travel can have longer day routes, because
what the routes cost is how close an account lies to the *other accounts* of its days,
not to the home. :func:`trim_drive` is a last step on the simulated figures themselves:

1. **Candidates.** For every account ``j`` of a rep ``g`` and every other rep ``s``, the
   *closeness gain* is how much nearer ``j`` lies to ``s``'s territory than to its own
   (the sum of the distances to its two nearest points of a territory, home included,
   times its visits per week; see :meth:`~solver.territory.weeks.TeamSimulator.near`).
   Candidates are the moves ``j: g -> s`` and the exchanges ``j: g -> s, k: s -> g``
   with a positive gain whose estimated workloads (visit hours plus the account's
   simulated detour, moved with it) stay inside the band, largest gain first.
2. **Trial.** The two reps are simulated again; the change is kept when their
   simulated drive falls (by more than the move penalty of any new move against the
   current reps) with the team's visiting weeks *and* with a second draw of the weeks
   (a change that only suits one draw is not a better territory), no rep leaves the
   band (a plan already outside the band must not get further out), and the travel
   objective stays within the solve's gap to its LP bound
   (``max_gap``) or, when it was already further, does not grow.
3. Repeat until no candidate helps or :data:`TRIALS` trials were made (work done, not
   the clock: deterministic).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from solver.territory.simulate import WeekSimulation

#: Most trials (each re-simulates two reps) of :func:`trim_drive`.
TRIALS = 60

#: Candidates kept per account and direction (nearest other territories).
_TAKERS = 2

#: Exchanges considered per pair of reps (best gains on each side).
_SWAP_SIDE = 12

#: Simulates one rep (its index) of an assignment ``rep_of``.
SimulateRep = Callable[[int, np.ndarray], WeekSimulation]

#: ``near(accounts, r, members)``: ``(len(accounts),)`` closeness cost of each of the
#: accounts (indices into the assignable accounts) to rep ``r``'s territory ``members``.
Near = Callable[[np.ndarray, int, np.ndarray], np.ndarray]


def trim_drive(
    rep_of: np.ndarray,
    simulations: list[WeekSimulation],
    visit_h: np.ndarray,
    share: np.ndarray,
    tolerance: float,
    allowed: np.ndarray,
    *,
    simulate_rep: SimulateRep,
    near: Near,
    current: np.ndarray | None = None,
    move_penalty_h: float = 0.0,
    travel_h: Callable[[np.ndarray], float] | None = None,
    travel_cap_h: float = np.inf,
    trials: int = TRIALS,
    stop: Callable[[], bool] = lambda: False,
    check_rep: SimulateRep | None = None,
) -> tuple[np.ndarray, list[WeekSimulation], int]:
    """Move and exchange boundary accounts while the simulated drive falls (see module).

    Parameters
    ----------
    rep_of
        ``(A,)`` rep of each assignable account.
    simulations
        The simulated week of each rep for ``rep_of``.
    visit_h
        ``(A,)`` visit hours per week.
    share
        ``(R,)`` capacity shares (the balance targets).
    tolerance
        The relative band.
    allowed
        ``(R, A)`` whether rep ``r`` may serve account ``a`` (reachable, not locked away).
    simulate_rep
        Simulates one rep of an assignment.
    near
        Closeness cost of accounts to a territory (see :data:`Near`).
    current
        ``(A,)`` current rep of each account (-1: none): a change that adds moves
        against it must save more than ``move_penalty_h`` of drive per move.
    move_penalty_h
        The plan's cost of one move, hours per week.
    travel_h, travel_cap_h
        The travel objective of an assignment (with its move penalties) and its cap: a
        change is kept only when the objective stays at most the larger of the cap and
        its value at the start (the caller's gap to the LP bound is not given up).
    trials
        Most trials.
    stop
        True stops the trials (a cancelled solve).
    check_rep
        Simulates one rep with *other* visiting weeks: a change must lower that drive
        too, so that it is kept for the territories, not for one draw of the weeks.

    Returns
    -------
    tuple
        The new ``rep_of``, its simulations and the number of changes kept.
    """
    rep_of = rep_of.copy()
    sims = list(simulations)
    n_reps = share.size
    workload = _workloads(visit_h, rep_of, sims, n_reps)
    start_excess = _excess(workload, share, tolerance)
    cap = max(travel_cap_h, travel_h(rep_of)) if travel_h is not None else np.inf
    tried: set[tuple] = set()
    checked: dict[int, float] = {}  # rep -> drive with the other weeks, current assignment
    made = used = 0
    while used < trials and not stop():
        candidates = _candidates(rep_of, sims, visit_h, share, tolerance, allowed, near, workload)
        candidates = [c for c in candidates if c[1] not in tried]
        if not candidates:
            break
        kept = False
        for _gain, key in candidates:
            if used >= trials:
                break
            used += 1
            tried.add(key)
            trial = rep_of.copy()
            for j, s in key:
                trial[j] = s
            changed = sorted({int(rep_of[j]) for j, _ in key} | {s for _, s in key})
            trial_sims = list(sims)
            for r in changed:
                trial_sims[r] = simulate_rep(r, trial)
            trial_workload = _workloads(visit_h, trial, trial_sims, n_reps)
            drive_before = sum(sims[r].drive_s_per_week for r in changed)
            drive_after = sum(trial_sims[r].drive_s_per_week for r in changed)
            excess = _excess(trial_workload, share, tolerance)
            penalty_s = 3600.0 * move_penalty_h * (_moves(trial, current) - _moves(rep_of, current))
            if (
                drive_after + penalty_s < drive_before - 1e-6
                and excess <= start_excess + 1e-9
                and (travel_h is None or travel_h(trial) <= cap + 1e-9)
            ):
                if check_rep is not None:
                    for r in changed:
                        if r not in checked:
                            checked[r] = check_rep(r, rep_of).drive_s_per_week
                    trial_checked = {r: check_rep(r, trial).drive_s_per_week for r in changed}
                    if sum(trial_checked.values()) + penalty_s >= sum(checked[r] for r in changed):
                        continue
                    checked.update(trial_checked)
                rep_of, sims, workload = trial, trial_sims, trial_workload
                start_excess = min(start_excess, excess)
                made += 1
                kept = True
                break
        if not kept:
            break
    return rep_of, sims, made


def _moves(rep_of: np.ndarray, current: np.ndarray | None) -> int:
    if current is None:
        return 0
    return int(np.count_nonzero((current >= 0) & (rep_of != current)))


def _workloads(
    visit_h: np.ndarray, rep_of: np.ndarray, sims: list[WeekSimulation], n_reps: int
) -> np.ndarray:
    visits = np.bincount(rep_of, weights=visit_h, minlength=n_reps)
    return visits + np.asarray([s.drive_s_per_week / 3600.0 for s in sims])


def _excess(workload: np.ndarray, share: np.ndarray, tolerance: float) -> float:
    """Return the summed excess of the reps' deviations over the band."""
    target = share * workload.sum()
    deviation = np.divide(workload, target, out=np.zeros_like(workload), where=target > 0) - 1.0
    return float(np.maximum(np.abs(deviation) - tolerance, 0.0).sum())


def _candidates(
    rep_of: np.ndarray,
    sims: list[WeekSimulation],
    visit_h: np.ndarray,
    share: np.ndarray,
    tolerance: float,
    allowed: np.ndarray,
    near: Near,
    workload: np.ndarray,
) -> list[tuple[float, tuple]]:
    """Return ``(gain, ((account, to rep), ...))`` moves and exchanges, best gain first."""
    n_reps = share.size
    target = share * workload.sum()
    low, high = (1 - tolerance) * target, (1 + tolerance) * target
    members = [np.flatnonzero(rep_of == r) for r in range(n_reps)]
    # what each account carries with it: its visits and its simulated detour
    carried = visit_h.copy()
    own = np.zeros(rep_of.size)
    for r in range(n_reps):
        carried[members[r]] += np.maximum(sims[r].marginal_drive_s_per_week, 0.0) / 3600.0
        own[members[r]] = near(members[r], r, members[r])
    # gain[s][j]: how much closer j is to s's territory than to its own
    gains: dict[int, np.ndarray] = {}
    for s in range(n_reps):
        others = np.flatnonzero((rep_of != s) & allowed[s])
        gain = np.full(rep_of.size, -np.inf)
        if others.size:
            gain[others] = own[others] - near(others, s, members[s])
        gain[~np.isfinite(gain)] = -np.inf
        gains[s] = gain
    out: list[tuple[float, tuple]] = []
    best_takers = np.argsort(-np.stack([gains[s] for s in range(n_reps)]), axis=0)[:_TAKERS]
    for j in range(rep_of.size):
        g = int(rep_of[j])
        for s in best_takers[:, j]:
            s = int(s)
            gain = gains[s][j]
            if s == g or not gain > 0:
                continue
            if workload[g] - carried[j] >= low[g] and workload[s] + carried[j] <= high[s]:
                out.append((float(gain), ((j, s),)))
    for g in range(n_reps):
        for s in range(g + 1, n_reps):
            side_g = _best(members[g], gains[s])
            side_s = _best(members[s], gains[g])
            for j in side_g:
                for k in side_s:
                    gain = gains[s][j] + gains[g][k]
                    if not gain > 0:
                        continue
                    delta = carried[j] - carried[k]  # what g loses and s gains
                    if (
                        low[g] <= workload[g] - delta <= high[g]
                        and low[s] <= workload[s] + delta <= high[s]
                    ):
                        out.append((float(gain), ((int(j), s), (int(k), g))))
    out.sort(key=lambda c: (-c[0], c[1]))
    return out


def _best(accounts: np.ndarray, gain: np.ndarray) -> np.ndarray:
    """Return the accounts with the largest positive gains (at most :data:`_SWAP_SIDE`)."""
    if not accounts.size:
        return accounts
    values = gain[accounts]
    order = np.argsort(-values, kind="stable")[:_SWAP_SIDE]
    return accounts[order][values[order] > 0]
