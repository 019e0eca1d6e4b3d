"""Visit schedules with accounts given by address, and schedules as CSV (sync and job)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from service.schedules.convert import (
    day_problem_of,
    placed_request,
    schedule_csv,
    to_schedule,
    to_schedule_problem,
)
from service.schedules.schemas import ScheduleRequest, ScheduleResponse
from solver.model import Plan, SolverInfo, SolveStatus
from solver.routing import check_plan
from solver.schedule import check_schedule
from tests.service.conftest import HEADERS
from tests.service.test_api import wait_for
from tests.service.test_schedules_api import schedule_request

#: Monday 7 .. Friday 11 December 2026.
DAYS = [(dt.date(2026, 12, 7) + dt.timedelta(days=i)).isoformat() for i in range(5)]
HOME = {"lat": 43.7390, "lon": 7.4270}


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def address_request() -> dict[str, Any]:
    """Monaco, one rep, a week: two accounts by address (one not found), one by location."""
    return {
        "horizon": {"days": DAYS},
        "reps": [{"id": "r1", "start": HOME, "shift": {"start": "08:00", "end": "17:00"}}],
        "accounts": [
            {
                "id": "a1",
                "name": '=HYPERLINK("http://x")',
                "address": "4 Avenue de la Madone, 98000 Monaco",
                "visits": 2,
                "min_gap_days": 2,
                "visit_duration_s": 900,
            },
            {"id": "a2", "address": "Nowhere street 1, Atlantis", "visits": 3},
            {"id": "a3", "location": {"lat": 43.7300, "lon": 7.4170}, "visit_duration_s": 900},
        ],
        # an appointment of the account that cannot be placed goes with it
        "appointments": [{"rep_id": "r1", "account_id": "a2", "date": DAYS[1], "start": "10:00"}],
        "options": {"time_limit_s": 2},
    }


def assert_checked_on(network, request: ScheduleRequest, response: dict[str, Any]) -> None:
    """The independent checkers accept the schedule and each of its days on the network."""
    problem = to_schedule_problem(request, default_network="monaco")
    schedule = to_schedule(response)
    assert check_schedule(problem, schedule, network=network) == []
    for day in schedule.days:
        plan = Plan(day.date, day.routes, (), SolverInfo(SolveStatus.HAND_MADE, 0, 1.0, 0.0))
        assert check_plan(day_problem_of(problem, day), plan, network=network) == []


def test_visit_schedule_places_accounts_by_address_and_reports_not_geocoded(
    road_client, monaco_network
):
    request = address_request()
    answer = road_client.post("/v1/visit-schedules", json=request, headers=HEADERS)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    qualities = {g["account_id"]: (g["quality"], g["placed"]) for g in body["geocoding"]}
    assert qualities == {"a1": ("address", True), "a2": (qualities["a2"][0], False)}
    missing = {u["account_id"]: (u["missing"], u["reason"]) for u in body["unassigned"]}
    assert missing == {"a2": (3, "NOT_GEOCODED")}
    assert body["summary"]["visits_requested"] == 6 and body["summary"]["visits_planned"] == 3
    a1 = sorted(v["date"] for v in body["visits"] if v["account_id"] == "a1")
    assert len(a1) == 2
    assert (dt.date.fromisoformat(a1[1]) - dt.date.fromisoformat(a1[0])).days >= 2
    # the schedule as planned (a1 where the geocoder put it, a2 left out) passes the checkers
    located = placed_request(ScheduleRequest.model_validate(request), ScheduleResponse(**body))
    assert [a.id for a in located.accounts] == ["a1", "a3"] and located.appointments == []
    assert located.accounts[0].location.lat > 43.7
    solved = {**body, "unassigned": [u for u in body["unassigned"] if u["account_id"] != "a2"]}
    assert_checked_on(monaco_network, located, solved)


def test_visit_schedule_csv_has_a_row_per_visit_and_per_missing_account(road_client):
    request = address_request()
    answer = road_client.post("/v1/visit-schedules?format=csv", json=request, headers=HEADERS)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/csv")
    rows = _rows(answer.text)
    planned = road_client.post("/v1/visit-schedules", json=request, headers=HEADERS).json()
    visits = [r for r in rows if r["date"]]
    assert [(r["account_id"], r["rep_id"], r["date"], r["start"]) for r in visits] == sorted(
        ((v["account_id"], v["rep_id"], v["date"], v["start"]) for v in planned["visits"]),
        key=lambda v: (v[2], v[1], v[3]),
    )
    assert {r["appointment"] for r in visits} == {"false"}
    assert [
        (r["account_id"], r["missing"], r["unassigned_reason"]) for r in rows[len(visits) :]
    ] == [("a2", "3", "NOT_GEOCODED")]
    # formula-injection guard on text cells
    assert {r["name"] for r in rows if r["account_id"] == "a1"} == {'\'=HYPERLINK("http://x")'}
    kpi = road_client.post("/v1/visit-schedules?format=kpi-csv", json=request, headers=HEADERS)
    weeks = _rows(kpi.text)
    assert [(r["rep_id"], r["period"], r["visits"]) for r in weeks] == [("r1", "2026-W50", "3")]


def test_visit_schedule_job_result_as_csv_and_a_day_of_an_address_account(road_client):
    request = address_request()
    created = road_client.post(
        "/v1/jobs", json={"kind": "visit-schedule", "request": request}, headers=HEADERS
    )
    assert created.status_code == 202, created.text
    job = wait_for(road_client, created.json()["id"])
    assert job["status"] == "succeeded", job
    result = job["result"]
    text = road_client.get(f"/v1/jobs/{job['id']}", params={"format": "csv"}, headers=HEADERS)
    assert text.status_code == 200, text.text
    expected = schedule_csv(ScheduleRequest.model_validate(request), ScheduleResponse(**result))
    assert text.text == expected
    assert len(_rows(text.text)) == len(result["visits"]) + len(result["unassigned"])
    # the day of a visit to the account given by address exports like a day plan
    date = next(v["date"] for v in result["visits"] if v["account_id"] == "a1")
    day = road_client.get(
        f"/v1/jobs/{job['id']}/days/{date}", params={"rep_id": "r1"}, headers=HEADERS
    )
    assert day.status_code == 200, day.text
    stops = [s for s in day.json()["routes"][0]["stops"] if s.get("account_id") == "a1"]
    assert len(stops) == 1 and stops[0]["location"]["lat"] > 43.7
    ics = road_client.get(f"/v1/jobs/{job['id']}/calendar.ics", headers=HEADERS)
    assert ics.status_code == 200 and ics.text.count("BEGIN:VEVENT") == len(result["visits"])


def test_matrix_schedule_csv_marks_appointments(client):
    request = schedule_request()
    answer = client.post("/v1/visit-schedules?format=csv", json=request, headers=HEADERS)
    assert answer.status_code == 200, answer.text
    rows = _rows(answer.text)
    booked = {(a["account_id"], a["date"]) for a in request["appointments"]}
    assert (
        booked
        and {(r["account_id"], r["date"]) for r in rows if r["appointment"] == "true"} == booked
    )
    assert all(r["unassigned_reason"] == "" for r in rows)


def test_appointment_of_an_account_given_by_address_is_checked_once_placed(road_client):
    request = address_request()
    request["appointments"] = [
        {"rep_id": "r1", "account_id": "a1", "date": DAYS[1], "start": "20:00"}
    ]
    answer = road_client.post("/v1/visit-schedules", json=request, headers=HEADERS)
    assert answer.status_code == 422, answer.text
    assert answer.json()["field"].startswith("appointments[0]")
