"""``POST /v1/territories`` through the ASGI app, on Monaco."""

from service.territories.convert import to_territory_inputs
from service.territories.schemas import TerritoryRequest
from solver.territory import TerritoryPlan, check_territory_plan
from tests.service.conftest import HEADERS
from tests.service.test_api import wait_for

POINTS = [
    (43.7396, 7.4278),
    (43.7350, 7.4231),
    (43.7308, 7.4197),
    (43.7452, 7.4340),
    (43.7314, 7.4236),
    (43.7280, 7.4150),
    (43.7420, 7.4300),
    (43.7370, 7.4260),
]


def territory_request():
    return {
        "reps": [
            {"id": "east", "home": {"lat": 43.7452, "lon": 7.4340}},
            {"id": "west", "home": {"lat": 43.7290, "lon": 7.4170}},
        ],
        "accounts": [
            {
                "id": f"A{i}",
                "location": {"lat": lat, "lon": lon},
                "visits_per_4_weeks": 4,
                "visit_duration_s": 1800,
                "revenue": 1000 * (i + 1),
                "current_rep": "east",
            }
            for i, (lat, lon) in enumerate(POINTS)
        ],
        "options": {"balance": "accounts", "tolerance": 0.0, "time_limit_s": 0.5},
    }


def _plan_of(body):
    """Enough of a TerritoryPlan to run the territory checker on the API's answer."""
    from dataclasses import fields

    from solver.model import SolverInfo
    from solver.territory import BalanceSummary, Move, Territory, UnassignedAccount

    territories = tuple(
        Territory(**{**t, "account_ids": tuple(t["account_ids"])}) for t in body["territories"]
    )
    summary = {f.name: body["summary"][f.name] for f in fields(BalanceSummary)}
    summary["explanation"] = tuple(summary["explanation"])
    return TerritoryPlan(
        assignment=body["assignment"],
        territories=territories,
        moves=tuple(Move(**m) for m in body["moves"]),
        unassigned=tuple(UnassignedAccount(**u) for u in body["unassigned"]),
        summary=BalanceSummary(**summary),
        solver=SolverInfo(
            **{
                k: body["solver"][k]
                for k in ("status", "seed", "time_limit_s", "time_s", "objective")
            }
        ),
    )


def test_territories_on_monaco_are_balanced_and_pass_the_checker(road_client):
    request = territory_request()
    request["accounts"][0]["locked_rep"] = "west"
    response = road_client.post("/v1/territories", json=request, headers=HEADERS)
    assert response.status_code == 200, response.text
    body = response.json()
    assert sorted(body["assignment"]) == [f"A{i}" for i in range(8)]
    assert body["assignment"]["A0"] == "west"
    assert sorted(t["accounts"] for t in body["territories"]) == [4, 4]
    assert body["summary"]["within_tolerance"] is True
    assert len(body["moves"]) == body["summary"]["moves"] >= 4  # all start with "east"
    reps, accounts, _, options = to_territory_inputs(TerritoryRequest.model_validate(request))
    assert check_territory_plan(reps, accounts, _plan_of(body), options) == []


def test_territories_as_geojson_polygons(road_client):
    response = road_client.post(
        "/v1/territories?format=geojson", json=territory_request(), headers=HEADERS
    )
    assert response.status_code == 200
    collection = response.json()
    assert collection["type"] == "FeatureCollection"
    assert {f["properties"]["rep_id"] for f in collection["features"]} == {"east", "west"}
    assert all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in collection["features"])


def test_territory_lock_to_an_unknown_rep_is_422_naming_the_account(road_client):
    request = territory_request()
    request["accounts"][2]["locked_rep"] = "north"
    response = road_client.post("/v1/territories", json=request, headers=HEADERS)
    assert response.status_code == 422
    body = response.json()
    assert "north" in body["detail"] and "A2" in body["detail"]


def test_territory_job(road_client):
    job = road_client.post(
        "/v1/jobs", json={"kind": "territories", "request": territory_request()}, headers=HEADERS
    )
    assert job.status_code == 202
    done = wait_for(road_client, job.json()["id"])
    assert done["status"] == "succeeded", done
    assert len(done["result"]["assignment"]) == 8


def test_territories_balanced_on_the_simulated_week_report_capacity(road_client):
    request = territory_request()
    request["options"] = {
        "balance": "workload",
        "tolerance": 0.1,
        "time_limit_s": 2,
        "simulate_routes": True,
        "workload_rounds": 3,
        "min_utilisation": 0.5,
    }
    response = road_client.post("/v1/territories", json=request, headers=HEADERS)
    assert response.status_code == 200, response.text
    body = response.json()
    summary = body["summary"]
    assert summary["balanced_on"] == "simulated_workload"
    assert summary["simulated_max_deviation"] == summary["max_deviation"]
    assert len(summary["round_deviations"]) == summary["rounds"] + 1
    # 8 weekly 30-min accounts for two 40 h reps: far below capacity, said in the explanation
    assert summary["capacity_status"] == "under" and summary["spare_reps"] == 1
    assert any("below capacity" in x for x in summary["explanation"])
    for t in body["territories"]:
        assert t["balance_value"] == t["workload_h_per_week"]
        assert t["estimated_workload_h_per_week"] > 0
    reps, accounts, _, options = to_territory_inputs(TerritoryRequest.model_validate(request))
    assert check_territory_plan(reps, accounts, _plan_of(body), options) == []


def test_territory_negative_workload_rounds_is_422_naming_the_field(road_client):
    request = territory_request()
    request["options"]["workload_rounds"] = -1
    response = road_client.post("/v1/territories", json=request, headers=HEADERS)
    assert response.status_code == 422
    assert "workload_rounds" in response.text
