"""Small hand-made schedule problems on an explicit matrix (points on a plane)."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np

from solver.model import Account, Location, Rep, Shift, TravelMatrix
from solver.schedule import ScheduleAccount, ScheduleRep, check_schedule

#: Monday 7 December 2026 and the following days.
MONDAY = dt.date(2026, 12, 7)


def week(n: int = 5, start: dt.date = MONDAY) -> tuple[dt.date, ...]:
    """``n`` consecutive working days from ``start`` (weekends skipped)."""
    days, day = [], start
    while len(days) < n:
        if day.weekday() < 5:
            days.append(day)
        day += dt.timedelta(days=1)
    return tuple(days)


def plane(points: list[tuple[float, float]]) -> TravelMatrix:
    """Matrix of Euclidean distances: 1 unit = 1 km and 60 s of driving."""
    n = len(points)
    km = np.array(
        [[math.dist(points[i], points[j]) for j in range(n)] for i in range(n)], dtype=float
    )
    return TravelMatrix(np.rint(km * 60).astype(int), np.rint(km * 1000).astype(int))


def rep(rid: str, index: int = 0, **kw) -> ScheduleRep:
    """A rep starting and ending at matrix row ``index``, 08:00-18:00, 1 per km."""
    days_off = kw.pop("days_off", ())
    base = Rep(rid, Location(index=index), Shift(8 * 3600, 18 * 3600), cost_per_km=1.0, **kw)
    return ScheduleRep(base, days_off=frozenset(days_off))


def account(
    aid: str, index: int, *, duration_s: int = 1800, required=True, **kw
) -> ScheduleAccount:
    """A required account at matrix row ``index`` with a 30-minute visit."""
    base_kw = {k: kw.pop(k) for k in ("rep_ids", "windows", "value", "demand") if k in kw}
    base = Account(aid, Location(index=index), duration_s, required=required, **base_kw)
    return ScheduleAccount(base, **kw)


def assert_feasible(problem, schedule) -> None:
    """Every schedule of the tests passes the independent checker."""
    violations = check_schedule(problem, schedule)
    assert violations == [], violations


def visit_days(schedule, account_id: str) -> list[dt.date]:
    return sorted(v.date for v in schedule.visits if v.account_id == account_id)
