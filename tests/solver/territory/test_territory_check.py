"""The territory checker against a plan worked out by hand, and one test per rule.

Two reps, two accounts. Homes: r0 at 0, r1 at 1; accounts x at 2, y at 3. Travel
from the homes (seconds / metres): r0 -> x 1800 / 5000, r0 -> y 3600 / 9000,
r1 -> x 3600 / 9000, r1 -> y 900 / 3000.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from solver.model import Location, SolverInfo, SolveStatus, TravelMatrix
from solver.territory import (
    TerritoryAccount,
    TerritoryOptions,
    TerritoryRep,
    balance_territories,
    check_territory_plan,
)
from solver.territory.model import BalanceSummary, Move, Territory, TerritoryPlan, UnassignedAccount

S = np.array(
    [[0, 600, 1800, 3600], [600, 0, 3600, 900], [1800, 3600, 0, 2000], [3600, 900, 2000, 0]]
)
M = np.array(
    [[0, 2000, 5000, 9000], [2000, 0, 9000, 3000], [5000, 9000, 0, 6000], [9000, 3000, 6000, 0]]
)
MATRIX = TravelMatrix(S, M)
HOME_S = S[:2, 2:]

REPS = [
    TerritoryRep(
        "r0", Location(index=0), capacity_h_per_week=30, cost_per_km=1.0, cost_per_hour=60.0
    ),
    TerritoryRep(
        "r1", Location(index=1), capacity_h_per_week=10, cost_per_km=1.0, cost_per_hour=60.0
    ),
]
ACCOUNTS = [
    # twice a week, 30 min, owned by r1 today
    TerritoryAccount("x", Location(index=2), 8, 1800, revenue=1000.0, current_rep="r1"),
    # weekly, 1 h, locked to r1
    TerritoryAccount(
        "y", Location(index=3), 4, 3600, revenue=3000.0, locked_rep="r1", current_rep="r1"
    ),
]
OPTIONS = TerritoryOptions(
    balance="workload",
    tolerance=0.75,
    max_moves=1,
    move_penalty_h=0.5,
    visits_per_day=4.0,
    simulate_routes=False,
    time_limit_s=10,
    min_utilisation=0.0,  # the capacity rules have their own tests
)


def hand_plan() -> TerritoryPlan:
    # r0 takes x: 2 visits a week; visit 2 x 1800 s = 1 h; drive 2 x (2 x 1800 s) / 4 per
    # day = 1800 s = 0.5 h, 2 x (2 x 5 km) / 4 = 5 km; workload 1.5 h; 1.5 / 30 h = 5 %;
    # cost 0.5 h x 60 + 5 km x 1 = 35
    r0 = Territory("r0", ("x",), 1, 2.0, 1.0, 0.5, 5.0, "estimated", 35.0, 1000.0, 1.5, 0.05,
                   1.5, 1.96875, 1.5 / 1.96875 - 1, estimated_workload_h_per_week=1.5)  # fmt: skip
    # r1 keeps y: 1 visit a week, 1 h; drive 1 x (2 x 900 s) / 4 = 450 s = 0.125 h,
    # 1 x (2 x 3 km) / 4 = 1.5 km; workload 1.125 h; 1.125 / 10 = 11.25 %;
    # cost 0.125 x 60 + 1.5 = 9
    r1 = Territory("r1", ("y",), 1, 1.0, 1.0, 0.125, 1.5, "estimated", 9.0, 3000.0, 1.125, 0.1125,
                   1.125, 0.65625, 1.125 / 0.65625 - 1,
                   estimated_workload_h_per_week=1.125)  # fmt: skip
    # total workload 2.625 h; capacity shares 30 / 40 and 10 / 40: targets 1.96875 and
    # 0.65625; deviations -23.8 % and +71.4 % (within the 75 % tolerance)
    # travel: x 2 / week x 1800 s = 1 h, y 1 x 900 s = 0.25 h -> 1.25 h; one move (x from
    # r1 to r0) x 0.5 h penalty -> objective 1.75 h
    summary = BalanceSummary(
        metric="workload",
        tolerance=0.75,
        max_deviation=1.125 / 0.65625 - 1,
        within_tolerance=True,
        total_drive_h_per_week=0.625,
        travel_h_per_week=1.25,
        objective_h_per_week=1.75,
        lower_bound_h_per_week=1.75,
        gap_to_bound=0.0,
        moves=1,
        # team: 30 + 10 h of capacity, 2.625 h of work
        capacity_h_per_week=40.0,
        workload_h_per_week=2.625,
        utilisation=2.625 / 40,
    )
    return TerritoryPlan(
        {"x": "r0", "y": "r1"},
        (r0, r1),
        (Move("x", "r1", "r0"),),
        (),
        summary,
        SolverInfo(SolveStatus.HAND_MADE, 0, 0.0, 0.0),
    )


def check(plan, accounts=ACCOUNTS, options=OPTIONS, durations=HOME_S):
    return check_territory_plan(REPS, accounts, plan, options, home_durations_s=durations)


def test_hand_worked_plan_checks_and_the_solver_finds_the_same_figures():
    assert check(hand_plan()) == []
    solved = balance_territories(REPS, ACCOUNTS, matrix=MATRIX, options=OPTIONS)
    assert check(solved) == []
    assert dict(solved.assignment) == {"x": "r0", "y": "r1"}
    for got, want in zip(solved.territories, hand_plan().territories, strict=True):
        for name in ("visits_per_week", "visit_h_per_week", "drive_h_per_week", "drive_km_per_week",
                     "cost_per_week", "revenue", "workload_h_per_week", "utilisation",
                     "balance_value", "balance_target", "deviation"):  # fmt: skip
            assert getattr(got, name) == pytest.approx(getattr(want, name)), name
    s, want = solved.summary, hand_plan().summary
    assert (s.travel_h_per_week, s.objective_h_per_week) == pytest.approx((1.25, 1.75))
    assert s.max_deviation == pytest.approx(want.max_deviation)


def test_other_metrics_are_recomputed_by_hand():
    plan = hand_plan()
    # accounts: 1 each; targets 2 x 0.75 = 1.5 and 0.5; deviations -1/3 and +1
    t0, t1 = plan.territories
    by_count = dataclasses.replace(
        plan,
        territories=(
            dataclasses.replace(t0, balance_value=1.0, balance_target=1.5, deviation=-1 / 3),
            dataclasses.replace(t1, balance_value=1.0, balance_target=0.5, deviation=1.0),
        ),
        summary=dataclasses.replace(
            plan.summary,
            metric="accounts",
            max_deviation=1.0,
            tolerance=0.5,
            within_tolerance=False,
            explanation=("y is locked to r1.",),
        ),
    )
    options = dataclasses.replace(OPTIONS, balance="accounts", tolerance=0.5)
    assert check(by_count, options=options) == []
    # revenue: 1000 and 3000; targets 3000 and 1000; deviations -2/3 and +2
    by_revenue = dataclasses.replace(
        by_count,
        territories=(
            dataclasses.replace(t0, balance_value=1000.0, balance_target=3000.0, deviation=-2 / 3),
            dataclasses.replace(t1, balance_value=3000.0, balance_target=1000.0, deviation=2.0),
        ),
        summary=dataclasses.replace(by_count.summary, metric="revenue", max_deviation=2.0),
    )
    assert check(by_revenue, options=dataclasses.replace(options, balance="revenue")) == []
    assert any("balance value" in p for p in check(by_revenue, options=options))


def territory(plan, k, **fields):
    territories = list(plan.territories)
    territories[k] = dataclasses.replace(territories[k], **fields)
    return dataclasses.replace(plan, territories=tuple(territories))


def summary(plan, **fields):
    return dataclasses.replace(plan, summary=dataclasses.replace(plan.summary, **fields))


def _unassign_x(plan):
    plan = dataclasses.replace(plan, assignment={"y": "r1"}, moves=())
    return summary(territory(plan, 0, account_ids=(), accounts=0), moves=0)


TAMPERS = {
    "assigned and unassigned": (
        lambda p: dataclasses.replace(p, unassigned=(UnassignedAccount("x", "UNREACHABLE", "."),)),
        "not assigned exactly once",
    ),
    "neither": (_unassign_x, "'x' is not assigned exactly once"),
    "unknown account": (
        lambda p: dataclasses.replace(p, assignment={**p.assignment, "zz": "r0"}),
        "unknown account 'zz'",
    ),
    "unknown rep": (
        lambda p: dataclasses.replace(p, assignment={**p.assignment, "x": "r9"}),
        "unknown rep 'r9'",
    ),
    "two territories": (
        lambda p: territory(p, 1, account_ids=("y", "x"), accounts=2),
        "in two territories",
    ),
    "count": (lambda p: territory(p, 0, accounts=2), "accounts 2 != listed ids"),
    "listing": (lambda p: territory(p, 0, account_ids=(), accounts=0), "do not list exactly"),
    "territory per rep": (
        lambda p: dataclasses.replace(p, territories=p.territories[:1]),
        "not exactly one territory per rep",
    ),
    "lock": (
        lambda p: dataclasses.replace(p, assignment={"x": "r0", "y": "r0"}),
        "'y' is locked to 'r1' but assigned to 'r0'",
    ),
    "moves listed": (lambda p: dataclasses.replace(p, moves=()), "Moves listed (0) differ"),
    "move reps": (lambda p: dataclasses.replace(p, moves=(Move("x", "r0", "r1"),)), "wrong reps"),
    "move twice": (lambda p: dataclasses.replace(p, moves=p.moves * 2), "Moves listed (2)"),
    "move from": (lambda p: dataclasses.replace(p, moves=(Move("x", "r0", "r0"),)), "wrong reps"),
    "move to": (lambda p: dataclasses.replace(p, moves=(Move("x", "r1", "r1"),)), "wrong reps"),
    "summary moves": (lambda p: summary(p, moves=0), "Summary moves 0 != recount 1"),
    "visits": (lambda p: territory(p, 0, visits_per_week=2.5), "visits_per_week"),
    "visit hours": (lambda p: territory(p, 0, visit_h_per_week=1.01), "visit_h_per_week"),
    "revenue": (lambda p: territory(p, 1, revenue=3001.0), "revenue"),
    "workload": (lambda p: territory(p, 1, workload_h_per_week=1.2), "workload_h_per_week"),
    "cost": (lambda p: territory(p, 0, cost_per_week=35.5), "cost_per_week"),
    "drive": (
        lambda p: territory(p, 0, drive_h_per_week=0.6, workload_h_per_week=1.6),
        "drive_h_per_week",
    ),
    "utilisation": (lambda p: territory(p, 0, utilisation=0.06), "utilisation does not match"),
    "balance value": (lambda p: territory(p, 0, balance_value=1.6), "balance value 1.6"),
    "target": (lambda p: territory(p, 0, balance_target=2.0), "target or deviation"),
    "deviation": (lambda p: territory(p, 1, deviation=0.7), "target or deviation"),
    "max deviation": (lambda p: summary(p, max_deviation=0.7), "Summary max_deviation"),
    "within": (
        lambda p: summary(p, within_tolerance=False, explanation=("x",)),
        "within_tolerance",
    ),
    "explanation": (lambda p: summary(p, within_tolerance=False), "no explanation"),
    "total drive": (lambda p: summary(p, total_drive_h_per_week=0.7), "total drive time"),
    "travel": (
        lambda p: summary(p, travel_h_per_week=1.3, objective_h_per_week=1.8),
        "Summary travel",
    ),
    "objective": (lambda p: summary(p, objective_h_per_week=1.25), "objective != travel"),
    "bound": (lambda p: summary(p, lower_bound_h_per_week=1.8), "below the lower bound"),
}


@pytest.mark.parametrize("name", TAMPERS)
def test_each_rule_flags_its_tampering(name):
    tamper, phrase = TAMPERS[name]
    problems = check(tamper(hand_plan()))
    assert any(phrase in p for p in problems), problems


def test_max_moves():
    options = dataclasses.replace(OPTIONS, max_moves=0)
    assert any("exceed max_moves = 0" in p for p in check(hand_plan(), options=options))
    # a move forced by a lock to another rep is allowed beyond max_moves
    forced = [dataclasses.replace(ACCOUNTS[0], locked_rep="r0"), ACCOUNTS[1]]
    assert check(hand_plan(), accounts=forced, options=options) == []


def test_without_the_matrix_travel_and_workload_are_taken_as_claimed():
    plan = territory(summary(hand_plan(), travel_h_per_week=1.3, objective_h_per_week=1.8), 0,
                     drive_h_per_week=0.6, workload_h_per_week=1.6, utilisation=1.6 / 30,
                     cost_per_week=0.6 * 60 + 5)  # fmt: skip
    plan = summary(
        plan, total_drive_h_per_week=0.725, workload_h_per_week=2.725, utilisation=2.725 / 40
    )
    assert check(plan, durations=None) == []
    found = check(plan)
    assert any("drive_h_per_week" in p for p in found)
    assert any("Summary travel" in p for p in found)


def test_bound_is_only_checked_within_tolerance():
    # out of tolerance the objective may be below the bound (the bound is for the
    # balanced problem): not flagged
    options = dataclasses.replace(OPTIONS, tolerance=0.5)
    plan = summary(hand_plan(), tolerance=0.5, within_tolerance=False, explanation=("lock",))
    assert check(plan, options=options) == []
    assert check(summary(plan, lower_bound_h_per_week=1.8), options=options) == []


def test_plan_without_accounts_has_zero_targets_and_deviations():
    empty = hand_plan()
    territories = tuple(
        dataclasses.replace(t, account_ids=(), accounts=0, visits_per_week=0.0,
                            visit_h_per_week=0.0, drive_h_per_week=0.0, drive_km_per_week=0.0,
                            cost_per_week=0.0, revenue=0.0, workload_h_per_week=0.0,
                            utilisation=0.0, balance_value=0.0, balance_target=0.0, deviation=0.0,
                            estimated_workload_h_per_week=0.0)
        for t in empty.territories
    )  # fmt: skip
    empty = dataclasses.replace(empty, assignment={}, territories=territories, moves=())
    empty = summary(empty, max_deviation=0.0, total_drive_h_per_week=0.0, travel_h_per_week=0.0,
                    objective_h_per_week=0.0, lower_bound_h_per_week=0.0, moves=0,
                    workload_h_per_week=0.0, utilisation=0.0)  # fmt: skip
    assert check(empty, accounts=[]) == []


def test_account_listed_twice_as_unassigned():
    plan = _unassign_x(hand_plan())
    once = dataclasses.replace(plan, unassigned=(UnassignedAccount("x", "UNREACHABLE", "."),))
    assert not any("'x' is not assigned exactly once" in p for p in check(once))
    twice = dataclasses.replace(once, unassigned=once.unassigned * 2)
    assert any("'x' is not assigned exactly once" in p for p in check(twice))


def test_max_moves_counts_the_free_moves_beyond_the_forced_ones():
    # y sits with r0 today but is locked to r1: a forced move; x's move is free
    accounts = [ACCOUNTS[0], dataclasses.replace(ACCOUNTS[1], current_rep="r0")]
    plan = dataclasses.replace(hand_plan(), moves=(Move("x", "r1", "r0"), Move("y", "r0", "r1")))
    plan = summary(plan, moves=2, objective_h_per_week=1.25 + 2 * 0.5)
    for max_moves, flagged in ((2, False), (1, True)):
        options = dataclasses.replace(OPTIONS, max_moves=max_moves)
        found = check(plan, accounts=accounts, options=options)
        assert any("exceed max_moves" in p for p in found) is flagged, found


def test_accounts_without_revenue_count_zero():
    # y has no revenue: r0 1000, r1 0; targets 750 and 250; deviations +1/3 and -1
    accounts = [ACCOUNTS[0], dataclasses.replace(ACCOUNTS[1], revenue=None)]
    t0, t1 = hand_plan().territories
    plan = dataclasses.replace(
        hand_plan(),
        territories=(
            dataclasses.replace(t0, balance_value=1000.0, balance_target=750.0, deviation=1 / 3),
            dataclasses.replace(
                t1, revenue=0.0, balance_value=0.0, balance_target=250.0, deviation=-1.0
            ),
        ),
    )
    plan = summary(
        plan, metric="revenue", tolerance=0.5, max_deviation=1.0, within_tolerance=False,
        explanation=("y has no revenue.",),
    )  # fmt: skip
    options = dataclasses.replace(OPTIONS, balance="revenue", tolerance=0.5)
    assert check(plan, accounts=accounts, options=options) == []


def test_deviation_exactly_at_the_tolerance_is_within():
    at = 1.125 / 0.65625 - 1
    options = dataclasses.replace(OPTIONS, tolerance=at)
    assert check(summary(hand_plan(), tolerance=at), options=options) == []
