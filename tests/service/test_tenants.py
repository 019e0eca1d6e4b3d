"""Tenants: hashed keys at rest, every job-scoped route isolated, the keys command."""

from __future__ import annotations

import contextlib
import hashlib
import io
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service.app import create_app
from service.cli import main
from service.jobs.store import JobStore
from tests.service.conftest import HEADERS, make_settings
from tests.service.databases import DATABASES, job_database


def create_key(capsys, database_url: str, tenant: str) -> str:
    """Create a key with the command line; return the key it printed (once)."""
    assert main(["keys", "--database-url", database_url, "create", "--tenant", tenant]) == 0
    out = capsys.readouterr()
    key = out.out.strip()
    assert key.startswith("fr_") and "cannot be shown again" in out.err
    return key


def matrix_day(rep_id: str = "R1") -> dict:
    return {
        "date": "2026-12-01",
        "reps": [
            {"id": rep_id, "start": {"index": 0}, "shift": {"start": "08:00", "end": "17:00"}}
        ],
        "accounts": [
            {"id": f"{rep_id}-A1", "location": {"index": 1}, "visit_duration_s": 600},
            {"id": f"{rep_id}-A2", "location": {"index": 2}, "visit_duration_s": 600},
        ],
        "matrix": {
            "durations_s": [[0, 600, 900], [600, 0, 300], [900, 300, 0]],
            "distances_m": [[0, 6000, 9000], [6000, 0, 3000], [9000, 3000, 0]],
        },
        "options": {"time_limit_s": 0.5, "seed": 3},
    }


def wait_done(client: TestClient, job_id: str, headers: dict, timeout_s: float = 60) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        job = client.get(f"/v1/jobs/{job_id}", headers=headers).json()
        if job["status"] in ("succeeded", "failed", "cancelled"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish: {job}")


def test_keys_are_stored_hashed_listed_without_the_key_and_revocable(tmp_path, capsys):
    settings = make_settings(tmp_path)
    key = create_key(capsys, settings.database_url, "acme")
    # at rest: only the SHA-256 digest, nowhere the key or its secret part
    store = JobStore(settings.database_url)
    with store.engine.connect() as connection:
        rows = connection.exec_driver_sql("SELECT id, tenant_id, digest FROM api_keys").all()
    store.dispose()
    key_id = key.split("_")[1]
    assert [tuple(r) for r in rows] == [(key_id, "acme", hashlib.sha256(key.encode()).hexdigest())]
    path = Path(settings.database_url.removeprefix("sqlite:///"))
    wal = path.with_name(path.name + "-wal")  # SQLite's write-ahead log (WAL mode)
    database = path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
    assert key.encode() not in database and key.rsplit("_", 1)[1].encode() not in database
    assert main(["keys", "--database-url", settings.database_url, "list"]) == 0
    listing = capsys.readouterr().out
    assert key_id in listing and "acme" in listing and key not in listing

    with TestClient(create_app(settings)) as client:
        assert client.get("/v1/jobs", headers={"X-API-Key": key}).status_code == 200
        # the single-tenant keys of FIELDROUTE_API_KEYS still work
        assert client.get("/v1/jobs", headers=HEADERS).status_code == 200
        assert client.get("/v1/jobs", headers={"X-API-Key": key + "x"}).status_code == 403
        assert main(["keys", "--database-url", settings.database_url, "revoke", key_id]) == 0
        refused = client.get("/v1/jobs", headers={"X-API-Key": key})
        assert refused.status_code == 403 and refused.json()["error"] == "invalid_api_key"
    assert main(["keys", "--database-url", settings.database_url, "revoke", key_id]) == 2
    assert main(["keys", "--database-url", settings.database_url, "create", "--tenant", "a b"]) == 2


def test_keys_never_reach_the_log(tmp_path, capsys, caplog):
    settings = make_settings(tmp_path)
    key = create_key(capsys, settings.database_url, "acme")
    with caplog.at_level("DEBUG"), TestClient(create_app(settings)) as client:
        client.get("/v1/jobs", headers={"X-API-Key": key})
        client.get("/v1/jobs", headers={"X-API-Key": key[:-1]})
    assert key not in caplog.text and key[:-1] not in caplog.text


@pytest.fixture(scope="module")
def two_tenants(tmp_path_factory):
    """An app with two tenants' keys, and one finished day-plan and batch job of 'acme'."""
    tmp_path = tmp_path_factory.mktemp("tenants")
    settings = make_settings(tmp_path)
    keys = {}
    for tenant in ("acme", "beta"):
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
            argv = ["keys", "--database-url", settings.database_url, "create", "--tenant", tenant]
            assert main(argv) == 0
        keys[tenant] = {"X-API-Key": out.getvalue().strip()}
    with TestClient(create_app(settings)) as client:
        acme = keys["acme"]
        day = client.post(
            "/v1/jobs", json={"kind": "day-plan", "request": matrix_day()}, headers=acme
        )
        batch = client.post("/v1/day-plans/batch", json={"requests": [matrix_day()]}, headers=acme)
        assert day.status_code == 202 and batch.status_code == 202, (day.text, batch.text)
        jobs = {"day": day.json()["id"], "batch": batch.json()["id"]}
        for job_id in jobs.values():
            assert wait_done(client, job_id, acme)["status"] == "succeeded"
        yield client, keys, jobs


#: Every route that reads or changes one job (its id in the path), with a suffix.
JOB_ROUTES = [
    ("GET", "day", ""),
    ("GET", "day", "?format=csv"),
    ("GET", "batch", "/results/R1"),
    ("GET", "day", "/calendar.ics"),
    ("GET", "day", "/route.gpx"),
    ("GET", "day", "/links"),
    ("GET", "day", "/days/2026-12-01"),
    ("GET", "day", "/map"),
    ("GET", "day", "/deliveries"),
    ("GET", "day", "/checkins"),
    ("DELETE", "batch", ""),
]


@pytest.mark.parametrize(("method", "which", "suffix"), JOB_ROUTES)
def test_another_tenants_job_is_404_like_an_unknown_id(two_tenants, method, which, suffix):
    client, keys, jobs = two_tenants
    job_id = jobs[which]
    owner = client.request(method, f"/v1/jobs/{job_id}{suffix}", headers=keys["acme"])
    other = client.request(method, f"/v1/jobs/{job_id}{suffix}", headers=keys["beta"])
    unknown_id = "0" * 32
    unknown = client.request(method, f"/v1/jobs/{unknown_id}{suffix}", headers=keys["beta"])
    assert owner.status_code != 404, owner.text
    assert other.status_code == unknown.status_code == 404
    assert other.json()["error"] == "job_not_found"
    assert other.text.replace(job_id, unknown_id) == unknown.text  # nothing tells them apart
    # the owner still sees its job as it was (another tenant's DELETE changed nothing)
    assert client.get(f"/v1/jobs/{job_id}", headers=keys["acme"]).json()["status"] == "succeeded"


def test_another_tenant_can_neither_check_in_nor_replan_on_a_job(two_tenants):
    client, keys, jobs = two_tenants
    job_id, unknown_id = jobs["day"], "0" * 32
    checkin = {
        "id": "c-1",
        "rep_id": "R1",
        "account_id": "R1-A1",
        "status": "done",
        "arrival": "08:30",
        "departure": "08:40",
    }
    replan = {"job_id": job_id, "rep_id": "R1", "position": {"index": 0}, "now": "09:00"}
    for path, body, unknown_body in (
        (f"/v1/jobs/{job_id}/checkins", checkin, checkin),
        ("/v1/day-plans/replan", replan, {**replan, "job_id": unknown_id}),
    ):
        unknown_path = path.replace(job_id, unknown_id)
        other = client.post(path, json=body, headers=keys["beta"])
        unknown = client.post(unknown_path, json=unknown_body, headers=keys["beta"])
        assert other.status_code == unknown.status_code == 404, (other.text, unknown.text)
        assert other.text.replace(job_id, unknown_id) == unknown.text
    # nothing was stored for the owner by the other tenant's post
    owner = client.get(f"/v1/jobs/{job_id}/checkins", headers=keys["acme"])
    assert owner.status_code == 200 and owner.json()["checkins"] == []


def test_listings_show_only_the_callers_jobs(two_tenants):
    client, keys, jobs = two_tenants
    mine = {job["id"] for job in client.get("/v1/jobs", headers=keys["acme"]).json()["jobs"]}
    theirs = client.get("/v1/jobs?limit=200", headers=keys["beta"]).json()
    assert mine == set(jobs.values())
    assert theirs == {"jobs": [], "next": None}
    assert client.get("/v1/jobs", headers=HEADERS).json()["jobs"] == []  # tenant 'default'


@pytest.mark.parametrize("database", DATABASES)
def test_the_store_scopes_reads_listings_and_counts_to_a_tenant(database, tmp_path):
    with job_database(database, tmp_path) as url:
        store = JobStore(url)
        try:
            mine = store.create("day-plan", {"x": 1}, tenant_id="acme")
            theirs = store.create("day-plan", {"x": 2}, tenant_id="beta")
            assert store.get(mine.id, tenant_id="acme") == store.get(mine.id)
            assert store.get(mine.id, tenant_id="beta") is None
            assert [j.id for j in store.list_jobs(tenant_id="beta")] == [theirs.id]
            assert {j.id for j in store.list_jobs()} == {mine.id, theirs.id}
            assert store.count_unfinished("acme") == 1
            store.cancel(mine.id)
            assert store.count_unfinished("acme") == 0 and store.count_unfinished("beta") == 1
        finally:
            store.dispose()
