"""Small hand-made problems whose optimum is known, on explicit matrices."""

from __future__ import annotations

import datetime as dt

import numpy as np

from solver.model import Account, Location, Plan, Problem, Rep, Shift, TravelMatrix
from solver.routing import check_plan

H = 3600
DAY = dt.date(2026, 11, 27)


def line_matrix(xs_km: list[float], speed_kmh: float = 36.0) -> TravelMatrix:
    """Points on a straight road at ``xs_km``; 36 km/h = 100 s per km."""
    xs = np.asarray(xs_km, dtype=float)
    km = np.abs(xs[:, None] - xs[None, :])
    return TravelMatrix(np.rint(km * 3600 / speed_kmh).astype(int), np.rint(km * 1000).astype(int))


def rep(rep_id: str = "r1", start: int = 0, **kw) -> Rep:
    kw.setdefault("shift", Shift(8 * H, 17 * H))
    kw.setdefault("cost_per_km", 0.5)
    kw.setdefault("cost_per_hour", 30.0)
    return Rep(rep_id, Location(index=start), **kw)


def account(account_id: str, index: int, **kw) -> Account:
    kw.setdefault("visit_duration_s", 30 * 60)
    return Account(account_id, Location(index=index), **kw)


def problem(reps, accounts, matrix, **kw) -> Problem:
    return Problem(DAY, tuple(reps), tuple(accounts), matrix=matrix, **kw)


def assert_feasible(problem: Problem, plan: Plan) -> None:
    """Every solver output goes through the independent checker."""
    violations = check_plan(problem, plan)
    assert violations == [], violations
