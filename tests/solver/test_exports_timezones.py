"""Exports hold real instants in the plan's time zone, and label a team's visits by rep.

GPX times are instants (UTC); calendar events carry a TZID whose VTIMEZONE is in the
file, so that a client reading only the file (Outlook) places them right.
"""

import datetime as dt
import re

import gpxpy
import icalendar
import pytest

from solver.errors import InvalidProblemError
from solver.exports import plan_to_gpx, plan_to_ics
from solver.model import (
    Account,
    Location,
    Plan,
    Problem,
    Rep,
    Route,
    RouteTotals,
    Shift,
    SolverInfo,
    SolveStatus,
    Stop,
    StopType,
)

H = 3600
WINTER = dt.date(2026, 12, 1)  # Malta on CET, UTC+1
SUMMER = dt.date(2026, 7, 1)  # Malta on CEST, UTC+2
HOME = Location(lat=35.8989, lon=14.5146)


def _team_plan(date: dt.date, reps: tuple[str, ...] = ("maria", "luca")) -> tuple[Plan, Problem]:
    """Each rep visits two accounts: 09:00-09:30 and 10:00-10:30 local time."""
    accounts, routes, rep_objects = [], [], []
    for r, rep_id in enumerate(reps):
        rep_objects.append(Rep(rep_id, HOME, Shift(8 * H, 18 * H)))
        stops = [Stop(StopType.START, 8 * H, 8 * H, 8 * H)]
        for k, start_s in enumerate((9 * H, 10 * H)):
            account = Account(
                f"{rep_id}-A{k}",
                Location(lat=35.90 + r / 100 + k / 1000, lon=14.50 + k / 1000),
                visit_duration_s=1800,
                name=f"Pharmacy {r}{k}",
            )
            accounts.append(account)
            stops.append(
                Stop(
                    StopType.VISIT,
                    start_s,
                    start_s,
                    start_s + 1800,
                    travel_s=600,
                    distance_m=4000,
                    account_id=account.id,
                )
            )
        stops.append(Stop(StopType.END, 11 * H, 11 * H, 11 * H, travel_s=600, distance_m=4000))
        totals = RouteTotals(
            drive_s=1800, distance_m=12000, visit_s=3600, wait_s=0, break_s=0, cost=0.0, visits=2
        )
        routes.append(Route(rep_id, tuple(stops), totals, None))
    problem = Problem(date, tuple(rep_objects), tuple(accounts), network="malta")
    plan = Plan(date, tuple(routes), (), SolverInfo(SolveStatus.OPTIMAL, 0, 1.0, 0.1))
    return plan, problem


def _utc(date: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(date, dt.time(hour, minute), tzinfo=dt.UTC)


@pytest.mark.parametrize(("date", "offset_h"), [(WINTER, 1), (SUMMER, 2)])
def test_gpx_times_are_the_utc_instants_of_local_times_in_the_time_zone(date, offset_h):
    plan, problem = _team_plan(date)
    xml = plan_to_gpx(plan, problem, tzname="Europe/Malta")
    gpx = gpxpy.parse(xml)
    first = gpx.waypoints[0]
    assert first.time == _utc(date, 9 - offset_h)  # 09:00 in Malta
    assert first.time.utcoffset() == dt.timedelta(0)
    assert f"<time>{date.isoformat()}T{9 - offset_h:02d}:00:00Z</time>" in xml
    starts = [p.time for p in gpx.routes[0].points]
    assert starts == [_utc(date, h - offset_h) for h in (8, 9, 10, 11)]


def test_gpx_without_a_time_zone_writes_no_times_rather_than_false_utc_ones():
    plan, problem = _team_plan(WINTER)
    xml = plan_to_gpx(plan, problem)
    assert "<time>" not in xml
    gpx = gpxpy.parse(xml)
    assert all(w.time is None for w in gpx.waypoints)
    assert len(gpx.waypoints) == 4


@pytest.mark.parametrize(("date", "offset_h"), [(WINTER, 1), (SUMMER, 2)])
def test_ics_in_a_time_zone_defines_its_vtimezone_and_parses_back_to_the_instants(date, offset_h):
    plan, problem = _team_plan(date)
    content = plan_to_ics(plan, problem, tzname="Europe/Malta")
    calendar = icalendar.Calendar.from_ical(content)
    assert calendar.get_missing_tzids() == set()  # every TZID has its VTIMEZONE
    (vtimezone,) = calendar.walk("VTIMEZONE")
    assert vtimezone["tzid"] == "Europe/Malta"
    assert str(calendar["x-wr-timezone"]) == "Europe/Malta"
    events = calendar.walk("VEVENT")
    assert len(events) == 4
    assert b"DTSTART;TZID=Europe/Malta:" + date.strftime("%Y%m%d").encode() + b"T090000" in content
    for event in events:
        start = event.decoded("dtstart")
        assert start.astimezone(dt.UTC) in {_utc(date, 9 - offset_h), _utc(date, 10 - offset_h)}
        assert event.decoded("dtend") - start == dt.timedelta(minutes=30)
    # a client that knows no IANA names (Outlook) reads the zone from the VTIMEZONE:
    # its rules alone must give the same instants
    own_rules = vtimezone.to_tz()
    for event in events:
        start = event.decoded("dtstart")
        assert start.replace(tzinfo=own_rules).astimezone(dt.UTC) == start.astimezone(dt.UTC)


def test_ics_without_a_time_zone_stays_floating_and_has_no_vtimezone():
    plan, problem = _team_plan(WINTER)
    calendar = icalendar.Calendar.from_ical(plan_to_ics(plan, problem))
    assert calendar.walk("VTIMEZONE") == []
    assert all(e.decoded("dtstart").tzinfo is None for e in calendar.walk("VEVENT"))


def test_unknown_time_zone_is_invalid_input_naming_tz():
    plan, problem = _team_plan(WINTER)
    for export in (plan_to_ics, plan_to_gpx):
        with pytest.raises(InvalidProblemError) as info:
            export(plan, problem, tzname="Mars/Olympus")
        assert info.value.field == "tz"


def test_team_calendar_and_gpx_name_the_rep_of_each_visit():
    plan, problem = _team_plan(WINTER)
    calendar = icalendar.Calendar.from_ical(plan_to_ics(plan, problem, tzname="Europe/Malta"))
    summaries = sorted(str(e["summary"]) for e in calendar.walk("VEVENT"))
    assert summaries == [
        "luca · 1. Pharmacy 10",
        "luca · 2. Pharmacy 11",
        "maria · 1. Pharmacy 00",
        "maria · 2. Pharmacy 01",
    ]
    gpx = gpxpy.parse(plan_to_gpx(plan, problem))
    assert [w.name for w in gpx.waypoints] == [
        "maria · 1. Pharmacy 00",
        "maria · 2. Pharmacy 01",
        "luca · 1. Pharmacy 10",
        "luca · 2. Pharmacy 11",
    ]


def test_one_reps_calendar_keeps_short_summaries():
    plan, problem = _team_plan(WINTER, reps=("maria",))
    calendar = icalendar.Calendar.from_ical(plan_to_ics(plan, problem))
    summaries = [str(e["summary"]) for e in calendar.walk("VEVENT")]
    assert summaries == ["1. Pharmacy 00", "2. Pharmacy 01"]
    assert not any(re.match(r"maria", s) for s in summaries)
