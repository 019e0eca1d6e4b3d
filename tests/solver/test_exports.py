"""Exports of a hand-made (not solver-made) plan: ICS, GPX and navigation links."""

import datetime as dt
from urllib.parse import parse_qs, urlparse

import gpxpy
import icalendar
import pytest

from solver.exports import (
    MAX_WAYPOINTS_PER_LINK,
    geo_uri,
    navigation_links,
    plan_to_gpx,
    plan_to_ics,
)
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
DATE = dt.date(2026, 12, 1)
HOME = Location(lat=35.8989, lon=14.5146)


def _plan(n_visits: int, *, geometry=None):
    accounts = tuple(
        Account(
            f"A{i}",
            Location(lat=35.90 + i / 1000, lon=14.50 + i / 1000),
            visit_duration_s=1800,
            name=f"Pharmacy {i}" if i % 2 else None,
            address="Triq il-Kbira, Mosta" if i == 1 else None,
        )
        for i in range(1, n_visits + 1)
    )
    rep = Rep("r1", HOME, Shift(8 * H, 18 * H))
    problem = Problem(DATE, (rep,), accounts, network="malta")
    stops = [Stop(StopType.START, 8 * H, 8 * H, 8 * H)]
    t = 8 * H
    for account in accounts:
        t += 600
        stops.append(
            Stop(
                StopType.VISIT, t, t, t + 1800, travel_s=600, distance_m=4000, account_id=account.id
            )
        )
        t += 1800
    stops.append(Stop(StopType.END, t + 600, t + 600, t + 600, travel_s=600, distance_m=4000))
    totals = RouteTotals(
        drive_s=600 * (n_visits + 1),
        distance_m=4000 * (n_visits + 1),
        visit_s=1800 * n_visits,
        wait_s=0,
        break_s=0,
        cost=0.0,
        visits=n_visits,
    )
    plan = Plan(
        DATE,
        (Route("r1", tuple(stops), totals, geometry),),
        (),
        SolverInfo(SolveStatus.OPTIMAL, 0, 1.0, 0.1),
    )
    return plan, problem


def test_ics_has_one_event_per_visit_with_the_planned_times():
    plan, problem = _plan(3)
    calendar = icalendar.Calendar.from_ical(plan_to_ics(plan, problem))
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 3
    visits = [s for s in plan.routes[0].stops if s.type == StopType.VISIT]
    for event, stop in zip(events, visits, strict=True):
        start = event.decoded("dtstart")
        end = event.decoded("dtend")
        assert start == dt.datetime.combine(DATE, dt.time()) + dt.timedelta(seconds=stop.start_s)
        assert end - start == dt.timedelta(seconds=1800)
        assert start.tzinfo is None  # floating local time by default
    assert events[0]["summary"] == "1. Pharmacy 1"
    assert events[0]["location"] == "Triq il-Kbira, Mosta"
    assert events[1]["summary"] == "2. A2"
    assert events[1]["location"] == "35.902000,14.502000"
    lat, lon = events[1].decoded("geo")
    assert (round(lat, 3), round(lon, 3)) == (35.902, 14.502)


def test_ics_with_time_zone_writes_zoned_times():
    plan, problem = _plan(1)
    calendar = icalendar.Calendar.from_ical(plan_to_ics(plan, problem, tzname="Europe/Malta"))
    (event,) = calendar.walk("VEVENT")
    start = event.decoded("dtstart")
    assert start.utcoffset() == dt.timedelta(hours=1)  # CET in December
    assert (start.hour, start.minute) == (8, 10)


def test_gpx_parses_with_waypoints_route_and_track():
    geometry = {"type": "LineString", "coordinates": [[14.5146, 35.8989], [14.501, 35.901]]}
    plan, problem = _plan(2, geometry=geometry)
    gpx = gpxpy.parse(plan_to_gpx(plan, problem))
    assert [w.name for w in gpx.waypoints] == ["1. Pharmacy 1", "2. A2"]
    assert [p.name for p in gpx.routes[0].points] == ["start", "1. Pharmacy 1", "2. A2", "end"]
    track_points = gpx.tracks[0].segments[0].points
    assert (track_points[1].latitude, track_points[1].longitude) == (35.901, 14.501)


def test_navigation_links_split_long_routes_and_chain_them():
    plan, problem = _plan(15)
    (urls,) = navigation_links(plan, problem).values()
    # start + 15 visits + end (same place as start) = 17 points -> 16 legs -> 2 links
    assert len(urls) == 2
    first, second = (parse_qs(urlparse(u).query) for u in urls)
    assert first["origin"] == ["35.898900,14.514600"]
    assert len(first["waypoints"][0].split("|")) == MAX_WAYPOINTS_PER_LINK
    assert second["origin"] == first["destination"]
    assert second["destination"] == ["35.898900,14.514600"]
    assert first["travelmode"] == ["driving"]


def test_geo_uri_refuses_index_locations():
    assert geo_uri(HOME) == "geo:35.898900,14.514600"
    with pytest.raises(ValueError, match="lat/lon"):
        geo_uri(Location(index=3))
