"""A day plan (or a schedule's days) as iCalendar events and as GPX 1.1."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import gpxpy.gpx
import icalendar

from solver.exports.stops import local_time, numbered_visits, stop_location, time_zone, visit_label
from solver.model import Plan, Problem, StopType, format_time_s

_PRODID = "-//fieldroute//day plan//EN"


def plan_to_ics(plan: Plan, problem: Problem, *, tzname: str | None = None) -> bytes:
    """Return the plan as an iCalendar file with one event per visit.

    Parameters
    ----------
    plan
        The day plan.
    problem
        The problem the plan solves (account names, addresses and coordinates).
    tzname
        IANA time zone of the plan's times (e.g. ``"Europe/Malta"``): events then carry
        that ``TZID`` and the calendar its ``VTIMEZONE``; ``None`` writes floating
        local times.

    Returns
    -------
    bytes
        The ``.ics`` file content. Each event runs from the visit's service start to
        its departure, carries ``LOCATION`` (address or coordinates), ``GEO`` when the
        account has coordinates, and the rep id in the description (and, in a team's
        calendar, at the start of the summary).

    Raises
    ------
    InvalidProblemError
        When ``tzname`` is not an IANA time zone.
    """
    return plans_to_ics(
        [(plan, problem)], tzname=tzname, title=f"fieldroute day plan {plan.date.isoformat()}"
    )


def plans_to_ics(
    days: Sequence[tuple[Plan, Problem]], *, tzname: str | None = None, title: str
) -> bytes:
    """Return many day plans (a visit schedule's days) as one iCalendar file.

    Parameters
    ----------
    days
        ``(plan, problem)`` of each day, as for :func:`plan_to_ics`.
    tzname
        IANA time zone of the plans' times; ``None`` writes floating local times.
    title
        The calendar's name (``X-WR-CALNAME``).

    Returns
    -------
    bytes
        The ``.ics`` file content: one event per visit of every day.
    """
    tz = time_zone(tzname)
    calendar = icalendar.Calendar()
    calendar.add("prodid", _PRODID)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", title)
    if tzname:
        calendar.add("x-wr-timezone", tzname)
    stamp = dt.datetime.now(dt.UTC).replace(microsecond=0)
    for plan, problem in days:
        for route, number, stop in numbered_visits(plan):
            account = problem.account(stop.account_id or "")
            location = stop_location(problem, route, stop)
            event = icalendar.Event()
            event.add("uid", f"{plan.date.isoformat()}-{route.rep_id}-{account.id}@fieldroute")
            event.add("dtstamp", stamp)
            event.add("dtstart", local_time(plan.date, stop.start_s, tz))
            event.add("dtend", local_time(plan.date, stop.departure_s, tz))
            event.add("summary", visit_label(plan, route, number, account.name or account.id))
            where = account.address
            if location is not None and location.is_geo:
                event.add("geo", (location.lat, location.lon))
                where = where or f"{location.lat:.6f},{location.lon:.6f}"
            if where:
                event.add("location", where)
            event.add(
                "description",
                f"Rep {route.rep_id}, visit {number}: arrive {format_time_s(stop.arrival_s)}, "
                f"start {format_time_s(stop.start_s)}, leave {format_time_s(stop.departure_s)}; "
                f"drive before {round(stop.travel_s / 60)} min, {stop.distance_m / 1000:.1f} km.",
            )
            calendar.add_component(event)
    if tz is not None and days:
        # the VTIMEZONE of the TZID (RFC 5545 3.6.5), its rules from the year before
        # the first plan to the year after the last (an event moved by months stays right)
        dates = [plan.date for plan, _ in days]
        calendar.add_missing_timezones(
            first_date=dt.date(min(dates).year - 1, 1, 1),
            last_date=dt.date(max(dates).year + 1, 12, 31),
        )
    return calendar.to_ical()


def plan_to_gpx(plan: Plan, problem: Problem, *, tzname: str | None = None) -> str:
    """Return the plan as GPX 1.1 XML.

    Parameters
    ----------
    plan
        The day plan.
    problem
        The problem it solves (coordinates of stops).
    tzname
        IANA time zone of the plan's times (e.g. ``"Europe/Malta"``): each point's
        ``<time>`` is then the instant it is reached, in UTC (``...Z``) as GPX 1.1
        requires; ``None`` writes no times (the instants are unknown).

    Returns
    -------
    str
        GPX with one waypoint per geographic visit (named ``"<n>. <account>"``, with the
        rep id first in a team's plan), one ``<rte>`` per rep through its stops in order
        and, when the route has road geometry, one ``<trk>`` following the roads.
        Index-only locations (explicit matrices) have no coordinates and are left out.

    Raises
    ------
    InvalidProblemError
        When ``tzname`` is not an IANA time zone.
    """
    tz = time_zone(tzname)
    gpx = gpxpy.gpx.GPX()
    gpx.creator = "fieldroute"
    for route in plan.routes:
        gpx_route = gpxpy.gpx.GPXRoute(name=f"{route.rep_id} {plan.date.isoformat()}")
        number = 0
        for stop in route.stops:
            location = stop_location(problem, route, stop)
            if location is None or not location.is_geo:
                continue
            when = local_time(plan.date, stop.start_s, tz).astimezone(dt.UTC) if tz else None
            if stop.type == StopType.VISIT:
                number += 1
                account = problem.account(stop.account_id or "")
                name = visit_label(plan, route, number, account.name or account.id)
                gpx.waypoints.append(
                    gpxpy.gpx.GPXWaypoint(location.lat, location.lon, time=when, name=name)
                )
            else:
                name = stop.type.value
            gpx_route.points.append(
                gpxpy.gpx.GPXRoutePoint(location.lat, location.lon, time=when, name=name)
            )
        if gpx_route.points:
            gpx.routes.append(gpx_route)
        if route.geometry and route.geometry.get("coordinates"):
            track = gpxpy.gpx.GPXTrack(name=f"{route.rep_id} roads")
            segment = gpxpy.gpx.GPXTrackSegment()
            for lon, lat in route.geometry["coordinates"]:
                segment.points.append(gpxpy.gpx.GPXTrackPoint(lat, lon))
            track.segments.append(segment)
            gpx.tracks.append(track)
    return gpx.to_xml(version="1.1")
