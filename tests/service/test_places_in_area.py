"""Regression tests of issue 15 item 2: swapped lat/lon, places far away, reps off the roads."""

from __future__ import annotations

import pytest

from solver.roads.area import FAR_MARGIN_M, far_place_errors, outside_m
from tests.service.conftest import HEADERS
from tests.service.test_api import CASINO, FONTVIEILLE, LARVOTTO, PORT, monaco_day_plan

SWAPPED_CASINO = {"lat": CASINO["lon"], "lon": CASINO["lat"]}  # in the Sahara
PARIS = {"lat": 48.8566, "lon": 2.3522}
AT_SEA = {"lat": 43.7347 - 5000 / 111_200, "lon": 7.4206}  # 5 km off Monaco: off-network


def test_outside_m_is_zero_inside_and_grows_with_distance():
    bbox = (7.40, 43.72, 7.44, 43.75)
    assert outside_m(43.73, 7.42, bbox) == 0
    assert outside_m(43.75 + 0.1, 7.42, bbox) == pytest.approx(11_120, rel=0.01)
    errors = far_place_errors(
        [("reps[0]", "anna", "reps[0].start", SWAPPED_CASINO["lat"], SWAPPED_CASINO["lon"])],
        type("Net", (), {"info": type("Info", (), {"bbox": bbox, "name": "monaco"})()})(),
    )
    assert len(errors) == 1 and errors[0].field == "reps[0].start"
    assert FAR_MARGIN_M >= 20_000  # off-network near the area stays data (item 1)


def test_a_rep_start_with_swapped_lat_lon_is_a_422_naming_the_field(road_client):
    request = monaco_day_plan()
    request["reps"][0]["start"] = SWAPPED_CASINO
    response = road_client.post("/v1/day-plans", json=request, headers=HEADERS)
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["field"] == "reps[0].start"
    assert body["detail"].startswith("reps[0] 'anna': start")
    assert "outside the area of road network 'monaco'" in body["detail"]
    assert "swapped?" in body["detail"]


def test_every_far_place_is_named_and_swapping_is_hinted_only_when_it_helps(road_client):
    request = monaco_day_plan()
    request["accounts"][0]["location"] = PARIS
    request["accounts"][2]["location"] = {"lat": LARVOTTO["lon"], "lon": LARVOTTO["lat"]}
    response = road_client.post("/v1/day-plans", json=request, headers=HEADERS)
    assert response.status_code == 422, response.text
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == ["accounts[0].location", "accounts[2].location"]
    assert "swapped" not in errors[0]["detail"] and "swapped?" in errors[1]["detail"]
    assert errors[0]["detail"].startswith("accounts[0] 'port': location")


def test_a_rep_starting_off_the_network_is_named_as_the_cause(road_client):
    request = monaco_day_plan()
    request["reps"][0]["start"] = AT_SEA
    response = road_client.post("/v1/day-plans", json=request, headers=HEADERS)
    assert response.status_code == 200, response.text
    unassigned = response.json()["unassigned"]
    assert len(unassigned) == len(request["accounts"])
    for item in unassigned:
        assert item["reason"] == "REP_OFF_NETWORK"
        assert "rep 'anna' (start)" in item["detail"]


def test_territories_with_a_swapped_home_are_a_422_without_class_names(road_client):
    request = {
        "reps": [
            {"id": "r1", "home": {"lat": CASINO["lon"], "lon": CASINO["lat"]}},
            {"id": "r2", "home": FONTVIEILLE},
        ],
        "accounts": [
            {"id": "a", "location": PORT},
            {"id": "b", "location": LARVOTTO},
        ],
        "options": {"time_limit_s": 2},
    }
    response = road_client.post("/v1/territories", json=request, headers=HEADERS)
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["field"] == "reps[0].home" and "swapped?" in body["detail"]
    assert "Territory" not in response.text


def test_territories_with_a_home_off_the_network_name_the_rep(road_client):
    request = {
        "reps": [{"id": "r1", "home": AT_SEA}],
        "accounts": [{"id": "a", "location": PORT}, {"id": "b", "location": LARVOTTO}],
        "options": {"time_limit_s": 2},
    }
    response = road_client.post("/v1/territories", json=request, headers=HEADERS)
    assert response.status_code == 200, response.text
    body = response.json()
    assert "Territory" not in response.text
    assert {u["reason"] for u in body["unassigned"]} == {"REP_OFF_NETWORK"}
    assert all("rep 'r1'" in u["detail"] for u in body["unassigned"])
    assert body["summary"]["explanation"][0].startswith("Rep 'r1': the home is off the road")
    # one rep at sea, one on land: the land rep takes every account, the plan says why
    request["reps"].append({"id": "r2", "home": FONTVIEILLE})
    body = road_client.post("/v1/territories", json=request, headers=HEADERS).json()
    assert body["unassigned"] == [] and set(body["assignment"].values()) == {"r2"}
    assert body["summary"]["explanation"][0].startswith("Rep 'r1': the home is off the road")
    assert body["summary"]["gap_to_bound"] >= 0  # was -6e-13: rounding below a proven bound
    assert "Territory" not in str(body)


def test_estimates_refuse_a_swapped_point_but_keep_off_network_points_as_data(road_client):
    swapped = {"origins": [SWAPPED_CASINO], "destinations": [PORT]}
    response = road_client.post("/v1/estimates", json=swapped, headers=HEADERS)
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "origins[0]"
    assert "swapped?" in response.json()["detail"]
    near = {"origins": [AT_SEA], "destinations": [PORT]}
    response = road_client.post("/v1/estimates", json=near, headers=HEADERS)
    assert response.status_code == 200 and response.json()["durations_s"] == [[-1]]
