import pytest

from solver.errors import InvalidProblemError
from solver.model import Location
from solver.territory import CoverageOptions, TerritoryAccount, TerritoryOptions, TerritoryRep


def test_rep_with_zero_capacity_is_rejected_naming_rep_and_field():
    with pytest.raises(InvalidProblemError, match="TerritoryRep 'r1': capacity_h_per_week") as e:
        TerritoryRep("r1", Location(index=0), capacity_h_per_week=0)
    assert e.value.field == "capacity_h_per_week"


def test_account_with_negative_frequency_is_rejected_naming_account_and_field():
    with pytest.raises(InvalidProblemError, match="TerritoryAccount 'A7': visits_per_4_weeks"):
        TerritoryAccount("A7", Location(index=1), visits_per_4_weeks=-1)


def test_account_visit_duration_must_be_whole_seconds():
    with pytest.raises(InvalidProblemError, match="TerritoryAccount 'A7': visit_duration_s"):
        TerritoryAccount("A7", Location(index=1), visit_duration_s=12.5)


def test_options_reject_unknown_metric_and_full_tolerance():
    with pytest.raises(InvalidProblemError, match="TerritoryOptions: balance must be one of"):
        TerritoryOptions(balance="happiness")
    with pytest.raises(InvalidProblemError, match="TerritoryOptions: tolerance"):
        TerritoryOptions(tolerance=1.0)
    with pytest.raises(InvalidProblemError, match="TerritoryOptions: max_moves"):
        TerritoryOptions(max_moves=-1)


def test_coverage_options_reject_a_bad_number_naming_the_options_and_field():
    with pytest.raises(InvalidProblemError, match="^CoverageOptions: max_cost_share") as e:
        CoverageOptions(max_cost_share=-1)
    assert (e.value.entity, e.value.entity_id, e.value.field) == (
        "CoverageOptions",
        None,
        "max_cost_share",
    )
    with pytest.raises(InvalidProblemError, match="^CoverageOptions: weeks_per_year"):
        CoverageOptions(weeks_per_year=0)


def test_weekly_visits_follow_the_4_week_frequency():
    assert TerritoryAccount("a", Location(index=0), visits_per_4_weeks=1).visits_per_week == 0.25
    assert TerritoryAccount("a", Location(index=0), visits_per_4_weeks=8).visits_per_week == 2
