"""Regression tests for what a new user hit (issue: wrong answers, crashes, leaks)."""

from __future__ import annotations

import pytest

from tests.service.conftest import HEADERS

AT_SEA = {"lat": 43.7347 - 5000 / 111_200, "lon": 7.4206}  # 5 km off Monaco
FAR_AT_SEA = {"lat": 43.60, "lon": 7.55}
PORT = {"lat": 43.7347, "lon": 7.4206}
CASINO = {"lat": 43.7396, "lon": 7.4278}


@pytest.mark.parametrize(
    ("origins", "destinations"),
    [
        ([AT_SEA], [PORT]),
        ([AT_SEA, FAR_AT_SEA], [PORT, CASINO, AT_SEA]),
        ([PORT, CASINO, AT_SEA], [AT_SEA, FAR_AT_SEA]),
    ],
)
def test_estimates_with_every_origin_or_destination_off_the_network_is_data(
    road_client, origins, destinations
):
    response = road_client.post(
        "/v1/estimates",
        json={"origins": origins, "destinations": destinations},
        headers=HEADERS,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    off = (AT_SEA, FAR_AT_SEA)
    for i, origin in enumerate(origins):
        for j, destination in enumerate(destinations):
            if origin in off or destination in off:
                assert body["durations_s"][i][j] == -1
                assert body["distances_m"][i][j] == -1
                assert body["costs"][i][j] is None
            else:
                assert body["durations_s"][i][j] > 0
