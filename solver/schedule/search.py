"""Search in the estimate space: construction order, option descent, ruin and recreate."""

from __future__ import annotations

import random
import time
from collections.abc import Callable

from solver.schedule.moves import INF, State

#: Threshold acceptance of the estimate search: a worse state within this share of the
#: current objective is accepted at the start of a slice (the margin shrinks to 0).
THRESHOLD = 0.02


def perturb_and_improve(
    state: State,
    move_penalty: float,
    rng: random.Random,
    until: float,
    stop: Callable[[], bool] = lambda: False,
) -> None:
    """Ruin and recreate in the estimate space: re-insert a neighbourhood, keep if better.

    Stops at ``until`` or after ``100 + 20 x movable accounts`` iterations without a
    better state (so that small schedules do not depend on the machine's speed). With
    ``until`` infinite (deterministic mode) the acceptance margin shrinks over at most
    ``4 x`` that many iterations instead of over the time slice. ``stop`` returning
    True (a cancelled job) ends it at once, with the best state found.
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
        if stop():
            break
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


def hardest_first(state: State) -> list[int]:
    """Order accounts for construction: appointments, required, fewest options first."""

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


def local_search(
    state: State,
    move_penalty: float,
    rng: random.Random,
    deadline: float,
    stop: Callable[[], bool] = lambda: False,
) -> None:
    """Re-choose every account's option (exact insertion costs) until none changes.

    Ends at ``deadline`` or when ``stop`` returns True (a cancelled job).
    """
    accounts = list(range(len(state.accounts)))
    for _ in range(50):
        rng.shuffle(accounts)
        moved = 0
        for i in accounts:
            if len(state.options[i]) > 1 or state.chosen[i] is None:
                moved += state.choose(i, move_penalty, rng)
            if time.monotonic() > deadline or stop():
                return
        if not moved:
            return
