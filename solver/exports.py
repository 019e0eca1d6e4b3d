"""Rep-facing exports of a day plan: calendar (ICS), GPX and navigation links.

A rep wants the day in the phone's calendar and the route in the navigation app. These
functions turn a :class:`~solver.model.Plan` (with the :class:`~solver.model.Problem`
it solves, for names, addresses and coordinates) into standard formats:

* :func:`plan_to_ics` - RFC 5545 calendar, one event per visit (``icalendar``);
* :func:`plan_to_gpx` - GPX 1.1 with a waypoint per stop, a route per rep and, where
  the plan has road geometry, a track along the roads (``gpxpy``);
* :func:`navigation_links` - Google Maps "directions" URLs (the documented
  ``maps/dir/?api=1`` form) with the stops as waypoints, split into legs of at most
  :data:`MAX_WAYPOINTS_PER_LINK` intermediate stops as the URL scheme allows;
* :func:`route_links` - those URLs plus an RFC 5870 ``geo:`` URI per visit, per rep
  (what ``GET /v1/jobs/{id}/links`` and ``fieldroute export links`` return);
* :func:`plan_for_rep` - the plan cut down to one rep's route (a rep's own calendar);
* :func:`plan_geojson` / :func:`territory_geojson` - GeoJSON FeatureCollections of a
  day plan (route lines, timed stop points) and of territories (polygons with their
  weekly figures), for map tools and ``?format=geojson``;
* :func:`territory_csv`, :func:`plan_stops_csv` and :func:`kpi_csv` - CSV keyed by the
  CRM's own ids, for an owner update (Salesforce Data Loader, HubSpot import) or a BI
  tool (Tableau, Power BI); every text cell is guarded against formula injection.

Times in the plan are seconds since midnight of the plan date, in the reps' local
time. Given the IANA time zone of that local time (``tzname``; the service and the CLI
pass the road network's, see :func:`solver.roads.network_local_timezone`), the exports
hold real instants: calendar events carry a ``TZID`` with its ``VTIMEZONE`` definition
(so that Google Calendar, Outlook and Apple Calendar all place them right), and GPX
times are UTC as GPX 1.1 requires. Without a zone, calendar events are *floating*
local times (09:00 shows as 09:00 wherever the phone is) and GPX points have no time
(a GPX time is an instant, which an unzoned clock time is not).

In a team's export (more than one route) each visit's label starts with its rep's id,
because every rep's visits are numbered from 1.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlencode
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import gpxpy.gpx
import icalendar

from solver.errors import InvalidProblemError
from solver.model import Location, Plan, Problem, Route, Stop, StopType, format_time_s

if TYPE_CHECKING:  # solver.territory imports this module (TerritoryPlan.to_geojson)
    from solver.territory.model import TerritoryPlan

#: Intermediate waypoints one Google Maps directions URL accepts.
MAX_WAYPOINTS_PER_LINK = 9

_PRODID = "-//fieldroute//day plan//EN"


def _stop_location(problem: Problem, route: Route, stop: Stop) -> Location | None:
    """Return where a stop happens (from the stop, else from the problem)."""
    if stop.location is not None:
        return stop.location
    if stop.type == StopType.VISIT and stop.account_id is not None:
        return problem.account(stop.account_id).location
    rep = problem.rep(route.rep_id)
    if stop.type == StopType.START:
        return rep.start
    if stop.type == StopType.END:
        return rep.end_location
    return None


def _zone(tzname: str | None) -> ZoneInfo | None:
    """Return the zone of an IANA name (``None`` for none); reject an unknown name."""
    if tzname is None:
        return None
    try:
        return ZoneInfo(tzname)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidProblemError(
            f"Time zone {tzname!r}: not an IANA time zone such as Europe/Malta.", field="tz"
        ) from None


def _at(date: dt.date, time_s: int, tz: ZoneInfo | None) -> dt.datetime:
    """Return the wall-clock time ``time_s`` after midnight of ``date`` in zone ``tz``.

    The clock time is kept across a daylight-saving change (as the plan means it);
    ``None`` gives a naive (floating) time.
    """
    midnight = dt.datetime.combine(date, dt.time())
    return (midnight + dt.timedelta(seconds=int(time_s))).replace(tzinfo=tz)


def _label(plan: Plan, route: Route, number: int, account_name: str) -> str:
    """Return a visit's label: ``"3. Name"``, with the rep first in a team's export."""
    label = f"{number}. {account_name}"
    return f"{route.rep_id} · {label}" if len(plan.routes) > 1 else label


def _visits(problem: Problem, plan: Plan) -> Iterator[tuple[Route, int, Stop]]:
    for route in plan.routes:
        number = 0
        for stop in route.stops:
            if stop.type == StopType.VISIT:
                number += 1
                yield route, number, stop


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
    tz = _zone(tzname)
    calendar = icalendar.Calendar()
    calendar.add("prodid", _PRODID)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", title)
    if tzname:
        calendar.add("x-wr-timezone", tzname)
    stamp = dt.datetime.now(dt.UTC).replace(microsecond=0)
    for plan, problem in days:
        for route, number, stop in _visits(problem, plan):
            account = problem.account(stop.account_id or "")
            location = _stop_location(problem, route, stop)
            event = icalendar.Event()
            event.add("uid", f"{plan.date.isoformat()}-{route.rep_id}-{account.id}@fieldroute")
            event.add("dtstamp", stamp)
            event.add("dtstart", _at(plan.date, stop.start_s, tz))
            event.add("dtend", _at(plan.date, stop.departure_s, tz))
            event.add("summary", _label(plan, route, number, account.name or account.id))
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
    tz = _zone(tzname)
    gpx = gpxpy.gpx.GPX()
    gpx.creator = "fieldroute"
    for route in plan.routes:
        gpx_route = gpxpy.gpx.GPXRoute(name=f"{route.rep_id} {plan.date.isoformat()}")
        number = 0
        for stop in route.stops:
            location = _stop_location(problem, route, stop)
            if location is None or not location.is_geo:
                continue
            when = _at(plan.date, stop.start_s, tz).astimezone(dt.UTC) if tz else None
            if stop.type == StopType.VISIT:
                number += 1
                account = problem.account(stop.account_id or "")
                name = _label(plan, route, number, account.name or account.id)
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
            location = _stop_location(problem, route, stop)
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
            location = _stop_location(problem, route, stop)
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


def _feature(geometry: dict[str, Any], properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def plan_geojson(plan: Plan) -> dict[str, Any]:
    """Return a day plan as a GeoJSON FeatureCollection.

    Parameters
    ----------
    plan
        A day plan whose stops carry their locations (``Stop.location``).

    Returns
    -------
    dict
        One LineString feature per route (its road geometry, else straight lines
        between its stops) with the route totals, then one Point feature per stop with
        its clock times. Stops without coordinates (explicit-matrix plans) are left out.
    """
    features: list[dict[str, Any]] = []
    for route in plan.routes:
        located = [
            (order, stop)
            for order, stop in enumerate(route.stops)
            if stop.location is not None and stop.location.is_geo
        ]
        coords = [[stop.location.lon, stop.location.lat] for _, stop in located]
        geometry = route.geometry or (
            {"type": "LineString", "coordinates": coords} if len(coords) >= 2 else None
        )
        if geometry is not None:
            totals = dataclasses.asdict(route.totals)
            features.append(_feature(geometry, {"kind": "route", "rep_id": route.rep_id, **totals}))
        for order, stop in located:
            properties = {
                "kind": "stop",
                "rep_id": route.rep_id,
                "order": order,
                "type": str(stop.type),
                "account_id": stop.account_id,
                "arrival": format_time_s(stop.arrival_s),
                "start": format_time_s(stop.start_s),
                "departure": format_time_s(stop.departure_s),
                "wait_s": stop.wait_s,
                "travel_s": stop.travel_s,
                "distance_m": stop.distance_m,
            }
            point = {"type": "Point", "coordinates": [stop.location.lon, stop.location.lat]}
            features.append(_feature(point, properties))
    return {
        "type": "FeatureCollection",
        "features": features,
        "properties": {"date": plan.date.isoformat(), "summary": plan.summary()},
    }


def territory_geojson(plan: TerritoryPlan) -> dict[str, Any]:
    """Return territories as a GeoJSON FeatureCollection.

    Parameters
    ----------
    plan
        A territory plan.

    Returns
    -------
    dict
        One feature per territory that has a polygon; its properties are the
        territory's figures (everything but the polygon and the account ids). The
        collection's properties hold the plan's balance summary.
    """
    features = []
    for territory in plan.territories:
        if territory.polygon is None:
            continue
        figures = dataclasses.asdict(territory)
        properties = {k: v for k, v in figures.items() if k not in ("polygon", "account_ids")}
        features.append(_feature(territory.polygon, properties))
    summary = dataclasses.asdict(plan.summary)
    summary["explanation"] = list(summary.get("explanation", ()))
    return {"type": "FeatureCollection", "features": features, "properties": {"summary": summary}}


# --------------------------------------------------------------------------- CSV

#: First characters that make a spreadsheet read a cell as a formula (OWASP CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """Return a CSV cell that no spreadsheet runs as a formula.

    Text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a
    leading single quote (OWASP's advice on CSV injection); numbers stay numbers and
    ``None`` becomes an empty cell.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
    return out.getvalue()


#: Columns of :func:`territory_csv`.
TERRITORY_CSV_COLUMNS = (
    "account_id",
    "name",
    "rep_id",
    "previous_rep_id",
    "moved",
    "weekly_workload_h",
    "unassigned_reason",
)


class AccountFigures(Protocol):
    """What :func:`territory_csv` reads of an account (a ``TerritoryAccount`` has it)."""

    id: str
    current_rep: str | None
    visits_per_4_weeks: float
    visit_duration_s: int


def territory_csv(
    plan: TerritoryPlan,
    accounts: Sequence[AccountFigures],
    *,
    names: Mapping[str, str | None] | None = None,
) -> str:
    """Return the territory assignment as CSV, one row per account, keyed by its (CRM) id.

    Parameters
    ----------
    plan
        The territory plan.
    accounts
        The accounts of the request (``TerritoryAccount`` or anything with the same
        attributes, see :class:`AccountFigures`), in the order of the rows: every one
        gets a row, placed or not; ``current_rep`` is the previous rep.
    names
        Account id -> display name, when known.

    Returns
    -------
    str
        CSV text (RFC 4180, CRLF line ends) with the columns of
        :data:`TERRITORY_CSV_COLUMNS`. ``weekly_workload_h`` is the account's visit
        hours per week plus its share (by visits) of its territory's drive hours. An
        unassigned account has an empty ``rep_id`` and its reason code.
    """
    names = names or {}
    territories = {t.rep_id: t for t in plan.territories}
    unassigned = {u.account_id: u.reason for u in plan.unassigned}
    rows = []
    for account in accounts:
        rep_id = plan.assignment.get(account.id)
        visits_per_week = account.visits_per_4_weeks / 4.0
        workload_h = None
        if rep_id is not None:
            workload_h = visits_per_week * account.visit_duration_s / 3600.0
            territory = territories.get(rep_id)
            if territory is not None and territory.visits_per_week > 0:
                share = visits_per_week / territory.visits_per_week
                workload_h += share * territory.drive_h_per_week
            workload_h = round(workload_h, 3)
        previous = account.current_rep
        moved = rep_id is not None and previous is not None and previous != rep_id
        rows.append(
            (
                account.id,
                names.get(account.id),
                rep_id,
                previous,
                moved,
                workload_h,
                str(unassigned[account.id]) if account.id in unassigned else None,
            )
        )
    return _csv_text(TERRITORY_CSV_COLUMNS, rows)


#: Columns of :func:`plan_stops_csv`.
STOPS_CSV_COLUMNS = (
    "rep_id",
    "sequence",
    "type",
    "account_id",
    "name",
    "arrival",
    "start",
    "departure",
    "wait_s",
    "travel_s",
    "distance_m",
    "lat",
    "lon",
    "unassigned_reason",
)


def plan_stops_csv(plan: Plan, *, names: Mapping[str, str | None] | None = None) -> str:
    """Return a day plan as CSV: one row per stop, then one per unassigned account.

    Parameters
    ----------
    plan
        The day plan (stop locations are written when the stops carry them).
    names
        Account id -> display name, when known.

    Returns
    -------
    str
        CSV text with the columns of :data:`STOPS_CSV_COLUMNS`; clock times are
        ``HH:MM:SS`` on the plan date; unassigned accounts come last with type
        ``unassigned`` and their reason code, so that every account is accounted for.
    """
    names = names or {}
    rows: list[tuple[Any, ...]] = []
    for route in plan.routes:
        for sequence, stop in enumerate(route.stops):
            where = stop.location
            geo = where is not None and where.lat is not None
            rows.append(
                (
                    route.rep_id,
                    sequence,
                    str(stop.type),
                    stop.account_id,
                    names.get(stop.account_id) if stop.account_id else None,
                    format_time_s(stop.arrival_s),
                    format_time_s(stop.start_s),
                    format_time_s(stop.departure_s),
                    int(stop.wait_s),
                    int(stop.travel_s),
                    int(stop.distance_m),
                    round(where.lat, 6) if geo else None,
                    round(where.lon, 6) if geo else None,
                    None,
                )
            )
    for item in plan.unassigned:
        rows.append(
            (None, None, "unassigned", item.account_id, names.get(item.account_id))
            + (None,) * 8
            + (str(item.reason),)
        )
    return _csv_text(STOPS_CSV_COLUMNS, rows)


@dataclasses.dataclass(frozen=True, slots=True)
class KpiRow:
    """One rep's figures over one period (a day, a week, or an average week).

    Parameters
    ----------
    rep_id
        The rep (the CRM's owner id).
    period
        ``2026-03-02`` (a day), ``2026-W10`` (a week) or ``average week``.
    visits
        Visits in the period.
    drive_h
        Driving, hours.
    distance_km
        Driven distance, kilometres.
    travel_cost
        Travel cost (``solver.costs.travel_cost``).
    """

    rep_id: str
    period: str
    visits: float
    drive_h: float
    distance_km: float
    travel_cost: float

    @property
    def cost_per_visit(self) -> float | None:
        """Travel cost per visit; ``None`` without visits."""
        return self.travel_cost / self.visits if self.visits else None


#: Columns of :func:`kpi_csv`.
KPI_CSV_COLUMNS = (
    "rep_id",
    "period",
    "visits",
    "drive_h",
    "distance_km",
    "travel_cost",
    "cost_per_visit",
)


def plan_kpi_rows(plan: Plan) -> list[KpiRow]:
    """Return one :class:`KpiRow` per rep of a day plan (the period is the plan date)."""
    return [
        KpiRow(
            rep_id=route.rep_id,
            period=plan.date.isoformat(),
            visits=route.totals.visits,
            drive_h=route.totals.drive_s / 3600.0,
            distance_km=route.totals.distance_m / 1000.0,
            travel_cost=float(route.totals.cost),
        )
        for route in plan.routes
    ]


def territory_kpi_rows(plan: TerritoryPlan) -> list[KpiRow]:
    """Return one :class:`KpiRow` per territory: its average week (``period`` "average week")."""
    return [
        KpiRow(
            rep_id=t.rep_id,
            period="average week",
            visits=t.visits_per_week,
            drive_h=t.drive_h_per_week,
            distance_km=t.drive_km_per_week,
            travel_cost=t.cost_per_week,
        )
        for t in plan.territories
    ]


def kpi_csv(rows: Iterable[KpiRow]) -> str:
    """Return KPI rows as CSV for BI tools (Tableau, Power BI), one row per rep and period.

    Parameters
    ----------
    rows
        From :func:`plan_kpi_rows`, :func:`territory_kpi_rows`, or per week of a visit
        schedule.

    Returns
    -------
    str
        CSV text with the columns of :data:`KPI_CSV_COLUMNS` (hours, kilometres and
        costs rounded to 3 decimals; ``cost_per_visit`` empty without visits).
    """

    def rounded(value: float | None) -> float | None:
        return None if value is None else round(float(value), 3)

    return _csv_text(
        KPI_CSV_COLUMNS,
        (
            (
                r.rep_id,
                r.period,
                int(r.visits) if float(r.visits).is_integer() else rounded(r.visits),
                rounded(r.drive_h),
                rounded(r.distance_km),
                rounded(r.travel_cost),
                rounded(r.cost_per_visit),
            )
            for r in rows
        ),
    )
