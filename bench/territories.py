"""Benchmark of balance_territories on real road networks, against naive baselines.

Malta: accounts are the extract's named points of interest (healthcare, shops, offices);
reps' homes are accounts drawn with the seed. For 10 and 30 reps it prints, for our
plan and for two baselines computed in the same run (nearest rep; k-means on
coordinates, clusters matched to reps by least travel), the balance deviation (workload
metric), the visits-weighted rep->account travel (the optimised objective), the LP lower
bound and the gap to it, and the simulated total weekly drive time.

Porto (roads only): synthetic accounts on random road points (seeded); 20,000 accounts x
100 reps by default; prints time, balance, gap to the LP bound and the memory peak.

Usage (from the repository root)::

    .venv/bin/python bench/territories.py                 # Malta 10 and 30 reps, then Porto
    .venv/bin/python bench/territories.py --skip-porto
    .venv/bin/python bench/territories.py --workload  # estimate vs simulated week, before/after

``--workload`` runs ``bench/territories_workload.py`` (Malta 1,500 x 10 and x 30 and the
territory notebook's pharma case: the largest deviation of the estimate and of the
simulated workload, before and after balancing on the simulated week, with time).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import osmium
import psutil
from scipy.optimize import linear_sum_assignment
from sklearn.cluster import KMeans

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from solver.model import Location  # noqa: E402
from solver.roads import build_network, list_networks, load_network  # noqa: E402
from solver.territory import (  # noqa: E402
    TerritoryAccount,
    TerritoryOptions,
    TerritoryRep,
    balance_territories,
    check_territory_plan,
    estimate_workload,
    order_day,
    plan_day_router,
    recommend_coverage,
    simulate_territory,
)

HEALTHCARE = {"pharmacy": 4, "doctors": 4, "clinic": 2, "dentist": 2, "hospital": 2}
#: Other commercial amenities a field rep (pharma/consumer goods) would call on.
TRADE = {
    "restaurant",
    "cafe",
    "bar",
    "pub",
    "fast_food",
    "ice_cream",
    "fuel",
    "bank",
    "post_office",
    "car_rental",
    "nightclub",
    "casino",
}
#: Lodging (tourism=*) a beverage rep calls on.
LODGING = {"hotel", "guest_house", "hostel", "motel"}


def read_pois(path: Path) -> list[tuple[str, float, float, str]]:
    """Named POIs (nodes, and ways at their mean node position): (id, lat, lon, kind).

    Healthcare amenities, trade amenities (food and drink, fuel, banks, ...), lodging,
    shops and offices.
    """
    pois = []
    processor = (
        osmium.FileProcessor(str(path))
        .with_locations()
        .with_filter(osmium.filter.KeyFilter("amenity", "shop", "office", "tourism"))
    )
    for obj in processor:
        tags = obj.tags
        if "name" not in tags or obj.is_relation():
            continue
        amenity = tags.get("amenity")
        if amenity in HEALTHCARE:
            kind = amenity
        elif amenity in TRADE or tags.get("tourism") in LODGING:
            kind = "trade"
        elif "shop" in tags:
            kind = "shop"
        elif "office" in tags:
            kind = "office"
        else:
            continue
        if obj.is_node():
            lat, lon = obj.location.lat, obj.location.lon
        else:
            located = [n.location for n in obj.nodes if n.location.valid()]
            if not located:
                continue
            lat = float(np.mean([loc.lat for loc in located]))
            lon = float(np.mean([loc.lon for loc in located]))
        pois.append((f"{obj.type_str()}{obj.id}", lat, lon, kind))
    return pois


def get_network(source: Path, name: str, networks_dir: Path):
    if name not in {info.name for info in list_networks(networks_dir)}:
        started = time.perf_counter()
        build_network(source, name=name, networks_dir=networks_dir)
        print(f"built network {name} in {time.perf_counter() - started:.1f} s")
    return load_network(name, networks_dir=networks_dir).prepare()


def make_accounts(points, kinds, rng) -> list[TerritoryAccount]:
    accounts = []
    for i, ((lat, lon), kind) in enumerate(zip(points, kinds, strict=True)):
        health = kind in HEALTHCARE
        accounts.append(
            TerritoryAccount(
                f"a{i}",
                Location(lat=float(lat), lon=float(lon)),
                visits_per_4_weeks=float(HEALTHCARE.get(kind, 1)),
                visit_duration_s=1800 if health else 1200,
                revenue=float(np.round(rng.lognormal(9.5, 1.0))),
            )
        )
    return accounts


def travel_and_deviation(rep_of, accounts, durations_s, share, options):
    """Objective (h/week), max workload deviation, for an integral assignment (-1 = none)."""
    per_week = np.array([a.visits_per_week for a in accounts])
    ok = rep_of >= 0
    cols = np.flatnonzero(ok)
    travel_h = float((per_week[cols] * durations_s[rep_of[cols], cols]).sum() / 3600)
    w = estimate_workload(accounts, durations_s, options.visits_per_day)
    loads = np.bincount(rep_of[cols], weights=w[rep_of[cols], cols], minlength=len(share))
    deviation = loads / (share * loads.sum()) - 1
    return travel_h, float(np.abs(deviation).max())


def simulated_drive_h(network, reps, accounts, rep_of, seed) -> float:
    total_s = 0.0
    for r, rep in enumerate(reps):
        members = np.flatnonzero(rep_of == r)
        locations = [(rep.home.lat, rep.home.lon)] + [
            (accounts[j].location.lat, accounts[j].location.lon) for j in members
        ]
        freq = np.array([accounts[j].visits_per_4_weeks for j in members])
        total_s += simulate_territory(
            network.matrix(locations), freq, seed=seed + r
        ).drive_s_per_week
    return total_s / 3600


def baselines(reps, accounts, durations_s, points, options):
    reachable = durations_s >= 0
    reachable_any = reachable.any(axis=0)
    cost = np.where(reachable, durations_s, np.iinfo(np.int64).max)
    nearest = np.where(reachable_any, np.argmin(cost, axis=0), -1)
    n_reps = len(reps)
    km = KMeans(n_clusters=n_reps, n_init=4, random_state=options.seed)
    xy = np.c_[points[:, 0], points[:, 1] * np.cos(np.radians(points[:, 0].mean()))]
    label = km.fit_predict(xy[reachable_any])
    per_week = np.array([a.visits_per_week for a in accounts])
    cluster_cost = np.zeros((n_reps, n_reps))  # rep x cluster
    idx = np.flatnonzero(reachable_any)
    safe = np.where(reachable, durations_s, 10**6)
    for c in range(n_reps):
        cols = idx[label == c]
        cluster_cost[:, c] = (per_week[cols] * safe[:, cols]).sum(axis=1)
    rows, clusters = linear_sum_assignment(cluster_cost)
    rep_of_cluster = np.empty(n_reps, dtype=np.int64)
    rep_of_cluster[clusters] = rows
    kmeans = np.full(len(accounts), -1)
    kmeans[idx] = rep_of_cluster[label]
    return {"nearest rep": nearest, "k-means": kmeans}


def run_malta(args) -> None:
    rng = np.random.default_rng(args.seed)
    pois = read_pois(args.malta)
    network = get_network(args.malta, "malta", args.networks_dir)
    points = np.array([(p[1], p[2]) for p in pois])
    snaps = network.snap([tuple(p) for p in points])
    on = np.array([s.on_network for s in snaps])
    kinds = [p[3] for p in pois]
    print(
        f"Malta: {len(pois)} named POIs ({sum(k in HEALTHCARE for k in kinds)} healthcare), "
        f"{on.sum()} on the network; network {network.info.nodes} nodes"
    )
    points, kinds = points[on], [k for k, o in zip(kinds, on, strict=True) if o]
    if args.malta_accounts and args.malta_accounts < len(points):
        keep = np.sort(rng.choice(len(points), args.malta_accounts, replace=False))
        points, kinds = points[keep], [kinds[i] for i in keep]
    accounts = make_accounts(points, kinds, rng)
    header = (
        f"{'reps':>4} {'method':<12} {'max dev':>8} {'travel h/wk':>11} {'LP bound':>9} "
        f"{'gap':>7} {'drive h/wk (sim)':>16} {'time s':>7}"
    )
    for n_reps in args.reps:
        homes = rng.choice(len(points), n_reps, replace=False)
        reps = [
            TerritoryRep(f"rep{r}", Location(lat=float(points[h, 0]), lon=float(points[h, 1])))
            for r, h in enumerate(homes)
        ]
        options = TerritoryOptions(time_limit_s=args.time_limit_s, seed=args.seed)
        started = time.perf_counter()
        plan = balance_territories(reps, accounts, network=network, options=options)
        elapsed = time.perf_counter() - started
        durations = network.matrix(
            [(r.home.lat, r.home.lon) for r in reps], [tuple(p) for p in points]
        ).durations_s
        problems = check_territory_plan(reps, accounts, plan, options, home_durations_s=durations)
        s = plan.summary
        bound = s.lower_bound_h_per_week
        print(
            f"\n{len(accounts)} accounts x {n_reps} reps  (checker: {problems or 'ok'}; "
            f"unassigned {len(plan.unassigned)}; solver {plan.solver.status}, "
            f"solve {plan.solver.time_s:.1f} s incl. matrix, total {elapsed:.1f} s incl. "
            "simulated routes and polygons)"
        )
        print(header)
        print(
            f"{n_reps:>4} {'balanced':<12} {s.max_deviation * 100:>7.2f}% "
            f"{s.travel_h_per_week:>11.2f} {bound:>9.2f} {s.gap_to_bound * 100:>6.2f}% "
            f"{s.total_drive_h_per_week:>16.1f} {elapsed:>7.1f}"
        )
        if n_reps == args.reps[0]:
            run_coverage(network, reps, accounts, options)
            compare_day_routers(network, reps, accounts, plan, args.seed)
        share = np.full(n_reps, 1 / n_reps)
        for name, rep_of in baselines(reps, accounts, durations, points, options).items():
            started = time.perf_counter()
            travel_h, dev = travel_and_deviation(rep_of, accounts, durations, share, options)
            drive_h = simulated_drive_h(network, reps, accounts, rep_of, args.seed)
            print(
                f"{n_reps:>4} {name:<12} {dev * 100:>7.2f}% {travel_h:>11.2f} {bound:>9.2f} "
                f"{(travel_h / bound - 1) * 100:>6.2f}% {drive_h:>16.1f} "
                f"{time.perf_counter() - started:>7.1f}"
            )


def compare_day_routers(network, reps, accounts, plan, seed, n_territories=3) -> None:
    """Simulated weekly drive of a few territories: default router vs the day-plan engine."""
    by_id = {a.id: a for a in accounts}
    for r, territory in enumerate(plan.territories[:n_territories]):
        mine = [by_id[a] for a in territory.account_ids]
        points = [(reps[r].home.lat, reps[r].home.lon)] + [
            (a.location.lat, a.location.lon) for a in mine
        ]
        matrix = network.matrix(points)
        freq = np.array([a.visits_per_4_weeks for a in mine])
        figures = []
        for name, router in (("OR-Tools", order_day), ("plan_day 0.1 s/day", plan_day_router(0.1))):
            started = time.perf_counter()
            sim = simulate_territory(matrix, freq, seed=seed + r, day_router=router)
            elapsed = time.perf_counter() - started
            figures.append(f"{name} {sim.drive_s_per_week / 3600:.2f} h/wk ({elapsed:.1f} s)")
        print(f"  simulated drive of {territory.rep_id}: " + " vs ".join(figures))


def run_coverage(network, reps, accounts, options) -> None:
    """Field or inside per account, with reps costing 35/h driving and 0.40/km."""
    costed = [dataclasses.replace(r, cost_per_hour=35.0, cost_per_km=0.40) for r in reps]
    started = time.perf_counter()
    result = recommend_coverage(costed, accounts, network=network, options=options)
    before, after = result.all_field.summary, result.field_plan.summary
    inside = result.inside_account_ids
    lost = sum(a.revenue or 0 for a in accounts if a.id in set(inside))
    total = sum(a.revenue or 0 for a in accounts)
    print(
        f"  coverage (field cost <= 10 % of revenue): {len(inside)} of {len(accounts)} accounts "
        f"to inside sales ({lost / total * 100:.1f} % of revenue); field territories rebuilt: "
        f"drive {before.total_drive_h_per_week:.1f} -> {after.total_drive_h_per_week:.1f} h/wk, "
        f"max dev {after.max_deviation * 100:.2f} %, gap {after.gap_to_bound * 100:.2f} % "
        f"({time.perf_counter() - started:.1f} s)"
    )


def run_porto(args) -> None:
    rng = np.random.default_rng(args.seed)
    process = psutil.Process(os.getpid())
    rss_before = process.memory_info().rss
    network = get_network(args.porto, "porto", args.networks_dir)
    min_lon, min_lat, max_lon, max_lat = network.info.bbox
    wanted = args.porto_accounts
    points = np.empty((0, 2))
    while len(points) < wanted:  # random points snapped onto roads, off-network ones dropped
        raw = np.c_[
            rng.uniform(min_lat, max_lat, 2 * wanted), rng.uniform(min_lon, max_lon, 2 * wanted)
        ]
        snaps = network.snap([tuple(p) for p in raw])
        road = np.array([(s.road_lat, s.road_lon) for s in snaps if s.on_network])
        points = np.r_[points, road][:wanted]
    accounts = [
        TerritoryAccount(
            f"p{i}",
            Location(lat=float(lat), lon=float(lon)),
            visits_per_4_weeks=float(rng.choice([1, 2, 4])),
            visit_duration_s=1800,
        )
        for i, (lat, lon) in enumerate(points)
    ]
    homes = rng.choice(len(points), args.porto_reps, replace=False)
    reps = [
        TerritoryRep(f"rep{r}", Location(lat=float(points[h, 0]), lon=float(points[h, 1])))
        for r, h in enumerate(homes)
    ]
    options = TerritoryOptions(time_limit_s=args.porto_time_limit_s, seed=args.seed)
    rss_loaded = process.memory_info().rss
    started = time.perf_counter()
    network.matrix([(r.home.lat, r.home.lon) for r in reps], [tuple(p) for p in points])
    matrix_s = time.perf_counter() - started
    started = time.perf_counter()
    plan = balance_territories(reps, accounts, network=network, options=options)
    elapsed = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    s = plan.summary
    print(
        f"\nPorto: {len(accounts)} accounts x {len(reps)} reps: {elapsed:.1f} s "
        f"(assignment {plan.solver.time_s:.1f} s incl. matrix; status {plan.solver.status}); "
        f"max dev {s.max_deviation * 100:.2f}%, travel {s.travel_h_per_week:.1f} h/wk, "
        f"LP bound {s.lower_bound_h_per_week:.1f}, gap {s.gap_to_bound * 100:.2f}%, "
        f"unassigned {len(plan.unassigned)}, drive ({plan.territories[0].drive_method}) "
        f"{s.total_drive_h_per_week:.0f} h/wk; the homes x accounts matrix alone takes "
        f"{matrix_s:.1f} s"
    )
    print(
        f"memory: RSS before network {rss_before / 2**20:.0f} MB, after network + accounts "
        f"{rss_loaded / 2**20:.0f} MB, peak (ru_maxrss) {peak_mb:.0f} MB; targets <= 120 s, <= 4 GB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--malta", type=Path, default=ROOT / "data/malta-2016-11-09.osm.pbf")
    parser.add_argument(
        "--porto",
        type=Path,
        default=ROOT / "../shared/data/osm/porto-region-2015-06-06.roads.osm.pbf",
    )
    parser.add_argument(
        "--networks-dir",
        type=Path,
        default=None,
        help="reuse networks prepared there (default: build fresh into a temporary directory)",
    )
    parser.add_argument("--reps", type=int, nargs="+", default=[10, 30])
    parser.add_argument("--malta-accounts", type=int, default=1500)
    parser.add_argument("--time-limit-s", type=float, default=30.0)
    parser.add_argument("--porto-accounts", type=int, default=20_000)
    parser.add_argument("--porto-reps", type=int, default=100)
    parser.add_argument("--porto-time-limit-s", type=float, default=90.0)
    parser.add_argument("--skip-malta", action="store_true")
    parser.add_argument("--skip-porto", action="store_true")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workload", action="store_true", help="run territories_workload.py")
    args = parser.parse_args()
    if args.workload:
        import territories_workload

        sys.argv = [sys.argv[0], "--reps", *map(str, args.reps)]
        if args.networks_dir is not None:
            sys.argv += ["--networks-dir", str(args.networks_dir)]
        territories_workload.main()
        return
    if args.networks_dir is None:
        args.networks_dir = Path(tempfile.mkdtemp(prefix="fieldroute-bench-networks-"))
    print(f"load average {os.getloadavg()}, {os.cpu_count()} CPUs")
    if not args.skip_malta:
        run_malta(args)
    if not args.skip_porto:
        run_porto(args)
    print(f"load average {os.getloadavg()}")


if __name__ == "__main__":
    main()
