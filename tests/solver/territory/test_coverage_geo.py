import dataclasses
import math

import numpy as np
import shapely
from shapely.geometry import shape

from solver.model import Location, TravelMatrix
from solver.territory import (
    Coverage,
    TerritoryAccount,
    TerritoryOptions,
    TerritoryRep,
    balance_territories,
    check_territory_plan,
    recommend_coverage,
)

from .helpers import random_problem


class HaversineNetwork:
    """Stand-in for a RoadNetwork: straight-line distance at 36 km/h (no real roads)."""

    def matrix(self, origins, destinations=None):
        destinations = origins if destinations is None else destinations
        a = np.radians(np.asarray(origins, dtype=float))
        b = np.radians(np.asarray(destinations, dtype=float))
        dlat = a[:, None, 0] - b[None, :, 0]
        dlon = a[:, None, 1] - b[None, :, 1]
        h = (
            np.sin(dlat / 2) ** 2
            + np.cos(a[:, None, 0]) * np.cos(b[None, :, 0]) * np.sin(dlon / 2) ** 2
        )
        metres = 2 * 6_371_000 * np.arcsin(np.sqrt(h))
        return TravelMatrix(np.rint(metres / 10).astype(np.int64), np.rint(metres).astype(np.int64))


def test_geographic_plan_has_polygons_that_contain_each_reps_accounts():
    rng = np.random.default_rng(0)
    reps = [
        TerritoryRep("west", Location(lat=35.90, lon=14.40)),
        TerritoryRep("east", Location(lat=35.90, lon=14.52)),
    ]
    accounts = [
        TerritoryAccount(
            f"a{i}", Location(lat=35.85 + 0.1 * rng.random(), lon=14.38 + 0.16 * rng.random())
        )
        for i in range(60)
    ]
    options = TerritoryOptions(balance="accounts", time_limit_s=20)
    plan = balance_territories(reps, accounts, network=HaversineNetwork(), options=options)
    assert check_territory_plan(reps, accounts, plan, options) == []
    polygons = {t.rep_id: shape(t.polygon) for t in plan.territories}
    assert polygons["west"].intersection(polygons["east"]).area < 1e-9
    for a in accounts:
        point = shapely.Point(a.location.lon, a.location.lat)
        assert polygons[plan.assignment[a.id]].contains(point)
    collection = plan.to_geojson()
    assert collection["type"] == "FeatureCollection"
    assert {f["properties"]["rep_id"] for f in collection["features"]} == {"west", "east"}


def test_coverage_sends_far_low_value_accounts_inside_and_rebuilds_field_territories():
    reps, accounts, matrix = random_problem(n_reps=3, n_accounts=60, seed=12)
    reps = [dataclasses.replace(r, cost_per_hour=40.0, cost_per_km=0.4) for r in reps]
    # make half the accounts worth little: their field cost exceeds 10 % of revenue
    accounts = [
        dataclasses.replace(a, revenue=300.0) if j % 2 else dataclasses.replace(a, revenue=1e6)
        for j, a in enumerate(accounts)
    ]
    accounts[1] = dataclasses.replace(accounts[1], locked_rep="r0")
    options = TerritoryOptions(time_limit_s=20)
    result = recommend_coverage(reps, accounts, matrix=matrix, options=options)
    recs = {r.account_id: r for r in result.recommendations}
    assert recs["a0"].recommendation == Coverage.FIELD
    assert recs["a1"].recommendation == Coverage.FIELD  # locked stays in the field
    assert recs["a3"].recommendation == Coverage.INSIDE
    for r in result.recommendations:
        expected_share = r.field_cost_per_year / r.revenue
        assert math.isclose(r.cost_share, expected_share)
        assert r.marginal_drive_h_per_week >= 0
        assert r.field_cost_per_year > 0
    inside = set(result.inside_account_ids)
    assert inside and inside.isdisjoint(result.field_plan.assignment)
    field_accounts = [a for a in accounts if a.id not in inside]
    assert set(result.field_plan.assignment) == {a.id for a in field_accounts}
    assert check_territory_plan(reps, field_accounts, result.field_plan, options) == []
    assert (
        result.field_plan.summary.total_drive_h_per_week
        < result.all_field.summary.total_drive_h_per_week
    )
