"""Day-plan latency: how fast a day converges, and how good it is against a 20 s solve.

Random Malta days on the road network built from ``data/malta-2016-11-09.osm.pbf``
(accounts and homes are random road nodes of the main island, seeded):

* ``team25``: 25 candidate accounts, 3 reps, shift 08:00-17:00, a 30 min lunch to
  start between 12:00 and 13:30, about half the accounts with a 2-3 h window (some
  with two), a few required, the rest optional with a priority.
* ``solo40``: 40 candidate accounts for one rep, the same kinds of windows and lunch.
* ``solo40-open``: the same without lunch and with one window at most (PyVRP's model:
  the PyVRP start, then OR-Tools).

Each day is solved three ways, in this order, in the same run:

* ``fast``: ``plan_day(time_limit_s=20)`` as shipped: it stops once converged
  (``solver.stop_reason``); its wall ``time_s`` and its CPU seconds are printed.
* ``det``: ``plan_day(..., deterministic=True)`` (stops on solutions/iterations).
* ``ref``: the same engine with the convergence stop switched off
  (``solver.routing.stopping.STALL_SHARE = inf`` inside this script only), so it
  searches the whole 20 s: the baseline objective.

Two qualities, both ``ref / fast`` of a cost (1.0 = as good as the 20 s solve; 0.995 =
0.5 % worse): ``q obj`` compares the engine's objectives (``solver.objective``: the last
traffic round's model, whose leg times depend on that run's earlier rounds), ``q plan``
compares the plans as driven: the routes' costs timed leg by leg under the profile plus
the value of every optional account left unvisited (``REQUIRED_PENALTY`` for a required
one). ``q plan`` is the one a rep sees, and the one the targets are counted on.
Targets (issue 12): team25 <= 1 s at >= 99.5 %, solo40 <= 1 s at >= 99 %; each case
prints how many days meet both, on CPU seconds and on wall seconds. The script pins
itself to one core (``--cores 0``); on a shared machine wall time includes waiting for
the core, so CPU seconds (of the whole ``plan_day`` call) are printed too.

Usage::

    .venv/bin/python bench/dayplan_latency.py [--days 12] [--ref-time-limit 20]
        [--networks-dir DIR] [--cases team25,solo40,solo40-open] [--cores 0]
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import solver.routing.stopping as stopping  # noqa: E402
from solver.model import Account, Break, Location, Problem, Rep, Shift, TimeWindow  # noqa: E402
from solver.roads import build_network, list_networks, load_network  # noqa: E402
from solver.routing import check_plan, plan_day  # noqa: E402
from solver.routing.engine import COST_SCALE, REQUIRED_PENALTY  # noqa: E402
from solver.routing.schedule import account_value  # noqa: E402

H = 3600
#: The main island of Malta (Gozo is a ferry away), lat/lon box.
MAIN_ISLAND = (35.80, 14.33, 35.99, 14.58)
CASES = {
    "team25": {"accounts": 25, "reps": 3, "lunch": True, "two_windows": True, "target": 0.995},
    "solo40": {"accounts": 40, "reps": 1, "lunch": True, "two_windows": True, "target": 0.99},
    "solo40-open": {
        "accounts": 40,
        "reps": 1,
        "lunch": False,
        "two_windows": False,
        "target": 0.99,
    },
}


def get_network(source: Path, networks_dir: Path):
    if "malta" not in {info.name for info in list_networks(networks_dir)}:
        started = time.perf_counter()
        build_network(source, name="malta", networks_dir=networks_dir)
        print(f"built network malta in {time.perf_counter() - started:.1f} s")
    return load_network("malta", networks_dir=networks_dir).prepare()


def random_day(network, case: dict, seed: int) -> Problem:
    """A seeded Malta day: random road nodes of the main island for homes and accounts."""
    rng = np.random.default_rng(seed)
    lat, lon = network.arrays.node_lat, network.arrays.node_lon
    south, west, north, east = MAIN_ISLAND
    nodes = np.flatnonzero((lat > south) & (lat < north) & (lon > west) & (lon < east))
    picked = rng.choice(nodes, case["accounts"] + case["reps"], replace=False)
    points = [Location(lat=float(lat[i]), lon=float(lon[i])) for i in picked]
    lunch = Break(12 * H, 13 * H + 1800, 1800) if case["lunch"] else None
    reps = tuple(
        Rep(
            f"rep{k}",
            points[k],
            shift=Shift(8 * H, 17 * H),
            lunch=lunch,
            cost_per_km=0.3,
            cost_per_hour=25.0,
        )
        for k in range(case["reps"])
    )
    accounts = []
    for j, point in enumerate(points[case["reps"] :]):
        windows: tuple[TimeWindow, ...] = ()
        if rng.random() < 0.5:
            open_s = int(rng.integers(8 * 2, 14 * 2)) * 1800
            windows = (TimeWindow(open_s, open_s + int(rng.integers(2, 4)) * H),)
            if case["two_windows"] and rng.random() < 0.3 and open_s + 5 * H <= 17 * H:
                windows += (TimeWindow(open_s + 4 * H, open_s + 5 * H),)
        accounts.append(
            Account(
                f"a{j}",
                point,
                visit_duration_s=int(rng.choice([1200, 1800, 2700])),
                windows=windows,
                required=bool(rng.random() < 0.1),
                priority=int(rng.integers(1, 101)),
            )
        )
    return Problem(dt.date(2026, 12, 1), reps, tuple(accounts), network="malta")


def timed(problem: Problem, network, **kw):
    cpu = time.process_time()
    plan = plan_day(problem, network=network, **kw)
    cpu_s = time.process_time() - cpu
    violations = check_plan(problem, plan, network=network)
    assert violations == [], violations
    return plan, cpu_s


def plan_cost(problem: Problem, plan) -> float:
    """The plan as driven: route costs plus what every unvisited account was worth."""
    missed = 0.0
    for item in plan.unassigned:
        account = problem.account(item.account_id)
        missed += REQUIRED_PENALTY / COST_SCALE if account.required else account_value(account)
    return sum(route.totals.cost for route in plan.routes) + missed


def describe(values: list[float], unit: str = "") -> str:
    values = sorted(values)
    p90 = values[min(len(values) - 1, math.ceil(0.9 * len(values)) - 1)]
    return (
        f"min {values[0]:.3f}{unit}  median {statistics.median(values):.3f}{unit}  "
        f"p90 {p90:.3f}{unit}  max {values[-1]:.3f}{unit}"
    )


def run_case(name: str, network, days: int, ref_limit_s: float) -> None:
    case = CASES[name]
    print(f"\n== {name}: {case['accounts']} accounts, {case['reps']} rep(s), {days} days ==")
    print(
        f"{'seed':>4} {'fast s':>7} {'cpu s':>6} {'stop':>9} {'q obj':>7} {'q plan':>7} | "
        f"{'det s':>6} {'det stop':>10} {'det q':>7} | {'ref plan':>9} {'ref s':>6} visits"
    )
    rows = []
    for seed in range(days):
        problem = random_day(network, case, 1000 + seed)
        fast, fast_cpu = timed(problem, network, time_limit_s=ref_limit_s, seed=seed)
        det, _ = timed(problem, network, time_limit_s=ref_limit_s, seed=seed, deterministic=True)
        share = stopping.STALL_SHARE
        stopping.STALL_SHARE = math.inf
        try:
            ref, _ = timed(problem, network, time_limit_s=ref_limit_s, seed=seed)
        finally:
            stopping.STALL_SHARE = share
        quality = ref.solver.objective / fast.solver.objective
        ref_cost = plan_cost(problem, ref)
        plan_q = ref_cost / plan_cost(problem, fast)
        det_quality = ref_cost / plan_cost(problem, det)
        visits = sum(r.totals.visits for r in fast.routes)
        rows.append((fast.solver.time_s, fast_cpu, quality, plan_q, det.solver.time_s, det_quality))
        print(
            f"{seed:>4} {fast.solver.time_s:>7.3f} {fast_cpu:>6.3f} "
            f"{fast.solver.stop_reason:>9} {quality:>7.4f} {plan_q:>7.4f} | "
            f"{det.solver.time_s:>6.3f} {det.solver.stop_reason:>10} {det_quality:>7.4f} | "
            f"{ref_cost:>9.2f} {ref.solver.time_s:>6.2f} {visits}",
            flush=True,
        )
    fast_s, cpu_s, quality, plan_q, det_s, det_q = (list(c) for c in zip(*rows, strict=True))
    print(f"fast time_s : {describe(fast_s, ' s')}")
    print(f"fast cpu_s  : {describe(cpu_s, ' s')}")
    print(f"fast q obj  : {describe(quality)}")
    print(f"fast q plan : {describe(plan_q)}")
    print(f"det time_s  : {describe(det_s, ' s')}")
    print(f"det q plan  : {describe(det_q)}")
    ratio = statistics.median(d / f for d, f in zip(det_s, fast_s, strict=True))
    print(f"det / fast time, median: {ratio:.2f}x")
    target = case["target"]
    good = sum(q >= target for q in plan_q)
    on_cpu = sum(c <= 1.0 and q >= target for c, q in zip(cpu_s, plan_q, strict=True))
    on_wall = sum(w <= 1.0 and q >= target for w, q in zip(fast_s, plan_q, strict=True))
    print(
        f"days at q plan >= {target}: {good}/{days}; and <= 1 s: "
        f"{on_cpu}/{days} on CPU s, {on_wall}/{days} on wall s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--malta", type=Path, default=ROOT / "data/malta-2016-11-09.osm.pbf")
    parser.add_argument("--networks-dir", type=Path, default=None)
    parser.add_argument("--days", type=int, default=12)
    parser.add_argument("--ref-time-limit", type=float, default=20.0)
    parser.add_argument("--cases", default=",".join(CASES))
    parser.add_argument("--cores", default="0", help="CPU cores to pin to ('' = no pinning)")
    args = parser.parse_args()
    if args.cores:
        os.sched_setaffinity(0, {int(c) for c in args.cores.split(",")})
    print(f"cores: {sorted(os.sched_getaffinity(0))}; reference time limit {args.ref_time_limit} s")
    with tempfile.TemporaryDirectory() as tmp:
        network = get_network(args.malta, args.networks_dir or Path(tmp))
        for name in args.cases.split(","):
            run_case(name, network, args.days, args.ref_time_limit)


if __name__ == "__main__":
    main()
