"""Merged routing of several days (solver.schedule.merge) and the tabu search on options."""

from __future__ import annotations

import itertools
import math
import random
import time

from solver.model import Break, Location, Rep, Shift, TimeWindow
from solver.schedule import ScheduleProblem, ScheduleRep, plan_schedule
from solver.schedule.merge import merge_fits, merged_proposal
from solver.schedule.moves import State
from solver.schedule.tabu import tabu_options

from .helpers import account, assert_feasible, plane, rep, visit_days, week

#: Three clusters of three accounts around a depot at the origin.
CLUSTERS = [
    [(10, 0), (11, 1), (11, -1)],
    [(-10, 0), (-11, 1), (-11, -1)],
    [(0, 10), (1, 11), (-1, 11)],
]


def clustered_problem(days: int) -> tuple[ScheduleProblem, list[tuple[float, float]]]:
    points = [(0.0, 0.0)] + [p for cluster in CLUSTERS for p in cluster]
    accounts = tuple(
        account(f"A{i}", i, duration_s=0, demand=1, visits=1, same_rep=False)
        for i in range(1, len(points))
    )
    reps = (rep("R1", capacity=3),)
    return ScheduleProblem(week(days), reps, accounts, matrix=plane(points)), points


def best_tour_km(points: list[tuple[float, float]], stops: list[int]) -> float:
    """Shortest depot tour through ``stops`` (by enumeration), km as the matrix rounds."""
    best = math.inf
    for order in itertools.permutations(stops):
        nodes = [0, *order, 0]
        best = min(
            best,
            sum(
                round(math.dist(points[a], points[b]) * 1000) for a, b in itertools.pairwise(nodes)
            ),
        )
    return best / 1000


def test_merged_routing_gives_each_cluster_its_own_day() -> None:
    problem, _ = clustered_problem(3)
    state = State(problem, None, None, None)
    bad_start(state)
    before = state.objective(0.0)
    assert merged_proposal(state, [0, 1, 2], 1.0, seed=1, warm=False)
    days = [sorted(state.rep_days[k][0].seq) for k in range(3)]
    assert sorted(days) == [[0, 1, 2], [3, 4, 5], [6, 7, 8]]
    for i in range(9):  # the chosen option is the day the account was moved to
        assert set(state.placed[i]) == set(state.options[i][state.chosen[i]].days)
    assert all(state.rep_days[k][0].load <= 3 for k in range(3))
    assert state.objective(0.0) < before


def bad_start(state: State) -> None:
    """Every day holds one account of each cluster."""
    for i in range(9):
        k = i % 3
        state.chosen[i] = next(o for o, opt in enumerate(state.options[i]) if opt.days == (k,))
        state.insert(i, {k: (0, len(state.rep_days[k][0].seq))})


def test_tabu_search_on_options_improves_a_bad_start_and_keeps_options_consistent() -> None:
    problem, _ = clustered_problem(3)
    state = State(problem, None, None, None)
    bad_start(state)
    before = state.objective(0.0)
    assert tabu_options(state, random.Random(0), time.monotonic() + 1.0)
    assert state.objective(0.0) < before
    for i in range(9):
        assert set(state.placed[i]) == set(state.options[i][state.chosen[i]].days)
        assert sum(i in state.rep_days[k][0].seq for k in range(3)) == 1
    # Nothing better than the start: the state is left as it was.
    clustered = State(problem, None, None, None)
    for i in range(9):
        k = i // 3
        clustered.chosen[i] = next(
            o for o, opt in enumerate(clustered.options[i]) if opt.days == (k,)
        )
        clustered.insert(i, {k: (0, len(clustered.rep_days[k][0].seq))})
    for k in range(3):
        clustered.improve_route(k, 0)
    snap = clustered.snapshot()
    assert not tabu_options(clustered, random.Random(0), time.monotonic() + 0.5)
    assert clustered.snapshot() == snap


def test_plan_schedule_finds_the_clustered_optimum_and_passes_the_checker() -> None:
    problem, points = clustered_problem(3)
    schedule = plan_schedule(problem, time_limit_s=10, seed=0)
    assert_feasible(problem, schedule)
    assert not schedule.unassigned
    optimum = sum(best_tour_km(points, [1 + 3 * c + j for j in range(3)]) for c in range(3))
    assert schedule.summary.total.distance_m / 1000 == optimum
    for c in range(3):  # a cluster is visited on one day
        assert len({visit_days(schedule, f"A{1 + 3 * c + j}")[0] for j in range(3)}) == 1


def test_merge_applies_only_when_capacity_and_shift_are_the_only_rules() -> None:
    problem, points = clustered_problem(2)
    assert merge_fits(State(problem, None, None, None))
    lunch = Rep(
        "R1",
        Location(index=0),
        Shift(8 * 3600, 18 * 3600),
        lunch=Break(12 * 3600, 14 * 3600, 1800),
        capacity=3,
    )
    with_lunch = ScheduleProblem(
        problem.days, (ScheduleRep(lunch),), problem.accounts, matrix=problem.matrix
    )
    assert not merge_fits(State(with_lunch, None, None, None))
    windowed = (
        account("A1", 1, visits=1, same_rep=False, windows=(TimeWindow(9 * 3600, 10 * 3600),)),
        *problem.accounts[1:],
    )
    with_windows = ScheduleProblem(problem.days, problem.reps, windowed, matrix=problem.matrix)
    assert not merge_fits(State(with_windows, None, None, None))
    assert len(points) == 10
