"""Deterministic territories: the same seed gives the same plan under any CPU load."""

import dataclasses

import pytest

from solver.errors import InvalidProblemError
from solver.territory import (
    TerritoryOptions,
    balance_territories,
    check_territory_plan,
    plan_day_router,
)
from tests.cpu_load import cpu_load

from .helpers import home_durations, random_problem


def solve_checked(reps, accounts, matrix, options, day_router):
    plan = balance_territories(
        reps, accounts, matrix=matrix, options=options, day_router=day_router
    )
    problems = check_territory_plan(
        reps, accounts, plan, options, home_durations_s=home_durations(reps, accounts, matrix)
    )
    assert problems == []
    return plan


def test_deterministic_territories_are_identical_under_different_cpu_loads():
    reps, accounts, matrix = random_problem(n_reps=4, n_accounts=60, seed=21, current=True)
    # max_gap=0 keeps the MIP searching until its node budget (or optimality)
    options = TerritoryOptions(
        seed=4, max_gap=0.0, max_moves=30, time_limit_s=300, deterministic=True
    )
    router = plan_day_router(time_limit_s=60.0, seed=4, deterministic=True)
    quiet = solve_checked(reps, accounts, matrix, options, router)
    with cpu_load():
        busy = solve_checked(reps, accounts, matrix, options, router)
    assert quiet.solver.deterministic and busy.solver.deterministic
    assert quiet.assignment == busy.assignment
    assert quiet.moves == busy.moves
    assert quiet.territories == busy.territories
    assert dataclasses.replace(quiet.summary) == busy.summary
    assert not any("safety cap" in line for line in quiet.summary.explanation)


def test_deterministic_must_be_a_boolean():
    with pytest.raises(InvalidProblemError, match="deterministic"):
        TerritoryOptions(deterministic="yes")
