"""POST /v1/day-plans/replan and the check-ins of a job (idempotent, 422 on bad input)."""

from __future__ import annotations

import datetime as dt
import time
import uuid

from service.day_plans.convert import to_account, to_plan, to_problem
from service.day_plans.schemas import AccountIn, DayPlanRequest, DayPlanResponse
from solver.model import Location
from solver.routing import check_plan, replan_problem

HEADERS = {"X-API-Key": "test-key"}
XS_KM = [0, 2, 4, 6, 8, 10, 5]  # home, a1..a5, and a free place for an urgent account


def line_request() -> dict:
    """One rep, five required one-hour visits along a road (100 s per km)."""
    size = len(XS_KM)
    seconds = [[abs(a - b) * 100 for b in XS_KM] for a in XS_KM]
    metres = [[abs(a - b) * 1000 for b in XS_KM] for a in XS_KM]
    return {
        "date": "2026-12-01",
        "reps": [
            {
                "id": "maria",
                "start": {"index": 0},
                "shift": {"start": "08:00", "end": "18:00"},
                "break": {"earliest": "12:00", "latest": "13:00", "duration_s": 1800},
                "cost_per_km": 0.5,
                "cost_per_hour": 30,
            }
        ],
        "accounts": [
            {"id": f"a{i}", "location": {"index": i}, "visit_duration_s": 3600, "required": True}
            for i in range(1, size - 1)
        ],
        "matrix": {"durations_s": seconds, "distances_m": metres},
        "options": {"time_limit_s": 1},
    }


def wait_for(client, job_id, timeout_s=60):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        job = client.get(f"/v1/jobs/{job_id}", headers=HEADERS).json()
        if job["status"] not in ("queued", "running"):
            assert job["status"] == "succeeded", job
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish")


def checked(request: dict, body: dict, response: dict) -> None:
    """The answer passes check_plan against the rest-of-day problem built independently."""
    problem = to_problem(DayPlanRequest.model_validate(request), default_network="none")
    urgent = tuple(
        to_account(AccountIn.model_validate({**a, "required": True}))
        for a in body.get("urgent", [])
    )
    problem = type(problem)(
        problem.date, problem.reps, problem.accounts + urgent, matrix=problem.matrix
    )
    rest = replan_problem(
        problem,
        rep_id=body["rep_id"],
        position=Location(index=body["position"]["index"]),
        now_s=int(body["now"][:2]) * 3600 + int(body["now"][3:5]) * 60,
        visited=set(body.get("done", [])),
    )
    plan = to_plan(DayPlanResponse.model_validate(response))
    assert check_plan(rest, plan) == []


def test_replan_of_a_request_skips_inserts_urgent_and_keeps_the_order(client):
    request = line_request()
    body = {
        "request": request,
        "previous_order": ["a1", "a2", "a3", "a4", "a5"],
        "rep_id": "maria",
        "position": {"index": 1},
        "now": "09:00",
        "done": ["a1"],
        "skipped": [{"account_id": "a3", "reason": "refused"}],
        "urgent": [{"id": "u1", "location": {"index": 6}, "visit_duration_s": 1800}],
    }
    response = client.post("/v1/day-plans/replan", json=body, headers=HEADERS)
    assert response.status_code == 200, response.text
    result = response.json()
    route = result["routes"][0]
    visits = [s["account_id"] for s in route["stops"] if s["type"] == "visit"]
    assert visits == ["a2", "u1", "a4", "a5"]
    assert result["changed_stops"] == 1 and result["kept_previous_order"] is True
    reasons = {u["account_id"]: u["reason"] for u in result["unassigned"]}
    assert reasons == {"a1": "ALREADY_VISITED", "a3": "SKIPPED"}
    assert route["day_end"] == route["stops"][-1]["arrival"]
    checked(request, body, result)


def test_replan_bad_input_is_422_naming_the_field(client):
    base = {"request": line_request(), "rep_id": "maria", "position": {"index": 1}, "now": "09:00"}
    cases = [
        ({"done": ["a1", "a1"]}, "done[1]"),
        ({"done": ["a1"], "skipped": [{"account_id": "a1", "reason": "closed"}]}, "skipped[0]"),
        ({"done": ["nope"]}, "visited"),
        ({"skipped": [{"account_id": "nope", "reason": "closed"}]}, "skipped"),
        ({"now": "19:00"}, "now_s"),
        ({"rep_id": "luca"}, "rep_id"),
    ]
    for extra, field in cases:
        response = client.post("/v1/day-plans/replan", json={**base, **extra}, headers=HEADERS)
        assert response.status_code == 422, (extra, response.text)
        assert field in response.json()["field"], (extra, response.json())
    neither = {k: v for k, v in base.items() if k != "request"}
    assert client.post("/v1/day-plans/replan", json=neither, headers=HEADERS).status_code == 422


def checkin(account_id, arrival, departure=None, status="done", **kw):
    body = {"id": str(uuid.uuid4()), "rep_id": "maria", "account_id": account_id}
    body.update(status=status, arrival=arrival, **kw)
    if departure:
        body["departure"] = departure
    return body


def test_checkins_are_stored_once_checked_and_feed_the_replan(client):
    submitted = client.post(
        "/v1/jobs", json={"kind": "day-plan", "request": line_request()}, headers=HEADERS
    )
    job_id = submitted.json()["id"]
    job = wait_for(client, job_id)
    planned = [s["account_id"] for s in job["result"]["routes"][0]["stops"] if s["account_id"]]
    url = f"/v1/jobs/{job_id}/checkins"
    first = checkin(planned[0], "08:25", "09:20")
    created = client.post(url, json=first, headers=HEADERS)
    assert created.status_code == 201, created.text
    assert created.json()["planned_arrival"] is not None
    retry = client.post(url, json=first, headers=HEADERS)  # the phone retries
    assert retry.status_code == 200 and retry.json() == created.json()
    changed = client.post(url, json={**first, "departure": "09:30"}, headers=HEADERS)
    assert changed.status_code == 409
    bad = [
        (checkin(planned[0], "09:40", "10:00"), "account_id"),  # done twice
        (checkin(planned[1], "09:00", "09:50"), "arrival"),  # before the last check-in
        (checkin("nope", "09:40", "10:00"), "account_id"),  # unknown account
        (checkin(planned[1], "09:40", status="skipped"), "reason"),  # a skip needs one
    ]
    for body, field in bad:
        response = client.post(url, json=body, headers=HEADERS)
        assert response.status_code == 422, (body, response.text)
        error = response.json()
        assert field in str(error["field"]) or f"{field}:" in error["detail"], (body, error)
    skip = checkin(planned[1], "09:35", status="skipped", reason="closed")
    assert client.post(url, json=skip, headers=HEADERS).status_code == 201
    listed = client.get(url, headers=HEADERS).json()
    assert [c["id"] for c in listed["checkins"]] == [first["id"], skip["id"]]  # once each
    kpi = listed["kpis"][0]
    assert (kpi["meetings_planned"], kpi["meetings_held"], kpi["skipped"]) == (5, 1, 1)
    assert kpi["actual_travel_s"] == 15 * 60 and kpi["legs_measured"] == 1
    # the re-plan of the job counts the stored check-ins as done and skipped
    body = {"job_id": job_id, "rep_id": "maria", "position": {"index": 2}, "now": "09:40"}
    result = client.post("/v1/day-plans/replan", json=body, headers=HEADERS).json()
    reasons = {u["account_id"]: u["reason"] for u in result["unassigned"]}
    assert reasons == {planned[0]: "ALREADY_VISITED", planned[1]: "SKIPPED"}
    assert result["previous_order"] == planned[2:]
    assert result["changed_stops"] == 0
    missing = client.post("/v1/day-plans/replan", json={**body, "job_id": "nope"}, headers=HEADERS)
    assert missing.status_code == 404


def test_today_page_is_served_with_the_page_policy(client):
    page = client.get("/today")
    assert page.status_code == 200
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert client.get("/static/today/today.js").status_code == 200


def test_a_position_off_the_road_network_is_422(road_client, monaco_network):
    from tests.ui.conftest import road_points

    (home_lat, home_lon), *places = road_points(monaco_network, 3)
    request = {
        "network": "monaco",
        "date": "2026-12-01",
        "reps": [
            {
                "id": "maria",
                "start": {"lat": home_lat, "lon": home_lon},
                "shift": {"start": "08:00", "end": "13:00"},
            }
        ],
        "accounts": [
            {"id": f"p{i}", "location": {"lat": lat, "lon": lon}}
            for i, (lat, lon) in enumerate(places)
        ],
        "options": {"time_limit_s": 1},
    }
    body = {"request": request, "rep_id": "maria", "now": "09:00"}
    at_sea = {**body, "position": {"lat": 43.70, "lon": 7.50}}  # 5 km offshore
    response = road_client.post("/v1/day-plans/replan", json=at_sea, headers=HEADERS)
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "position"
    ashore = {**body, "position": {"lat": places[0][0], "lon": places[0][1]}}
    response = road_client.post("/v1/day-plans/replan", json=ashore, headers=HEADERS)
    assert response.status_code == 200, response.text


def test_a_postponed_visit_of_a_schedule_day_moves_to_a_later_day(client):
    from service.schedules.convert import day_problem_of, to_schedule, to_schedule_problem
    from service.schedules.schemas import ScheduleRequest
    from tests.service.test_schedules_api import DAYS, assert_schedule_checked, schedule_request

    request = schedule_request()
    submitted = client.post(
        "/v1/jobs", json={"kind": "visit-schedule", "request": request}, headers=HEADERS
    )
    job = wait_for(client, submitted.json()["id"])
    first = [v for v in job["result"]["visits"] if v["account_id"] == "A1"][0]
    date, rep_id = first["date"], first["rep_id"]
    assert date < DAYS[-2].isoformat()  # room for a later visit two days apart
    body = {
        "job_id": job["id"],
        "date": date,
        "rep_id": rep_id,
        "position": {"index": 0},
        "now": "08:00",
        "skipped": [{"account_id": "A1", "reason": "postponed"}],
    }
    response = client.post("/v1/day-plans/replan", json=body, headers=HEADERS)
    assert response.status_code == 200, response.text
    result = response.json()
    assert {u["account_id"]: u["reason"] for u in result["unassigned"]}["A1"] == "SKIPPED"
    assert [v["account_id"] for v in result["postponed_to"]] == ["A1"]
    assert result["postponed_to"][0]["date"] > date
    a1_dates = [v["date"] for v in result["schedule"]["visits"] if v["account_id"] == "A1"]
    assert date not in a1_dates and len(a1_dates) == 2  # both visits still in the horizon
    assert_schedule_checked(request, result["schedule"])
    # the re-planned day itself passes check_plan on its rest-of-day problem
    problem = to_schedule_problem(ScheduleRequest.model_validate(request), default_network="x")
    day = to_schedule(job["result"]).day(dt.date.fromisoformat(date))
    rest = replan_problem(
        day_problem_of(problem, day, {rep_id}),
        rep_id=rep_id,
        position=Location(index=0),
        now_s=8 * 3600,
        visited=(),
    )
    assert check_plan(rest, to_plan(DayPlanResponse.model_validate(result))) == []
