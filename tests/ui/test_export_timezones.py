"""Exports over HTTP and the CLI hold real instants: ``?tz=`` / ``--tz``, else the network's zone.

The day plan is on Monaco on 2026-12-01 (CET, UTC+1): a visit starting at 09:00 local
time is at 08:00 UTC.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import gpxpy
import httpx
import icalendar
import pytest

from service.cli import main
from service.common.schemas import parse_time_s
from tests.ui.conftest import LiveService

pytestmark = pytest.mark.slow

DATE = dt.date(2026, 12, 1)


def local(clock: str) -> dt.datetime:
    """Midnight of DATE plus the clock time, naive (the plan's local time)."""
    return dt.datetime.combine(DATE, dt.time()) + dt.timedelta(seconds=parse_time_s(clock))


def visits(job: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (route["rep_id"], stop)
        for route in job["result"]["routes"]
        for stop in route["stops"]
        if stop["type"] == "visit"
    ]


def gpx_of(service: LiveService, job: dict[str, Any], **params: str) -> gpxpy.gpx.GPX:
    response = httpx.get(f"{service.url}/v1/jobs/{job['id']}/route.gpx", params=params, timeout=30)
    assert response.status_code == 200, response.text
    return gpxpy.parse(response.text)


def test_gpx_times_are_utc_instants_in_the_networks_time_zone_by_default(
    live_service: LiveService, day_plan_job: dict[str, Any]
) -> None:
    gpx = gpx_of(live_service, day_plan_job)
    planned = visits(day_plan_job)
    assert len(gpx.waypoints) == len(planned)
    for waypoint, (_, stop) in zip(gpx.waypoints, planned, strict=True):
        assert waypoint.time.utcoffset() == dt.timedelta(0)
        # 09:00 in Monaco (CET) is 08:00 UTC, not 09:00 UTC
        assert waypoint.time.replace(tzinfo=None) == local(stop["start"]) - dt.timedelta(hours=1)


def test_gpx_tz_query_changes_the_instants(
    live_service: LiveService, day_plan_job: dict[str, Any]
) -> None:
    _, stop = visits(day_plan_job)[0]
    in_london = gpx_of(live_service, day_plan_job, tz="Europe/London").waypoints[0].time
    in_new_york = gpx_of(live_service, day_plan_job, tz="America/New_York").waypoints[0].time
    assert in_london.replace(tzinfo=None) == local(stop["start"])  # GMT in December
    assert in_new_york - in_london == dt.timedelta(hours=5)
    bad = httpx.get(
        f"{live_service.url}/v1/jobs/{day_plan_job['id']}/route.gpx",
        params={"tz": "Mars/Olympus"},
        timeout=30,
    )
    assert bad.status_code == 422
    assert bad.json()["field"] == "tz"


def test_calendar_defines_the_networks_time_zone_and_parses_back_to_the_instants(
    live_service: LiveService, day_plan_job: dict[str, Any]
) -> None:
    response = httpx.get(
        f"{live_service.url}/v1/jobs/{day_plan_job['id']}/calendar.ics", timeout=30
    )
    calendar = icalendar.Calendar.from_ical(response.content)
    assert calendar.get_missing_tzids() == set()
    (vtimezone,) = calendar.walk("VTIMEZONE")
    assert vtimezone["tzid"] == "Europe/Monaco"
    own_rules = vtimezone.to_tz()  # what a client reading only the file uses
    events = {str(e["uid"]): e for e in calendar.walk("VEVENT")}
    planned = visits(day_plan_job)
    assert len(events) == len(planned)
    for rep_id, stop in planned:
        event = events[f"{DATE.isoformat()}-{rep_id}-{stop['account_id']}@fieldroute"]
        start = event.decoded("dtstart")
        instant = local(stop["start"]).replace(tzinfo=dt.UTC) - dt.timedelta(hours=1)
        assert start.astimezone(dt.UTC) == instant
        assert start.replace(tzinfo=own_rules).astimezone(dt.UTC) == instant
        # a team calendar: each rep's visits are numbered from 1, so the rep is named
        assert str(event["summary"]).startswith(f"{rep_id} · ")


def test_cli_gpx_uses_the_networks_time_zone_and_tz_overrides_it(
    tmp_path: Path, day_plan_job: dict[str, Any], networks_dir: Path
) -> None:
    request = tmp_path / "request.json"
    request.write_text(json.dumps(day_plan_job["request"]))
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(day_plan_job["result"]))
    _, stop = visits(day_plan_job)[0]
    times = {}
    for tz in (None, "Europe/London"):
        out = tmp_path / f"{tz}.gpx".replace("/", "_")
        args = ["export", "gpx", str(request), "--plan", str(plan), "-o", str(out)]
        args += ["--networks-dir", str(networks_dir)]
        if tz:
            args += ["--tz", tz]
        assert main(args) == 0
        times[tz] = gpxpy.parse(out.read_text()).waypoints[0].time
    assert times[None].replace(tzinfo=None) == local(stop["start"]) - dt.timedelta(hours=1)
    assert times["Europe/London"].replace(tzinfo=None) == local(stop["start"])
