"""Tabu search on the accounts' options (Cordeau, Gendreau & Laporte 1997).

A move gives one account another option: out of the days of its current option (exact
removal gains), into the days of the new one (exact cheapest insertions into the
current sequences, overload penalised), then the touched days are re-optimised
(visits moved between the reps of a day, relocate and 2-opt). Each iteration makes the
best move of a sample of accounts, even a worsening one; going back to the option an account just
left is tabu for a few iterations unless it gives a new best. The best state found is
kept; called again after a routing without a better schedule, it starts from a
shaken state (a few accounts near each other on random options) and may end on the
best state other than its start, so that the rounds do not repeat themselves.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable

import numpy as np

from solver.schedule.moves import State

#: Going back to a left option is tabu for a number of iterations drawn in this range.
TENURE = (5, 15)
#: Accounts evaluated per iteration (all of them when fewer).
SAMPLE = 60


def tabu_options(
    state: State,
    rng: random.Random,
    until: float,
    accounts: list[int] | None = None,
    cancelled: Callable[[], bool] | None = None,
    escape: bool = False,
    shake: int = 0,
) -> bool:
    """Run the tabu search until ``until``; return True when it found a better state.

    ``accounts``: the accounts whose option it may change (default: all);
    ``cancelled``: polled every iteration, True stops the search (a cancelled job);
    ``escape``: when no state beats the start, end on the best other state found (and
    return True), so that the merged routing that follows starts somewhere new;
    ``shake``: first give this many accounts near a random one a random other option
    (a diversification; the start to beat is the state before it).
    """
    pool = range(len(state.accounts)) if accounts is None else accounts
    movable = [i for i in pool if len(state.options[i]) > 1]
    movable = [i for i in movable if state.chosen[i] is not None]
    if not movable:
        return False
    current = start = best = state.objective(0.0)
    best_snap, start_snap = None, state.snapshot()
    other, other_snap = float("inf"), None  # the best state other than the start
    tabu: dict[tuple[int, int], int] = {}
    iteration = 0
    if shake:
        _shake(state, rng, movable, shake)
        current = state.objective(0.0)
    while time.monotonic() < until and not (cancelled is not None and cancelled()):
        iteration += 1
        pool = movable if len(movable) <= SAMPLE else rng.sample(movable, SAMPLE)
        choice = None
        for i in pool:
            now = state.chosen[i]
            places = {k: (r, state.rep_days[k][r].seq.index(i)) for k, r in state.placed[i].items()}
            state.remove(i)
            costs, _ = state.option_costs(i, 0.0)
            state.insert(i, places)
            state.chosen[i] = now
            for o in np.flatnonzero(np.isfinite(costs)).tolist():
                if o == now:
                    continue
                delta = float(costs[o] - costs[now])
                if tabu.get((i, o), 0) >= iteration and current + delta >= best - 1e-6:
                    continue
                if choice is None or delta < choice[0]:
                    choice = (delta, i, o)
        if choice is None:
            break
        _, i, o = choice
        old, left = state.chosen[i], dict(state.placed[i])
        state.remove(i)
        _, found = state.option_costs(i, 0.0)
        state.take(i, o, found)
        # Post-optimisation of the touched days (as the US procedure of CGL97 does), so
        # that states are compared on re-optimised sequences, not on insertions.
        touched = set(left.items()) | set(state.placed[i].items())
        for k in {k for k, _ in touched}:
            state.improve_day(k)
        for k, r in touched:
            state.improve_route(k, r)
        tabu[(i, old)] = iteration + rng.randint(*TENURE)
        current = state.objective(0.0)
        if current < best - 1e-6:
            best, best_snap = current, state.snapshot()
        elif escape and current < other - 1e-6:
            other, other_snap = current, state.snapshot()
    if escape and (best_snap is None or best >= start - 1e-6) and other_snap is not None:
        state.restore(other_snap)
        return True
    if best_snap is None or best >= start - 1e-6:
        state.restore(start_snap)
        return False
    state.restore(best_snap)
    return True


def _shake(state: State, rng: random.Random, movable: list[int], size: int) -> None:
    """Give ``size`` movable accounts near a random one another option, drawn at random.

    Each goes to the cheapest places of its new option's days; the touched days are
    re-optimised. A diversification: the search then starts from there.
    """
    seed_account = rng.choice(movable)
    allowed = set(movable)
    group = [j for j in state.near[seed_account] if j in allowed][:size]
    touched = set()
    for i in group:
        now = state.chosen[i]
        touched |= set(state.placed[i].items())
        state.remove(i)
        costs, found = state.option_costs(i, 0.0)
        others = [o for o in np.flatnonzero(np.isfinite(costs)).tolist() if o != now]
        state.take(i, rng.choice(others) if others else now, found)
        touched |= set(state.placed[i].items())
    for k in {k for k, _ in touched}:
        state.improve_day(k)
    for k, r in touched:
        state.improve_route(k, r)
