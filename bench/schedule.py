"""Visit-schedule benchmarks: Cordeau's PVRP instances, and a Malta field scenario.

PVRP (``<data>/pvrp``, see its ``FORMAT.md``): each instance is mapped exactly onto the
schedule model: ``days`` = t consecutive dates; m reps per day from the depot with
capacity Q and, when D > 0, a shift of length D (D includes service time); every
customer an account with ``visits`` = f, its combinations as ``patterns`` (the t binary
digits, leftmost = day 1), ``same_rep`` false, ``visit_duration_s`` = d, ``demand`` = q,
required; an explicit matrix of Euclidean distances x 100, rounded, for both time and
distance; cost = distance (``cost_per_km`` = 1000 on metres = 1 per unit). Every
schedule goes through :func:`solver.schedule.check_schedule`; its cost is recomputed on
unrounded Euclidean distances and compared with the best-known cost (``bks``) and the
1997 tabu search (``cgl97_ts_cost``) of ``bks.csv``.

Malta: 4 reps x 4 weeks (20 working days; a public holiday of Malta left out of the
horizon), ~400 named shops, pharmacies, doctors, offices and cafes of the extract as
accounts with their OSM ``opening_hours`` where tagged, 1, 2 or 4 visits per 4 weeks,
a lunch break, 10 pinned appointments, on the Malta road network.

Scale (``--scale``, run alone): 20 reps x 4 weeks x 2,000 accounts on the Porto roads-only
extract. The extract has no POIs, so accounts are seeded random drive-graph nodes; 1, 2
or 4 visits per 4 weeks, 30-minute visits, 08:00-17:00 shifts with a 30-minute lunch,
reps living at the account nearest each of 20 k-means centres, every account owned by
one rep (equal-sized territories, ``same_rep`` true). The network is built in a child
process (as a server prepares it once), so the peak memory printed (``ru_maxrss``) is
what the planning process holds: the loaded network, the problem and the search.
Over HTTP this is a ``visit-schedule`` job, whose worker runs the same
:func:`plan_schedule` (``service/schedules/work.py``). ``check_schedule`` runs after the
timing.

Usage::

    .venv/bin/python bench/schedule.py [--data ../shared/data/bench/pvrp]
        [--instances p01,p02,... | --quick] [--cgl97-days] [--time-limit 60]
        [--skip-malta] [--skip-pvrp]
        [--malta-accounts 400] [--malta-time-limit 120]
    .venv/bin/python bench/schedule.py --scale [--porto-accounts 2000] [--porto-reps 20]
        [--porto-time-limit 540]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import math
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from solver.model import (  # noqa: E402
    MAX_CLOCK_S,
    Account,
    Break,
    Location,
    Rep,
    Shift,
    TravelMatrix,
)
from solver.schedule import (  # noqa: E402
    Appointment,
    ScheduleAccount,
    ScheduleOptions,
    ScheduleProblem,
    ScheduleRep,
    check_schedule,
    plan_schedule,
    working_days,
)

SCALE = 100
FIRST_DAY = dt.date(2027, 1, 4)
#: ``--quick``: a subset of small and medium instances (the full mode runs every PVRP row
#: of ``bks.csv``, as the published comparisons do).
QUICK_SUBSET = "p01,p02,p03,p04,p05,p06,p07,p14,p15,p17,pr01,pr07"


@dataclass
class Pvrp:
    name: str
    m: int
    t: int
    duration: float  # D (0 = no limit)
    capacity: int
    xy: np.ndarray  # row 0 = depot
    service: list[float]
    demand: list[int]
    freq: list[int]
    patterns: list[list[tuple[int, ...]]]


def read_pvrp(path: Path) -> Pvrp:
    """Parse a Cordeau PVRP file by tokens (see FORMAT.md)."""
    tokens = path.read_text().split()
    pos = 0

    def take() -> str:
        nonlocal pos
        pos += 1
        return tokens[pos - 1]

    kind, m, n, t = (int(take()) for _ in range(4))
    if kind != 1:
        raise ValueError(f"{path.name}: type {kind} is not a PVRP (1)")
    limits = [(float(take()), int(take())) for _ in range(t)]
    if len(set(limits)) != 1:
        raise ValueError(f"{path.name}: D/Q differ by day, not supported by this mapping")
    duration, capacity = limits[0]
    xy, service, demand, freq, patterns = [], [], [], [], []
    for _ in range(n + 1):
        take()  # node number
        xy.append((float(take()), float(take())))
        service.append(float(take()))
        demand.append(int(take()))
        f = int(take())
        a = int(take())
        combos = [int(take()) for _ in range(a)]
        days = [tuple(k for k, bit in enumerate(format(c, f"0{t}b")) if bit == "1") for c in combos]
        if f == 0 and a:  # p11-style quirk: treat as one visit
            f = 1
        freq.append(f)
        patterns.append(days)
    return Pvrp(path.name, m, t, duration, capacity, np.array(xy), service, demand, freq, patterns)


def read_res_days(path: Path) -> dict[int, tuple[int, ...]]:
    """Visit days (0-based) of every customer in a CGL97 solution file (``.res``)."""
    days: dict[int, set[int]] = {}
    for line in path.read_text().splitlines()[1:]:
        tokens = line.split()
        if len(tokens) < 4:
            continue
        day = int(tokens[0]) - 1
        for node in tokens[4:]:
            if int(node) != 0:
                days.setdefault(int(node), set()).add(day)
    return {i: tuple(sorted(d)) for i, d in days.items()}


def pvrp_problem(
    inst: Pvrp, fixed_days: dict[int, tuple[int, ...]] | None = None
) -> ScheduleProblem:
    """Map a PVRP instance exactly onto the schedule model (see the module docstring).

    With ``fixed_days`` (diagnostic ``--cgl97-days``), each customer listed there keeps
    only that day set as its pattern: the solver then only routes the days.
    """
    diff = inst.xy[:, None, :] - inst.xy[None, :, :]
    units = np.rint(np.sqrt((diff**2).sum(axis=2)) * SCALE).astype(np.int64)
    matrix = TravelMatrix(units, units)
    days = tuple(FIRST_DAY + dt.timedelta(days=k) for k in range(inst.t))
    shift_s = round(inst.duration * SCALE) if inst.duration > 0 else MAX_CLOCK_S
    reps = tuple(
        ScheduleRep(
            Rep(
                f"v{v + 1}",
                Location(index=0),
                Shift(0, shift_s),
                cost_per_km=1000.0,
                capacity=inst.capacity,
            )
        )
        for v in range(inst.m)
    )
    accounts = tuple(
        ScheduleAccount(
            Account(
                f"c{i}",
                Location(index=i),
                visit_duration_s=round(inst.service[i] * SCALE),
                demand=inst.demand[i],
                required=True,
            ),
            visits=inst.freq[i],
            patterns=(
                (fixed_days[i],)
                if fixed_days and i in fixed_days
                else tuple(p for p in inst.patterns[i] if len(p) == inst.freq[i])
            ),
            same_rep=False,
        )
        for i in range(1, len(inst.xy))
    )
    return ScheduleProblem(days, reps, accounts, matrix=matrix)


def euclid_cost(inst: Pvrp, schedule) -> float:
    """Total unrounded Euclidean length of the schedule's routes."""
    total = 0.0
    for day in schedule.days:
        for route in day.routes:
            nodes = [0, *(int(a[1:]) for a in route.account_ids), 0]
            if len(nodes) > 2:
                legs = zip(nodes, nodes[1:], strict=False)
                total += sum(math.dist(inst.xy[a], inst.xy[b]) for a, b in legs)
    return total


def run_pvrp(args) -> None:
    with open(args.data / "bks.csv") as handle:
        table = {row["instance"]: row for row in csv.DictReader(handle)}
    if args.instances:
        names = [n.strip() for n in args.instances.split(",") if n.strip()]
    elif args.quick:
        names = QUICK_SUBSET.split(",")
    else:  # every PVRP instance with a best-known cost
        names = [n for n, row in table.items() if row["type"] == "1" and row["bks"]]
    print(
        f"PVRP: {len(names)} instances, {args.time_limit:g} s each, seed {args.seed} "
        "(one process; the machine may be shared)"
        + (" - DIAGNOSTIC: CGL97's visit days fixed, routing only" if args.cgl97_days else "")
    )
    print(
        f"{'inst':6} {'n':>4} {'m':>3} {'t':>3} {'ours':>10} {'bks':>10} {'gap%':>6} "
        f"{'cgl97':>10} {'cgl%':>6} {'vs97%':>6} {'miss':>4} {'viol':>4} {'time':>6}"
    )
    gaps, cgl_gaps, complete = [], [], []
    for name in names:
        row = table[name]
        inst = read_pvrp(args.data / row["file"])
        fixed = None
        if args.cgl97_days:
            fixed = read_res_days(args.data / "solutions_cgl97" / f"{name}.res")
        problem = pvrp_problem(inst, fixed)
        began = time.perf_counter()
        schedule = plan_schedule(problem, time_limit_s=args.time_limit, seed=args.seed)
        elapsed = time.perf_counter() - began
        violations = check_schedule(problem, schedule)
        missing = sum(u.missing for u in schedule.unassigned)
        cost = euclid_cost(inst, schedule)
        bks, cgl = float(row["bks"]), float(row["cgl97_ts_cost"])
        gap, cgl_gap = 100 * (cost - bks) / bks, 100 * (cgl - bks) / bks
        gaps.append(gap)
        cgl_gaps.append(cgl_gap)
        complete.append(not violations and not missing)
        print(
            f"{name:6} {len(inst.xy) - 1:4d} {inst.m:3d} {inst.t:3d} {cost:10.2f} {bks:10.2f} "
            f"{gap:6.2f} {cgl:10.2f} {cgl_gap:6.2f} {100 * (cost - cgl) / cgl:6.2f} "
            f"{missing:4d} {len(violations):4d} {elapsed:6.1f}",
            flush=True,
        )
        for v in violations[:3]:
            print(f"   violation {v.code}: {v.detail}")
    if gaps:
        # An instance with missing visits or violations is a failure: its cost (fewer
        # visits) is not comparable, so the target is met only with every instance complete.
        done = [k for k, ok in enumerate(complete) if ok]
        print(
            f"complete (every visit planned, 0 violations): {len(done)} / {len(gaps)}; "
            f"CGL97 tabu search mean gap over all {len(gaps)}: {statistics.mean(cgl_gaps):.2f} %"
        )
        if done:
            print(
                f"mean gap to BKS over the {len(done)} complete instances: "
                f"ours {statistics.mean(gaps[k] for k in done):.2f} %, "
                f"CGL97 {statistics.mean(cgl_gaps[k] for k in done):.2f} % on the same"
            )
        if len(done) == len(gaps):
            verdict = "met" if statistics.mean(gaps) < statistics.mean(cgl_gaps) else "NOT met"
        else:
            verdict = f"NOT met ({len(gaps) - len(done)} incomplete instances count as failures)"
        print(
            f"mean gap over all {len(gaps)}: ours "
            + (f"{statistics.mean(gaps):.2f} %" if len(done) == len(gaps) else "n/a")
            + f" vs CGL97 {statistics.mean(cgl_gaps):.2f} % (target: below CGL97 at 60 s/instance):"
            f" {verdict}"
        )


# ----------------------------------------------------------------------------- Malta

KINDS = {
    "pharmacy": ("amenity", 4, 1200),
    "doctors": ("amenity", 2, 1800),
    "cafe": ("amenity", 1, 900),
}


def read_malta_pois(path: Path) -> list[dict]:
    """Named shops, pharmacies, doctors, offices and cafes (nodes) with their tags."""
    import osmium

    pois = []
    processor = osmium.FileProcessor(str(path), osmium.osm.NODE).with_filter(
        osmium.filter.KeyFilter("amenity", "shop", "office")
    )
    for node in processor:
        tags = node.tags
        if "name" not in tags:
            continue
        amenity = tags.get("amenity")
        if amenity in ("pharmacy", "doctors", "cafe"):
            kind = amenity
        elif "shop" in tags:
            kind = "shop"
        elif "office" in tags:
            kind = "office"
        else:
            continue
        pois.append(
            {
                "id": f"n{node.id}",
                "name": tags["name"],
                "kind": kind,
                "lat": node.location.lat,
                "lon": node.location.lon,
                "opening_hours": tags.get("opening_hours"),
            }
        )
    return pois


def malta_problem(pois: list[dict], count: int, seed: int) -> ScheduleProblem:
    """4 reps x 4 weeks in Malta (see the module docstring)."""
    from solver.errors import InvalidProblemError
    from solver.schedule.model import parse_opening_hours

    rng = np.random.default_rng(seed)
    # A 4-week horizon holding a Maltese public holiday (8 December 2026, Immaculate
    # Conception): the first 20 working days from Monday 30 November 2026.
    days = working_days(dt.date(2026, 11, 30), dt.date(2027, 1, 15), country="MT")[:20]
    ok = []
    for poi in pois:
        text = poi["opening_hours"]
        if text is not None:
            try:
                parse_opening_hours(text)
            except InvalidProblemError:
                poi["opening_hours"] = None  # untagged in effect: any time in the shift
        ok.append(poi)
    ordered = sorted(ok, key=lambda p: p["id"])
    chosen_idx = rng.choice(len(ordered), size=min(count, len(ordered)), replace=False)
    chosen = [ordered[i] for i in sorted(chosen_idx)]
    points = np.array([(p["lat"], p["lon"]) for p in chosen])
    # Four territories of equal size: k-means centres, accounts matched to centres with
    # n/4 slots each (scipy's assignment); each rep lives at the account nearest its
    # centre and owns its territory (rep_ids), as a territory plan would give.
    from scipy.optimize import linear_sum_assignment
    from sklearn.cluster import KMeans

    centres = KMeans(4, n_init=10, random_state=seed).fit(points).cluster_centers_
    slots = np.repeat(np.arange(4), -(-len(points) // 4))
    far = ((points[:, None, :] - centres[None, slots, :]) ** 2).sum(axis=2)
    rows, cols = linear_sum_assignment(far)
    label = np.empty(len(points), dtype=int)
    label[rows] = slots[cols]
    homes = []
    for centre in centres:
        nearest = int(np.argmin(((points - centre) ** 2).sum(axis=1)))
        homes.append((float(points[nearest, 0]), float(points[nearest, 1])))
    owner = [f"rep{int(c) + 1}" for c in label]
    reps = []
    for r, (lat, lon) in enumerate(homes):
        base = Rep(
            f"rep{r + 1}",
            Location(lat=lat, lon=lon),
            Shift(8 * 3600, 17 * 3600),
            lunch=Break(12 * 3600, 14 * 3600, 1800),
            cost_per_km=0.3,
            cost_per_hour=25.0,
        )
        reps.append(ScheduleRep(base))
    accounts = []
    for p, rep_id in zip(chosen, owner, strict=True):
        visits = {"pharmacy": 4, "doctors": 2}.get(p["kind"], int(rng.choice([1, 1, 2])))
        duration = {"pharmacy": 1200, "doctors": 1800}.get(p["kind"], 900)
        gap = {4: (4, 9), 2: (9, 19)}.get(visits, (None, None))
        accounts.append(
            ScheduleAccount(
                Account(
                    p["id"],
                    Location(lat=p["lat"], lon=p["lon"]),
                    visit_duration_s=duration,
                    required=p["kind"] in ("pharmacy", "doctors"),
                    value=40.0,
                    rep_ids=frozenset({rep_id}),
                    name=p["name"],
                ),
                visits=visits,
                min_gap_days=gap[0],
                max_gap_days=gap[1],
                opening_hours=p["opening_hours"],
            )
        )
    ScheduleProblem(days, tuple(reps), tuple(accounts), network="malta")
    # 10 appointments: single-visit accounts open at 10:00 on a day of rep (r % 4).
    appointments = []
    for j, sa in enumerate(a for a in accounts if a.visits == 1):
        if len(appointments) == 10:
            break
        day = days[(3 * j + 1) % len(days)]
        windows = sa.windows_on(day)
        if windows is None or (
            windows and not any(w.start_s <= 36000 <= w.end_s - 1800 for w in windows)
        ):
            continue
        rep_id = next(iter(sa.account.rep_ids))
        appointments.append(Appointment(rep_id, sa.id, day, 10 * 3600, 1800))
    return ScheduleProblem(
        days,
        tuple(reps),
        tuple(accounts),
        appointments=tuple(appointments),
        options=ScheduleOptions(balance="duration"),
        network="malta",
    )


def run_malta(args) -> None:
    import tempfile

    import psutil

    from solver.roads import build_network, list_networks, load_network

    networks_dir = args.networks_dir or Path(tempfile.mkdtemp(prefix="fieldroute-nets-"))
    if "malta" not in {info.name for info in list_networks(networks_dir)}:
        build_network(args.malta, name="malta", networks_dir=networks_dir)
    network = load_network("malta", networks_dir=networks_dir).prepare()
    pois = read_malta_pois(args.malta)
    problem = malta_problem(pois, args.malta_accounts, args.seed)
    tagged = sum(sa.opening_hours is not None for sa in problem.accounts)
    requested = sum(sa.visits for sa in problem.accounts)
    print(
        f"\nMalta: {len(problem.accounts)} accounts ({tagged} with opening_hours), "
        f"{requested} visits requested, {len(problem.reps)} reps x {len(problem.days)} days "
        f"({problem.days[0]}..{problem.days[-1]}; 8 Dec, a public holiday, left out), "
        f"{len(problem.appointments)} appointments, time limit {args.malta_time_limit:g} s"
    )
    began = time.perf_counter()
    schedule = plan_schedule(
        problem, network=network, time_limit_s=args.malta_time_limit, seed=args.seed
    )
    elapsed = time.perf_counter() - began
    violations = check_schedule(problem, schedule, network=network)
    s = schedule.summary
    print(
        f"planned {s.visits_planned}/{s.visits_requested} visits in {elapsed:.1f} s, "
        f"drive share {100 * s.total.drive_share:.1f} %, cost {s.total.cost:.2f}, "
        f"violations {len(violations)}, "
        f"RSS {psutil.Process().memory_info().rss / 2**20:.0f} MiB"
    )
    reasons: dict[str, int] = {}
    for u in schedule.unassigned:
        reasons[u.reason] = reasons.get(u.reason, 0) + u.missing
    print(f"missing visits by reason: {reasons}")
    print(
        f"{'rep':6} {'week':9} {'days':>4} {'visits':>6} {'drive h':>7} {'km':>7} "
        f"{'work h':>6} {'drive%':>6} {'cost':>8} {'/visit':>7}"
    )
    for k in s.per_rep_week:
        print(
            f"{k.rep_id:6} {k.week:9} {k.days:4d} {k.visits:6d} {k.drive_s / 3600:7.1f} "
            f"{k.distance_m / 1000:7.1f} {k.working_s / 3600:6.1f} {100 * k.drive_share:6.1f} "
            f"{k.cost:8.2f} {k.cost_per_visit or 0:7.2f}"
        )
    weekly = {k.rep_id: 5 * k.working_s / 3600 / max(1, len(problem.days)) for k in s.per_rep}
    values = list(weekly.values())
    print(
        "reps' mean weekly hours (working time / 4 weeks): "
        + ", ".join(f"{rep_id} {hours:.1f}" for rep_id, hours in weekly.items())
        + f"; spread {max(values) - min(values):.1f} h, sd {statistics.pstdev(values):.1f} h"
    )
    for v in violations[:5]:
        print(f"   violation {v.code}: {v.detail}")


# ----------------------------------------------------------------------------- Porto


def _build_in_child(source: Path, name: str, networks_dir: Path) -> None:
    from solver.roads import build_network

    build_network(source, name=name, networks_dir=networks_dir, addresses=False)


def porto_problem(network, accounts: int, reps: int, seed: int) -> ScheduleProblem:
    """``reps`` reps x 20 working days, ``accounts`` seeded road nodes (module docstring)."""
    from scipy.cluster.vq import kmeans2
    from scipy.optimize import linear_sum_assignment

    rng = np.random.default_rng(seed)
    arrays = network.arrays
    nodes = rng.choice(arrays.node_lat.size, size=accounts, replace=False)
    points = np.column_stack((arrays.node_lat[nodes], arrays.node_lon[nodes]))
    days = working_days(dt.date(2027, 3, 1), dt.date(2027, 4, 30), country="PT")[:20]
    lat0 = np.radians(points[:, 0].mean())
    scale = np.array([1.0, np.cos(lat0)])
    centres = kmeans2(points * scale, reps, minit="++", seed=seed)[0] / scale
    slots = np.repeat(np.arange(reps), -(-accounts // reps))
    far = (((points[:, None, :] - centres[None, slots, :]) * scale) ** 2).sum(axis=2)
    rows, cols = linear_sum_assignment(far)
    label = np.empty(accounts, dtype=int)
    label[rows] = slots[cols]
    schedule_reps = []
    for r, centre in enumerate(centres):
        home = int(np.argmin((((points - centre) * scale) ** 2).sum(axis=1)))
        schedule_reps.append(
            ScheduleRep(
                Rep(
                    f"rep{r + 1}",
                    Location(lat=float(points[home, 0]), lon=float(points[home, 1])),
                    Shift(8 * 3600, 17 * 3600),
                    lunch=Break(12 * 3600, 14 * 3600, 1800),
                    cost_per_km=0.3,
                    cost_per_hour=25.0,
                )
            )
        )
    frequencies = rng.choice([1, 2, 4], size=accounts, p=[0.5, 0.3, 0.2])
    schedule_accounts = []
    for i in range(accounts):
        visits = int(frequencies[i])
        gap = {4: (4, 9), 2: (9, 19)}.get(visits, (None, None))
        schedule_accounts.append(
            ScheduleAccount(
                Account(
                    f"a{i + 1}",
                    Location(lat=float(points[i, 0]), lon=float(points[i, 1])),
                    visit_duration_s=1800,
                    required=True,
                    value=40.0,
                    rep_ids=frozenset({f"rep{int(label[i]) + 1}"}),
                ),
                visits=visits,
                min_gap_days=gap[0],
                max_gap_days=gap[1],
            )
        )
    return ScheduleProblem(
        days,
        tuple(schedule_reps),
        tuple(schedule_accounts),
        options=ScheduleOptions(balance="duration"),
        network="porto",
    )


def run_porto(args) -> None:
    import multiprocessing
    import resource
    import tempfile

    from solver.roads import list_networks, load_network

    networks_dir = args.networks_dir or Path(tempfile.mkdtemp(prefix="fieldroute-nets-"))
    if "porto" not in {info.name for info in list_networks(networks_dir)}:
        began = time.perf_counter()
        child = multiprocessing.get_context("spawn").Process(
            target=_build_in_child, args=(args.porto, "porto", networks_dir)
        )
        child.start()
        child.join()
        if child.exitcode != 0:
            raise SystemExit(f"building the Porto network failed ({child.exitcode})")
        print(f"Porto network built in {time.perf_counter() - began:.1f} s (child process)")
    began = time.perf_counter()
    network = load_network("porto", networks_dir=networks_dir).prepare()
    problem = porto_problem(network, args.porto_accounts, args.porto_reps, args.seed)
    setup_s = time.perf_counter() - began
    requested = sum(sa.visits for sa in problem.accounts)
    freq = {f: sum(sa.visits == f for sa in problem.accounts) for f in (1, 2, 4)}
    print(
        f"\nPorto scale: {network!r}; {len(problem.accounts)} accounts "
        f"(1/2/4 visits: {freq[1]}/{freq[2]}/{freq[4]}), {requested} visits requested, "
        f"{len(problem.reps)} reps x {len(problem.days)} days "
        f"({problem.days[0]}..{problem.days[-1]}), time limit {args.porto_time_limit:g} s; "
        f"load + problem {setup_s:.1f} s (one process; the machine may be shared)",
        flush=True,
    )

    def progress(fraction: float, cost: float | None) -> None:
        if args.verbose:
            print(f"  {time.perf_counter() - began:7.1f} s  {100 * fraction:5.1f} %  {cost}")

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    began = time.perf_counter()
    schedule = plan_schedule(
        problem,
        network=network,
        time_limit_s=args.porto_time_limit,
        seed=args.seed,
        on_progress=progress,
    )
    elapsed = time.perf_counter() - began
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    s = schedule.summary
    reasons: dict[str, int] = {}
    for u in schedule.unassigned:
        reasons[u.reason] = reasons.get(u.reason, 0) + u.missing
    print(
        f"planned {s.visits_planned}/{s.visits_requested} visits in {elapsed:.1f} s "
        f"(target <= 600 s); peak RSS {peak:.0f} MiB (target <= 4096; {before:.0f} MiB "
        f"before planning; network-build child {children:.0f} MiB); "
        f"drive share {100 * s.total.drive_share:.1f} %, cost {s.total.cost:.2f}",
        flush=True,
    )
    print(f"missing visits by reason: {reasons}", flush=True)
    began = time.perf_counter()
    violations = check_schedule(problem, schedule, network=network)
    print(
        f"check_schedule: {len(violations)} violations ({time.perf_counter() - began:.1f} s, "
        "not timed above)"
    )
    for v in violations[:5]:
        print(f"   violation {v.code}: {v.detail}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared/data/bench/pvrp")
    parser.add_argument(
        "--instances", default="", help="comma-separated names (default: every PVRP of bks.csv)"
    )
    parser.add_argument("--quick", action="store_true", help=f"only {QUICK_SUBSET}")
    parser.add_argument(
        "--cgl97-days",
        action="store_true",
        help="diagnostic: fix every customer's visit days to those of the CGL97 solution "
        "(solutions_cgl97/*.res), so that only the routing of each day is searched",
    )
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--malta", type=Path, default=ROOT / "data/malta-2016-11-09.osm.pbf")
    parser.add_argument(
        "--networks-dir",
        type=Path,
        default=None,
        help="reuse networks prepared there (default: build into a temporary directory)",
    )
    parser.add_argument("--malta-accounts", type=int, default=400)
    parser.add_argument("--malta-time-limit", type=float, default=120.0)
    parser.add_argument("--skip-pvrp", action="store_true")
    parser.add_argument("--scale", action="store_true", help="run only the Porto scale scenario")
    parser.add_argument(
        "--porto",
        type=Path,
        default=ROOT.parent / "shared/data/osm/porto-region-2015-06-06.roads.osm.pbf",
    )
    parser.add_argument("--porto-accounts", type=int, default=2000)
    parser.add_argument("--porto-reps", type=int, default=20)
    parser.add_argument("--porto-time-limit", type=float, default=540.0)
    parser.add_argument("--verbose", action="store_true", help="print solver progress")
    parser.add_argument("--skip-malta", action="store_true")
    args = parser.parse_args()
    if args.scale:
        run_porto(args)
        return
    if not args.skip_pvrp:
        run_pvrp(args)
    if not args.skip_malta:
        run_malta(args)


if __name__ == "__main__":
    main()
