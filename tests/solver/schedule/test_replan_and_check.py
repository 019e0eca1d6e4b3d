"""replan_schedule changes little after a disruption; check_schedule catches broken rules."""

from __future__ import annotations

import dataclasses
import datetime as dt

from solver.schedule import (
    Appointment,
    ScheduleOptions,
    ScheduleProblem,
    check_schedule,
    plan_schedule,
    replan_schedule,
)
from tests.solver.schedule.helpers import account, assert_feasible, plane, rep, visit_days, week

LIMIT = 30.0  # an upper bound: these small schedules converge in a few seconds
DAYS = week(5)


def territories(**changes) -> ScheduleProblem:
    """Two reps with five accounts each, one visit per account; visits balanced per day."""
    points = [(0, 0), (10, 0)]
    points += [(1 + 0.5 * i, 1) for i in range(5)] + [(11 + 0.5 * i, 1) for i in range(5)]
    accounts = [account(f"A{i}", 2 + i, rep_ids={"R1"}) for i in range(5)]
    accounts += [account(f"B{i}", 7 + i, rep_ids={"R2"}) for i in range(5)]
    fields = {
        "days": DAYS,
        "reps": (rep("R1", 0), rep("R2", 1)),
        "accounts": tuple(accounts),
        "options": ScheduleOptions(balance="visits"),
        "matrix": plane(points),
    }
    fields.update(changes)
    return ScheduleProblem(**fields)


def rows(schedule) -> set[tuple[str, str, dt.date]]:
    return {(v.account_id, v.rep_id, v.date) for v in schedule.visits}


def test_sick_day_is_replanned_with_minimal_changes() -> None:
    problem = territories()
    before = plan_schedule(problem, time_limit_s=LIMIT, seed=0)
    assert_feasible(problem, before)
    sick = DAYS[2]
    on_sick_day = {v for v in rows(before) if v[1] == "R1" and v[2] == sick}
    assert len(on_sick_day) == 1  # balanced: one visit a day each

    reps = (rep("R1", 0, days_off={sick}), rep("R2", 1))
    disrupted = territories(reps=reps)
    after = replan_schedule(disrupted, before, today=DAYS[1], time_limit_s=LIMIT, seed=0)
    assert_feasible(disrupted, after)
    assert len(after.visits) == 10 and after.unassigned == ()
    # Only the sick day's visit moved, to a later day of the same rep.
    assert rows(before) - rows(after) == on_sick_day
    (moved,) = rows(after) - rows(before)
    assert moved[0] == next(iter(on_sick_day))[0] and moved[1] == "R1"
    assert DAYS[1] <= moved[2] != sick
    # Days without a change keep their routes exactly; the past is untouched.
    for old, new in zip(before.days, after.days, strict=True):
        if old.date != moved[2] and old.date != sick:
            assert old.routes == new.routes


def test_appointment_moved_and_accounts_added_and_dropped() -> None:
    appointment = Appointment("R2", "B0", DAYS[3], 10 * 3600)
    problem = territories(appointments=(appointment,))
    before = plan_schedule(problem, time_limit_s=LIMIT, seed=0)
    assert_feasible(problem, before)
    moved = Appointment("R2", "B0", DAYS[4], 11 * 3600)
    # Drop an account whose visit is still to come (past visits stay as they were).
    dropped = next(v.account_id for v in before.visits if v.rep_id == "R1" and v.date > DAYS[1])
    accounts = [sa for sa in problem.accounts if sa.id != dropped]
    accounts.append(account("NEW", 3, rep_ids={"R1"}))
    disrupted = dataclasses.replace(problem, accounts=tuple(accounts), appointments=(moved,))
    after = replan_schedule(disrupted, before, today=DAYS[1], time_limit_s=LIMIT, seed=0)
    assert_feasible(disrupted, after)
    b0 = [v for v in after.visits if v.account_id == "B0"]
    assert [(v.date, v.start_s) for v in b0] == [(DAYS[4], 11 * 3600)]
    assert not any(v.account_id == dropped for v in after.visits)
    assert any(v.account_id == "NEW" for v in after.visits)
    kept = {r for r in rows(before) if r[0] not in {dropped, "B0"}}
    changed = kept - rows(after)
    assert len(changed) <= 1  # at most one visit makes room for the new account


def test_checker_reports_each_broken_rule() -> None:
    problem = territories()
    schedule = plan_schedule(problem, time_limit_s=LIMIT, seed=0)
    assert check_schedule(problem, schedule) == []
    a0 = next(v for v in schedule.visits if v.account_id == "A0")
    b0 = next(v for v in schedule.visits if v.account_id == "B0")

    def codes(**changes) -> set[str]:
        return {v.code for v in check_schedule(dataclasses.replace(problem, **changes), schedule)}

    closed = a0.date.strftime("%a")[:2]
    accounts = list(problem.accounts)
    accounts[0] = account("A0", 2, rep_ids={"R1"}, opening_hours=f"Mo-Su 00:00-24:00; {closed} off")
    assert "CLOSED" in codes(accounts=tuple(accounts))
    accounts[0] = account("A0", 2, rep_ids={"R1"}, visits=2)
    assert "VISIT_COUNT" in codes(accounts=tuple(accounts))
    other = 0 if DAYS.index(a0.date) else 1
    accounts[0] = account("A0", 2, rep_ids={"R1"}, patterns=((other,),))
    assert "PATTERN" in codes(accounts=tuple(accounts))
    accounts[0] = account(
        "A0", 2, rep_ids={"R1"}, last_visit=a0.date - dt.timedelta(days=1), min_gap_days=5
    )
    assert "SPACING" in codes(accounts=tuple(accounts))
    reps = (rep("R1", 0, days_off={a0.date}), rep("R2", 1))
    assert "DAY_OFF" in codes(reps=reps)
    appointment = Appointment("R2", "B0", b0.date, b0.start_s + 600)
    assert "APPOINTMENT" in codes(appointments=(appointment,))
    tampered = dataclasses.replace(schedule, visits=schedule.visits[1:])
    assert {v.code for v in check_schedule(problem, tampered)} == {"VISITS_MISMATCH"}


def test_replan_keeps_a_visit_whose_day_is_routed_again_for_another_reps_sick_day() -> None:
    # Two reps share one Wednesday-only account visited by R1. R2 falls sick that
    # Wednesday, so the day is routed again: the visit must stay planned (R1 has room),
    # not come back unassigned as NO_ROOM.
    days = week(5)
    wednesday = days[2]
    matrix = plane([(0, 0), (1, 0), (2, 0), (3, 0)])
    accounts = (
        account("WED", 2, rep_ids={"R1"}, weekdays=frozenset({2})),
        account("OTHER", 3, rep_ids={"R2"}, weekdays=frozenset({2})),
    )
    problem = ScheduleProblem(
        days=days, reps=(rep("R1", 0), rep("R2", 1)), accounts=accounts, matrix=matrix
    )
    before = plan_schedule(problem, time_limit_s=LIMIT, seed=0)
    assert_feasible(problem, before)
    assert visit_days(before, "WED") == [wednesday]

    disrupted = dataclasses.replace(
        problem, reps=(rep("R1", 0), rep("R2", 1, days_off={wednesday}))
    )
    after = replan_schedule(disrupted, before, today=days[1], time_limit_s=LIMIT, seed=0)
    assert_feasible(disrupted, after)
    assert visit_days(after, "WED") == [wednesday]
    assert [u.account_id for u in after.unassigned] == ["OTHER"]  # only R2's own account
