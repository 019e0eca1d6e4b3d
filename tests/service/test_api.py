"""Every endpoint through the ASGI app; every day plan goes through the plan checker."""

import time

import pytest

from service.day_plans.convert import plan_from_response, to_problem
from service.day_plans.schemas import CheckRequest, DayPlanRequest
from solver.routing import check_plan
from tests.service.conftest import HEADERS

# Monaco: Casino, Port Hercule, Fontvieille, Larvotto, Monaco-Ville.
CASINO = {"lat": 43.7396, "lon": 7.4278}
PORT = {"lat": 43.7350, "lon": 7.4231}
FONTVIEILLE = {"lat": 43.7308, "lon": 7.4197}
LARVOTTO = {"lat": 43.7452, "lon": 7.4340}
ROCHER = {"lat": 43.7314, "lon": 7.4236}


def matrix_day_plan():
    """Three accounts on an explicit matrix; A3's window cannot be reached in time."""
    return {
        "date": "2026-12-01",
        "reps": [
            {
                "id": "r1",
                "start": {"index": 0},
                "shift": {"start": "08:00", "end": "12:00"},
                "cost_per_km": 0.5,
                "cost_per_hour": 20,
            }
        ],
        "accounts": [
            {
                "id": "A1",
                "location": {"index": 1},
                "visit_duration_s": 1800,
                "windows": [{"start": "09:00", "end": "10:00"}],
            },
            {"id": "A2", "location": {"index": 2}, "visit_duration_s": 1800},
            {
                "id": "A3",
                "location": {"index": 3},
                "visit_duration_s": 600,
                "windows": [{"start": "08:00", "end": "08:05"}],
            },
        ],
        "matrix": {
            "durations_s": [
                [0, 600, 900, 3600],
                [600, 0, 300, 3600],
                [900, 300, 0, 3600],
                [3600, 3600, 3600, 0],
            ],
            "distances_m": [
                [0, 6000, 9000, 50000],
                [6000, 0, 3000, 50000],
                [9000, 3000, 0, 50000],
                [50000, 50000, 50000, 0],
            ],
        },
        "options": {"time_limit_s": 1, "seed": 1},
    }


def monaco_day_plan():
    return {
        "date": "2026-12-01",
        "reps": [
            {
                "id": "anna",
                "start": CASINO,
                "shift": {"start": "08:00", "end": "17:00"},
                "break": {"earliest": "12:00", "latest": "13:00", "duration_s": 1800},
            }
        ],
        "accounts": [
            {"id": "port", "location": PORT, "visit_duration_s": 1200},
            {
                "id": "fontvieille",
                "location": FONTVIEILLE,
                "visit_duration_s": 1200,
                "windows": [{"start": "10:00", "end": "11:00"}],
            },
            {"id": "larvotto", "location": LARVOTTO, "visit_duration_s": 900},
            {
                "id": "rocher",
                "location": ROCHER,
                "visit_duration_s": 900,
                "visit_within_window": True,
                "windows": [{"start": "14:00", "end": "15:00"}],
            },
        ],
        "options": {"time_limit_s": 1, "seed": 0},
    }


def checker_violations(request, response, network=None):
    """What the routing engineer's independent checker finds in a plan the API returned."""
    model = CheckRequest if "orders" in request else DayPlanRequest
    problem = to_problem(model.model_validate(request), default_network="monaco")
    return check_plan(problem, plan_from_response(response), network=network)


def assert_checked(request, response, network=None):
    """The plan the API returned passes the independent checker."""
    assert checker_violations(request, response, network) == []


def visits(route):
    return [s["account_id"] for s in route["stops"] if s["type"] == "visit"]


def test_day_plan_on_a_matrix_returns_timed_routes_and_unassigned_with_reasons(client):
    request = matrix_day_plan()
    response = client.post("/v1/day-plans", json=request, headers=HEADERS)
    assert response.status_code == 200, response.text
    plan = response.json()
    assert_checked(request, plan)
    route = plan["routes"][0]
    assert sorted(visits(route)) == ["A1", "A2"]
    assert [u["account_id"] for u in plan["unassigned"]] == ["A3"]
    assert plan["unassigned"][0]["reason"] == "NO_FEASIBLE_WINDOW"
    a1 = next(s for s in route["stops"] if s.get("account_id") == "A1")
    assert "09:00" <= a1["start"] <= "10:00"
    assert route["stops"][0]["type"] == "start" and route["stops"][-1]["type"] == "end"
    assert route["geometry"] is None
    assert plan["solver"]["seed"] == 1 and plan["summary"]["visits"] == 2


def test_day_plan_is_reproducible_for_a_seed(client):
    first = client.post("/v1/day-plans", json=matrix_day_plan(), headers=HEADERS).json()
    second = client.post("/v1/day-plans", json=matrix_day_plan(), headers=HEADERS).json()
    assert first["routes"] == second["routes"]
    assert_checked(matrix_day_plan(), first)


def test_check_endpoint_reports_the_violated_window_of_a_hand_made_order(client):
    request = {**matrix_day_plan(), "orders": {"r1": ["A2", "A3", "A1"]}}
    response = client.post("/v1/day-plans/check", json=request, headers=HEADERS)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["feasible"] is False
    assert visits(body["routes"][0]) == ["A2", "A3", "A1"]
    assert any(v["code"] == "WINDOW" and v["account_id"] == "A3" for v in body["violations"])
    found = checker_violations(request, body)
    assert sorted((v.code, v.account_id) for v in found) == sorted(
        (v["code"], v["account_id"]) for v in body["violations"]
    )


def test_check_endpoint_accepts_a_feasible_order(client):
    request = {**matrix_day_plan(), "orders": {"r1": ["A1", "A2"]}}
    body = client.post("/v1/day-plans/check", json=request, headers=HEADERS).json()
    assert body["feasible"] is True and body["violations"] == []
    assert [u["account_id"] for u in body["unassigned"]] == ["A3"]
    assert_checked(request, body)


def test_check_endpoint_rejects_an_order_naming_an_unknown_account(client):
    request = {**matrix_day_plan(), "orders": {"r1": ["A1", "ZZ"]}}
    response = client.post("/v1/day-plans/check", json=request, headers=HEADERS)
    assert response.status_code == 422
    assert response.json()["field"] == "orders.r1[1]"


def test_networks_lists_the_prepared_networks(road_client, monaco_network):
    assert "monaco" in road_client.get("/health").json()["networks"]
    listed = road_client.get("/v1/networks", headers=HEADERS).json()
    monaco = next(n for n in listed if n["name"] == "monaco")
    assert monaco["default"] is True
    assert monaco["nodes"] == monaco_network.info.nodes
    assert monaco["bbox"] == pytest.approx(list(monaco_network.info.bbox))
    one = road_client.get("/v1/networks/monaco", headers=HEADERS).json()
    assert one == monaco
    assert one["source_file"].startswith("monaco")


def test_day_plan_on_monaco_has_geometry_and_passes_the_checker(road_client, monaco_network):
    request = monaco_day_plan()
    response = road_client.post("/v1/day-plans", json=request, headers=HEADERS)
    assert response.status_code == 200, response.text
    plan = response.json()
    assert plan["network"] == "monaco"
    assert_checked(request, plan, network=monaco_network)
    route = plan["routes"][0]
    assert sorted(visits(route)) == ["fontvieille", "larvotto", "port", "rocher"]
    assert [s["type"] for s in route["stops"]].count("break") == 1
    assert route["geometry"]["type"] == "LineString"
    rocher = next(s for s in route["stops"] if s.get("account_id") == "rocher")
    assert rocher["start"] >= "14:00" and rocher["departure"] <= "15:00"


def test_day_plan_as_geojson(road_client):
    response = road_client.post(
        "/v1/day-plans?format=geojson", json=monaco_day_plan(), headers=HEADERS
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/geo+json")
    collection = response.json()
    assert collection["type"] == "FeatureCollection"
    kinds = [f["properties"]["kind"] for f in collection["features"]]
    assert kinds.count("route") == 1 and kinds.count("stop") >= 6
    visit = next(f for f in collection["features"] if f["properties"].get("type") == "visit")
    assert visit["geometry"]["type"] == "Point" and "arrival" in visit["properties"]


def test_unknown_network_in_a_day_plan_is_404(road_client):
    request = {**monaco_day_plan(), "network": "atlantis"}
    response = road_client.post("/v1/day-plans", json=request, headers=HEADERS)
    assert response.status_code == 404
    assert response.json()["error"] == "network_not_found"


def test_estimates_matrix_matches_the_network_and_prices_it(road_client, monaco_network):
    origins, destinations = [CASINO, PORT], [FONTVIEILLE, LARVOTTO, ROCHER]
    request = {
        "network": "monaco",
        "origins": origins,
        "destinations": destinations,
        "cost_per_km": 0.4,
        "cost_per_hour": 30,
    }
    response = road_client.post("/v1/estimates", json=request, headers=HEADERS)
    assert response.status_code == 200, response.text
    body = response.json()
    expected = monaco_network.matrix(
        [(p["lat"], p["lon"]) for p in origins], [(p["lat"], p["lon"]) for p in destinations]
    )
    assert body["durations_s"] == expected.durations_s.tolist()
    assert body["distances_m"] == expected.distances_m.tolist()
    d, m = body["durations_s"][1][2], body["distances_m"][1][2]
    assert body["costs"][1][2] == pytest.approx(m / 1000 * 0.4 + d / 3600 * 30, abs=0.01)


def test_estimates_sequence_gives_legs_total_and_geometry(road_client, monaco_network):
    sequence = [CASINO, FONTVIEILLE, LARVOTTO]
    request = {"sequence": sequence, "geometry": True}  # default network (monaco)
    body = road_client.post("/v1/estimates", json=request, headers=HEADERS).json()
    points = [(p["lat"], p["lon"]) for p in sequence]
    matrix = monaco_network.matrix(points)
    assert [leg["duration_s"] for leg in body["legs"]] == [
        int(matrix.durations_s[0, 1]),
        int(matrix.durations_s[1, 2]),
    ]
    assert body["total"]["duration_s"] == sum(leg["duration_s"] for leg in body["legs"])
    assert body["geometry"]["type"] == "LineString"
    assert len(body["geometry"]["coordinates"]) > 3


def test_estimates_refuse_a_huge_matrix_with_413(tmp_path, networks_dir):
    from fastapi.testclient import TestClient

    from service.app import create_app
    from tests.service.conftest import make_settings

    settings = make_settings(tmp_path, networks_dir, max_sync_matrix_cells=3)
    with TestClient(create_app(settings)) as small:
        request = {"origins": [CASINO, PORT], "destinations": [CASINO, PORT]}
        response = small.post("/v1/estimates", json=request, headers=HEADERS)
        assert response.status_code == 413 and "/v1/jobs" in response.json()["detail"]


def wait_for(client, job_id, statuses=("succeeded", "failed", "cancelled"), timeout_s=60):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        job = client.get(f"/v1/jobs/{job_id}", headers=HEADERS).json()
        if job["status"] in statuses:
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} still {job['status']} after {timeout_s} s")


def test_day_plan_job_runs_in_the_background_and_returns_the_plan(client):
    request = matrix_day_plan()
    response = client.post(
        "/v1/jobs", json={"kind": "day-plan", "request": request}, headers=HEADERS
    )
    assert response.status_code == 202
    job = response.json()
    assert job["status"] in ("queued", "running") and response.headers["Location"].endswith(
        job["id"]
    )
    done = wait_for(client, job["id"])
    assert done["status"] == "succeeded" and done["progress"] == 1.0
    assert_checked(request, done["result"])
    assert sorted(visits(done["result"]["routes"][0])) == ["A1", "A2"]
    again = client.delete(f"/v1/jobs/{job['id']}", headers=HEADERS)
    assert again.status_code == 409 and again.json()["error"] == "conflict"


def test_cancelled_job_reports_cancelled_and_keeps_no_result(client):
    slow = matrix_day_plan()
    slow["options"]["time_limit_s"] = 3
    first = client.post("/v1/jobs", json={"kind": "day-plan", "request": slow}, headers=HEADERS)
    second = client.post("/v1/jobs", json={"kind": "day-plan", "request": slow}, headers=HEADERS)
    cancelled = client.delete(f"/v1/jobs/{second.json()['id']}", headers=HEADERS)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    wait_for(client, first.json()["id"])
    time.sleep(0.5)
    job = client.get(f"/v1/jobs/{second.json()['id']}", headers=HEADERS).json()
    assert job["status"] == "cancelled" and job["result"] is None


def test_deterministic_option_reaches_the_solver_and_comes_back_with_the_stop_reason(client):
    request = matrix_day_plan()
    request["options"] = {**request.get("options", {}), "deterministic": True}
    first = client.post("/v1/day-plans", json=request, headers=HEADERS)
    assert first.status_code == 200, first.text
    second = client.post("/v1/day-plans", json=request, headers=HEADERS).json()
    plan = first.json()
    assert_checked(request, plan)
    assert plan["solver"]["deterministic"] is True
    assert plan["solver"]["stop_reason"] in ("converged", "work_limit", "completed")
    assert plan["routes"] == second["routes"]
    default = client.post("/v1/day-plans", json=matrix_day_plan(), headers=HEADERS).json()
    assert default["solver"]["deterministic"] is False
    assert default["solver"]["stop_reason"] is not None
