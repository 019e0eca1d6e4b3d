"""The independent checker, time_routes (hand-made orders) and replan_problem."""

from __future__ import annotations

import dataclasses

import pytest

from solver.errors import InvalidProblemError
from solver.model import Break, Location, Reason, Shift, StopType, TimeWindow
from solver.routing import check_plan, plan_day, replan_problem, time_routes

from .helpers import H, account, assert_feasible, line_matrix, problem, rep


def codes(violations):
    return {v.code for v in violations}


@pytest.fixture
def day():
    m = line_matrix([0, 10, 5, 2])
    accounts = [
        account("a", 1, windows=(TimeWindow(8 * H, 9 * H),)),
        account("b", 2, windows=(TimeWindow(10 * H, 11 * H),)),
        account("c", 3),
    ]
    return problem([rep(lunch=Break(12 * H, 13 * H, 30 * 60))], accounts, m)


def test_hand_made_order_is_timed_from_the_matrix(day):
    plan, violations = time_routes(day, {"r1": ["a", "b"]})
    assert violations == []
    stops = plan.routes[0].stops
    assert [s.type for s in stops] == [StopType.START, StopType.VISIT, StopType.VISIT, StopType.END]
    a, b = stops[1], stops[2]
    assert a.travel_s == 1000 and a.distance_m == 10_000  # 10 km at 36 km/h
    assert a.start_s == 8 * H + 1000  # leaves at 08:00, no wait
    assert b.arrival_s == a.departure_s + 500
    assert b.start_s == 10 * H and b.wait_s == b.start_s - b.arrival_s
    assert plan.routes[0].totals.distance_m == 10_000 + 5_000 + 5_000
    assert {u.account_id: u.reason for u in plan.unassigned} == {"c": Reason.NOT_IN_ORDER}


def test_hand_made_order_that_misses_a_window_is_reported(day):
    _, violations = time_routes(day, {"r1": ["b", "a"]})
    assert "WINDOW" in codes(violations)
    assert any(v.account_id == "a" for v in violations if v.code == "WINDOW")


def test_hand_made_long_day_gets_its_break(day):
    long_visits = dataclasses.replace(
        day,
        accounts=tuple(
            dataclasses.replace(a, visit_duration_s=2 * H, windows=()) for a in day.accounts
        ),
    )
    plan, violations = time_routes(long_visits, {"r1": ["c", "b", "a"]})
    assert violations == []
    assert [s.type for s in plan.routes[0].stops].count(StopType.BREAK) == 1


def test_unknown_account_in_order_is_invalid(day):
    with pytest.raises(InvalidProblemError, match="account 'zz' is unknown"):
        time_routes(day, {"r1": ["zz"]})


def test_checker_flags_tampered_times_legs_and_missing_accounts(day):
    plan = plan_day(day, time_limit_s=1.0)
    assert_feasible(day, plan)
    route = plan.routes[0]
    stops = list(route.stops)
    k = next(i for i, s in enumerate(stops) if s.type == StopType.VISIT)
    stops[k] = dataclasses.replace(stops[k], travel_s=stops[k].travel_s - 60)
    tampered = dataclasses.replace(route, stops=tuple(stops))
    bad = dataclasses.replace(plan, routes=(tampered,), unassigned=())
    found = codes(check_plan(day, bad))
    assert "LEG_MISMATCH" in found
    if plan.unassigned or len(route.account_ids) < 3:
        assert "MISSING_ACCOUNT" in found


def test_checker_flags_a_late_shift_end_and_a_missing_break():
    m = line_matrix([0, 1])
    p = problem(
        [rep(shift=Shift(8 * H, 12 * H), lunch=Break(10 * H, 11 * H, 1800))],
        [account("a", 1, visit_duration_s=5 * H)],
        m,
    )
    plan, violations = time_routes(p, {"r1": ["a"]})
    assert {"SHIFT_END"} <= codes(violations)
    no_break = dataclasses.replace(
        plan.routes[0],
        stops=tuple(s for s in plan.routes[0].stops if s.type != StopType.BREAK),
    )
    found = codes(check_plan(p, dataclasses.replace(plan, routes=(no_break,))))
    assert "BREAK_MISSING" in found


def test_checker_flags_capacity_visits_drive_and_eligibility():
    m = line_matrix([0, 30, 31])
    r = rep(capacity=3, max_visits=1, max_drive_s=H, skills=frozenset())
    accounts = [
        account("a", 1, demand=2),
        account("b", 2, demand=2, skills=frozenset({"x"})),
    ]
    p = problem([r], accounts, m)
    _, violations = time_routes(p, {"r1": ["a", "b"]})
    assert {"CAPACITY", "MAX_VISITS", "MAX_DRIVE_TIME", "NOT_ELIGIBLE"} <= codes(violations)


def test_replan_from_mid_day_plans_the_rest():
    m = line_matrix([0, 1, 2, 3, 4])
    accounts = [account(f"a{i}", i, demand=1) for i in range(1, 5)]
    p = problem([rep(capacity=4, max_visits=4, lunch=Break(12 * H, 13 * H, 1800))], accounts, m)
    rest = replan_problem(
        p, rep_id="r1", position=Location(index=2), now_s=11 * H, visited={"a1", "a2"}
    )
    new_rep = rest.reps[0]
    assert new_rep.start == Location(index=2)
    assert new_rep.end_location == Location(index=0)  # still goes home
    assert new_rep.shift.start_s == 11 * H
    assert new_rep.capacity == 2 and new_rep.max_visits == 2
    plan = plan_day(rest, time_limit_s=1.0)
    assert_feasible(rest, plan)
    assert set(plan.routes[0].account_ids) == {"a3", "a4"}
    assert plan.routes[0].stops[0].departure_s >= 11 * H
    assert {u.account_id: u.reason for u in plan.unassigned} == {
        "a1": Reason.ALREADY_VISITED,
        "a2": Reason.ALREADY_VISITED,
    }


def test_replan_after_the_shift_is_invalid():
    m = line_matrix([0, 1])
    p = problem([rep()], [account("a", 1)], m)
    with pytest.raises(InvalidProblemError, match="outside the shift"):
        replan_problem(p, rep_id="r1", position=Location(index=1), now_s=18 * H, visited=())
