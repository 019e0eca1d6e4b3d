"""Visit schedules on a road network are timed leg by leg with the speed profile."""

from __future__ import annotations

from dataclasses import replace

from solver.model import Account, Location, Rep, Shift
from solver.schedule import ScheduleAccount, ScheduleProblem, ScheduleRep, check_schedule
from solver.schedule.model import ScheduleOptions
from solver.schedule.plan import plan_schedule
from tests.solver.schedule.helpers import week

H = 3600
OFFICE = Location(lat=43.7275, lon=7.4150)
PLACES = [
    Location(lat=43.7500, lon=7.4380),
    Location(lat=43.7396, lon=7.4278),
    Location(lat=43.7452, lon=7.4340),
    Location(lat=43.7350, lon=7.4231),
]


def _problem(traffic: bool) -> ScheduleProblem:
    rep = ScheduleRep(Rep("r1", OFFICE, Shift(7 * H + 1800, 12 * H), cost_per_hour=30.0))
    accounts = tuple(
        ScheduleAccount(Account(f"a{k}", loc, 1800, required=True), visits=2)
        for k, loc in enumerate(PLACES)
    )
    return ScheduleProblem(
        days=week(3),
        reps=(rep,),
        accounts=accounts,
        network="monaco",
        options=ScheduleOptions(traffic=traffic),
    )


def test_schedule_days_are_timed_with_the_profile_and_check_clean(monaco_network) -> None:
    timed = _problem(traffic=True)
    schedule = plan_schedule(timed, network=monaco_network, time_limit_s=3.0, seed=1)
    assert check_schedule(timed, schedule, network=monaco_network) == []
    free = replace(timed, options=ScheduleOptions(traffic=False))
    free_schedule = plan_schedule(free, network=monaco_network, time_limit_s=3.0, seed=1)
    assert check_schedule(free, free_schedule, network=monaco_network) == []
    drive = sum(r.totals.drive_s for d in schedule.days for r in d.routes)
    free_drive = sum(r.totals.drive_s for d in free_schedule.days for r in d.routes)
    assert drive > free_drive  # the mornings are at peak in Monaco (built up)
    # the free-flow schedule replayed through the time-dependent checker is not clean
    codes = {v.code for v in check_schedule(timed, free_schedule, network=monaco_network)}
    assert "LEG_MISMATCH" in codes
