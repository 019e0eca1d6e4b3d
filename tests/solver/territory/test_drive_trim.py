"""The drive-lowering step of the simulated balance, and cancelling a territory solve."""

from __future__ import annotations

import numpy as np

from solver.model import Location, TravelMatrix
from solver.territory import (
    TerritoryAccount,
    TerritoryOptions,
    TerritoryRep,
    balance_territories,
    check_territory_plan,
    order_day,
)
from solver.territory.drive import trim_drive
from solver.territory.travel import TerritoryTravel
from solver.territory.weeks import TeamSimulator
from solver.territory.workload import simulated_workloads

from .helpers import SPEED_M_PER_S
from .test_simulated_balance import island_problem, solve


def two_towns():
    """Two reps in two towns 20 km apart, ten accounts around each; one of each misplaced."""
    rng = np.random.default_rng(1)
    homes = np.array([[0.0, 0.0], [20_000.0, 0.0]])
    town_a = rng.random((10, 2)) * 2_000.0
    town_b = np.array([20_000.0, 0.0]) + rng.random((10, 2)) * 2_000.0
    points = np.vstack([homes, town_a, town_b])
    d = np.linalg.norm(points[:, None] - points[None], axis=2)
    matrix = TravelMatrix(np.rint(d / SPEED_M_PER_S).astype(np.int64), np.rint(d).astype(np.int64))
    reps = (TerritoryRep("a", Location(index=0)), TerritoryRep("b", Location(index=1)))
    accounts = tuple(
        TerritoryAccount(f"p{j}", Location(index=2 + j), visits_per_4_weeks=4.0) for j in range(20)
    )
    rep_of = np.r_[np.zeros(10, int), np.ones(10, int)]
    rep_of[0], rep_of[10] = 1, 0  # p0 (town a) with rep b, p10 (town b) with rep a
    return reps, accounts, matrix, rep_of


def test_trim_exchanges_misplaced_accounts_lowering_the_simulated_drive_inside_the_band():
    reps, accounts, matrix, rep_of = two_towns()
    source = TerritoryTravel(reps, accounts, matrix=matrix)
    simulator = TeamSimulator(reps, accounts, source, 0, order_day)
    idx = np.arange(len(accounts))
    visit_h = np.full(20, 1800 / 3600.0)  # weekly, 30 min
    share = np.array([0.5, 0.5])
    sims = simulator.team(reps, idx, rep_of)
    _, deviation = simulated_workloads(visit_h, rep_of, sims, share)
    assert np.abs(deviation).max() <= 0.05  # balanced, but each rep drives to the other town

    new, new_sims, made = trim_drive(
        rep_of, sims, visit_h, share, 0.05, np.ones((2, 20), bool),
        simulate_rep=lambda r, assigned: simulator.week(reps[r].home, idx[assigned == r], r=r),
        near=simulator.near,
    )  # fmt: skip

    assert made >= 1
    assert new[0] == 0 and new[10] == 1  # each account back in its own town
    drive = sum(s.drive_s_per_week for s in sims)
    new_drive = sum(s.drive_s_per_week for s in new_sims)
    assert new_drive < 0.5 * drive  # no more 20 km trips to the other town
    _, new_deviation = simulated_workloads(visit_h, new, new_sims, share)
    assert np.abs(new_deviation).max() <= 0.05 + 1e-9
    # the simulations it returns are the territories' own
    for r in range(2):
        again = simulator.week(reps[r].home, idx[new == r], r=r)
        assert again.drive_s_per_week == new_sims[r].drive_s_per_week


def test_trim_keeps_no_change_that_would_leave_the_band():
    reps, accounts, matrix, rep_of = two_towns()
    rep_of[10] = 1  # p10 home again: rep b has 11 accounts, rep a 9 (outside +-5 %)
    source = TerritoryTravel(reps, accounts, matrix=matrix)
    simulator = TeamSimulator(reps, accounts, source, 0, order_day)
    idx = np.arange(len(accounts))
    visit_h = np.full(20, 0.5)
    share = np.array([0.5, 0.5])
    sims = simulator.team(reps, idx, rep_of)
    _, deviation = simulated_workloads(visit_h, rep_of, sims, share)
    excess = np.maximum(np.abs(deviation) - 0.05, 0).sum()
    new, new_sims, _ = trim_drive(
        rep_of, sims, visit_h, share, 0.05, np.ones((2, 20), bool),
        simulate_rep=lambda r, assigned: simulator.week(reps[r].home, idx[assigned == r], r=r),
        near=simulator.near,
    )  # fmt: skip
    _, new_deviation = simulated_workloads(visit_h, new, new_sims, share)
    assert np.maximum(np.abs(new_deviation) - 0.05, 0).sum() <= excess + 1e-9
    assert sum(s.drive_s_per_week for s in new_sims) <= sum(s.drive_s_per_week for s in sims)


def test_rebalanced_island_plan_after_the_trim_is_checked_and_repeats():
    reps, accounts, matrix = island_problem(n_island=2)
    after = solve(reps, accounts, matrix)  # checked inside
    assert after.summary.within_tolerance
    again = solve(reps, accounts, matrix)
    assert again.assignment == after.assignment  # the trim is deterministic


def test_cancelling_a_territory_solve_stops_its_rounds_and_returns_a_checked_plan():
    reps, accounts, matrix = island_problem(n_island=2)
    options = TerritoryOptions(simulate_routes=True, time_limit_s=10, tolerance=0.05)
    calls = []

    def on_progress(fraction, cost):
        calls.append((fraction, cost))
        return True  # the job was cancelled

    plan = balance_territories(
        reps, accounts, matrix=matrix, options=options, on_progress=on_progress
    )
    assert plan.solver.stop_reason == "cancelled"
    assert plan.summary.rounds == 0  # no rebalancing after the stop
    assert len(calls) == 1 and calls[0][1] is not None and 0 <= calls[0][0] <= 1
    durations = matrix.durations_s[
        np.ix_([r.home.index for r in reps], [a.location.index for a in accounts])
    ]
    assert check_territory_plan(reps, accounts, plan, options, home_durations_s=durations) == []

    costs = []
    full = balance_territories(
        reps, accounts, matrix=matrix, options=options,
        on_progress=lambda f, c: costs.append(c) and False,
    )  # fmt: skip
    assert full.solver.stop_reason is None
    assert full.summary.rounds >= 1
    assert len([c for c in costs if c is not None]) == full.summary.rounds + 1


def test_a_cancelled_territory_solve_says_its_rounds_stopped_for_the_cancel():
    reps, accounts, matrix = island_problem(n_island=2)
    options = TerritoryOptions(simulate_routes=True, time_limit_s=10, tolerance=0.05)
    durations = matrix.durations_s[
        np.ix_([r.home.index for r in reps], [a.location.index for a in accounts])
    ]
    # cancelled at the first report (before any round), then after the first round
    for cancel_at, rounds in ((1, 0), (3, 1)):
        reports = []

        def on_progress(fraction, cost, reports=reports, cancel_at=cancel_at):
            if cost is not None:
                reports.append(cost)
            return len(reports) >= cancel_at

        plan = balance_territories(
            reps, accounts, matrix=matrix, options=options, on_progress=on_progress
        )
        assert plan.solver.stop_reason == "cancelled"
        assert plan.summary.rounds == rounds < options.workload_rounds
        assert not plan.summary.within_tolerance  # so the summary explains the rounds
        sentence = next(e for e in plan.summary.explanation if "rebalance rounds" in e)
        assert f"After {rounds} of at most {options.workload_rounds} " in sentence
        assert "because the job was cancelled" in sentence
        assert "repeated an earlier one" not in sentence
        assert check_territory_plan(reps, accounts, plan, options, home_durations_s=durations) == []
