"""Unit tests of the local improvement steps of the assignment (arrays, no network)."""

import dataclasses

import numpy as np

from solver.model import SolveStatus
from solver.territory import TerritoryOptions, assign, balance_territories, check_territory_plan
from solver.territory.assign import AssignmentInput
from solver.territory.assign_local import band_violation, improve_moves, improve_swaps, rep_loads

from .helpers import home_durations, random_problem

INF = np.inf


def two_reps(cost, tolerance, current=None, max_moves=None):
    """Two reps with equal shares, every account weighing 1 for either rep."""
    cost = np.asarray(cost, dtype=float)
    n_accounts = cost.shape[1]
    return AssignmentInput(
        cost=cost,
        weight=np.ones_like(cost),
        share=np.array([0.5, 0.5]),
        tolerance=tolerance,
        current=np.full(n_accounts, -1) if current is None else np.asarray(current),
        max_moves=max_moves,
    )


def total_cost(data, rep_of):
    return float(data.cost[rep_of, np.arange(rep_of.size)].sum())


def within_bands(data, rep_of):
    return band_violation(data, rep_loads(data, data.weight, rep_of)).max() <= 1e-12


# account 1 is cheaper with rep 1; with a +-50 % band rep 0 may give it away (2 -> 1)
LOOSE_COST = [[1, 5, 5, 5], [5, 1, 1, 1]]


def test_improve_moves_makes_the_cheaper_single_move_inside_the_bands():
    data = two_reps(LOOSE_COST, tolerance=0.5)
    start = np.array([0, 0, 1, 1])
    result = improve_moves(data, data.weight, data.cost, start)
    assert result.tolist() == [0, 1, 1, 1]
    assert start.tolist() == [0, 0, 1, 1]  # not modified
    assert total_cost(data, result) == 4 < total_cost(data, start)
    assert within_bands(data, result)


def test_improve_moves_keeps_the_assignment_when_max_moves_is_used_up():
    start = np.array([0, 0, 1, 1])
    blocked = two_reps(LOOSE_COST, tolerance=0.5, current=start, max_moves=0)
    assert improve_moves(blocked, blocked.weight, blocked.cost, start).tolist() == [0, 0, 1, 1]
    allowed = dataclasses.replace(blocked, max_moves=1)
    assert improve_moves(allowed, allowed.weight, allowed.cost, start).tolist() == [0, 1, 1, 1]


def test_improve_moves_does_not_leave_the_band():
    # +-5 %: any single move takes a rep from 2 to 1 or 3 accounts
    data = two_reps(LOOSE_COST, tolerance=0.05)
    start = np.array([0, 0, 1, 1])
    assert improve_moves(data, data.weight, data.cost, start).tolist() == [0, 0, 1, 1]


# accounts 1 and 2 are each with the wrong rep; the +-5 % band blocks every single move
SWAP_COST = [[1, 5, 1, 5], [5, 1, 5, 1]]


def test_improve_swaps_exchanges_two_accounts_where_single_moves_are_blocked():
    data = two_reps(SWAP_COST, tolerance=0.05)
    start = np.array([0, 0, 1, 1])
    assert improve_moves(data, data.weight, data.cost, start).tolist() == [0, 0, 1, 1]
    result = improve_swaps(data, data.weight, data.cost, start)
    assert result.tolist() == [0, 1, 0, 1]
    assert start.tolist() == [0, 0, 1, 1]
    assert total_cost(data, result) == 4 < total_cost(data, start) == 12
    assert within_bands(data, result)


def test_improve_swaps_respects_locks():
    cost = np.array(SWAP_COST, dtype=float)
    cost[0, 2] = INF  # account 2 is locked to rep 1
    data = two_reps(cost, tolerance=0.05)
    start = np.array([0, 0, 1, 1])
    assert improve_swaps(data, data.weight, data.cost, start).tolist() == [0, 0, 1, 1]


def test_improve_swaps_respects_max_moves():
    start = np.array([0, 0, 1, 1])
    one = two_reps(SWAP_COST, tolerance=0.05, current=start, max_moves=1)
    assert improve_swaps(one, one.weight, one.cost, start).tolist() == [0, 0, 1, 1]
    two = dataclasses.replace(one, max_moves=2)
    assert improve_swaps(two, two.weight, two.cost, start).tolist() == [0, 1, 0, 1]


def test_improve_swaps_is_deterministic_never_worse_and_stays_in_the_bands():
    rng = np.random.default_rng(0)
    n_reps, n_accounts = 5, 200
    cost = rng.random((n_reps, n_accounts))
    weight = 1 + 0.2 * rng.random((n_reps, n_accounts))
    data = AssignmentInput(
        cost=cost,
        weight=weight,
        share=np.full(n_reps, 1 / n_reps),
        tolerance=0.05,
        current=np.full(n_accounts, -1),
    )
    start = np.arange(n_accounts) % n_reps  # round robin: balanced, far from cheapest
    assert within_bands(data, start)
    first = improve_swaps(data, weight, cost, start)
    second = improve_swaps(data, weight, cost, start)
    assert np.array_equal(first, second)
    assert within_bands(data, first)
    assert total_cost(data, first) < 0.8 * total_cost(data, start)


def test_exchanges_bring_a_tight_band_plan_within_max_gap_without_the_mip(monkeypatch):
    reps, accounts, matrix = random_problem(n_reps=20, n_accounts=600, seed=22)
    options = TerritoryOptions(
        simulate_routes=False, time_limit_s=20, tolerance=0.02, max_gap=0.005
    )
    plan = balance_territories(reps, accounts, matrix=matrix, options=options)
    problems = check_territory_plan(
        reps, accounts, plan, options, home_durations_s=home_durations(reps, accounts, matrix)
    )
    assert problems == []
    assert plan.summary.within_tolerance
    assert plan.summary.gap_to_bound <= 0.005
    assert plan.solver.status == SolveStatus.CONVERGED
    # without the exchanges the rounded plan is not good enough and the MIP has to run
    monkeypatch.setattr(assign, "improve_swaps", lambda data, w, cost, rep_of, **_: rep_of)
    quick = dataclasses.replace(options, time_limit_s=2)
    without = balance_territories(reps, accounts, matrix=matrix, options=quick)
    assert without.solver.status != SolveStatus.CONVERGED
