"""Rep exports of a real day-plan job over HTTP: ICS, GPX, navigation links, map data."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse
from zoneinfo import ZoneInfo

import gpxpy
import httpx
import icalendar
import pytest
from fastapi.testclient import TestClient

from service.app import create_app
from service.common.schemas import parse_time_s
from service.config import Settings
from tests.ui.conftest import LiveService

pytestmark = pytest.mark.slow

DATE = dt.date(2026, 12, 1)
MONACO = ZoneInfo("Europe/Monaco")


def visits_of(job: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(rep id, stop) of every visit in the job's result, in route order."""
    return [
        (route["rep_id"], stop)
        for route in job["result"]["routes"]
        for stop in route["stops"]
        if stop["type"] == "visit"
    ]


def at(clock: str) -> dt.datetime:
    return dt.datetime.combine(DATE, dt.time()) + dt.timedelta(seconds=parse_time_s(clock))


def get(service: LiveService, path: str, **params: str) -> httpx.Response:
    return httpx.get(f"{service.url}{path}", params=params, timeout=30)


def test_calendar_has_one_event_per_visit_at_the_planned_times(
    live_service: LiveService, day_plan_job: dict[str, Any]
) -> None:
    response = get(live_service, f"/v1/jobs/{day_plan_job['id']}/calendar.ics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    assert ".ics" in response.headers["content-disposition"]
    calendar = icalendar.Calendar.from_ical(response.content)
    events = calendar.walk("VEVENT")
    visits = visits_of(day_plan_job)
    assert len(events) == len(visits) >= 6
    accounts = {a["id"]: a for a in day_plan_job["request"]["accounts"]}
    by_uid = {str(event["uid"]): event for event in events}
    for rep_id, stop in visits:
        event = by_uid[f"{DATE.isoformat()}-{rep_id}-{stop['account_id']}@fieldroute"]
        # in the network's time zone by default (Monaco's, recorded in its network.json)
        assert event.decoded("dtstart") == at(stop["start"]).replace(tzinfo=MONACO)
        assert event.decoded("dtend") == at(stop["departure"]).replace(tzinfo=MONACO)
        account = accounts[stop["account_id"]]
        assert str(event["location"]) == account["address"]
        geo = event["geo"]
        assert (geo.latitude, geo.longitude) == pytest.approx(
            (account["location"]["lat"], account["location"]["lon"]), abs=1e-6
        )


def test_calendar_for_one_rep_in_a_time_zone(
    live_service: LiveService, day_plan_job: dict[str, Any]
) -> None:
    rep_id, first = visits_of(day_plan_job)[0]
    response = get(
        live_service,
        f"/v1/jobs/{day_plan_job['id']}/calendar.ics",
        rep_id=rep_id,
        tz="Europe/Monaco",
    )
    assert response.status_code == 200
    assert rep_id in response.headers["content-disposition"]
    events = icalendar.Calendar.from_ical(response.content).walk("VEVENT")
    assert len(events) == sum(1 for r, _ in visits_of(day_plan_job) if r == rep_id)
    start = min(event.decoded("dtstart") for event in events)
    assert start.utcoffset() == dt.timedelta(hours=1)  # CET in December
    assert start.replace(tzinfo=None) == at(first["start"])


def test_gpx_parses_with_a_waypoint_per_visit_and_a_route_per_rep(
    live_service: LiveService, day_plan_job: dict[str, Any]
) -> None:
    response = get(live_service, f"/v1/jobs/{day_plan_job['id']}/route.gpx")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/gpx+xml")
    gpx = gpxpy.parse(response.text)
    visits = visits_of(day_plan_job)
    assert len(gpx.waypoints) == len(visits)
    routes = [r for r in day_plan_job["result"]["routes"] if r["stops"]]
    assert len(gpx.routes) == len(routes)
    for gpx_route, route in zip(gpx.routes, routes, strict=True):
        located = [s for s in route["stops"] if s["type"] != "break"]
        assert len(gpx_route.points) == len(located)
        first, last = gpx_route.points[0], gpx_route.points[-1]
        assert (first.latitude, first.longitude) == pytest.approx(
            (located[0]["location"]["lat"], located[0]["location"]["lon"]), abs=1e-6
        )
        assert last.name == "end"
    # road geometry becomes a track that follows the streets (many more points than stops)
    assert len(gpx.tracks) == len(routes)
    assert all(len(t.segments[0].points) > len(visits) for t in gpx.tracks)


def test_links_give_a_directions_url_and_geo_uris_per_rep(
    live_service: LiveService, day_plan_job: dict[str, Any]
) -> None:
    response = get(live_service, f"/v1/jobs/{day_plan_job['id']}/links")
    assert response.status_code == 200
    body = response.json()
    assert body["date"] == DATE.isoformat()
    for route, links in zip(day_plan_job["result"]["routes"], body["routes"], strict=True):
        assert links["rep_id"] == route["rep_id"]
        visits = [s for s in route["stops"] if s["type"] == "visit"]
        assert [v["account_id"] for v in links["visits"]] == [s["account_id"] for s in visits]
        for visit, stop in zip(links["visits"], visits, strict=True):
            lat, lon = visit["geo"].removeprefix("geo:").split(",")
            assert (float(lat), float(lon)) == pytest.approx(
                (stop["location"]["lat"], stop["location"]["lon"]), abs=1e-6
            )
        if not visits:
            continue
        query = parse_qs(urlparse(links["navigation"][0]).query)
        start = route["stops"][0]["location"]
        assert query["origin"] == [f"{start['lat']:.6f},{start['lon']:.6f}"]
        waypoints = query["waypoints"][0].split("|")
        assert len(waypoints) == min(len(visits), 9)


def test_map_data_returns_request_and_result(
    live_service: LiveService, territory_job: dict[str, Any]
) -> None:
    body = get(live_service, f"/v1/jobs/{territory_job['id']}/map").json()
    assert body["kind"] == "territories"
    assert body["result"] == territory_job["result"]
    assert [a["id"] for a in body["request"]["accounts"]] == [
        a["id"] for a in territory_job["request"]["accounts"]
    ]


def test_exports_refuse_unknown_jobs_and_territory_jobs(
    live_service: LiveService, territory_job: dict[str, Any], day_plan_job: dict[str, Any]
) -> None:
    missing = get(live_service, "/v1/jobs/no-such-job/calendar.ics")
    assert missing.status_code == 404
    assert missing.json()["error"] == "job_not_found"
    for export in ("calendar.ics", "route.gpx", "links"):
        response = get(live_service, f"/v1/jobs/{territory_job['id']}/{export}")
        assert response.status_code == 409
        assert "day-plan job" in response.json()["detail"]
    bad_tz = get(live_service, f"/v1/jobs/{day_plan_job['id']}/calendar.ics", tz="Mars/Olympus")
    assert bad_tz.status_code == 422
    assert bad_tz.json()["field"] == "tz"
    no_rep = get(live_service, f"/v1/jobs/{day_plan_job['id']}/route.gpx", rep_id="nobody")
    assert no_rep.status_code == 422
    assert "'nobody'" in no_rep.json()["detail"]


def test_map_page_and_leaflet_are_served(live_service: LiveService) -> None:
    page = get(live_service, "/map")
    assert page.status_code == 200
    assert "/static/leaflet/leaflet.js" in page.text
    for path in ("/static/leaflet/leaflet.js", "/static/leaflet/leaflet.css", "/static/map/map.js"):
        assert get(live_service, path).status_code == 200, path


def test_road_layer_is_the_network_as_geojson_cached_by_etag(
    live_service: LiveService, monaco_network: Any
) -> None:
    response = get(live_service, "/map/roads/monaco.geojson")
    assert response.status_code == 200
    assert response.headers["content-encoding"] == "gzip"
    layer = response.json()
    (feature,) = layer["features"]
    lines = feature["geometry"]["coordinates"]
    assert feature["geometry"]["type"] == "MultiLineString"
    assert feature["properties"]["pieces"] == len(lines) > 500
    assert "OpenStreetMap" in feature["properties"]["attribution"]
    min_lon, min_lat, max_lon, max_lat = monaco_network.info.bbox
    for line in lines[::50]:
        for lon, lat in line:
            assert min_lon - 1e-5 <= lon <= max_lon + 1e-5
            assert min_lat - 1e-5 <= lat <= max_lat + 1e-5
    again = httpx.get(
        f"{live_service.url}/map/roads/monaco.geojson",
        headers={"If-None-Match": response.headers["etag"]},
    )
    assert again.status_code == 304
    assert get(live_service, "/map/roads/atlantis.geojson").status_code == 404


def test_exports_need_an_api_key_but_the_map_page_and_roads_do_not(
    tmp_path: Path, networks_dir: Path, monaco_network: Any
) -> None:
    settings = Settings(
        networks_dir=networks_dir,
        database_url=f"sqlite:///{tmp_path / 'jobs.sqlite'}",
        api_keys=["secret"],
        dev_mode=False,
        default_network="monaco",
        workers=1,
    )
    with TestClient(create_app(settings)) as client:
        for export in ("calendar.ics", "route.gpx", "links", "map"):
            assert client.get(f"/v1/jobs/any/{export}").status_code == 401
            wrong = client.get(f"/v1/jobs/any/{export}", headers={"X-API-Key": "guess"})
            assert wrong.status_code == 403
            right = client.get(f"/v1/jobs/any/{export}", headers={"X-API-Key": "secret"})
            assert right.status_code == 404
        assert client.get("/map").status_code == 200
        assert client.get("/map/roads/monaco.geojson").status_code == 200
