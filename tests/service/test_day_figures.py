"""Day figures read as the day happens: drives when driven, idle time, day end, money, times."""

import re

from service.estimates.convert import estimate_from_matrix
from service.estimates.schemas import EstimateRequest
from solver.model import TravelMatrix
from tests.service.conftest import HEADERS
from tests.service.test_api import assert_checked
from tests.service.test_territories_api import territory_request

CLOCK = re.compile(r"^\d{2}:\d{2}:\d{2}$")


def break_day(**options):
    """One rep; Mdina opens 14:00 only, so the rep drives there after Valletta and idles."""
    return {
        "date": "2026-12-01",
        "reps": [
            {
                "id": "maria",
                "start": {"index": 0},
                "shift": {"start": "08:00", "end": "17:00"},
                "break": {"earliest": "12:00", "latest": "13:30", "duration_s": 1800},
                "cost_per_km": 0.3,
                "cost_per_hour": 25,
            }
        ],
        "accounts": [
            {
                "id": "valletta",
                "location": {"index": 1},
                "visit_duration_s": 1800,
                "windows": [{"start": "09:00", "end": "11:00"}],
            },
            {
                "id": "mdina",
                "location": {"index": 2},
                "visit_duration_s": 2700,
                "windows": [{"start": "14:00", "end": "15:00"}],
                "visit_within_window": True,
            },
        ],
        "matrix": {
            "durations_s": [[0, 1013, 677], [1013, 0, 879], [677, 879, 0]],
            "distances_m": [[0, 11737, 8113], [11737, 0, 13147], [8113, 13147, 0]],
        },
        "options": {"time_limit_s": 1, "seed": 0, **options},
    }


def every_time(plan):
    for route in plan["routes"]:
        yield route["day_start"]
        yield route["day_end"]
        for stop in route["stops"]:
            yield from (stop["arrival"], stop["start"], stop["departure"])
            if stop["drive_start"] is not None:
                yield stop["drive_start"]


def test_break_day_gives_drives_when_driven_idle_time_day_end_and_money_in_cents(client):
    request = break_day()
    answer = client.post("/v1/day-plans", json=request, headers=HEADERS)
    assert answer.status_code == 200, answer.text
    plan = answer.json()
    assert_checked(request, plan)
    route = plan["routes"][0]
    stops = {s["account_id"] or s["type"]: s for s in route["stops"]}
    assert [s["type"] for s in route["stops"]] == ["start", "visit", "break", "visit", "end"]
    valletta, brk, mdina, end = stops["valletta"], stops["break"], stops["mdina"], stops["end"]

    # The drive to Mdina happens when Valletta is done, not after the break.
    assert mdina["drive_start"] == valletta["departure"] == "09:30:00"
    assert mdina["travel_s"] == 879
    assert brk["arrival"] == "09:44:39"  # 09:30 + 879 s: on site, idle until the break
    assert brk["location"] == mdina["location"] == {"index": 2}
    assert brk["start"] == "12:00:00" and brk["drive_start"] is None
    assert end["drive_start"] == mdina["departure"]

    # Idle time and the end of the day are in the totals.
    totals = route["totals"]
    assert totals["wait_s"] == sum(s["wait_s"] for s in route["stops"]) > 3 * 3600
    assert route["day_end"] == end["arrival"]
    hours, minutes, seconds = map(int, route["day_end"].split(":"))
    assert totals["day_end_s"] == hours * 3600 + minutes * 60 + seconds
    assert route["day_start"] == route["stops"][0]["departure"]

    # Money in cents with its currency; one time format everywhere.
    assert totals["cost"] == round(totals["cost"], 2)
    assert plan["summary"]["cost"] == totals["cost"]
    assert plan["currency"] == "EUR"
    assert all(CLOCK.match(t) for t in every_time(plan)), list(every_time(plan))


def test_currency_comes_from_the_request_and_must_be_an_iso_code(client):
    usd = client.post("/v1/day-plans", json=break_day(currency="USD"), headers=HEADERS)
    assert usd.status_code == 200 and usd.json()["currency"] == "USD"
    bad = client.post("/v1/day-plans", json=break_day(currency="euro"), headers=HEADERS)
    assert bad.status_code == 422 and bad.json()["field"] == "options.currency"


def test_estimates_state_the_currency_of_their_costs():
    matrix = TravelMatrix([[0, 1800], [1800, 0]], [[0, 10_000], [10_000, 0]])
    points = [{"lat": 1, "lon": 1}, {"lat": 1, "lon": 2}]
    plain = EstimateRequest.model_validate({"origins": points, "cost_per_hour": 25})
    assert estimate_from_matrix(plain, "x", matrix, currency="GBP").currency == "GBP"
    named = EstimateRequest.model_validate({"sequence": points, "currency": "USD"})
    assert estimate_from_matrix(named, "x", matrix, currency="GBP").currency == "USD"


def test_territory_costs_are_in_cents_of_the_named_currency(road_client):
    request = territory_request()
    for rep in request["reps"]:
        rep["cost_per_km"], rep["cost_per_hour"] = 0.37, 23.3
    request["options"]["currency"] = "CHF"
    answer = road_client.post("/v1/territories", json=request, headers=HEADERS)
    assert answer.status_code == 200, answer.text
    plan = answer.json()
    assert plan["currency"] == "CHF"
    costs = [t["cost_per_week"] for t in plan["territories"]]
    assert any(costs) and all(cost == round(cost, 2) for cost in costs)
