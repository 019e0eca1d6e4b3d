"""``fieldroute export ics|gpx|links``: from a given plan, and planning the day itself."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import gpxpy
import icalendar
import pytest

from service.cli import main
from tests.ui.conftest import day_plan_request

pytestmark = pytest.mark.slow


def write(path: Path, body: Any) -> Path:
    path.write_text(json.dumps(body))
    return path


def test_export_ics_of_a_given_plan_has_its_visits(
    tmp_path: Path, day_plan_job: dict[str, Any]
) -> None:
    request = write(tmp_path / "request.json", day_plan_job["request"])
    plan = write(tmp_path / "plan.json", day_plan_job["result"])
    out = tmp_path / "day.ics"
    assert main(["export", "ics", str(request), "--plan", str(plan), "-o", str(out)]) == 0
    events = icalendar.Calendar.from_ical(out.read_bytes()).walk("VEVENT")
    planned = [
        (route["rep_id"], stop["account_id"])
        for route in day_plan_job["result"]["routes"]
        for stop in route["stops"]
        if stop["type"] == "visit"
    ]
    uids = [str(event["uid"]) for event in events]
    assert uids == [f"2026-12-01-{rep}-{account}@fieldroute" for rep, account in planned]


def test_export_links_for_one_rep_to_stdout(
    tmp_path: Path, day_plan_job: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    request = write(tmp_path / "request.json", day_plan_job["request"])
    plan = write(tmp_path / "plan.json", day_plan_job["result"])
    rep_id = day_plan_job["result"]["routes"][0]["rep_id"]
    assert main(["export", "links", str(request), "--plan", str(plan), "--rep", rep_id]) == 0
    links = json.loads(capsys.readouterr().out)
    assert [route["rep_id"] for route in links["routes"]] == [rep_id]
    assert links["routes"][0]["navigation"][0].startswith("https://www.google.com/maps/dir/")


def test_export_gpx_plans_the_day_when_no_plan_is_given(
    tmp_path: Path, networks_dir: Path, monaco_network: Any
) -> None:
    body = day_plan_request(monaco_network)
    body["options"]["time_limit_s"] = 0.5
    request = write(tmp_path / "request.json", body)
    out = tmp_path / "day.gpx"
    args = ["export", "gpx", str(request), "--networks-dir", str(networks_dir), "-o", str(out)]
    assert main(args) == 0
    gpx = gpxpy.parse(out.read_text())
    assert {route.name.split()[0] for route in gpx.routes} == {"maria", "luca"}
    names = {point.name.split(". ", 1)[1] for point in gpx.waypoints}
    assert names <= {account.get("name", account["id"]) for account in body["accounts"]}
    assert len(gpx.waypoints) >= 6


def test_export_rejects_bad_time_zone_and_a_plan_of_another_request(
    tmp_path: Path, day_plan_job: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    request = write(tmp_path / "request.json", day_plan_job["request"])
    plan = write(tmp_path / "plan.json", day_plan_job["result"])
    args = ["export", "ics", str(request), "--plan", str(plan)]
    assert main([*args, "--tz", "Mars/Olympus"]) == 2
    assert "not an IANA time zone" in capsys.readouterr().err

    fewer = {**day_plan_job["request"], "accounts": day_plan_job["request"]["accounts"][:1]}
    assert (
        main(["export", "ics", str(write(tmp_path / "r2.json", fewer)), "--plan", str(plan)]) == 2
    )
    assert "which the request does not have" in capsys.readouterr().err

    assert main(["export", "gpx", str(request), "--plan", str(request)]) == 2
    assert "not a day-plan response" in capsys.readouterr().err
