"""Regression tests of issue 15 (items 3, 7, 9, 14): defaults, every error, statuses, leaks."""

from __future__ import annotations

import json

from service.cli import main
from service.common.schemas import SolverOut
from service.day_plans.schemas import AccountIn
from service.jobs import executors, lease
from service.schedules.schemas import ScheduleAccountIn
from service.territories.schemas import TerritoryAccountIn
from solver.model import DEFAULT_VISIT_DURATION_S, Account, Location, SolveStatus
from solver.schedule import ScheduleAccount
from solver.territory.model import TerritoryAccount
from tests.service.conftest import HEADERS
from tests.service.test_api import assert_checked, matrix_day_plan, monaco_day_plan


def _visits(body):
    return [s for route in body["routes"] for s in route["stops"] if s["type"] == "visit"]


# ----------------------------------------------------------------- 3: one visit default


def test_visit_duration_has_one_default_in_every_capability():
    assert DEFAULT_VISIT_DURATION_S == 1800
    defaults = {
        "day-plan account": AccountIn.model_fields["visit_duration_s"].default,
        "territory account": TerritoryAccountIn.model_fields["visit_duration_s"].default,
        "schedule account": ScheduleAccountIn.model_fields["visit_duration_s"].default,
        "solver schedule account": ScheduleAccount(
            Account("a", Location(index=0))
        ).account.visit_duration_s,
        "solver account": Account("a", Location(index=0)).visit_duration_s,
        "solver territory account": TerritoryAccount("a", Location(index=0)).visit_duration_s,
    }
    assert set(defaults.values()) == {1800}, defaults
    for model in (AccountIn, TerritoryAccountIn, ScheduleAccountIn):
        assert "1800" in model.model_fields["visit_duration_s"].description


def test_day_plan_visit_without_a_duration_lasts_half_an_hour_and_zero_only_when_asked(client):
    request = matrix_day_plan()
    for account in request["accounts"]:
        account.pop("visit_duration_s")
        account.pop("windows", None)
    response = client.post("/v1/day-plans", json=request, headers=HEADERS)
    assert response.status_code == 200, response.text
    body = response.json()
    assert_checked(request, body)
    visits = _visits(body)
    assert visits
    for stop in visits:
        assert _seconds(stop["departure"]) - _seconds(stop["start"]) == 1800
    request["accounts"][0]["visit_duration_s"] = 0
    body = client.post("/v1/day-plans", json=request, headers=HEADERS).json()
    zero = [s for s in _visits(body) if s["account_id"] == request["accounts"][0]["id"]]
    assert zero and zero[0]["start"] == zero[0]["departure"]


def _seconds(clock):
    parts = [int(p) for p in clock.split(":")] + [0]
    return parts[0] * 3600 + parts[1] * 60 + parts[2]


# ----------------------------------------------------------- 7: every error is reported


def test_every_validation_error_is_reported_with_its_entity_and_field(client):
    request = matrix_day_plan()
    request["accounts"][0]["windows"] = [{"start": "10:00", "end": "09:00"}]
    request["accounts"][2]["priority"] = 0
    request["reps"][0]["shift"] = {"start": "12:00", "end": "08:00"}
    response = client.post("/v1/day-plans", json=request, headers=HEADERS)
    assert response.status_code == 422
    body = response.json()
    errors = body["errors"]
    assert len(errors) == 3, errors
    assert (body["detail"], body["field"]) == (errors[0]["detail"], errors[0]["field"])
    assert "more error" not in body["detail"]
    text = " | ".join(e["detail"] for e in errors)
    assert "reps[0] 'r1'" in text and "shift end 08:00 is not after start 12:00" in text
    assert "accounts[0] 'A1'" in text and "window end 09:00 is before start 10:00" in text
    assert "accounts[2] 'A3'" in text and "priority" in text
    assert {e["field"] for e in errors} >= {"accounts[2].priority"}


def test_every_domain_error_of_the_request_is_reported(client):
    request = matrix_day_plan()
    request["accounts"][0]["visit_within_window"] = True
    request["accounts"][0]["windows"] = [{"start": "09:00", "end": "09:10"}]
    request["accounts"][2]["visit_within_window"] = True  # 600 s visit, 5 min window
    request["accounts"][1]["location"] = {"index": 99}  # outside the matrix
    response = client.post("/v1/day-plans", json=request, headers=HEADERS)
    assert response.status_code == 422, response.text
    errors = response.json()["errors"]
    named = [e["detail"].split(":")[0] for e in errors]
    assert any(n.startswith("accounts[0] 'A1'") for n in named), errors
    assert any(n.startswith("accounts[2] 'A3'") for n in named), errors
    assert response.json()["detail"] == errors[0]["detail"]


def test_every_bad_request_of_a_batch_is_reported(client):
    first, second = matrix_day_plan(), matrix_day_plan()
    second["reps"][0]["id"] = "r2"
    first["accounts"][0]["visit_within_window"] = True
    first["accounts"][0]["windows"] = [{"start": "09:00", "end": "09:10"}]
    second["accounts"][2]["visit_within_window"] = True
    response = client.post(
        "/v1/day-plans/batch", json={"requests": [first, second]}, headers=HEADERS
    )
    assert response.status_code == 422, response.text
    fields = [e["field"] for e in response.json()["errors"]]
    assert any(f.startswith("requests[0].accounts[0]") for f in fields), fields
    assert any(f.startswith("requests[1].accounts[2]") for f in fields), fields


def test_an_error_that_is_not_about_the_content_still_has_its_one_item_list(client):
    response = client.get("/v1/jobs/nope", headers=HEADERS)
    assert response.status_code == 404
    body = response.json()
    assert body["errors"] == [{"detail": body["detail"], "field": body["field"]}]


def test_the_command_line_prints_every_error_of_a_request(tmp_path, capsys):
    request = matrix_day_plan()
    request["accounts"][0]["windows"] = [{"start": "10:00", "end": "09:00"}]
    request["accounts"][2]["priority"] = 0
    path = tmp_path / "request.json"
    path.write_text(json.dumps(request))
    assert main(["plan", str(path)]) == 2
    err = capsys.readouterr().err
    assert "accounts[0] 'A1'" in err and "accounts[2] 'A3'" in err


# ------------------------------------------------------ 9: fieldroute's own statuses


def test_solver_status_is_one_of_fieldroutes_documented_statuses(client):
    request = matrix_day_plan()
    request["accounts"] = request["accounts"][:1]  # a one-visit day
    body = client.post("/v1/day-plans", json=request, headers=HEADERS).json()
    status = body["solver"]["status"]
    assert status in {s.value for s in SolveStatus}, status
    assert not status.upper().startswith("ROUTING")
    request["accounts"] = []
    empty = client.post("/v1/day-plans", json=request, headers=HEADERS).json()
    assert empty["solver"]["status"] == "empty"
    described = SolverOut.model_fields["status"].description
    assert all(f"`{s.value}`" in described for s in SolveStatus)
    schema = client.get("/openapi.json").json()["components"]["schemas"]
    assert set(schema["SolveStatus"]["enum"]) == {s.value for s in SolveStatus}


def test_territory_and_check_statuses_are_fieldroutes_own(client):
    hand_made = {**matrix_day_plan(), "orders": {"r1": ["A1", "A2"]}}
    body = client.post("/v1/day-plans/check", json=hand_made, headers=HEADERS).json()
    assert body["solver"]["status"] == "hand_made"
    territories = {
        "reps": [{"id": "r1", "home": {"index": 0}}, {"id": "r2", "home": {"index": 3}}],
        "accounts": [{"id": f"a{i}", "location": {"index": i}} for i in range(4)],
        "matrix": matrix_day_plan()["matrix"],
        "options": {"time_limit_s": 2},
    }
    response = client.post("/v1/territories", json=territories, headers=HEADERS)
    assert response.status_code == 200, response.text
    assert response.json()["solver"]["status"] in {s.value for s in SolveStatus}


# ------------------------------------------------- 14: no server paths, field "network"


def test_unknown_network_speaks_of_the_request_not_the_servers_files(road_client, networks_dir):
    for path in ("/v1/day-plans", "/v1/estimates"):
        body = (
            {**monaco_day_plan(), "network": "atlantis"}
            if path == "/v1/day-plans"
            else {
                "network": "atlantis",
                "origins": [{"lat": 43.73, "lon": 7.42}],
                "destinations": [{"lat": 43.74, "lon": 7.43}],
            }
        )
        response = road_client.post(path, json=body, headers=HEADERS)
        assert response.status_code == 404, response.text
        error = response.json()
        assert error["error"] == "network_not_found"
        assert error["field"] == "network"
        assert "atlantis" in error["detail"]
        assert str(networks_dir) not in response.text
        assert "/" not in error["detail"].replace("GET /v1/networks", "")


def test_a_bad_network_name_names_the_network_field(road_client):
    request = {**monaco_day_plan(), "network": "../etc"}
    response = road_client.post("/v1/day-plans", json=request, headers=HEADERS)
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "network"


def test_a_job_that_fails_on_a_bug_does_not_tell_the_client_the_servers_paths():
    bug = FileNotFoundError(2, "No such file", "/srv/fieldroute/data/networks/x/graph.npz")
    for body in (lease._failure(bug, "job 1"), executors._internal(bug)):
        assert body["error"] == "internal_error"
        assert "/srv" not in body["detail"] and "FileNotFoundError" not in body["detail"]


def test_the_command_line_may_name_the_directory_it_searched(tmp_path, capsys):
    request = {**monaco_day_plan(), "network": "atlantis"}
    path = tmp_path / "request.json"
    path.write_text(json.dumps(request))
    assert main(["plan", str(path), "--networks-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "atlantis" in err and str(tmp_path) in err
