"""Visit schedules over HTTP and the CLI: sync, job + days + exports, re-plan, bad input.

Every schedule returned goes through ``check_schedule`` and every one of its days
through ``check_plan`` (:func:`assert_schedule_checked`).
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import math
from typing import Any

import icalendar
import pytest
from fastapi.testclient import TestClient

from service.app import create_app
from service.cli import main
from service.day_plans.convert import to_plan
from service.day_plans.schemas import DayPlanResponse
from service.schedules.convert import day_problem_of, to_schedule, to_schedule_problem
from service.schedules.schemas import ScheduleRequest
from solver.model import Plan, SolverInfo, SolveStatus
from solver.routing import check_plan
from solver.schedule import check_schedule
from tests.service.conftest import HEADERS, make_settings
from tests.service.test_api import wait_for

#: Monday 7 December 2026 .. Friday 11 December 2026.
DAYS = [dt.date(2026, 12, 7) + dt.timedelta(days=i) for i in range(5)]
#: Depot, then five accounts on a plane (1 unit = 1 km = 60 s of driving).
POINTS = [(0, 0), (1, 0), (0, 1), (2, 2), (-1, 1), (1, -1)]


def matrix() -> dict[str, list[list[int]]]:
    km = [[math.dist(a, b) for b in POINTS] for a in POINTS]
    return {
        "durations_s": [[round(d * 60) for d in row] for row in km],
        "distances_m": [[round(d * 1000) for d in row] for row in km],
    }


def schedule_request(**changes: Any) -> dict[str, Any]:
    """One week, two reps, five accounts: a gap, a weekday, opening hours, an appointment."""
    request = {
        "horizon": {"days": [d.isoformat() for d in DAYS]},
        "reps": [
            {
                "id": "r1",
                "start": {"index": 0},
                "shift": {"start": "08:00", "end": "17:00"},
                "cost_per_km": 1.0,
            },
            {
                "id": "r2",
                "start": {"index": 0},
                "shift": {"start": "08:00", "end": "17:00"},
                "cost_per_km": 1.0,
            },
        ],
        "accounts": [
            {
                "id": "A1",
                "location": {"index": 1},
                "visit_duration_s": 1800,
                "required": True,
                "visits": 2,
                "min_gap_days": 2,
            },
            {
                "id": "A2",
                "location": {"index": 2},
                "visit_duration_s": 1800,
                "required": True,
                "weekdays": [2],
            },
            {
                "id": "A3",
                "location": {"index": 3},
                "visit_duration_s": 1800,
                "required": True,
                "opening_hours": "Mo,Tu 09:00-12:00",
            },
            {"id": "A4", "location": {"index": 4}, "visit_duration_s": 1800, "required": True},
            {
                "id": "A5",
                "location": {"index": 5},
                "visit_duration_s": 1800,
                "required": True,
                "visits": 2,
                "same_rep": False,
            },
        ],
        "appointments": [
            {"rep_id": "r1", "account_id": "A4", "date": DAYS[3].isoformat(), "start": "10:00"}
        ],
        "matrix": matrix(),
        "options": {"time_limit_s": 2, "seed": 1},
    }
    request.update(changes)
    return request


def assert_schedule_checked(request: dict[str, Any], response: dict[str, Any]) -> None:
    """The independent checkers accept the schedule and every one of its days."""
    problem = to_schedule_problem(ScheduleRequest.model_validate(request), default_network="x")
    schedule = to_schedule(response)
    assert check_schedule(problem, schedule) == []
    for day in schedule.days:
        plan = Plan(day.date, day.routes, (), SolverInfo(SolveStatus.HAND_MADE, 0, 1.0, 0.0))
        assert check_plan(day_problem_of(problem, day), plan) == []


def visit_rows(response: dict[str, Any], account_id: str) -> list[dict[str, Any]]:
    return [v for v in response["visits"] if v["account_id"] == account_id]


@pytest.fixture
def schedule_client(tmp_path) -> TestClient:
    with TestClient(create_app(make_settings(tmp_path))) as client:
        yield client


def test_visit_schedule_plans_every_visit_by_the_rules_and_passes_the_checkers(schedule_client):
    request = schedule_request()
    response = schedule_client.post("/v1/visit-schedules", json=request, headers=HEADERS)
    assert response.status_code == 200, response.text
    body = response.json()
    assert_schedule_checked(request, body)
    assert body["summary"]["visits_requested"] == body["summary"]["visits_planned"] == 7
    assert body["unassigned"] == []
    a1 = sorted(dt.date.fromisoformat(v["date"]) for v in visit_rows(body, "A1"))
    assert (a1[1] - a1[0]).days >= 2
    assert len({v["rep_id"] for v in visit_rows(body, "A1")}) == 1  # same_rep by default
    assert [v["date"] for v in visit_rows(body, "A2")] == [DAYS[2].isoformat()]  # Wednesday
    assert dt.date.fromisoformat(visit_rows(body, "A3")[0]["date"]).weekday() in (0, 1)
    (a4,) = visit_rows(body, "A4")
    assert (a4["date"], a4["rep_id"], a4["start"], a4["appointment"]) == (
        DAYS[3].isoformat(),
        "r1",
        "10:00:00",
        True,
    )
    assert [d["date"] for d in body["days"]] == [d.isoformat() for d in DAYS]
    reps = {k["rep_id"] for k in body["summary"]["per_rep"]}
    assert reps == {"r1", "r2"} and body["summary"]["per_week"][0]["week"] == "2026-W50"
    # every day's routes read as a day-plan response
    DayPlanResponse.model_validate(
        {**body["days"][0], "unassigned": [], "summary": {}, "solver": body["solver"]}
    )


def test_a_horizon_from_start_end_leaves_out_public_holidays(schedule_client):
    # 8 December (Immaculate Conception) is a public holiday of Malta.
    horizon = {"start": "2026-12-07", "end": "2026-12-11", "country": "MT"}
    request = schedule_request(horizon=horizon, appointments=[])
    request["accounts"][1]["weekdays"] = []
    for rep in request["reps"]:  # nobody works on Friday
        rep["days_off"] = ["2026-12-11"]
    response = schedule_client.post("/v1/visit-schedules", json=request, headers=HEADERS)
    assert response.status_code == 200, response.text
    dates = [d["date"] for d in response.json()["days"]]
    assert "2026-12-08" not in dates and len(dates) == 4
    assert response.json()["days"][-1] == {"date": "2026-12-11", "routes": []}
    assert_schedule_checked(request, response.json())


def test_an_impossible_frequency_comes_back_unassigned_with_its_reason(schedule_client):
    request = schedule_request()
    request["accounts"][0].update(visits=3, min_gap_days=3)  # Mon, Thu, then Sun at best
    response = schedule_client.post("/v1/visit-schedules", json=request, headers=HEADERS)
    assert response.status_code == 200, response.text
    body = response.json()
    (missing,) = [u for u in body["unassigned"] if u["account_id"] == "A1"]
    assert missing["reason"] == "SPACING_INFEASIBLE" and "A1" in missing["detail"]
    assert missing["missing"] + len(visit_rows(body, "A1")) == 3
    assert_schedule_checked(request, body)


def test_clock_values_beyond_two_days_are_accepted_for_schedules_only(schedule_client):
    request = schedule_request(appointments=[])
    for rep in request["reps"]:
        rep["shift"] = {"start": "08:00", "end": "120:00"}
    response = schedule_client.post("/v1/visit-schedules", json=request, headers=HEADERS)
    assert response.status_code == 200, response.text
    assert_schedule_checked(request, response.json())
    request["reps"][0]["shift"]["end"] = "1000:00"
    refused = schedule_client.post("/v1/visit-schedules", json=request, headers=HEADERS)
    assert refused.status_code == 422 and refused.json()["field"] == "reps[0].shift.end"
    day_plan = {
        "date": "2026-12-07",
        "reps": [{"id": "r", "start": {"index": 0}, "shift": {"start": "08:00", "end": "120:00"}}],
        "matrix": {"durations_s": [[0]], "distances_m": [[0]]},
    }
    assert schedule_client.post("/v1/day-plans", json=day_plan, headers=HEADERS).status_code == 422


def _bad(path: str, value: Any, request: dict[str, Any] | None = None) -> dict[str, Any]:
    request = copy.deepcopy(request or schedule_request())
    *head, last = path.split(".")
    node: Any = request
    for part in head:
        node = node[int(part)] if part.isdigit() else node[part]
    node[int(last) if last.isdigit() else last] = value
    return request


@pytest.mark.parametrize(
    ("path", "value", "field", "words"),
    [
        ("accounts.0.patterns", [[0]], "accounts[0].patterns[0]", "accounts[0] 'A1'"),
        ("accounts.0.patterns", [[0, 7]], "accounts[0].patterns[0]", "outside the horizon"),
        ("accounts.0.max_gap_days", 1, "accounts[0].min_gap_days", "greater than max_gap_days"),
        ("accounts.2.opening_hours", "Mo-Fr 25:99", "accounts[2].opening_hours", "not valid OSM"),
        ("appointments.0.start", "16:45", "appointments[0].start", "outside rep 'r1''s shift"),
        ("appointments.0.account_id", "A9", "appointments[0].account_id", "'A9' is unknown"),
        ("horizon.days", ["2026-12-08", "2026-12-07"], "horizon.days[1]", "strictly increasing"),
    ],
)
def test_bad_schedule_input_is_a_422_naming_the_field(schedule_client, path, value, field, words):
    request = _bad(path, value)
    response = schedule_client.post("/v1/visit-schedules", json=request, headers=HEADERS)
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["error"] == "invalid_request" and body["field"] == field
    assert words in body["detail"]
    # the same request as a job is refused at once, its field under "request."
    job = schedule_client.post(
        "/v1/jobs", json={"kind": "visit-schedule", "request": request}, headers=HEADERS
    )
    assert job.status_code == 422 and job.json()["field"] == f"request.{field}"


def test_a_large_schedule_gets_a_413_pointing_to_jobs(schedule_client):
    request = schedule_request(appointments=[])
    request["accounts"] = [
        {"id": f"B{i}", "location": {"index": 1 + i % 5}, "visit_duration_s": 60} for i in range(51)
    ]
    response = schedule_client.post("/v1/visit-schedules", json=request, headers=HEADERS)
    assert response.status_code == 413 and "/v1/jobs" in response.json()["detail"]


def _events(response) -> list[Any]:
    assert response.status_code == 200, response.text
    return icalendar.Calendar.from_ical(response.content).walk("VEVENT")


def test_a_schedule_job_reports_progress_and_serves_each_reps_day_and_exports(schedule_client):
    request = schedule_request()
    posted = schedule_client.post(
        "/v1/jobs", json={"kind": "visit-schedule", "request": request}, headers=HEADERS
    )
    assert posted.status_code == 202, posted.text
    job = wait_for(schedule_client, posted.json()["id"])
    assert job["status"] == "succeeded" and job["progress"] == 1.0
    assert job["best_cost"] is not None
    result = job["result"]
    assert_schedule_checked(request, result)
    jid = job["id"]
    problem = to_schedule_problem(ScheduleRequest.model_validate(request), default_network="x")
    for day in DAYS:
        for rep_id in ("r1", "r2"):
            got = schedule_client.get(
                f"/v1/jobs/{jid}/days/{day}", params={"rep_id": rep_id}, headers=HEADERS
            )
            assert got.status_code == 200, got.text
            one = DayPlanResponse.model_validate(got.json())
            assert {r.rep_id for r in one.routes} <= {rep_id}
            wanted = sorted(
                v["account_id"]
                for v in result["visits"]
                if v["date"] == day.isoformat() and v["rep_id"] == rep_id
            )
            visited = sorted(a for r in one.routes for a in to_plan(one).routes[0].account_ids)
            assert visited == wanted
            plan = to_plan(one)
            schedule_day = to_schedule(result).day(day)
            routes = tuple(r for r in schedule_day.routes if r.rep_id == rep_id)
            day_problem = day_problem_of(problem, type(schedule_day)(day, routes))
            assert check_plan(day_problem, plan) == []
            # the day exports of the same job, for that rep and date
            params = {"rep_id": rep_id, "date": day.isoformat()}
            events = _events(
                schedule_client.get(f"/v1/jobs/{jid}/calendar.ics", params=params, headers=HEADERS)
            )
            assert len(events) == len(wanted)
            gpx = schedule_client.get(f"/v1/jobs/{jid}/route.gpx", params=params, headers=HEADERS)
            assert gpx.status_code == 200 and "<gpx" in gpx.text
            links = schedule_client.get(f"/v1/jobs/{jid}/links", params=params, headers=HEADERS)
            assert links.status_code == 200
    # the whole call cycle of one rep in one calendar
    whole = _events(
        schedule_client.get(
            f"/v1/jobs/{jid}/calendar.ics", params={"rep_id": "r1"}, headers=HEADERS
        )
    )
    r1_visits = [v for v in result["visits"] if v["rep_id"] == "r1"]
    assert len(whole) == len(r1_visits) >= 2
    assert {str(e["dtstart"].dt.date()) for e in whole} == {v["date"] for v in r1_visits}
    # a schedule export needs a date; dates outside the horizon and unknown reps are 404
    no_date = schedule_client.get(f"/v1/jobs/{jid}/route.gpx", headers=HEADERS)
    assert no_date.status_code == 422 and no_date.json()["field"] == "date"
    saturday = schedule_client.get(f"/v1/jobs/{jid}/days/2026-12-12", headers=HEADERS)
    assert saturday.status_code == 404 and saturday.json()["field"] == "date"
    nobody = schedule_client.get(
        f"/v1/jobs/{jid}/days/{DAYS[0]}", params={"rep_id": "zz"}, headers=HEADERS
    )
    assert nobody.status_code == 404


def test_replan_after_a_sick_day_keeps_the_past_and_moves_few_visits(schedule_client):
    request = schedule_request()
    first = schedule_client.post("/v1/visit-schedules", json=request, headers=HEADERS).json()
    sick_day = DAYS[2]
    replan = {
        "request": request,
        "previous": first,
        "today": DAYS[1].isoformat(),
        "disruption": {"sick": [{"rep_id": "r2", "dates": [sick_day.isoformat()]}]},
    }
    response = schedule_client.post("/v1/visit-schedules/replan", json=replan, headers=HEADERS)
    assert response.status_code == 200, response.text
    body = response.json()
    disrupted = copy.deepcopy(request)
    disrupted["reps"][1]["days_off"] = [sick_day.isoformat()]
    assert_schedule_checked(disrupted, body)
    assert not [v for v in body["visits"] if v["rep_id"] == "r2" and v["date"] == str(sick_day)]
    assert body["days"][0] == first["days"][0]  # the past stays as it was
    before = {(v["account_id"], v["date"], v["rep_id"]) for v in first["visits"]}
    after = {(v["account_id"], v["date"], v["rep_id"]) for v in body["visits"]}
    moved_off_sick = {v for v in before if v[2] == "r2" and v[1] == str(sick_day)}
    assert len(before - after) <= len(moved_off_sick) + 1  # few changes beyond the sick day
    assert body["summary"]["visits_planned"] == first["summary"]["visits_planned"]


def test_replan_by_job_id_adds_and_drops_accounts_and_moves_an_appointment(schedule_client):
    request = schedule_request()
    posted = schedule_client.post(
        "/v1/jobs", json={"kind": "visit-schedule", "request": request}, headers=HEADERS
    )
    job = wait_for(schedule_client, posted.json()["id"])
    added = {"id": "A6", "location": {"index": 2}, "visit_duration_s": 600, "required": True}
    replan = {
        "job_id": job["id"],
        "today": DAYS[0].isoformat(),
        "disruption": {
            "added_accounts": [added],
            "dropped_accounts": ["A3"],
            "moved_appointments": [
                {
                    "account_id": "A4",
                    "date": DAYS[3].isoformat(),
                    "new_date": DAYS[4].isoformat(),
                    "new_start": "11:00",
                }
            ],
        },
    }
    response = schedule_client.post("/v1/visit-schedules/replan", json=replan, headers=HEADERS)
    assert response.status_code == 200, response.text
    body = response.json()
    assert not visit_rows(body, "A3") and len(visit_rows(body, "A6")) == 1
    (a4,) = visit_rows(body, "A4")
    assert (a4["date"], a4["start"], a4["rep_id"]) == (DAYS[4].isoformat(), "11:00:00", "r1")
    disrupted = copy.deepcopy(request)
    disrupted["accounts"] = [a for a in disrupted["accounts"] if a["id"] != "A3"] + [added]
    disrupted["appointments"][0].update(date=DAYS[4].isoformat(), start="11:00")
    assert_schedule_checked(disrupted, body)


def test_replan_refuses_a_disruption_naming_what_the_schedule_lacks(schedule_client):
    request = schedule_request()
    first = schedule_client.post("/v1/visit-schedules", json=request, headers=HEADERS).json()
    replan = {
        "request": request,
        "previous": first,
        "today": DAYS[1].isoformat(),
        "disruption": {"sick": [{"rep_id": "nobody", "dates": [DAYS[2].isoformat()]}]},
    }
    response = schedule_client.post("/v1/visit-schedules/replan", json=replan, headers=HEADERS)
    assert response.status_code == 422 and response.json()["field"] == "disruption.sick[0].rep_id"
    replan["disruption"] = {"sick": [{"rep_id": "r1", "dates": [DAYS[3].isoformat()]}]}
    response = schedule_client.post("/v1/visit-schedules/replan", json=replan, headers=HEADERS)
    # r1's appointment is on that date: the disrupted request itself is refused
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "request.appointments[0].date"


def test_schedule_command_prints_the_schedule_response(tmp_path, capsys):
    request = schedule_request()
    path = tmp_path / "request.json"
    path.write_text(json.dumps(request))
    assert main(["schedule", str(path), "--time-limit-s", "1"]) == 0
    response = json.loads(capsys.readouterr().out)
    assert response["solver"]["seed"] == 1 and response["solver"]["time_limit_s"] == 1.0
    assert_schedule_checked(request, response)


def test_schedule_command_reports_bad_input_in_one_sentence_and_exits_2(tmp_path, capsys):
    path = tmp_path / "request.json"
    path.write_text(json.dumps(_bad("accounts.0.patterns", [[0, 9]])))
    assert main(["schedule", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("fieldroute schedule: accounts[0] 'A1'") and "outside the horizon" in err
