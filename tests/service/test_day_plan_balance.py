"""``options.balance`` on ``POST /v1/day-plans``: a team day evened out, and bad input."""

from __future__ import annotations

from typing import Any

import pytest

from service.day_plans.convert import to_plan, to_problem
from service.day_plans.schemas import DayPlanRequest, DayPlanResponse
from solver.routing import check_plan
from tests.service.conftest import HEADERS

#: A depot (index 0) and eight shops 20 km away, 100 m apart (36 km/h: 100 s per km).
XS_KM = [0.0] + [20 + 0.1 * i for i in range(8)]


def team_day(balance: str | None) -> dict[str, Any]:
    km = [[abs(a - b) for b in XS_KM] for a in XS_KM]
    request: dict[str, Any] = {
        "date": "2026-12-01",
        "reps": [
            {
                "id": rep_id,
                "start": {"index": 0},
                "shift": {"start": "08:00", "end": "17:00"},
                "cost_per_km": 0.5,
                "cost_per_hour": 30,
            }
            for rep_id in ("r1", "r2")
        ],
        "accounts": [
            {"id": f"A{i}", "location": {"index": i}, "visit_duration_s": 1800, "required": True}
            for i in range(1, 9)
        ],
        "matrix": {
            "durations_s": [[round(d * 100) for d in row] for row in km],
            "distances_m": [[round(d * 1000) for d in row] for row in km],
        },
        "options": {"time_limit_s": 2, "geometry": False},
    }
    if balance is not None:
        request["options"]["balance"] = balance
    return request


def _plan(client, request: dict[str, Any]) -> dict[str, Any]:
    answer = client.post("/v1/day-plans", json=request, headers=HEADERS)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    problem = to_problem(DayPlanRequest.model_validate(request), default_network="x")
    assert check_plan(problem, to_plan(DayPlanResponse.model_validate(body))) == []
    return body


def test_day_plan_balance_duration_evens_out_the_team(client):
    alone = _plan(client, team_day(None))
    assert sorted(r["totals"]["visits"] for r in alone["routes"]) == [0, 8]
    even = _plan(client, team_day("duration"))
    assert sorted(r["totals"]["visits"] for r in even["routes"]) == [4, 4]
    busy = [r["totals"]["drive_s"] + r["totals"]["visit_s"] for r in even["routes"]]
    assert abs(busy[0] - busy[1]) <= 600


def test_day_plan_balance_visits_splits_the_counts(client):
    body = _plan(client, team_day("visits"))
    assert sorted(r["totals"]["visits"] for r in body["routes"]) == [4, 4]


@pytest.mark.parametrize("value", ["fair", 1, None])
def test_day_plan_balance_must_be_a_known_choice(client, value):
    answer = client.post("/v1/day-plans", json=team_day(value), headers=HEADERS)
    if value is None:  # left out: the default, none
        assert answer.status_code == 200
        return
    assert answer.status_code == 422
    assert "options.balance" in answer.text
