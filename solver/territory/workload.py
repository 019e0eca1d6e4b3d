"""Balance on the simulated week: simulate the days, recharge each account, rebalance.

The assignment (:mod:`solver.territory.assign`) balances a per-account weight. The
optimiser's first weight is the *estimate* (visit time plus ``2 x drive(home, account) /
visits_per_day``), which misses how the week is really driven: a remote cluster (an
island reached by ferry, a valley) costs far more than its home distance suggests, and a
dense town far less. With ``balance="workload"`` and simulated routes,
:func:`rebalance_on_simulation` repeats, up to ``workload_rounds`` times:

1. **Simulate** every territory's 4-week cycle of day routes
   (:func:`~solver.territory.simulate.simulate_territory`); a rep's *simulated workload*
   is its visit hours plus the simulated drive hours per week.
2. **Recharge.** Each rep ``r`` gets a calibration factor
   ``alpha_r = simulated drive / estimated drive`` of its current accounts. An account of
   ``r`` is charged its visit hours plus half of its share of the simulated drive by its
   marginal detour (``detour_j / sum of detours x simulated drive``) and half of its
   share by the estimate (``alpha_r x estimated drive``); both halves sum to the
   simulated drive, so the weights of a territory add up to its simulated workload. The
   detour says what the account adds to its days; the estimate keeps the cost of a
   cluster reached by one long trip (which the cluster's members share, so that their
   detours are small) on the cluster. An account of another rep ``s`` is charged for
   ``r`` its visit hours plus ``alpha_r x estimated drive from r's home``.
3. **Rebalance** the assignment on those weights, with the requested tolerance; when the
   recharged model met its band but the simulation did not, the next round's band is
   narrowed (x 0.7, to at least a quarter of the tolerance). From the second
   rebalancing on, the weights are the mean of the new recharge and the last round's
   weights (damping: a territory that changes a lot changes its own calibration).

It stops when every simulated workload is inside the band, when an assignment repeats
(stable or cycling), or after ``workload_rounds`` rounds, and keeps the round with the
smallest excess over the band (then the least travel). If that round is still outside
the band, :func:`polish` moves single accounts on the simulated figures themselves: from
(or to) the rep furthest outside the band, the account whose move to (from) a rep below
(above) its target adds the least travel, re-simulating the two reps, kept only when the
summed excess falls (:func:`~solver.territory.weeks.settle` polishes the first round
too, keeps the one that drives less, and then lowers its drive with
:mod:`solver.territory.drive`). The LP bound of the summary is the one of that round's model: the
same travel objective, balanced on that round's recharged weights (stated in
``summary.bound_basis``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from solver.territory.assign import AssignmentResult
from solver.territory.simulate import WeekSimulation

#: Narrowing of the assignment's band after a round whose simulation missed the band.
_NARROW = 0.7

#: The band is never narrowed below this share of the requested tolerance.
_MIN_BAND_SHARE = 0.25

#: Share of the new recharged weights in the next round's (the rest: the last round's),
#: from the second rebalancing on; damps the swings of territories between rounds.
_DAMPING = 0.5

#: Solves the assignment on ``(reps, accounts)`` weights with a tolerance.
Solve = Callable[[np.ndarray, float], tuple[np.ndarray, AssignmentResult | None, list[str]]]

#: Simulates every rep's territory for an assignment ``rep_of`` (one entry per rep).
Simulate = Callable[[np.ndarray], list[WeekSimulation]]

#: Simulates one rep (its index) of an assignment ``rep_of``.
SimulateRep = Callable[[int, np.ndarray], WeekSimulation]

#: Most accepted single moves of :func:`polish`.
POLISH_MOVES = 40

#: Candidate moves tried per polishing step (least extra travel first).
_POLISH_TRIALS = 20


@dataclass(frozen=True, slots=True)
class Round:
    """One round of simulate-and-rebalance (internal).

    ``weight`` is the balance weight the assignment was solved on, ``tolerance`` its band,
    ``workload_h`` each rep's simulated workload and ``deviation`` its relative deviation
    from the capacity-share target.
    """

    number: int
    rep_of: np.ndarray
    result: AssignmentResult | None
    notes: list[str]
    simulations: list[WeekSimulation]
    weight: np.ndarray
    tolerance: float
    workload_h: np.ndarray
    deviation: np.ndarray
    travel_h: float
    history: list[float] = field(default_factory=list)
    #: The first round (solved on the estimate), kept by the returned best round.
    first: Round | None = None

    @property
    def max_deviation(self) -> float:
        """Largest ``|deviation|`` of the simulated workloads."""
        return float(np.abs(self.deviation).max(initial=0.0))


def simulated_workloads(
    visit_h: np.ndarray, rep_of: np.ndarray, simulations: list[WeekSimulation], share: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Return each rep's simulated workload (hours per week) and its deviation from target.

    Parameters
    ----------
    visit_h
        ``(A,)`` visit hours per week of the assigned accounts.
    rep_of
        ``(A,)`` rep index of each of them.
    simulations
        One simulated week per rep.
    share
        ``(R,)`` capacity shares (sum 1).

    Returns
    -------
    tuple of numpy.ndarray
        ``(R,)`` workloads and ``(R,)`` relative deviations.
    """
    n_reps = share.size
    visits = np.bincount(rep_of, weights=visit_h, minlength=n_reps)
    drive = np.asarray([s.drive_s_per_week / 3600.0 for s in simulations])
    workload = visits + drive
    target = share * workload.sum()
    deviation = np.divide(workload, target, out=np.zeros(n_reps), where=target > 0) - 1.0
    deviation[target <= 0] = 0.0
    return workload, deviation


def recharge(
    estimate: np.ndarray,
    visit_h: np.ndarray,
    rep_of: np.ndarray,
    simulations: list[WeekSimulation],
) -> np.ndarray:
    """Return the weights of step 2 (see the module docstring).

    Parameters
    ----------
    estimate
        ``(R, A)`` estimated workload (visit plus estimated drive), hours per week; ``inf``
        where a rep cannot reach an account.
    visit_h
        ``(A,)`` visit hours per week.
    rep_of
        ``(A,)`` current rep of each account.
    simulations
        The current simulated week of each rep (marginals in the order of its accounts,
        i.e. increasing account index).

    Returns
    -------
    numpy.ndarray
        ``(R, A)`` weights whose sum over each rep's accounts is its simulated workload.
    """
    drive_est = estimate - visit_h[None, :]
    weight = estimate.copy()
    for r, sim in enumerate(simulations):
        members = np.flatnonzero(rep_of == r)
        drive_h = sim.drive_s_per_week / 3600.0
        est_sum = float(drive_est[r, members].sum()) if members.size else 0.0
        alpha = drive_h / est_sum if est_sum > 0 else 1.0
        reachable = np.isfinite(drive_est[r])
        drive_r = np.where(reachable, drive_est[r], 0.0)
        weight[r] = np.where(reachable, visit_h + alpha * drive_r, np.inf)
        if members.size == 0:
            continue
        detour = np.maximum(sim.marginal_drive_s_per_week / 3600.0, 0.0)
        by_estimate = alpha * drive_est[r, members]
        total = float(detour.sum())
        by_detour = detour * drive_h / total if total > 0 else by_estimate
        weight[r, members] = visit_h[members] + 0.5 * by_detour + 0.5 * by_estimate
    return weight


def rebalance_on_simulation(
    estimate: np.ndarray,
    visit_h: np.ndarray,
    share: np.ndarray,
    tolerance: float,
    rounds: int,
    first: tuple[np.ndarray, AssignmentResult | None, list[str]],
    *,
    solve: Solve,
    simulate: Simulate,
    travel_h: Callable[[np.ndarray], float],
    stop: Callable[[Round], bool] = lambda _round: False,
) -> Round:
    """Iterate simulate -> recharge -> rebalance; return the best round.

    Parameters
    ----------
    estimate
        ``(R, A)`` estimated workload of the assignable accounts, hours per week.
    visit_h
        ``(A,)`` their visit hours per week.
    share
        ``(R,)`` capacity shares.
    tolerance
        Requested relative band.
    rounds
        Most rebalancing rounds after the first solve (0 = only simulate the first).
    first
        The assignment solved on the estimate: ``(rep_of, result, notes)``.
    solve
        Solves the assignment on given weights and tolerance.
    simulate
        Simulates every territory of an assignment.
    travel_h
        The travel objective of an assignment, hours per week.
    stop
        Called with each simulated round; True stops the rounds (a cancelled solve).

    Returns
    -------
    Round
        The round with the smallest excess of its simulated workloads over the band, then
        the least travel; ``history`` holds every round's max deviation.
    """
    rep_of, result, notes = first
    weight, band = estimate, tolerance
    seen: list[np.ndarray] = []
    best: Round | None = None
    first_round: Round | None = None
    history: list[float] = []
    for number in range(rounds + 1):
        sims = simulate(rep_of)
        workload, deviation = simulated_workloads(visit_h, rep_of, sims, share)
        this = Round(
            number, rep_of, result, notes, sims, weight, band, workload, deviation,
            travel_h(rep_of),
        )  # fmt: skip
        history.append(this.max_deviation)
        first_round = first_round or this
        if best is None or _key(this, tolerance) < _key(best, tolerance):
            best = this
        seen.append(rep_of)
        if this.max_deviation <= tolerance + 1e-9 or number == rounds or stop(this):
            break
        met_model_band = result is not None and result.lp_excess <= 1e-6
        if met_model_band:
            band = max(tolerance * _MIN_BAND_SHARE, band * _NARROW)
        fresh = recharge(estimate, visit_h, rep_of, sims)
        weight = fresh if number == 0 else _DAMPING * fresh + (1 - _DAMPING) * weight
        rep_of, result, notes = solve(weight, band)
        if any(np.array_equal(rep_of, old) for old in seen):
            break
    assert best is not None
    return Round(
        best.number, best.rep_of, best.result, best.notes, best.simulations, best.weight,
        best.tolerance, best.workload_h, best.deviation, best.travel_h, history,
        first_round if first_round is not best else None,
    )  # fmt: skip


def _key(r: Round, tolerance: float) -> tuple[float, float]:
    return (round(max(0.0, r.max_deviation - tolerance), 9), r.travel_h)


def polish(
    best: Round,
    visit_h: np.ndarray,
    share: np.ndarray,
    tolerance: float,
    cost: np.ndarray,
    *,
    simulate_rep: SimulateRep,
    travel_h: Callable[[np.ndarray], float],
    stop: Callable[[], bool] = lambda: False,
) -> tuple[Round, int]:
    """Move single accounts on the simulated figures until inside the band (or stuck).

    Parameters
    ----------
    best
        The best round; returned unchanged when it is inside the band.
    visit_h, share, tolerance
        As for :func:`rebalance_on_simulation`.
    cost
        ``(R, A)`` travel objective of each account for each rep (``inf``: not allowed,
        e.g. locked to another rep or unreachable).
    simulate_rep
        Simulates one rep of an assignment.
    travel_h
        The travel objective of an assignment.
    stop
        True stops the polishing (a cancelled solve).

    Returns
    -------
    tuple
        The polished round (same number, weights and LP result) and the moves made.
    """
    rep_of = best.rep_of.copy()
    sims = list(best.simulations)
    workload, deviation = best.workload_h, best.deviation
    excess = _excess(deviation, tolerance)
    made = 0
    while excess > 1e-9 and made < POLISH_MOVES and not stop():
        r = int(np.argmax(np.abs(deviation)))
        over = deviation[r] > 0
        if over:  # give one of r's accounts to a rep below its target
            members = np.flatnonzero(rep_of == r)
            takers = np.flatnonzero(deviation < 0)
            pairs = [(j, int(s)) for j in members for s in takers if s != r]
        else:  # take one account from a rep above its target
            givers = np.flatnonzero(deviation > 0)
            pairs = [(j, r) for g in givers if g != r for j in np.flatnonzero(rep_of == g)]
        pairs = [(j, s) for j, s in pairs if np.isfinite(cost[s, j])]
        pairs.sort(key=lambda p: cost[p[1], p[0]] - cost[rep_of[p[0]], p[0]])
        for j, s in pairs[:_POLISH_TRIALS]:
            g = int(rep_of[j])
            trial = rep_of.copy()
            trial[j] = s
            trial_sims = list(sims)
            trial_sims[g], trial_sims[s] = simulate_rep(g, trial), simulate_rep(s, trial)
            w, d = simulated_workloads(visit_h, trial, trial_sims, share)
            if _excess(d, tolerance) < excess - 1e-9:
                rep_of, sims, workload, deviation = trial, trial_sims, w, d
                excess = _excess(d, tolerance)
                made += 1
                break
        else:
            break
    if made == 0:
        return best, 0
    polished = Round(
        best.number, rep_of, best.result, best.notes, sims, best.weight, best.tolerance,
        workload, deviation, travel_h(rep_of), best.history,
    )  # fmt: skip
    return polished, made


def _excess(deviation: np.ndarray, tolerance: float) -> float:
    """Return the summed excess of the deviations over the band."""
    return float(np.maximum(np.abs(deviation) - tolerance, 0.0).sum())
