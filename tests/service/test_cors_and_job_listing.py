"""Regression tests of issue 15 item 12: CORS for browser clients, and the job listing."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient

from service.app import create_app
from tests.service.conftest import HEADERS, make_settings

CRM = "https://crm.example.com"
PREFLIGHT = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "x-api-key"}


@pytest.fixture
def cors_client(tmp_path):
    settings = make_settings(tmp_path, cors_origins=[CRM])
    with TestClient(create_app(settings)) as client:
        yield client


def test_preflight_from_an_allowed_origin_is_answered(cors_client):
    response = cors_client.options("/v1/day-plans", headers={"Origin": CRM, **PREFLIGHT})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == CRM
    assert "POST" in response.headers["access-control-allow-methods"]
    assert "x-api-key" in response.headers["access-control-allow-headers"].lower()
    answer = cors_client.get("/v1/networks", headers={"Origin": CRM, **HEADERS})
    assert answer.headers["access-control-allow-origin"] == CRM
    refused = cors_client.get("/v1/networks", headers={"Origin": CRM})  # no key: still CORS
    assert refused.status_code == 401
    assert refused.headers["access-control-allow-origin"] == CRM


def test_preflight_from_another_origin_is_refused(cors_client):
    response = cors_client.options(
        "/v1/day-plans", headers={"Origin": "https://evil.example", **PREFLIGHT}
    )
    assert response.status_code == 400
    assert "access-control-allow-origin" not in response.headers
    answer = cors_client.get("/v1/networks", headers={"Origin": "https://evil.example", **HEADERS})
    assert "access-control-allow-origin" not in answer.headers


def test_no_origin_is_allowed_by_default(client):
    response = client.options("/v1/day-plans", headers={"Origin": CRM, **PREFLIGHT})
    assert response.status_code == 400
    assert "access-control-allow-origin" not in response.headers


def test_job_listing_filters_and_pages_in_a_stable_order(client):
    store = client.app.state.jobs.store
    made = [store.create("day-plan", {"n": i}) for i in range(5)]
    territory = store.create("territories", {"n": 9})
    store.cancel(made[1].id)
    listed = client.get("/v1/jobs", headers=HEADERS)
    assert listed.status_code == 200, listed.text
    body = listed.json()
    ids = [job["id"] for job in body["jobs"]]
    assert ids == [territory.id, *[job.id for job in reversed(made)]]  # newest first
    assert body["next"] is None
    assert all(job["result"] is None for job in body["jobs"])

    cancelled = client.get("/v1/jobs?status=cancelled", headers=HEADERS).json()
    assert [job["id"] for job in cancelled["jobs"]] == [made[1].id]
    kinds = client.get("/v1/jobs?kind=territories", headers=HEADERS).json()
    assert [job["id"] for job in kinds["jobs"]] == [territory.id]
    future = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).isoformat()
    later = client.get("/v1/jobs", params={"created_since": future}, headers=HEADERS).json()
    assert later["jobs"] == []
    an_hour_ago_in_paris = dt.datetime.now(dt.timezone(dt.timedelta(hours=1))) - dt.timedelta(
        minutes=50
    )  # 10 min in the past, written with a +01:00 offset: every job is newer
    recent = client.get(
        "/v1/jobs", params={"created_since": an_hour_ago_in_paris.isoformat()}, headers=HEADERS
    ).json()
    assert len(recent["jobs"]) == 6

    seen, url = [], "/v1/jobs?kind=day-plan&limit=2"
    pages = 0
    while url:
        page = client.get(url, headers=HEADERS)
        assert page.status_code == 200, page.text
        seen += [job["id"] for job in page.json()["jobs"]]
        url = page.json()["next"]
        pages += 1
        if pages == 1:  # a job created while paging neither repeats nor shifts a page
            store.create("day-plan", {"n": 99})
    assert pages == 3
    assert seen == [job.id for job in reversed(made)]


def test_a_bad_cursor_or_filter_is_a_422_naming_the_field(client):
    bad = client.get("/v1/jobs?cursor=nonsense", headers=HEADERS)
    assert bad.status_code == 422 and bad.json()["field"] == "cursor"
    status = client.get("/v1/jobs?status=sleeping", headers=HEADERS)
    assert status.status_code == 422 and status.json()["field"] == "status[0]"
    assert client.get("/v1/jobs?limit=0", headers=HEADERS).status_code == 422
