"""The merged PyVRP rounds choose the days: single-visit days and multi-visit patterns.

Two clusters east and west of the depot; each has three one-visit accounts free on any
of 4 days and one account visited twice, on days (0, 2) or (1, 3). One rep with room
for 4 visits a day. The optimum (found here by enumeration) serves one cluster per
day: each two-visit account on one pattern, the other cluster's on the other pattern.
"""

from __future__ import annotations

import functools
import itertools
import math

import pytest

from solver.schedule import ScheduleProblem, plan_schedule
from solver.schedule.merge import merged_proposal
from solver.schedule.moves import State

from .helpers import account, assert_feasible, plane, rep, visit_days, week

EAST = [(10, 0), (11, 1), (11, -1)]
WEST = [(-10, 0), (-11, 1), (-11, -1)]
POINTS = [(0.0, 0.0), *EAST, *WEST, (12.0, 0.0), (-12.0, 0.0)]
TWICE = [7, 8]  # matrix rows of the two-visit accounts (east, west)
PATTERNS = ((0, 2), (1, 3))


def problem() -> ScheduleProblem:
    once = tuple(
        account(f"A{i}", i, duration_s=0, demand=1, visits=1, same_rep=False) for i in range(1, 7)
    )
    twice = tuple(
        account(f"A{i}", i, duration_s=0, demand=1, visits=2, patterns=PATTERNS, same_rep=False)
        for i in TWICE
    )
    return ScheduleProblem(week(4), (rep("R1", capacity=4),), once + twice, matrix=plane(POINTS))


@functools.cache
def tour_km(stops: frozenset[int]) -> float:
    """Shortest depot tour through ``stops`` (enumeration), km as the matrix rounds."""
    best = math.inf
    for order in itertools.permutations(stops):
        nodes = [0, *order, 0]
        metres = sum(
            round(math.dist(POINTS[a], POINTS[b]) * 1000) for a, b in itertools.pairwise(nodes)
        )
        best = min(best, metres)
    return best / 1000 if stops else 0.0


def optimum_km() -> float:
    """Cheapest schedule over every pattern and every day of the one-visit accounts."""
    best = math.inf
    for east, west in itertools.product(PATTERNS, repeat=2):
        for days in itertools.product(range(4), repeat=6):
            stops: list[set[int]] = [set() for _ in range(4)]
            for k in east:
                stops[k].add(TWICE[0])
            for k in west:
                stops[k].add(TWICE[1])
            for i, k in enumerate(days):
                stops[k].add(i + 1)
            if all(len(s) <= 4 for s in stops):
                best = min(best, sum(tour_km(frozenset(s)) for s in stops))
    return best


def optimum_cost(state: State) -> float:
    """:func:`optimum_km` in the state's cost units (km and driving time, proportional here)."""
    per_km = float(state.cost[0][0, 1]) / (round(math.dist(POINTS[0], POINTS[1]) * 1000) / 1000)
    return optimum_km() * per_km


def assert_enumerated_optimum(state: State, before: float) -> None:
    """The state is the enumerated optimum, > 1 % better than ``before``, east and west apart.

    (Costs are km plus driving time, proportional on this plane: the optimum in km is
    the optimum in cost, at the same ratio; the next-best schedule is > 1 % longer.)
    """
    assert state.objective(0.0) == pytest.approx(optimum_cost(state), rel=1e-5)
    assert before > 1.01 * state.objective(0.0)
    east = state.options[6][state.chosen[6]].days
    west = state.options[7][state.chosen[7]].days
    assert {east, west} == set(PATTERNS)


def bad_start(state: State) -> None:
    """Both two-visit accounts on (0, 2); one-visit accounts spread over the days."""
    for i in range(8):
        days = (i % 4,) if i < 6 else PATTERNS[0]
        state.chosen[i] = next(o for o, opt in enumerate(state.options[i]) if opt.days == days)
        state.insert(i, {k: (0, len(state.rep_days[k][0].seq)) for k in days})


def test_a_relaxed_merged_round_keeps_every_account_on_one_of_its_options() -> None:
    state = State(problem(), None, None, None)
    bad_start(state)
    before = state.objective(0.0)
    # relaxed: each visit of a two-visit account may take the matching day of any pattern
    assert merged_proposal(state, [0, 1, 2, 3], 1.0, seed=1, warm=False, relax=True)
    merged_proposal(state, [0, 1, 2, 3], 1.0, seed=2)  # routes the repaired state
    for i in range(8):  # every account on one of its options, all its visits placed
        assert set(state.placed[i]) == set(state.options[i][state.chosen[i]].days)
        assert sum(i in state.rep_days[k][0].seq for k in range(4)) == len(state.placed[i])
    assert all(state.rep_days[k][0].load <= 4 for k in range(4))
    assert optimum_km() - 1e-6 <= state.objective(0.0) < before


def test_plan_schedule_reaches_the_enumerated_optimum_and_passes_the_checker() -> None:
    schedule_problem = problem()
    schedule = plan_schedule(schedule_problem, time_limit_s=10, seed=0)
    assert_feasible(schedule_problem, schedule)
    assert not schedule.unassigned
    assert schedule.summary.total.distance_m / 1000 == optimum_km()
    east, west = visit_days(schedule, "A7"), visit_days(schedule, "A8")
    assert len(east) == len(west) == 2 and not set(east) & set(west)
