"""Bad schedule input raises InvalidProblemError naming the entity and the field."""

from __future__ import annotations

import datetime as dt

import pytest

from solver.errors import InvalidProblemError
from solver.model import Account, Location, Shift, TimeWindow
from solver.schedule import (
    Appointment,
    ScheduleAccount,
    ScheduleOptions,
    ScheduleProblem,
    working_days,
)
from tests.solver.schedule.helpers import account, plane, rep, week

MATRIX = plane([(0, 0), (1, 0), (0, 1)])


def build(accounts=(), appointments=(), reps=None, days=None) -> ScheduleProblem:
    return ScheduleProblem(
        days or week(5),
        reps or (rep("R1"),),
        accounts or (account("A", 1, visits=2),),
        appointments=appointments,
        matrix=MATRIX,
    )


def test_pattern_of_the_wrong_length_names_the_pattern() -> None:
    with pytest.raises(InvalidProblemError) as error:
        account("A", 1, visits=2, patterns=((0, 2), (1,)))
    assert error.value.entity == "Account" and error.value.entity_id == "A"
    assert error.value.field == "patterns[1]"
    assert "not visits = 2" in str(error.value)


def test_pattern_day_outside_the_horizon() -> None:
    with pytest.raises(InvalidProblemError) as error:
        build(accounts=(account("A", 1, visits=2, patterns=((0, 2), (1, 5))),))
    assert error.value.field == "accounts[0].patterns[1]"
    assert "outside the horizon of 5 days" in str(error.value)


def test_min_gap_above_max_gap() -> None:
    with pytest.raises(InvalidProblemError) as error:
        account("A", 1, visits=2, min_gap_days=7, max_gap_days=3)
    assert error.value.field == "min_gap_days"
    assert str(error.value) == "Account 'A': min_gap_days 7 is greater than max_gap_days 3."


def test_unparsable_opening_hours() -> None:
    with pytest.raises(InvalidProblemError) as error:
        account("A", 1, opening_hours="Mo-Fr 8 to 5")
    assert error.value.field == "opening_hours"
    assert error.value.entity_id == "A"
    assert "not valid OSM syntax" in str(error.value)


def test_appointment_outside_the_shift() -> None:
    day = week(5)[2]
    with pytest.raises(InvalidProblemError) as error:
        build(appointments=(Appointment("R1", "A", day, 17 * 3600 + 1800, 3600),))
    assert error.value.entity == "Appointment"
    assert error.value.field == "appointments[0].start"
    assert "outside rep 'R1''s shift 08:00-18:00" in str(error.value)


def test_appointment_for_an_unknown_account() -> None:
    with pytest.raises(InvalidProblemError) as error:
        build(appointments=(Appointment("R1", "NOPE", week(5)[0], 9 * 3600),))
    assert error.value.field == "appointments[0].account_id"
    assert "account 'NOPE' is unknown" in str(error.value)


def test_appointment_on_a_day_off_or_outside_the_horizon() -> None:
    days = week(5)
    with pytest.raises(InvalidProblemError, match="is off on"):
        build(
            reps=(rep("R1", days_off={days[1]}),),
            appointments=(Appointment("R1", "A", days[1], 9 * 3600),),
        )
    with pytest.raises(InvalidProblemError, match="not a working day"):
        build(appointments=(Appointment("R1", "A", days[0] - dt.timedelta(days=3), 9 * 3600),))


def test_more_appointments_than_visits_and_two_reps_for_same_rep() -> None:
    days = week(5)
    with pytest.raises(InvalidProblemError, match="more appointments than its 1 visits"):
        build(
            accounts=(account("A", 1),),
            appointments=(
                Appointment("R1", "A", days[0], 9 * 3600),
                Appointment("R1", "A", days[1], 9 * 3600),
            ),
        )
    with pytest.raises(InvalidProblemError, match="same_rep"):
        build(
            reps=(rep("R1"), rep("R2")),
            appointments=(
                Appointment("R1", "A", days[0], 9 * 3600),
                Appointment("R2", "A", days[1], 9 * 3600),
            ),
        )


def test_unknown_balance_and_bad_visits() -> None:
    with pytest.raises(InvalidProblemError) as error:
        ScheduleOptions(balance="fair")
    assert error.value.field == "balance"
    with pytest.raises(InvalidProblemError, match="visits must be a whole number >= 1"):
        account("A", 1, visits=0)


def test_location_outside_the_matrix() -> None:
    with pytest.raises(InvalidProblemError, match="outside the 3 x 3 matrix"):
        build(accounts=(account("A", 7),))


def test_working_days_leave_out_weekends_and_public_holidays() -> None:
    days = working_days(dt.date(2026, 12, 7), dt.date(2026, 12, 14), country="MT")
    # 8 December is the Feast of the Immaculate Conception in Malta.
    assert dt.date(2026, 12, 8) not in days
    assert days == (
        dt.date(2026, 12, 7),
        dt.date(2026, 12, 9),
        dt.date(2026, 12, 10),
        dt.date(2026, 12, 11),
        dt.date(2026, 12, 14),
    )
    assert len(working_days(dt.date(2026, 12, 7), dt.date(2026, 12, 14))) == 6
    with pytest.raises(InvalidProblemError) as error:
        working_days(dt.date(2026, 12, 7), dt.date(2026, 12, 14), country="XX")
    assert error.value.field == "country"


def test_opening_hours_give_each_dates_windows() -> None:
    sa = ScheduleAccount(
        Account("S", Location(index=1), 1800, windows=(TimeWindow(8 * 3600, 11 * 3600),)),
        opening_hours="Mo-Fr 08:00-12:30,15:00-19:00; Sa 09:00-13:00",
    )
    monday, sunday = dt.date(2026, 12, 7), dt.date(2026, 12, 13)
    # Intersected with the account's own window 08:00-11:00; the afternoon is cut away.
    assert sa.windows_on(monday) == (TimeWindow(8 * 3600, 11 * 3600),)
    assert sa.windows_on(sunday) is None
    day_account = sa.day_account(monday)
    assert day_account.visit_within_window


def test_weekday_shift_replaces_the_shift_that_day() -> None:
    from solver.schedule import ScheduleRep

    sr = ScheduleRep(rep("R1").rep, weekday_shifts={4: Shift(8 * 3600, 13 * 3600)})
    assert sr.on(dt.date(2026, 12, 11)).shift.end_s == 13 * 3600
    assert sr.on(dt.date(2026, 12, 10)).shift.end_s == 18 * 3600
    with pytest.raises(InvalidProblemError) as error:
        ScheduleRep(rep("R1").rep, weekday_shifts={9: Shift(0, 3600)})
    assert error.value.field == "weekday_shifts"
