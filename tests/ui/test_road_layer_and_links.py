"""Unit tests of the map's road layer and of the per-rep export helpers (no service)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from solver.errors import InvalidProblemError
from solver.exports import plan_for_rep, route_links
from solver.model import (
    Account,
    Location,
    Plan,
    Problem,
    Rep,
    Route,
    RouteTotals,
    Shift,
    SolverInfo,
    SolveStatus,
    Stop,
    StopType,
)
from solver.roads import RoadNetwork
from solver.roads.geojson import network_geojson

H = 3600


def piece_points(network: RoadNetwork) -> list[np.ndarray]:
    a = network.arrays
    return [
        np.column_stack((a.point_lon[lo:hi], a.point_lat[lo:hi]))
        for lo, hi in zip(a.piece_offsets[:-1], a.piece_offsets[1:], strict=True)
        if hi - lo >= 2
    ]


def test_road_layer_without_simplification_keeps_every_shape_point(
    monaco_network: RoadNetwork,
) -> None:
    layer = network_geojson(monaco_network, tolerance_m=0, decimals=7)
    (feature,) = layer["features"]
    lines = feature["geometry"]["coordinates"]
    pieces = piece_points(monaco_network)
    assert feature["properties"]["pieces"] == len(lines) == len(pieces)
    assert feature["properties"]["points"] == sum(len(p) for p in pieces)
    for line, piece in zip(lines, pieces, strict=True):
        np.testing.assert_allclose(line, piece, atol=1e-7)
    assert layer["bbox"] == list(monaco_network.info.bbox)


def test_road_layer_simplifies_lines_but_keeps_their_ends(monaco_network: RoadNetwork) -> None:
    full = network_geojson(monaco_network, tolerance_m=0)["features"][0]
    simple = network_geojson(monaco_network, tolerance_m=5)["features"][0]
    assert simple["properties"]["pieces"] == full["properties"]["pieces"]
    assert simple["properties"]["points"] < 0.8 * full["properties"]["points"]
    for a, b in zip(
        full["geometry"]["coordinates"], simple["geometry"]["coordinates"], strict=True
    ):
        assert a[0] == b[0] and a[-1] == b[-1]  # intersections stay where they are
        assert all(round(x, 5) == x for point in b for x in point)


def _two_rep_plan() -> tuple[Plan, Problem]:
    accounts = tuple(
        Account(f"A{i}", Location(lat=43.73 + i / 1000, lon=7.42), visit_duration_s=900)
        for i in range(1, 4)
    )
    named = Account("B1", Location(lat=43.74, lon=7.43), visit_duration_s=900, name="Pharmacie")
    reps = tuple(
        Rep(rep_id, Location(lat=43.73, lon=7.41), Shift(8 * H, 17 * H)) for rep_id in ("r1", "r2")
    )
    problem = Problem(dt.date(2026, 12, 1), reps, (*accounts, named), network="monaco")

    def route(rep_id: str, account_ids: list[str]) -> Route:
        stops = [Stop(StopType.START, 8 * H, 8 * H, 8 * H)]
        t = 8 * H
        for account_id in account_ids:
            t += 300
            stops.append(Stop(StopType.VISIT, t, t, t + 900, travel_s=300, account_id=account_id))
            t += 900
        stops.append(Stop(StopType.END, t + 300, t + 300, t + 300, travel_s=300))
        totals = RouteTotals(300 * (len(account_ids) + 1), 0, 900 * len(account_ids), 0, 0, 0, 0)
        return Route(rep_id, tuple(stops), totals)

    plan = Plan(
        problem.date,
        (route("r1", ["A1", "A2", "A3"]), route("r2", ["B1"])),
        (),
        SolverInfo(SolveStatus.FEASIBLE, 0, 1.0, 0.0),
    )
    return plan, problem


def test_plan_for_rep_keeps_only_that_reps_route() -> None:
    plan, _ = _two_rep_plan()
    mine = plan_for_rep(plan, "r2")
    assert [r.rep_id for r in mine.routes] == ["r2"]
    assert mine.date == plan.date
    with pytest.raises(InvalidProblemError, match="rep 'nobody' has no route"):
        plan_for_rep(plan, "nobody")


def test_route_links_number_visits_per_rep_with_geo_uris_and_start_times() -> None:
    plan, problem = _two_rep_plan()
    links = route_links(plan, problem)
    assert links["date"] == "2026-12-01"
    first, second = links["routes"]
    assert [v["number"] for v in first["visits"]] == [1, 2, 3]
    assert [v["account_id"] for v in first["visits"]] == ["A1", "A2", "A3"]
    assert first["visits"][1]["geo"] == "geo:43.732000,7.420000"
    assert first["visits"][0]["start"] == "08:05:00"
    assert second["visits"] == [
        {
            "number": 1,
            "account_id": "B1",
            "name": "Pharmacie",
            "start": "08:05:00",
            "geo": "geo:43.740000,7.430000",
        }
    ]
    assert len(first["navigation"]) == 1 and "waypoints=" in first["navigation"][0]
