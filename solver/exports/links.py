"""Navigation deep links (Google Maps directions URLs), ``geo:`` URIs, one rep's plan."""

from __future__ import annotations

import dataclasses
from typing import Any
from urllib.parse import urlencode

from solver.errors import InvalidProblemError
from solver.exports.stops import stop_location
from solver.model import Location, Plan, Problem, StopType, format_time_s

#: Intermediate waypoints one Google Maps directions URL accepts.
MAX_WAYPOINTS_PER_LINK = 9


def navigation_links(plan: Plan, problem: Problem) -> dict[str, list[str]]:
    """Return, per rep, navigation URLs that open the route in a maps app.

    Parameters
    ----------
    plan
        The day plan.
    problem
        The problem it solves (coordinates of stops).

    Returns
    -------
    dict[str, list[str]]
        ``rep_id -> URLs``. Each URL is a Google Maps directions link
        (``https://www.google.com/maps/dir/?api=1&origin=..&destination=..&waypoints=..``,
        driving). A route with more than :data:`MAX_WAYPOINTS_PER_LINK` intermediate
        stops is split into consecutive links, each starting where the previous ended.
        Reps without geographic stops get an empty list.
    """
    links: dict[str, list[str]] = {}
    for route in plan.routes:
        points = []
        for stop in route.stops:
            location = stop_location(problem, route, stop)
            if location is not None and location.is_geo and stop.type != StopType.BREAK:
                point = f"{location.lat:.6f},{location.lon:.6f}"
                if not points or points[-1] != point:
                    points.append(point)
        urls = []
        step = MAX_WAYPOINTS_PER_LINK + 1
        for first in range(0, max(len(points) - 1, 0), step):
            chunk = points[first : first + step + 1]
            query = {"api": "1", "origin": chunk[0], "destination": chunk[-1]}
            if len(chunk) > 2:
                query["waypoints"] = "|".join(chunk[1:-1])
            query["travelmode"] = "driving"
            urls.append("https://www.google.com/maps/dir/?" + urlencode(query))
        links[route.rep_id] = urls
    return links


def geo_uri(location: Location) -> str:
    """Return the RFC 5870 ``geo:`` URI of a geographic location (opens any maps app)."""
    if not location.is_geo:
        raise ValueError("geo_uri needs a lat/lon location, not a matrix index.")
    return f"geo:{location.lat:.6f},{location.lon:.6f}"


def plan_for_rep(plan: Plan, rep_id: str) -> Plan:
    """Return the plan with only ``rep_id``'s route (for that rep's own calendar).

    Parameters
    ----------
    plan
        The day plan.
    rep_id
        The rep whose route to keep.

    Returns
    -------
    Plan
        The same plan with one route and no unassigned accounts.

    Raises
    ------
    InvalidProblemError
        When the plan has no route for that rep.
    """
    routes = tuple(route for route in plan.routes if route.rep_id == rep_id)
    if not routes:
        raise InvalidProblemError(
            entity="Plan", reason=f"rep '{rep_id}' has no route in it.", field="rep_id"
        )
    return dataclasses.replace(plan, routes=routes, unassigned=())


def route_links(plan: Plan, problem: Problem) -> dict[str, Any]:
    """Return every rep's navigation links and a ``geo:`` URI per visit.

    Parameters
    ----------
    plan
        The day plan.
    problem
        The problem it solves (coordinates of stops).

    Returns
    -------
    dict
        ``{"date": "YYYY-MM-DD", "routes": [{"rep_id", "navigation": [URL, ...],
        "visits": [{"number", "account_id", "name", "start", "geo"}, ...]}, ...]}`` where
        ``navigation`` is :func:`navigation_links` of the rep, ``start`` the clock time
        the visit begins and ``geo`` its :func:`geo_uri` (``None`` for an index-only
        location).
    """
    links = navigation_links(plan, problem)
    routes = []
    for route in plan.routes:
        visits = []
        number = 0
        for stop in route.stops:
            if stop.type != StopType.VISIT or stop.account_id is None:
                continue
            number += 1
            account = problem.account(stop.account_id)
            location = stop_location(problem, route, stop)
            visits.append(
                {
                    "number": number,
                    "account_id": account.id,
                    "name": account.name or account.id,
                    "start": format_time_s(stop.start_s),
                    "geo": geo_uri(location) if location and location.is_geo else None,
                }
            )
        routes.append({"rep_id": route.rep_id, "navigation": links[route.rep_id], "visits": visits})
    return {"date": plan.date.isoformat(), "routes": routes}
