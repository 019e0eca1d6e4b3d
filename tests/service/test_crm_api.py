"""CRM round trip over HTTP: CSV import, geocoding, territories and CSV exports by CRM ids."""

from __future__ import annotations

import csv
import io
import time

import pytest
from fastapi.testclient import TestClient

from service.app import create_app
from service.territories.convert import to_territory_plan
from service.territories.schemas import TerritoryResponse
from solver.model import Location
from solver.territory import TerritoryAccount, TerritoryRep, check_territory_plan
from solver.territory.model import TerritoryOptions
from tests.service.conftest import HEADERS, make_settings
from tests.solver.crm.test_round_trip import ROWS, _salesforce_csv

REPS = [
    {"id": "0055g000001", "home": {"lat": 43.7390, "lon": 7.4270}},
    {"id": "0055g000002", "home": {"lat": 43.7300, "lon": 7.4170}},
]
CSV_HEADERS = {**HEADERS, "Content-Type": "text/csv"}


def test_salesforce_csv_import_territories_csv_export_keyed_by_salesforce_ids(road_client):
    answer = road_client.post(
        "/v1/accounts/import?format=salesforce", content=_salesforce_csv(), headers=CSV_HEADERS
    )
    assert answer.status_code == 200, answer.text
    imported = answer.json()
    assert imported["format"] == "salesforce" and imported["encoding"].startswith("utf")
    report = imported["report"]
    assert [r["row"] for r in report] == list(range(1, len(ROWS) + 2))  # every row once
    codes = {r["crm_id"]: r["code"] for r in report if r["status"] == "rejected"}
    assert codes["0015g00000AAA08"] == "NOT_GEOCODED"
    assert codes["0015g00000AAA09"] == "NO_ADDRESS"
    assert codes["0015g00000AAA10"] == "BAD_VALUE"
    assert codes["0015g00000AAA11"] == "BAD_FIELD_COUNT"
    assert imported["counts"] == {"ok": 1, "geocoded": 6, "rejected": 5}
    accounts = imported["accounts"]
    assert len(accounts) == 7

    body = {"reps": REPS, "accounts": accounts, "options": {"time_limit_s": 5, "seed": 0}}
    plan = road_client.post("/v1/territories", json=body, headers=HEADERS)
    assert plan.status_code == 200, plan.text
    response = TerritoryResponse.model_validate(plan.json())
    reps = [TerritoryRep(id=r["id"], home=Location(**r["home"])) for r in REPS]
    domain_accounts = [
        TerritoryAccount(
            id=a["id"],
            location=Location(**a["location"]),
            revenue=a["revenue"],
            current_rep=a["current_rep"],
        )
        for a in accounts
    ]
    options = TerritoryOptions(time_limit_s=5, seed=0)
    assert check_territory_plan(reps, domain_accounts, to_territory_plan(response), options) == []

    exported = road_client.post("/v1/territories?format=csv", json=body, headers=HEADERS)
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [r["account_id"] for r in rows] == [a["id"] for a in accounts]
    rejected = [r for r in report if r["status"] == "rejected"]
    assert len(rows) + len(rejected) == len(ROWS) + 1  # every input row accounted for
    by_id = {r["account_id"]: r for r in rows}
    for account in accounts:
        row = by_id[account["id"]]
        assert row["rep_id"] == response.assignment[account["id"]]
        assert row["previous_rep_id"] == account["current_rep"]
        assert row["moved"] == str(row["rep_id"] != row["previous_rep_id"]).lower()
        assert float(row["weekly_workload_h"]) > 0
        assert row["name"] == account["name"]

    kpi = road_client.post("/v1/territories?format=kpi-csv", json=body, headers=HEADERS)
    kpi_rows = list(csv.DictReader(io.StringIO(kpi.text)))
    assert {r["rep_id"] for r in kpi_rows} == {"0055g000001", "0055g000002"}
    for row in kpi_rows:
        territory = next(t for t in response.territories if t.rep_id == row["rep_id"])
        assert float(row["visits"]) == pytest.approx(territory.visits_per_week, abs=1e-3)
        if territory.visits_per_week:
            assert float(row["cost_per_visit"]) == pytest.approx(
                territory.cost_per_week / territory.visits_per_week, abs=1e-3
            )


def test_territories_accept_addresses_and_report_not_geocoded(road_client):
    body = {
        "reps": REPS,
        "accounts": [
            {"id": "a1", "address": "4 Avenue de la Madone, 98000 Monaco"},
            {"id": "a2", "address": {"street": "Boulevard Albert 1er", "housenumber": "27"}},
            {"id": "a3", "address": "10 Downing Street, London"},
            {"id": "a4", "location": {"lat": 43.7353, "lon": 7.4230}},
        ],
        "options": {"time_limit_s": 2},
    }
    answer = road_client.post("/v1/territories", json=body, headers=HEADERS)
    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert set(result["assignment"]) == {"a1", "a2", "a4"}
    assert result["unassigned"] == [
        {"account_id": "a3", "reason": "NOT_GEOCODED", "detail": result["unassigned"][0]["detail"]}
    ]
    qualities = {g["account_id"]: (g["quality"], g["placed"]) for g in result["geocoding"]}
    assert qualities["a1"] == ("address", True) and qualities["a2"][1] is True
    assert qualities["a3"][1] is False


def address_day() -> dict:
    """A Monaco rep's day with one account at a real address and one that cannot be found."""
    return {
        "date": "2026-03-02",
        "reps": [
            {"id": "r1", "start": REPS[0]["home"], "shift": {"start": "08:00", "end": "18:00"}}
        ],
        "accounts": [
            {"id": "a1", "address": "4 Avenue de la Madone, 98000 Monaco", "visit_duration_s": 600},
            {"id": "a2", "address": "Nowhere street 1, Atlantis", "visit_duration_s": 600},
        ],
        "options": {"time_limit_s": 1},
    }


def test_day_plan_with_addresses_reports_quality_and_csv_has_every_account(road_client):
    body = address_day()
    answer = road_client.post("/v1/day-plans", json=body, headers=HEADERS)
    assert answer.status_code == 200, answer.text
    plan = answer.json()
    assert [u["reason"] for u in plan["unassigned"]] == ["NOT_GEOCODED"]
    assert plan["geocoding"][0]["quality"] == "address"
    stops = road_client.post("/v1/day-plans?format=csv", json=body, headers=HEADERS)
    rows = list(csv.DictReader(io.StringIO(stops.text)))
    assert {r["account_id"] for r in rows if r["type"] == "visit"} == {"a1"}
    assert [r["unassigned_reason"] for r in rows if r["type"] == "unassigned"] == ["NOT_GEOCODED"]


def test_geocode_endpoint_answers_quality_and_refuses_below_min_quality(road_client):
    body = {
        "queries": ["4 avenue de la madone monaco", {"city": "Monaco"}],
        "min_quality": "street",
    }
    answer = road_client.post("/v1/geocode", json=body, headers=HEADERS)
    assert answer.status_code == 200, answer.text
    first, second = answer.json()["results"]
    assert first["quality"] == "address" and first["placed"] and first["location"]["lat"] > 43.7
    assert "Madone" in first["matched"]["label"]
    assert second["placed"] is False and second["location"] is None and second["reason"]


@pytest.mark.parametrize(
    ("path", "kwargs", "status", "field"),
    [
        ("/v1/geocode", {"json": {"queries": [""]}}, 422, "queries[0]"),
        ("/v1/geocode", {"json": {"queries": ["x"], "min_quality": "best"}}, 422, "min_quality"),
        (
            "/v1/territories",
            {"content": b"Id,Name\n1,A\n", "headers": {"Content-Type": "text/csv"}},
            415,
            "body",
        ),
        (
            "/v1/day-plans",
            {
                "content": b"Id,Name\n1,A\n",
                "headers": {"Content-Type": "application/x-www-form-urlencoded"},
            },
            415,
            "body",
        ),
        (
            "/v1/accounts/import",
            {"content": b"Id,Name\n1,A\n", "headers": {"Content-Type": "application/json"}},
            415,
            "body",
        ),
        (
            "/v1/accounts/import?format=generic&mapping=notjson",
            {"content": b"No,Co\n1,A\n", "headers": {"Content-Type": "text/csv"}},
            422,
            "mapping",
        ),
        (
            "/v1/accounts/import?format=generic",
            {"content": b"No,Co\n1,A\n", "headers": {"Content-Type": "text/csv"}},
            422,
            "mapping",
        ),
        (
            "/v1/accounts/import",
            {"content": b"Name,City\nA,B\n", "headers": {"Content-Type": "text/csv"}},
            422,
            None,
        ),
        (
            "/v1/territories",
            {"json": {"reps": REPS, "accounts": [{"id": "a"}]}},
            422,
            "accounts[0].location",
        ),
        (
            "/v1/jobs",
            {
                "json": {
                    "kind": "accounts-import",
                    "request": {"csv": "Id\\n1\\n"},
                    "callback_url": "ftp://x.org/",
                }
            },
            422,
            "callback_url",
        ),
    ],
)
def test_bad_crm_inputs_get_4xx_naming_the_field(road_client, path, kwargs, status, field):
    headers = {**HEADERS, **kwargs.pop("headers", {})}
    answer = road_client.post(path, headers=headers, **kwargs)
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert body["detail"]
    if field is not None:
        assert body["field"] is not None and body["field"].startswith(field.split(".")[0])
        assert field in body["field"] or field in body["detail"]


def test_large_import_runs_as_a_job_and_its_result_has_every_row(tmp_path, networks_dir):
    settings = make_settings(tmp_path, networks_dir, max_sync_import_rows=3)
    lines = ["Id,Name,BillingLatitude,BillingLongitude,OwnerId"]
    lines += [f"00{i},Acct {i},43.73{i},7.42{i},u{i % 2}" for i in range(6)]
    lines.append("006,=HYPERLINK(1),x,y,u1")
    with TestClient(create_app(settings)) as client:
        answer = client.post(
            "/v1/accounts/import",
            content="\n".join(lines).encode(),
            headers=CSV_HEADERS,
        )
        assert answer.status_code == 202, answer.text
        job = answer.json()
        assert job["kind"] == "accounts-import"
        for _ in range(300):
            job = client.get(f"/v1/jobs/{job['id']}", headers=HEADERS).json()
            if job["status"] in ("succeeded", "failed"):
                break
            time.sleep(0.1)
        assert job["status"] == "succeeded", job
        result = job["result"]
        assert [r["row"] for r in result["report"]] == list(range(1, 8))
        assert result["counts"] == {"ok": 6, "geocoded": 0, "rejected": 1}


def _wait_job(client, job_id: str) -> dict:
    for _ in range(600):
        job = client.get(f"/v1/jobs/{job_id}", headers=HEADERS).json()
        if job["status"] in ("succeeded", "failed", "cancelled"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish: {job}")


def test_territory_job_result_as_csv_keyed_by_account_ids(road_client):
    accounts = [
        {"id": "=001", "location": {"lat": 43.7353, "lon": 7.4230}, "current_rep": "u1"},
        {"id": "002", "address": "4 Avenue de la Madone, 98000 Monaco", "name": "Madone"},
        {"id": "003", "address": "Atlantis 1"},
    ]
    reps = [{"id": "u1", "home": {"lat": 43.7390, "lon": 7.4270}}]
    request = {"reps": reps, "accounts": accounts, "options": {"time_limit_s": 2}}
    job = road_client.post(
        "/v1/jobs", json={"kind": "territories", "request": request}, headers=HEADERS
    ).json()
    job = _wait_job(road_client, job["id"])
    assert job["status"] == "succeeded", job
    answer = road_client.get(f"/v1/jobs/{job['id']}?format=csv", headers=HEADERS)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert [r["account_id"] for r in rows] == ["'=001", "002", "003"]  # formula guarded
    assert [r["rep_id"] for r in rows] == ["u1", "u1", ""]
    assert rows[2]["unassigned_reason"] == "NOT_GEOCODED" and rows[1]["name"] == "Madone"
    kpi = road_client.get(f"/v1/jobs/{job['id']}?format=kpi-csv", headers=HEADERS)
    assert [r["rep_id"] for r in csv.DictReader(io.StringIO(kpi.text))] == ["u1"]


def test_csv_of_a_job_kind_without_export_is_422_naming_format(road_client):
    job = road_client.post(
        "/v1/jobs",
        json={"kind": "accounts-import", "request": {"csv": "Id,Name\n1,A\n"}},
        headers=HEADERS,
    ).json()
    answer = road_client.get(f"/v1/jobs/{job['id']}?format=csv", headers=HEADERS)
    assert answer.status_code == 422 and answer.json()["field"] == "format"


def test_exports_of_a_day_plan_job_place_accounts_given_by_address(road_client):
    body = address_day()
    posted = road_client.post(
        "/v1/jobs", json={"kind": "day-plan", "request": body}, headers=HEADERS
    )
    job = _wait_job(road_client, posted.json()["id"])
    job_id = job["id"]
    assert job["status"] == "succeeded", job
    placed = job["result"]["geocoding"][0]["location"]
    # the calendar, GPX and links rebuild the day with a1 where the geocoder put it
    calendar = road_client.get(f"/v1/jobs/{job_id}/calendar.ics", headers=HEADERS)
    assert calendar.status_code == 200 and calendar.text.count("BEGIN:VEVENT") == 1
    gpx = road_client.get(f"/v1/jobs/{job_id}/route.gpx", headers=HEADERS)
    assert gpx.status_code == 200 and "<gpx" in gpx.text
    links = road_client.get(f"/v1/jobs/{job_id}/links", headers=HEADERS)
    assert links.status_code == 200
    assert (
        f"{placed['lat']:.6f}%2C{placed['lon']:.6f}" in links.json()["routes"][0]["navigation"][0]
    )
