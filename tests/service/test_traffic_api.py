"""Departure-aware estimates and ``options.traffic`` through the API."""

from __future__ import annotations

from service.day_plans.convert import plan_from_response, to_problem
from service.day_plans.schemas import DayPlanRequest
from solver.roads.profile import week_time_s
from solver.routing import check_plan
from tests.service.conftest import HEADERS

FONTVIEILLE = {"lat": 43.7275, "lon": 7.4150}
LARVOTTO = {"lat": 43.7500, "lon": 7.4380}
CASINO = {"lat": 43.7396, "lon": 7.4278}


def _points(*locs):
    return [(loc["lat"], loc["lon"]) for loc in locs]


def test_estimate_at_a_peak_departure_is_the_profile_time(road_client, monaco_network):
    base = {"origins": [FONTVIEILLE], "destinations": [LARVOTTO, CASINO]}
    free = road_client.post("/v1/estimates", json=base, headers=HEADERS).json()
    peak = road_client.post(
        "/v1/estimates", json={**base, "departure_time": "2026-11-30T08:15:00"}, headers=HEADERS
    ).json()
    night = road_client.post(
        "/v1/estimates", json={**base, "departure_time": "2026-11-30T02:15:00"}, headers=HEADERS
    ).json()
    off = road_client.post(
        "/v1/estimates",
        json={**base, "departure_time": "2026-11-30T08:15:00", "traffic": False},
        headers=HEADERS,
    ).json()
    expected = monaco_network.durations_at(
        _points(FONTVIEILLE), _points(LARVOTTO, CASINO), week_s=week_time_s(0, 8 * 3600 + 900)
    )
    assert peak["durations_s"] == expected.tolist()
    assert all(p > f for p, f in zip(peak["durations_s"][0], free["durations_s"][0], strict=True))
    assert night["durations_s"] == free["durations_s"] == off["durations_s"]
    assert peak["distances_m"] == free["distances_m"]


def test_sequence_legs_chain_from_departure_and_back_from_arrival(road_client, monaco_network):
    seq = [FONTVIEILLE, LARVOTTO, CASINO]
    body = road_client.post(
        "/v1/estimates",
        json={"sequence": seq, "departure_time": "2026-11-30T09:20:00"},
        headers=HEADERS,
    ).json()
    first, second = (leg["duration_s"] for leg in body["legs"])
    start = week_time_s(0, 9 * 3600 + 20 * 60)
    pts = _points(*seq)
    assert first == monaco_network.durations_at([pts[0]], [pts[1]], week_s=start)[0, 0]
    assert second == monaco_network.durations_at([pts[1]], [pts[2]], week_s=start + first)[0, 0]
    back = road_client.post(
        "/v1/estimates",
        json={"sequence": seq, "arrival_by": "2026-11-30T09:20:00"},
        headers=HEADERS,
    ).json()
    last = back["legs"][1]["duration_s"]
    leave = start - last
    assert leave + monaco_network.durations_at([pts[1]], [pts[2]], week_s=leave)[0, 0] <= start


def test_estimate_refuses_departure_and_arrival_together(road_client):
    response = road_client.post(
        "/v1/estimates",
        json={
            "origins": [FONTVIEILLE],
            "departure_time": "2026-11-30T08:00:00",
            "arrival_by": "2026-11-30T09:00:00",
        },
        headers=HEADERS,
    )
    assert response.status_code == 422
    assert "departure_time or arrival_by" in response.text


def test_day_plan_with_traffic_off_is_free_flow_and_on_is_checked(road_client, monaco_network):
    request = {
        "date": "2026-11-30",
        "reps": [
            {
                "id": "r1",
                "start": FONTVIEILLE,
                "shift": {"start": "07:00", "end": "12:00"},
                "cost_per_km": 0.3,
                "cost_per_hour": 20,
            }
        ],
        "accounts": [
            {
                "id": "a",
                "location": LARVOTTO,
                "visit_duration_s": 1800,
                "windows": [{"start": "08:30", "end": "08:31"}],
            }
        ],
    }
    legs = {}
    for traffic in (True, False):
        body = {**request, "options": {"time_limit_s": 1, "traffic": traffic}}
        response = road_client.post("/v1/day-plans", json=body, headers=HEADERS)
        assert response.status_code == 200, response.text
        parsed = DayPlanRequest.model_validate(body)
        problem = to_problem(parsed, default_network="monaco")
        plan = plan_from_response(response.json())
        assert check_plan(problem, plan, network=monaco_network) == []
        legs[traffic] = plan.routes[0].stops[1].travel_s
    free = monaco_network.durations(_points(FONTVIEILLE), _points(LARVOTTO))[0, 0]
    assert legs[False] == free
    assert legs[True] > free
