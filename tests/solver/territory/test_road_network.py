"""Territories on the real Monaco road network (prepared locally from data/, no internet)."""

import numpy as np
import pytest
import shapely
from shapely.geometry import shape

from solver.model import Location
from solver.territory import (
    TerritoryAccount,
    TerritoryOptions,
    TerritoryRep,
    balance_territories,
    check_territory_plan,
    plan_day_router,
    simulate_territory,
)


@pytest.fixture(scope="module")
def monaco_accounts(monaco_network):
    rng = np.random.default_rng(0)
    raw = np.c_[rng.uniform(43.727, 43.747, 200), rng.uniform(7.410, 7.435, 200)]
    snaps = monaco_network.snap([tuple(p) for p in raw])
    # distinct road points (accounts at one address share a Voronoi cell)
    points = list(dict.fromkeys((s.road_lat, s.road_lon) for s in snaps if s.on_network))[:60]
    return [
        TerritoryAccount(f"m{i}", Location(lat=lat, lon=lon), visits_per_4_weeks=float(1 + i % 4))
        for i, (lat, lon) in enumerate(points)
    ]


def test_balance_on_monaco_roads_gives_checked_plan_with_polygons(monaco_network, monaco_accounts):
    accounts = monaco_accounts
    reps = [
        TerritoryRep(f"r{i}", Location(lat=accounts[k].location.lat, lon=accounts[k].location.lon))
        for i, k in enumerate((0, 20, 40))
    ]
    options = TerritoryOptions(time_limit_s=20)
    plan = balance_territories(reps, accounts, network=monaco_network, options=options)
    homes = [(r.home.lat, r.home.lon) for r in reps]
    points = [(a.location.lat, a.location.lon) for a in accounts]
    durations = monaco_network.matrix(homes, points).durations_s
    assert check_territory_plan(reps, accounts, plan, options, home_durations_s=durations) == []
    assert plan.summary.within_tolerance
    assert plan.summary.gap_to_bound <= 0.01
    for t in plan.territories:
        assert t.drive_method == "simulated" and t.drive_h_per_week > 0
        polygon = shape(t.polygon)
        for account_id in t.account_ids:
            account = next(a for a in accounts if a.id == account_id)
            assert polygon.contains(shapely.Point(account.location.lon, account.location.lat))


def test_plan_day_router_orders_a_day_no_worse_than_visiting_in_input_order(
    monaco_network, monaco_accounts
):
    points = [(a.location.lat, a.location.lon) for a in monaco_accounts[:8]]
    matrix = monaco_network.matrix(points)
    router = plan_day_router(time_limit_s=0.5)
    order = router(matrix.durations_s)
    assert sorted(order) == list(range(1, 8))
    d = matrix.durations_s

    def length(seq):
        path = [0, *seq, 0]
        return sum(d[a, b] for a, b in zip(path, path[1:], strict=False))

    assert length(order) <= length(range(1, 8))
    sim = simulate_territory(matrix, np.full(7, 4.0), day_router=router)
    assert sim.drive_s_per_week > 0


def test_pair_cache_builds_the_same_timed_matrix_as_one_square_query(
    monaco_network, monaco_accounts
):
    from solver.territory.travel import PairCache, TerritoryTravel

    accounts = monaco_accounts
    reps = [TerritoryRep("r0", accounts[0].location)]
    source = TerritoryTravel(reps, accounts, network=monaco_network, traffic=True)
    points = [reps[0].home] + [a.location for a in accounts]
    cache = PairCache(source, points)
    ids = np.r_[0, 1 + np.arange(25)]
    cache.square(ids[:-3])  # a territory, then three accounts more: three rows and columns
    grown = cache.square(ids)
    direct = source.among([points[i] for i in ids])
    assert np.array_equal(grown.durations_s, direct.durations_s)
    assert np.array_equal(grown.distances_m, direct.distances_m)
    assert cache.known[np.ix_(ids, ids)].all()
