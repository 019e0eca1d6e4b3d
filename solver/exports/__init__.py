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

from solver.exports.calendar import plan_to_gpx, plan_to_ics, plans_to_ics
from solver.exports.geojson import plan_geojson, territory_geojson
from solver.exports.links import (
    MAX_WAYPOINTS_PER_LINK,
    geo_uri,
    navigation_links,
    plan_for_rep,
    route_links,
)
from solver.exports.tables import (
    KPI_CSV_COLUMNS,
    STOPS_CSV_COLUMNS,
    TERRITORY_CSV_COLUMNS,
    AccountFigures,
    KpiRow,
    csv_cell,
    csv_text,
    kpi_csv,
    plan_kpi_rows,
    plan_stops_csv,
    territory_csv,
    territory_kpi_rows,
)

__all__ = [
    "KPI_CSV_COLUMNS",
    "MAX_WAYPOINTS_PER_LINK",
    "STOPS_CSV_COLUMNS",
    "TERRITORY_CSV_COLUMNS",
    "AccountFigures",
    "KpiRow",
    "csv_cell",
    "csv_text",
    "geo_uri",
    "kpi_csv",
    "navigation_links",
    "plan_for_rep",
    "plan_geojson",
    "plan_kpi_rows",
    "plan_stops_csv",
    "plan_to_gpx",
    "plan_to_ics",
    "plans_to_ics",
    "route_links",
    "territory_csv",
    "territory_geojson",
    "territory_kpi_rows",
]
