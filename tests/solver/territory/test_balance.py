import dataclasses

import numpy as np
import pytest
from scipy.optimize import linprog

from solver.errors import InvalidProblemError
from solver.model import UNREACHABLE, Location, SolveStatus, TravelMatrix
from solver.territory import (
    TerritoryAccount,
    TerritoryOptions,
    TerritoryRep,
    balance_territories,
    check_territory_plan,
    estimate_workload,
)

from .helpers import home_durations, plane_matrix, random_problem

FAST = TerritoryOptions(simulate_routes=False, time_limit_s=20)


def solve_checked(reps, accounts, matrix, options):
    plan = balance_territories(reps, accounts, matrix=matrix, options=options)
    problems = check_territory_plan(
        reps, accounts, plan, options, home_durations_s=home_durations(reps, accounts, matrix)
    )
    assert problems == []
    return plan


@pytest.mark.parametrize("metric", ["workload", "revenue", "accounts"])
def test_balance_holds_every_rep_within_tolerance_when_feasible(metric):
    reps, accounts, matrix = random_problem(n_reps=5, n_accounts=150, seed=1)
    options = dataclasses.replace(FAST, balance=metric, tolerance=0.05)
    plan = solve_checked(reps, accounts, matrix, options)
    assert plan.summary.within_tolerance
    # 48.7 h of work for 5 x 40 h: only the under-used team is said, not the band
    assert plan.summary.capacity_status == "under"
    assert [s for s in plan.summary.explanation if "below capacity" not in s] == []
    assert all(abs(t.deviation) <= 0.05 + 1e-9 for t in plan.territories)
    assert len(plan.assignment) == len(accounts)


def full_lp_bound(reps, accounts, matrix, options):
    """The LP relaxation over every (rep, account) pair, built independently with scipy."""
    durations = home_durations(reps, accounts, matrix)
    n_reps, n_acc = durations.shape
    per_week = np.array([a.visits_per_week for a in accounts])
    cost = (per_week * durations / 3600.0).ravel()
    w = estimate_workload(accounts, durations, options.visits_per_day)
    tol = options.tolerance
    share = np.full(n_reps, 1 / n_reps)
    n_var = n_reps * n_acc + 1  # x then T
    a_eq = np.zeros((n_acc + 1, n_var))
    for j in range(n_acc):
        a_eq[j, j : n_reps * n_acc : n_acc] = 1
    a_eq[n_acc, : n_reps * n_acc] = w.ravel()
    a_eq[n_acc, -1] = -1
    b_eq = np.r_[np.ones(n_acc), 0.0]
    a_ub = np.zeros((2 * n_reps, n_var))
    for r in range(n_reps):
        a_ub[r, r * n_acc : (r + 1) * n_acc] = w[r]
        a_ub[r, -1] = -(1 + tol) * share[r]
        a_ub[n_reps + r, r * n_acc : (r + 1) * n_acc] = -w[r]
        a_ub[n_reps + r, -1] = (1 - tol) * share[r]
    result = linprog(
        np.r_[cost, 0.0],
        A_ub=a_ub,
        b_ub=np.zeros(2 * n_reps),
        A_eq=a_eq,
        b_eq=b_eq,
        bounds=[(0, None)] * n_var,
        method="highs",
    )
    assert result.status == 0
    return result.fun


def test_lower_bound_is_the_full_lp_optimum_and_the_plan_is_within_one_percent():
    reps, accounts, matrix = random_problem(n_reps=6, n_accounts=120, seed=2)
    options = dataclasses.replace(FAST, candidate_reps=2)  # column generation must add the rest
    plan = solve_checked(reps, accounts, matrix, options)
    bound = full_lp_bound(reps, accounts, matrix, options)
    assert plan.summary.lower_bound_h_per_week == pytest.approx(bound, rel=1e-6)
    assert plan.summary.objective_h_per_week >= bound * (1 - 1e-9)
    assert plan.summary.gap_to_bound <= 0.01


def test_locked_accounts_stay_with_their_rep_even_when_far():
    reps, accounts, matrix = random_problem(n_reps=4, n_accounts=100, seed=3)
    locked = [
        dataclasses.replace(a, locked_rep="r0") if j % 10 == 0 else a
        for j, a in enumerate(accounts)
    ]
    plan = solve_checked(reps, locked, matrix, FAST)
    free = solve_checked(reps, accounts, matrix, FAST)
    for a in locked:
        if a.locked_rep:
            assert plan.assignment[a.id] == "r0"
    # the locks bind: without them some of those accounts go elsewhere
    assert any(free.assignment[a.id] != "r0" for a in locked if a.locked_rep)


def test_max_moves_caps_changes_against_current_alignment():
    reps, accounts, matrix = random_problem(n_reps=4, n_accounts=100, seed=4, current=True)
    unlimited = solve_checked(reps, accounts, matrix, FAST)
    assert unlimited.summary.moves > 10
    capped_options = dataclasses.replace(FAST, max_moves=10, tolerance=0.25)
    capped = solve_checked(reps, accounts, matrix, capped_options)
    assert capped.summary.moves <= 10
    assert len(capped.moves) == capped.summary.moves
    for move in capped.moves:
        account = next(a for a in accounts if a.id == move.account_id)
        assert move.from_rep == account.current_rep != move.to_rep
    frozen = solve_checked(reps, accounts, matrix, dataclasses.replace(capped_options, max_moves=0))
    assert frozen.summary.moves == 0
    assert all(frozen.assignment[a.id] == a.current_rep for a in accounts)


def test_move_penalty_keeps_relationships_that_save_little_travel():
    reps, accounts, matrix = random_problem(n_reps=4, n_accounts=100, seed=5, current=True)
    free = solve_checked(reps, accounts, matrix, dataclasses.replace(FAST, tolerance=0.3))
    sticky_options = dataclasses.replace(FAST, tolerance=0.3, move_penalty_h=0.5)
    sticky = solve_checked(reps, accounts, matrix, sticky_options)
    assert sticky.summary.moves < free.summary.moves
    assert sticky.summary.travel_h_per_week >= free.summary.travel_h_per_week


def test_unreachable_tolerance_is_explained_not_raised():
    # 10 accounts over 3 reps: a target of 3.33 accounts has no whole number within +-5 %
    reps, accounts, matrix = random_problem(n_reps=3, n_accounts=10, seed=6)
    options = dataclasses.replace(FAST, balance="accounts")
    plan = solve_checked(reps, accounts, matrix, options)
    assert not plan.summary.within_tolerance
    assert plan.summary.max_deviation > 0.05
    text = " ".join(plan.summary.explanation)
    assert "cannot be held within +-5 %" in text
    assert "indivisible" in text


def test_locks_that_overload_a_rep_are_named_in_the_explanation():
    reps, accounts, matrix = random_problem(n_reps=3, n_accounts=60, seed=7)
    locked = [
        dataclasses.replace(a, locked_rep="r1") if j < 40 else a for j, a in enumerate(accounts)
    ]
    plan = solve_checked(reps, locked, matrix, dataclasses.replace(FAST, balance="accounts"))
    assert not plan.summary.within_tolerance
    text = " ".join(plan.summary.explanation)
    assert "Rep 'r1': its locked accounts alone weigh 40.0" in text
    assert "TerritoryRep" not in text and "TerritoryAccount" not in text
    assert "Even with accounts split fractionally" in text


def test_same_seed_gives_the_same_plan():
    reps, accounts, matrix = random_problem(n_reps=5, n_accounts=150, seed=8, current=True)
    options = TerritoryOptions(seed=3, max_moves=40, time_limit_s=20)
    first = balance_territories(reps, accounts, matrix=matrix, options=options)
    second = balance_territories(reps, accounts, matrix=matrix, options=options)
    assert first.assignment == second.assignment
    assert first.territories == second.territories
    assert first.summary == second.summary


def test_rep_with_double_capacity_gets_double_the_workload():
    reps, accounts, matrix = random_problem(n_reps=3, n_accounts=150, seed=9)
    reps[0] = dataclasses.replace(reps[0], capacity_h_per_week=80.0)
    plan = solve_checked(reps, accounts, matrix, FAST)
    big, small = plan.territory("r0"), plan.territory("r1")
    assert big.balance_value / small.balance_value == pytest.approx(2.0, rel=0.11)


def test_account_no_rep_can_reach_is_unassigned_with_reason():
    points = np.array([[0, 0], [5000, 0], [1000, 0], [4000, 0], [2000, 0]], dtype=float)
    m = plane_matrix(points)
    durations, distances = m.durations_s.copy(), m.distances_m.copy()
    durations[:, 4] = durations[4, :] = UNREACHABLE
    distances[:, 4] = distances[4, :] = UNREACHABLE
    durations[4, 4] = distances[4, 4] = 0
    matrix = TravelMatrix(durations, distances)
    reps = [TerritoryRep("r0", Location(index=0)), TerritoryRep("r1", Location(index=1))]
    accounts = [TerritoryAccount(f"a{i}", Location(index=i)) for i in (2, 3, 4)]
    options = dataclasses.replace(FAST, tolerance=0.5)
    plan = solve_checked(reps, accounts, matrix, options)
    assert [u.account_id for u in plan.unassigned] == ["a4"]
    assert plan.unassigned[0].reason == "UNREACHABLE"
    assert plan.assignment == {"a2": "r0", "a3": "r1"}


def test_simulated_drive_time_is_reported_per_territory():
    reps, accounts, matrix = random_problem(n_reps=3, n_accounts=60, seed=10)
    options = TerritoryOptions(time_limit_s=20)
    plan = solve_checked(reps, accounts, matrix, options)
    for t in plan.territories:
        assert t.drive_method == "simulated"
        assert t.drive_h_per_week > 0 and t.drive_km_per_week > 0
    assert plan.summary.total_drive_h_per_week == pytest.approx(
        sum(t.drive_h_per_week for t in plan.territories)
    )


def test_bad_input_names_the_entity_and_field():
    reps, accounts, matrix = random_problem(n_reps=2, n_accounts=5, seed=11)
    bad = [*accounts[:-1], dataclasses.replace(accounts[-1], locked_rep="ghost")]
    with pytest.raises(InvalidProblemError, match=r"^accounts\[4\] 'a4': locked_rep names unknown"):
        balance_territories(reps, bad, matrix=matrix)
    with pytest.raises(InvalidProblemError, match=r"^reps\[1\] 'r0': id is used twice"):
        balance_territories([reps[0], reps[0]], accounts, matrix=matrix)
    geo = [dataclasses.replace(accounts[0], location=Location(lat=35.9, lon=14.5))]
    with pytest.raises(InvalidProblemError, match=r"^accounts\[0\] 'a0': with an explicit matrix"):
        balance_territories(reps, geo, matrix=matrix)
    no_revenue = [dataclasses.replace(a, revenue=None) for a in accounts]
    with pytest.raises(InvalidProblemError, match="balance 'revenue' needs"):
        balance_territories(
            reps, no_revenue, matrix=matrix, options=TerritoryOptions(balance="revenue")
        )


def test_mip_search_is_never_worse_than_the_rounded_incumbent():
    reps, accounts, matrix = random_problem(n_reps=4, n_accounts=60, seed=13)
    rounded = solve_checked(reps, accounts, matrix, dataclasses.replace(FAST, max_gap=0.5))
    exact = solve_checked(reps, accounts, matrix, dataclasses.replace(FAST, max_gap=0.0))
    assert rounded.solver.status == SolveStatus.CONVERGED
    assert exact.solver.status != SolveStatus.CONVERGED
    assert exact.summary.within_tolerance
    assert exact.summary.objective_h_per_week <= rounded.summary.objective_h_per_week + 1e-9
    assert exact.summary.gap_to_bound < 0.01


def test_max_moves_stays_hard_when_it_blocks_the_balance_and_says_so():
    reps, accounts, matrix = random_problem(n_reps=3, n_accounts=60, seed=14)
    # today r0 owns almost everything: balancing needs many moves
    accounts = [
        dataclasses.replace(a, current_rep="r0" if j < 50 else "r1") for j, a in enumerate(accounts)
    ]
    options = dataclasses.replace(FAST, max_moves=3)
    plan = solve_checked(reps, accounts, matrix, options)
    assert plan.summary.moves <= 3
    assert not plan.summary.within_tolerance
    text = " ".join(plan.summary.explanation)
    assert "Even with accounts split fractionally" in text and "max_moves = 3" in text


def test_lock_to_another_rep_than_today_is_a_forced_move_beyond_max_moves():
    reps, accounts, matrix = random_problem(n_reps=3, n_accounts=30, seed=15)
    accounts = [dataclasses.replace(a, current_rep="r0") for a in accounts]
    accounts[0] = dataclasses.replace(accounts[0], locked_rep="r2")
    options = dataclasses.replace(FAST, max_moves=0, tolerance=0.9)
    plan = solve_checked(reps, accounts, matrix, options)
    assert [(m.account_id, m.from_rep, m.to_rep) for m in plan.moves] == [("a0", "r0", "r2")]
