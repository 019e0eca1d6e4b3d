"""Territory polygons cover the road network's whole area, not just the accounts' hull."""

import itertools

import numpy as np
import shapely
from shapely.geometry import shape

from solver.model import Location
from solver.territory import TerritoryAccount, TerritoryOptions, TerritoryRep, balance_territories
from solver.territory.geometry import territory_polygons


def _west_accounts(network, count):
    """Accounts on road nodes in Monaco's western third only (their hull is small)."""
    a = network.arrays
    west = np.flatnonzero(a.node_lon < a.node_lon.min() + 0.008)
    picks = west[np.linspace(0, west.size - 1, count).round().astype(int)]
    return [
        TerritoryAccount(
            f"w{i}",
            Location(lat=float(a.node_lat[k]), lon=float(a.node_lon[k])),
            visits_per_4_weeks=4,
        )
        for i, k in enumerate(dict.fromkeys(picks))
    ]


def test_territories_on_a_network_cover_its_whole_area_even_far_from_accounts(monaco_network):
    accounts = _west_accounts(monaco_network, 12)
    reps = [TerritoryRep(f"r{i}", accounts[k].location) for i, k in enumerate((0, 6))]
    plan = balance_territories(
        reps, accounts, network=monaco_network, options=TerritoryOptions(time_limit_s=5)
    )
    polygons = [shape(t.polygon) for t in plan.territories]
    covered = shapely.union_all(polygons)
    a = monaco_network.arrays
    roads = shapely.points(np.c_[a.point_lon, a.point_lat])
    # every road of the network (the east side too, kilometres from any account) is in
    # some rep's territory, and so is the area between them
    assert shapely.covered_by(roads, covered).all()
    outline = shapely.MultiPoint(roads).convex_hull
    assert outline.difference(covered).area < 1e-9 * outline.area
    assert monaco_network.outline().equals(outline)
    # territories do not overlap, and each holds its own accounts
    for p, q in itertools.combinations(polygons, 2):
        assert p.intersection(q).area < 1e-12
    for t, polygon in zip(plan.territories, polygons, strict=True):
        for account_id in t.account_ids:
            location = next(x.location for x in accounts if x.id == account_id)
            assert polygon.contains(shapely.Point(location.lon, location.lat))


def test_without_an_area_polygons_keep_to_the_accounts_hull():
    locations = [Location(lat=0.0, lon=0.0), Location(lat=0.0, lon=0.1)]
    area = shapely.box(-1.0, -1.0, 1.0, 1.0)
    small = territory_polygons(locations, [0, 1], 2)
    large = territory_polygons(locations, [0, 1], 2, area=area)
    assert shapely.union_all([shape(g) for g in small]).area < 0.1
    assert shapely.union_all([shape(g) for g in large]).covers(area)
