"""plan_schedule on hand-made cases whose optimum is known; every result is checked."""

from __future__ import annotations

import datetime as dt
import itertools
import math

from solver.model import Account, Location, Rep, Shift
from solver.schedule import (
    Appointment,
    ScheduleAccount,
    ScheduleOptions,
    ScheduleProblem,
    ScheduleReason,
    ScheduleRep,
    plan_schedule,
)
from tests.solver.schedule.helpers import (
    MONDAY,
    account,
    assert_feasible,
    plane,
    rep,
    visit_days,
    week,
)

LIMIT = 30.0  # an upper bound: these small schedules converge in a few seconds


def test_spacing_forces_the_only_pattern() -> None:
    # Mon..Thu; two visits at least 3 calendar days apart: only Monday + Thursday fit.
    matrix = plane([(0, 0), (3, 0), (0, 3)])
    problem = ScheduleProblem(
        week(4),
        (rep("R1"),),
        (account("A", 1, visits=2, min_gap_days=3), account("B", 2, visits=2)),
        matrix=matrix,
    )
    schedule = plan_schedule(problem, time_limit_s=LIMIT, seed=0)
    assert_feasible(problem, schedule)
    assert visit_days(schedule, "A") == [MONDAY, MONDAY + dt.timedelta(days=3)]
    # B is cheapest on the same days as A (one round trip 0-A-B-0 instead of two trips).
    assert visit_days(schedule, "B") == visit_days(schedule, "A")
    assert schedule.unassigned == ()


def test_patterns_pick_the_cheapest_combination() -> None:
    # Brute force over the patterns of three accounts gives the optimum to compare with.
    points = [(0, 0), (10, 0), (10, 1), (-10, 0)]
    matrix = plane(points)
    patterns = {"X": ((0,), (1,)), "Y": ((1,),), "Z": ((0,), (1,))}
    rows = {"X": 1, "Y": 2, "Z": 3}
    accounts = tuple(
        account(a, rows[a], visits=1, patterns=patterns[a], duration_s=600) for a in "XYZ"
    )
    problem = ScheduleProblem(week(2), (rep("R1"),), accounts, matrix=matrix)
    schedule = plan_schedule(problem, time_limit_s=LIMIT, seed=0)
    assert_feasible(problem, schedule)

    def tour(stops: list[int]) -> float:  # best order, km (1 per km)
        best = math.inf
        for order in itertools.permutations(stops):
            nodes = [0, *order, 0]
            best = min(
                best, sum(math.dist(points[a], points[b]) for a, b in itertools.pairwise(nodes))
            )
        return best if stops else 0.0

    optimum = min(
        sum(tour([rows[a] for a in "XYZ" if choice[a][0] == day]) for day in (0, 1))
        for choice in (
            dict(zip("XYZ", combo, strict=True))
            for combo in itertools.product(*(patterns[a] for a in "XYZ"))
        )
    )
    assert math.isclose(schedule.summary.total.cost, optimum, abs_tol=0.01)
    assert visit_days(schedule, "X") == visit_days(schedule, "Y")  # X rides along with Y


def test_appointment_pins_the_day_and_time() -> None:
    matrix = plane([(0, 0), (2, 0), (0, 2)])
    days = week(5)
    problem = ScheduleProblem(
        days,
        (rep("R1"), rep("R2")),
        (account("A", 1, visits=2), account("B", 2, visits=1)),
        appointments=(Appointment("R2", "A", days[3], 10 * 3600, 3600),),
        matrix=matrix,
    )
    schedule = plan_schedule(problem, time_limit_s=LIMIT, seed=0)
    assert_feasible(problem, schedule)
    rows = [v for v in schedule.visits if v.account_id == "A"]
    assert len(rows) == 2
    pinned = [v for v in rows if v.date == days[3]]
    assert len(pinned) == 1 and pinned[0].start_s == 10 * 3600 and pinned[0].rep_id == "R2"
    assert pinned[0].appointment
    assert {v.rep_id for v in rows} == {"R2"}  # same_rep: the appointment's rep


def test_opening_hours_close_a_weekday() -> None:
    matrix = plane([(0, 0), (1, 1)])
    problem = ScheduleProblem(
        week(5),
        (rep("R1"),),
        (account("S", 1, visits=4, opening_hours="Mo-Fr 14:00-17:00; We off"),),
        matrix=matrix,
    )
    schedule = plan_schedule(problem, time_limit_s=LIMIT, seed=0)
    assert_feasible(problem, schedule)
    assert [d.weekday() for d in visit_days(schedule, "S")] == [0, 1, 3, 4]
    for v in schedule.visits:
        assert v.start_s >= 14 * 3600 and v.start_s + 1800 <= 17 * 3600


def test_weekdays_and_days_off_are_kept() -> None:
    matrix = plane([(0, 0), (1, 0), (0, 1)])
    days = week(5)
    problem = ScheduleProblem(
        days,
        (rep("R1", days_off={days[0], days[1]}),),
        (account("W", 1, visits=2, weekdays={1, 2, 3}), account("V", 2, visits=3)),
        matrix=matrix,
    )
    schedule = plan_schedule(problem, time_limit_s=LIMIT, seed=0)
    assert_feasible(problem, schedule)
    assert {d.weekday() for d in visit_days(schedule, "W")} <= {2, 3}
    assert visit_days(schedule, "V") == list(days[2:])
    assert all(not day.routes for day in schedule.days if day.date in days[:2])


def test_impossible_frequency_comes_back_unassigned_with_a_reason() -> None:
    matrix = plane([(0, 0), (1, 0), (0, 1)])
    problem = ScheduleProblem(
        week(5),
        (rep("R1"),),
        (
            account("MONDAYS", 1, visits=2, weekdays={0}),
            account("FAR_APART", 2, visits=2, min_gap_days=10),
        ),
        matrix=matrix,
    )
    schedule = plan_schedule(problem, time_limit_s=LIMIT, seed=0)
    assert_feasible(problem, schedule)
    missing = {u.account_id: u for u in schedule.unassigned}
    assert missing["MONDAYS"].missing == 1
    assert missing["MONDAYS"].reason == ScheduleReason.NO_ALLOWED_DAY
    assert missing["FAR_APART"].missing == 1
    assert missing["FAR_APART"].reason == ScheduleReason.SPACING_INFEASIBLE
    assert "FAR_APART" in missing["FAR_APART"].detail
    assert len(visit_days(schedule, "MONDAYS")) == 1


def test_full_days_leave_visits_unassigned_not_an_error() -> None:
    # One rep, 1 h shift, five 30-minute visits a day wanted on a single day.
    base = Rep("R1", Location(index=0), Shift(8 * 3600, 9 * 3600))
    accounts = tuple(account(f"A{i}", 1, visits=1, patterns=((0,),)) for i in range(5))
    problem = ScheduleProblem(
        week(1), (ScheduleRep(base),), accounts, matrix=plane([(0, 0), (0, 0.1)])
    )
    schedule = plan_schedule(problem, time_limit_s=LIMIT, seed=0)
    assert_feasible(problem, schedule)
    assert len(schedule.visits) == 1
    assert sum(u.missing for u in schedule.unassigned) == 4


def test_same_rep_keeps_one_rep_and_any_rep_may_share() -> None:
    matrix = plane([(0, 0), (5, 0), (-5, 0)])
    days = week(4)
    problem = ScheduleProblem(
        days,
        (rep("R1", 1, days_off={days[1]}), rep("R2", 2)),
        (
            account("KEEP", 1, visits=3),
            account("ANY", 2, visits=4, same_rep=False),
        ),
        matrix=matrix,
    )
    schedule = plan_schedule(problem, time_limit_s=LIMIT, seed=0)
    assert_feasible(problem, schedule)
    keep = {v.rep_id for v in schedule.visits if v.account_id == "KEEP"}
    assert len(keep) == 1 and len(visit_days(schedule, "KEEP")) == 3
    # ANY sits at R2's home: R2 serves it every day.
    assert {v.rep_id for v in schedule.visits if v.account_id == "ANY"} == {"R2"}


def test_balance_visits_spreads_a_reps_days() -> None:
    matrix = plane([(0, 0)] + [(1 + 0.01 * i, 0) for i in range(8)])
    accounts = tuple(account(f"A{i}", i + 1, visits=1) for i in range(8))
    problem = ScheduleProblem(
        week(4),
        (rep("R1"),),
        accounts,
        options=ScheduleOptions(balance="visits"),
        matrix=matrix,
    )
    schedule = plan_schedule(problem, time_limit_s=LIMIT, seed=0)
    assert_feasible(problem, schedule)
    per_day = [sum(r.totals.visits for r in day.routes) for day in schedule.days]
    assert per_day == [2, 2, 2, 2]
    unbalanced = plan_schedule(
        ScheduleProblem(week(4), (rep("R1"),), accounts, matrix=matrix),
        time_limit_s=LIMIT,
        seed=0,
    )
    assert max(sum(r.totals.visits for r in d.routes) for d in unbalanced.days) == 8


def test_summary_counts_visits_per_rep_and_week() -> None:
    matrix = plane([(0, 0), (3, 4)])
    problem = ScheduleProblem(
        week(10), (rep("R1"),), (account("A", 1, visits=2, min_gap_days=7),), matrix=matrix
    )
    schedule = plan_schedule(problem, time_limit_s=LIMIT, seed=0)
    assert_feasible(problem, schedule)
    s = schedule.summary
    assert s.visits_requested == 2 and s.visits_planned == 2
    assert [k.visits for k in s.per_week] == [1, 1]
    assert [k.week for k in s.per_week] == ["2026-W50", "2026-W51"]
    assert s.per_rep[0].distance_m == 2 * 10_000  # 5 km out and back, twice
    assert math.isclose(s.total.cost, 20.0)
    assert s.total.cost_per_visit == 10.0
    assert 0 < s.total.drive_share < 1


def test_clock_values_beyond_a_day_fit_abstract_units() -> None:
    base = Rep("V", Location(index=0), Shift(0, 500 * 3600), capacity=10)
    problem = ScheduleProblem(
        week(2),
        (ScheduleRep(base),),
        (
            ScheduleAccount(
                Account("C", Location(index=1), 300 * 3600, demand=4),
                visits=2,
                patterns=((0, 1),),
                same_rep=False,
            ),
        ),
        matrix=plane([(0, 0), (1000, 0)]),
    )
    schedule = plan_schedule(problem, time_limit_s=LIMIT, seed=0)
    assert_feasible(problem, schedule)
    assert len(schedule.visits) == 2


def test_same_rep_never_mixes_reps_when_no_rep_can_make_every_visit() -> None:
    days = week(4)
    problem = ScheduleProblem(
        days,
        (rep("R1", days_off={days[0], days[1]}), rep("R2", days_off={days[2], days[3]})),
        (account("A", 1, visits=3),),
        matrix=plane([(0, 0), (1, 0)]),
    )
    schedule = plan_schedule(problem, time_limit_s=LIMIT, seed=0)
    assert_feasible(problem, schedule)
    assert len({v.rep_id for v in schedule.visits}) == 1 and len(schedule.visits) == 2
    (missing,) = schedule.unassigned
    assert missing.missing == 1 and missing.reason == ScheduleReason.NO_ALLOWED_DAY
