import datetime as dt

import pytest
from pydantic import ValidationError

from service.common.schemas import parse_time_s
from service.day_plans.convert import day_plan_geojson, from_plan, to_problem
from service.day_plans.schemas import DayPlanRequest
from service.estimates.convert import estimate_from_matrix
from service.estimates.schemas import EstimateRequest
from solver.errors import InvalidProblemError
from solver.model import (
    Location,
    Plan,
    Reason,
    Route,
    RouteTotals,
    SolverInfo,
    SolveStatus,
    Stop,
    StopType,
    TravelMatrix,
    Unassigned,
)

H = 3600


def body(**changes):
    request = {
        "date": "2026-12-01",
        "reps": [
            {
                "id": "r1",
                "start": {"index": 0},
                "shift": {"start": "08:00", "end": "17:30"},
                "break": {"earliest": "12:00", "latest": "13:30", "duration_s": 1800},
                "cost_per_km": 0.5,
            }
        ],
        "accounts": [
            {
                "id": "A1",
                "location": {"index": 1},
                "visit_duration_s": 600,
                "windows": [{"start": "09:00", "end": "12:00:30"}],
            }
        ],
        "matrix": {"durations_s": [[0, 60], [60, 0]], "distances_m": [[0, 900], [900, 0]]},
    }
    request.update(changes)
    return request


@pytest.mark.parametrize(
    ("text", "seconds"), [("08:00", 8 * H), ("9:05:30", 9 * H + 330), ("25:00", 25 * H)]
)
def test_parse_time_s_reads_hh_mm_and_hh_mm_ss(text, seconds):
    assert parse_time_s(text) == seconds


@pytest.mark.parametrize("text", ["8", "08:60", "12:00:61", "49:00", "noon", "08:00 "])
def test_parse_time_s_rejects_non_clock_text(text):
    with pytest.raises(ValueError, match="time"):
        parse_time_s(text)


def test_to_problem_converts_clock_strings_to_seconds_and_keeps_the_break():
    problem = to_problem(DayPlanRequest.model_validate(body()), default_network="malta")
    rep = problem.reps[0]
    assert (rep.shift.start_s, rep.shift.end_s) == (8 * H, 17 * H + 1800)
    assert (rep.lunch.earliest_start_s, rep.lunch.latest_start_s) == (12 * H, 13 * H + 1800)
    assert rep.lunch.duration_s == 1800
    window = problem.accounts[0].windows[0]
    assert (window.start_s, window.end_s) == (9 * H, 12 * H + 30)
    assert problem.network is None  # an explicit matrix, so no road network
    assert problem.matrix.durations_s[0, 1] == 60
    assert problem.date == dt.date(2026, 12, 1)


def test_to_problem_uses_the_default_network_when_none_is_named():
    geo = body(matrix=None)
    geo["reps"][0]["start"] = {"lat": 43.73, "lon": 7.42}
    geo["accounts"][0]["location"] = {"lat": 43.74, "lon": 7.43}
    problem = to_problem(DayPlanRequest.model_validate(geo), default_network="monaco")
    assert problem.network == "monaco"
    geo["network"] = "malta"
    assert to_problem(DayPlanRequest.model_validate(geo), default_network="x").network == "malta"


def test_window_end_before_start_is_a_validation_error_naming_the_window():
    bad = body()
    bad["accounts"][0]["windows"] = [{"start": "10:00", "end": "09:00"}]
    with pytest.raises(ValidationError, match="window end 09:00 is before start 10:00"):
        DayPlanRequest.model_validate(bad)


def test_domain_errors_name_the_entity_by_path_and_id():
    bad = body()
    bad["accounts"][0]["windows"] = [
        {"start": "09:00", "end": "10:00"},
        {"start": "09:30", "end": "11:00"},
    ]
    with pytest.raises(InvalidProblemError) as info:
        to_problem(DayPlanRequest.model_validate(bad), default_network="malta")
    assert str(info.value).startswith(
        "accounts[0] 'A1': windows 09:00:00-10:00:00 and 09:30:00-11:00:00"
    )
    assert info.value.field.startswith("accounts[0].windows")


def test_index_location_outside_the_matrix_is_rejected_with_its_path():
    bad = body()
    bad["accounts"][0]["location"] = {"index": 5}
    with pytest.raises(InvalidProblemError, match="outside the 2 x 2 matrix") as info:
        to_problem(DayPlanRequest.model_validate(bad), default_network="malta")
    assert info.value.field == "accounts[0].location"


def test_loc_needs_exactly_one_form():
    bad = body()
    bad["accounts"][0]["location"] = {"index": 1, "lat": 1.0, "lon": 2.0}
    with pytest.raises(ValidationError, match="either lat/lon or index"):
        DayPlanRequest.model_validate(bad)
    bad["accounts"][0]["location"] = {"lat": 1.0}
    with pytest.raises(ValidationError, match="both lat and lon"):
        DayPlanRequest.model_validate(bad)


def _plan():
    stops = (
        Stop(StopType.START, 8 * H, 8 * H, 8 * H),
        Stop(StopType.VISIT, 8 * H + 60, 9 * H, 9 * H + 600, 3540, 60, 900, "A1"),
        Stop(StopType.BREAK, 12 * H, 12 * H, 12 * H + 1800),
        Stop(StopType.END, 12 * H + 1860, 12 * H + 1860, 12 * H + 1860, 0, 60, 900),
    )
    totals = RouteTotals(120, 1800, 600, 3540, 1800, 0.9, 1)
    return Plan(
        date=dt.date(2026, 12, 1),
        routes=(Route("r1", stops, totals),),
        unassigned=(Unassigned("A2", Reason.NO_FEASIBLE_WINDOW, "Account 'A2': too late."),),
        solver=SolverInfo(SolveStatus.OPTIMAL, 7, 5.0, 0.1234),
    )


def test_from_plan_formats_times_and_fills_stop_locations_from_the_problem():
    request = body()
    request["accounts"].append({"id": "A2", "location": {"index": 1}})
    problem = to_problem(DayPlanRequest.model_validate(request), default_network="malta")
    response = from_plan(_plan(), problem).model_dump(mode="json")
    route = response["routes"][0]
    assert [s["type"] for s in route["stops"]] == ["start", "visit", "break", "end"]
    visit = route["stops"][1]
    times = (visit["arrival"], visit["start"], visit["departure"])
    assert times == ("08:01:00", "09:00:00", "09:10:00")
    assert visit["wait_s"] == 3540 and visit["location"] == {"index": 1}
    assert route["stops"][2]["location"] == {"index": 1}  # the break is taken where the rep is
    assert route["stops"][3]["location"] == {"index": 0}  # back to start
    assert response["unassigned"] == [
        {"account_id": "A2", "reason": "NO_FEASIBLE_WINDOW", "detail": "Account 'A2': too late."}
    ]
    assert response["solver"]["seed"] == 7
    assert response["summary"]["visits"] == 1


def test_day_plan_geojson_has_route_lines_and_timed_stop_points():
    plan = _plan()
    request = body(matrix=None)
    request["reps"][0]["start"] = {"lat": 43.73, "lon": 7.42}
    request["accounts"][0]["location"] = {"lat": 43.74, "lon": 7.43}
    problem = to_problem(DayPlanRequest.model_validate(request), default_network="monaco")
    collection = day_plan_geojson(from_plan(plan, problem).model_dump(mode="json"))
    kinds = [f["properties"]["kind"] for f in collection["features"]]
    assert kinds == ["route", "stop", "stop", "stop", "stop"]
    line = collection["features"][0]["geometry"]
    assert line["type"] == "LineString" and line["coordinates"][1] == [7.43, 43.74]
    visit = collection["features"][2]
    assert visit["geometry"] == {"type": "Point", "coordinates": [7.43, 43.74]}
    assert visit["properties"]["start"] == "09:00:00"


def test_estimate_from_matrix_prices_each_pair_and_marks_unreachable():
    request = EstimateRequest.model_validate(
        {
            "origins": [{"lat": 1, "lon": 1}],
            "destinations": [{"lat": 1, "lon": 2}, {"lat": 1, "lon": 3}],
            "cost_per_km": 0.5,
            "cost_per_hour": 30,
        }
    )
    matrix = TravelMatrix([[1800, -1]], [[10_000, -1]])
    result = estimate_from_matrix(request, "x", matrix)
    assert result.costs == [[5.0 + 15.0, None]]


def test_estimate_sequence_sums_legs():
    request = EstimateRequest.model_validate(
        {"sequence": [{"lat": 1, "lon": 1}, {"lat": 1, "lon": 2}, {"lat": 1, "lon": 3}]}
    )
    matrix = TravelMatrix(
        [[0, 100, 0], [0, 0, 200], [0, 0, 0]], [[0, 1000, 0], [0, 0, 3000], [0, 0, 0]]
    )
    result = estimate_from_matrix(request, "x", matrix)
    assert [leg.duration_s for leg in result.legs] == [100, 200]
    assert result.total == {"duration_s": 300, "distance_m": 4000, "cost": 0.0}
    assert result.reachable


def test_location_model_is_used_for_matrix_locations():
    problem = to_problem(DayPlanRequest.model_validate(body()), default_network="m")
    assert problem.accounts[0].location == Location(index=1)


def test_problem_level_errors_name_the_entity_by_request_path():
    bad = body()
    bad["accounts"][0]["rep_ids"] = ["nobody"]
    with pytest.raises(InvalidProblemError) as info:
        to_problem(DayPlanRequest.model_validate(bad), default_network="m")
    assert str(info.value) == "accounts[0] 'A1': rep_ids names unknown rep 'nobody'."
    assert info.value.field == "accounts[0].rep_ids"
