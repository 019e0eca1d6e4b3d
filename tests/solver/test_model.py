import datetime as dt

import numpy as np
import pytest

from solver.errors import InvalidProblemError
from solver.model import (
    Account,
    Break,
    Location,
    Problem,
    Rep,
    Shift,
    TimeWindow,
    TravelMatrix,
    format_time_s,
)

H = 3600


def rep(rep_id="r1", **kw):
    return Rep(rep_id, Location(index=0), Shift(8 * H, 17 * H), **kw)


@pytest.mark.parametrize(
    ("make", "entity", "field"),
    [
        (lambda: TimeWindow(-1, 9 * H), "TimeWindow", "start_s"),
        (lambda: Break(12 * H, 13 * H, -60), "Break", "duration_s"),
        (lambda: Shift(8 * H, 1000 * H), "Shift", "end_s"),
    ],
)
def test_a_time_out_of_range_names_the_part_and_the_field(make, entity, field):
    with pytest.raises(InvalidProblemError) as caught:
        make()
    assert (caught.value.entity, caught.value.entity_id, caught.value.field) == (
        entity,
        None,
        field,
    )
    assert str(caught.value).startswith(f"{entity}: {field} ")


def test_window_end_before_start_names_both_times():
    with pytest.raises(InvalidProblemError, match="end 09:00:00 is before start 10:00:00"):
        TimeWindow(10 * H, 9 * H)


def test_account_overlapping_windows_are_rejected_with_account_id():
    with pytest.raises(InvalidProblemError, match="Account 'A17'.*overlap"):
        Account(
            "A17",
            Location(index=1),
            windows=(TimeWindow(9 * H, 12 * H), TimeWindow(11 * H, 13 * H)),
        )


def test_account_windows_are_sorted_and_start_windows_shrink_when_visit_must_fit():
    account = Account(
        "A1",
        Location(index=1),
        visit_duration_s=1800,
        windows=(TimeWindow(14 * H, 18 * H), TimeWindow(9 * H, 12 * H)),
        visit_within_window=True,
    )
    assert [w.start_s for w in account.windows] == [9 * H, 14 * H]
    assert account.start_windows()[0] == TimeWindow(9 * H, 12 * H - 1800)


@pytest.mark.parametrize("priority", [0, 101, True, 5.5])
def test_priority_outside_1_to_100_is_rejected(priority):
    with pytest.raises(InvalidProblemError, match="priority"):
        Account("A1", Location(index=1), priority=priority)


def test_location_rejects_bad_latitude_and_mixed_forms():
    with pytest.raises(InvalidProblemError, match="lat 91"):
        Location(lat=91, lon=0)
    with pytest.raises(InvalidProblemError, match="not both"):
        Location(lat=1, lon=1, index=0)


def test_break_outside_shift_is_rejected():
    with pytest.raises(InvalidProblemError, match="Rep 'r1': break window"):
        rep(lunch=Break(18 * H, 19 * H, 1800))


def test_problem_rejects_duplicate_ids_and_out_of_range_index():
    matrix = TravelMatrix(np.zeros((2, 2)), np.zeros((2, 2)))
    with pytest.raises(InvalidProblemError) as err:
        Problem(dt.date(2026, 12, 1), (rep(), rep()), (), matrix=matrix)
    assert err.value.field == "reps[1].id"
    with pytest.raises(InvalidProblemError, match="index 5 is outside the 2 x 2 matrix") as err:
        Problem(dt.date(2026, 12, 1), (rep(),), (Account("A", Location(index=5)),), matrix=matrix)
    assert err.value.field == "accounts[0].location"


def test_problem_with_network_needs_geographic_locations():
    with pytest.raises(InvalidProblemError, match="needs an explicit matrix"):
        Problem(dt.date(2026, 12, 1), (rep(),), (), network="monaco")


def test_matrix_rejects_fractional_and_negative_entries():
    with pytest.raises(InvalidProblemError, match="whole numbers"):
        TravelMatrix([[0, 1.5], [1, 0]], [[0, 1], [1, 0]])
    with pytest.raises(InvalidProblemError, match="negative"):
        TravelMatrix([[0, -3], [1, 0]], [[0, 1], [1, 0]])
    m = TravelMatrix([[0, -1], [1, 0]], [[0, -1], [1, 0]])
    assert m.reachable.tolist() == [[True, False], [True, True]]


def test_format_time():
    # One format everywhere (responses, exports, messages): seconds always shown.
    assert format_time_s(9 * H + 5 * 60) == "09:05:00"
    assert format_time_s(9 * H + 5 * 60 + 30) == "09:05:30"
    assert format_time_s(25 * H) == "25:00:00"
