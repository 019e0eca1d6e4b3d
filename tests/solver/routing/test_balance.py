"""``Problem.balance``: a team day evened out across its reps, still feasible."""

from __future__ import annotations

import numpy as np
import pytest

from solver.errors import InvalidProblemError
from solver.model import Balance, TravelMatrix
from solver.routing import plan_day
from tests.solver.routing.helpers import account, assert_feasible, line_matrix, problem, rep

#: A depot at 0 km and a cluster of eight shops 20 km away (100 s per km).
MATRIX = line_matrix([0.0] + [20 + 0.1 * i for i in range(8)])


def _team_day(balance: str, **account_kw):
    reps = [rep("r1"), rep("r2")]
    account_kw.setdefault("required", True)
    accounts = [account(f"a{i}", i, **account_kw) for i in range(1, 9)]
    day = problem(reps, accounts, MATRIX, balance=balance)
    plan = plan_day(day, time_limit_s=2, seed=0)
    assert_feasible(day, plan)
    return plan


def _busy_s(route) -> int:
    return route.totals.drive_s + route.totals.visit_s


def test_duration_balance_evens_out_a_team_day_that_one_rep_would_do_alone():
    alone = _team_day("none")
    # the cheapest plan: one trip to the cluster, one rep does everything
    assert sorted(r.totals.visits for r in alone.routes) == [0, 8]
    even = _team_day("duration")
    assert sorted(r.totals.visits for r in even.routes) == [4, 4]
    busiest_alone = max(_busy_s(r) for r in alone.routes)
    busiest_even = max(_busy_s(r) for r in even.routes)
    assert busiest_even < 0.7 * busiest_alone
    spread = abs(_busy_s(even.routes[0]) - _busy_s(even.routes[1]))
    assert spread <= 600  # within ten minutes of each other
    # the price of it: a second trip to the cluster
    assert sum(r.totals.cost for r in even.routes) > sum(r.totals.cost for r in alone.routes)


def test_visits_balance_splits_the_visit_counts():
    plan = _team_day("visits")
    counts = sorted(r.totals.visits for r in plan.routes)
    assert counts[1] - counts[0] <= 1 and sum(counts) == 8


def test_balance_does_not_drop_optional_visits_worth_their_detour():
    plan = _team_day("duration", required=False, value=200.0)
    assert plan.unassigned == () and sorted(r.totals.visits for r in plan.routes) == [4, 4]


def test_balance_leaves_a_single_rep_day_as_it_is():
    accounts = [account(f"a{i}", i, required=True) for i in range(1, 9)]
    plans = []
    for balance in ("none", "duration", "visits"):
        day = problem([rep("r1")], accounts, MATRIX, balance=balance)
        plan = plan_day(day, time_limit_s=1)
        assert_feasible(day, plan)
        plans.append([r.account_ids for r in plan.routes])
    assert plans[0] == plans[1] == plans[2]


def test_balance_must_be_a_known_choice():
    with pytest.raises(InvalidProblemError, match="balance must be one of none"):
        problem([rep("r1")], [], MATRIX, balance="fair")
    assert problem([rep("r1")], [], MATRIX, balance="visits").balance is Balance.VISITS


@pytest.mark.slow
def test_balance_evens_out_a_scattered_team_day_without_dropping_visits():
    # 40 optional shops scattered over 30 x 30 km, worth 30 each; four reps at one depot
    rng = np.random.default_rng(1)
    points = np.vstack([[0.0, 0.0], rng.uniform(-15, 15, (40, 2))])
    km = np.linalg.norm(points[:, None] - points[None], axis=2)
    matrix = TravelMatrix(np.rint(km * 100).astype(int), np.rint(km * 1000).astype(int))
    accounts = [account(f"a{i}", i, value=30.0) for i in range(1, 41)]
    busy = {}
    for balance in ("none", "duration", "visits"):
        day = problem([rep(f"r{k}") for k in range(4)], accounts, matrix, balance=balance)
        plan = plan_day(day, time_limit_s=3, seed=0)
        assert_feasible(day, plan)
        assert plan.unassigned == ()  # every visit is worth its detour, balanced or not
        busy[balance] = [_busy_s(r) for r in plan.routes]
        if balance == "visits":
            counts = [r.totals.visits for r in plan.routes]
            assert max(counts) - min(counts) <= 1
    spread = {b: max(v) - min(v) for b, v in busy.items()}
    assert spread["duration"] < 0.25 * spread["none"]
    assert max(busy["duration"]) < max(busy["none"])
