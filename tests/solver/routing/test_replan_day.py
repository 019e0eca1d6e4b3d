"""replan_day: the four re-planning cases of a rep's day, each re-planned day checked."""

from __future__ import annotations

import pytest

from solver.errors import InvalidProblemError
from solver.model import Break, Location, Reason, Shift, StopType, TimeWindow
from solver.routing import changed_stops, replan_day

from .helpers import H, account, assert_feasible, line_matrix, problem, rep

#: Accounts a1..a5 at 2, 4, 6, 8, 10 km along the road from home (index 0); index 6
#: (5 km) is free for an urgent account.
XS = [0, 2, 4, 6, 8, 10, 5]
ORDER = ["a1", "a2", "a3", "a4", "a5"]


def day(**windows):
    accounts = [
        account(a, i, visit_duration_s=H, required=True, windows=windows.get(a, ()))
        for i, a in enumerate(ORDER, start=1)
    ]
    lunch = Break(12 * H, 13 * H, 30 * 60)
    return problem([rep(lunch=lunch, shift=Shift(8 * H, 18 * H))], accounts, line_matrix(XS))


def replan(p, **kw):
    kw.setdefault("previous_order", ORDER)
    kw.setdefault("time_limit_s", 1.0)
    result = replan_day(p, rep_id="r1", **kw)
    assert_feasible(result.problem, result.plan)  # every re-planned day is checked
    return result


def reasons(result):
    return {u.account_id: u.reason for u in result.plan.unassigned}


def test_a_skipped_visit_is_reported_with_its_reason_and_the_rest_keeps_its_order():
    result = replan(
        day(),
        position=Location(index=1),
        now_s=10 * H,
        visited={"a1"},
        skipped={"a2": "closed"},
    )
    route = result.plan.routes[0]
    assert route.account_ids == ("a3", "a4", "a5")
    assert result.changed_stops == 0 and result.kept_previous
    assert reasons(result) == {"a1": Reason.ALREADY_VISITED, "a2": Reason.SKIPPED}
    detail = next(u.detail for u in result.plan.unassigned if u.account_id == "a2")
    assert "closed" in detail
    # the break can still be taken (latest start 13:00), and the day end is recomputed
    assert [s.type for s in route.stops].count(StopType.BREAK) == 1
    assert route.stops[0].departure_s >= 10 * H
    assert route.totals.day_end_s == route.stops[-1].arrival_s > 13 * H


def test_an_overrun_that_puts_a_window_out_of_reach_reports_the_account():
    # a4 must start by 12:00, 6 min 40 s of driving from a2; the rep leaves a2 at 11:55
    p = day(a4=(TimeWindow(10 * H, 12 * H),))
    result = replan(p, position=Location(index=2), now_s=11 * H + 55 * 60, visited={"a1", "a2"})
    route = result.plan.routes[0]
    assert "a4" not in route.account_ids
    assert reasons(result)["a4"] == Reason.NO_FEASIBLE_WINDOW  # reported, not dropped
    assert route.account_ids == ("a3", "a5")
    # past the break's latest start the break is taken as done
    late = replan(p, position=Location(index=3), now_s=13 * H + 600, visited={"a1", "a2", "a3"})
    assert StopType.BREAK not in [s.type for s in late.plan.routes[0].stops]


def test_an_urgent_account_is_inserted_where_it_costs_least():
    urgent = account("u", 6, visit_duration_s=1800, required=True)
    result = replan(day(), position=Location(index=1), now_s=9 * H, visited={"a1"}, urgent=[urgent])
    order = result.plan.routes[0].account_ids
    assert order == ("a2", "u", "a3", "a4", "a5")  # 5 km: between 4 and 6 km
    assert result.changed_stops == 1


def test_only_the_clock_moved_keeps_the_order_unless_changes_are_free():
    # a valid but slightly longer order: 4 km, back to 2 km, then on
    previous = ["a2", "a1", "a3", "a4", "a5"]
    p = day()
    kept = replan(p, position=Location(index=0), now_s=8 * H + 1200, previous_order=previous)
    assert list(kept.plan.routes[0].account_ids) == previous
    assert kept.changed_stops == 0 and kept.kept_previous
    free = replan(
        p,
        position=Location(index=0),
        now_s=8 * H + 1200,
        previous_order=previous,
        change_penalty=0.0,
    )
    # on a line, out and back in any order that never turns twice is shortest
    assert set(free.plan.routes[0].account_ids) == set(ORDER)
    assert free.changed_stops >= 1 and not free.kept_previous
    assert free.plan.routes[0].totals.cost < kept.plan.routes[0].totals.cost


def test_changed_stops_counts_moves_drops_and_additions_once():
    assert changed_stops(["a", "b", "c"], ["a", "b", "c"]) == 0
    assert changed_stops(["a", "b", "c"], ["b", "a", "c"]) == 1
    assert changed_stops(["a", "b", "c"], ["a", "c"]) == 1
    assert changed_stops(["a", "b"], ["a", "x", "b"]) == 1
    assert changed_stops(["a", "b", "c"], ["c", "b", "a"]) == 2


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"skipped": {"zz": "closed"}}, "skipped"),
        ({"visited": {"a1"}, "skipped": {"a1": "closed"}}, "skipped"),
        ({"urgent": [account("a3", 6)]}, "urgent"),
        ({"previous_order": ["a1", "nope"]}, "previous_order"),
        ({"visited": {"nope"}}, "visited"),
    ],
)
def test_contradicting_input_is_refused_naming_the_field(kw, field):
    kw.setdefault("previous_order", ORDER)
    with pytest.raises(InvalidProblemError) as info:
        replan_day(day(), rep_id="r1", position=Location(index=1), now_s=9 * H, **kw)
    assert info.value.field == field
