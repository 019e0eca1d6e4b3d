"""The option search: memoised insertions and the tabu search's diversification.

Same hand-made case as ``test_merge_days`` (two clusters, two two-visit accounts on days
(0, 2) or (1, 3), one rep with room for 4 visits a day), whose optimum is enumerated.
"""

from __future__ import annotations

import random
import time

from solver.schedule.moves import State
from solver.schedule.tabu import tabu_options

from .test_merge_days import assert_enumerated_optimum, bad_start, problem


def fresh_insertion(state: State, i: int, k: int, r: int) -> tuple[float, int]:
    """The insertion computed again, without the memo."""
    state._insertions.clear()
    return state.insertion(i, k, r)


def test_memoised_insertions_match_fresh_ones_after_every_move() -> None:
    state = State(problem(), None, None, None)
    bad_start(state)
    rng = random.Random(3)
    for _ in range(40):
        i = rng.randrange(8)
        state.choose(i, 0.0, rng, avoid=state.chosen[i])  # a forced change of option
        state.improve_route(rng.randrange(4), 0)
        for j in range(8):
            for k in range(4):
                memo = state.insertion(j, k, 0)
                assert memo == fresh_insertion(state, j, k, 0)


def test_tabu_search_with_a_shake_reaches_the_enumerated_optimum() -> None:
    state = State(problem(), None, None, None)
    bad_start(state)
    before = state.objective(0.0)
    rng = random.Random(0)
    assert tabu_options(state, rng, time.monotonic() + 2.0, shake=3, escape=True)
    for i in range(8):  # every account on one of its options, all its visits placed
        assert set(state.placed[i]) == set(state.options[i][state.chosen[i]].days)
        assert sum(i in state.rep_days[k][0].seq for k in range(4)) == len(state.placed[i])
    assert all(state.rep_days[k][0].load <= 4 for k in range(4))
    assert_enumerated_optimum(state, before)
