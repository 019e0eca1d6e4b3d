"""VRPTW benchmark: gap to best-known solutions, ours vs plain OR-Tools, same run.

Instances (Solomon subset, Gehring & Homberger 200-customer subset) follow the DIMACS
convention in ``<data>/README.md``: distance = floor(10 * euclid) / 10, travel time =
distance, objective = total distance, fleet at most the file's vehicles. We scale by 10
to integers. Each instance is mapped onto the domain model (depot = every rep's start
and end, fleet = reps with the capacity, windows bound the visit start, service time,
every account required), so the same plan checker verifies both engines' solutions.

* baseline: plain OR-Tools on the same data: PARALLEL_CHEAPEST_INSERTION + guided
  local search, one thread.
* ours: ``solver.routing.plan_day`` with the same time limit (PyVRP start, OR-Tools
  finish; see ``solver/routing/engine.py``).

Usage::

    .venv/bin/python bench/vrptw.py [--data ../shared/data/bench]
        [--instances C101,R101,...] [--time-limit 10] [--gh-time-limit 30]
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from solver.model import (  # noqa: E402
    Account,
    Location,
    Problem,
    Rep,
    Shift,
    TimeWindow,
    TravelMatrix,
)
from solver.routing import check_plan, plan_day, time_routes  # noqa: E402

SOLOMON = "C101,C201,R101,R102,R105,R201,R202,R205,RC101,RC102,RC201,RC202"
GH200 = "C1_2_1,R1_2_1,RC1_2_1,R2_2_1"
SCALE = 10  # DIMACS: one decimal


@dataclass
class Instance:
    name: str
    xy: np.ndarray  # (n, 2); row 0 = depot
    demand: list[int]
    ready: list[int]
    due: list[int]
    service: list[int]
    vehicles: int
    capacity: int
    bks: float


def read_solomon(path: Path, bks: dict[str, float]) -> Instance:
    lines = [ln.split() for ln in path.read_text().splitlines() if ln.strip()]
    vehicles, capacity = (int(x) for x in lines[3])
    rows = [list(map(float, ln)) for ln in lines if len(ln) == 7 and ln[0].isdigit()]
    rows.sort(key=lambda r: r[0])
    cols = list(zip(*rows, strict=True))
    return Instance(
        path.stem,
        np.array([cols[1], cols[2]]).T,
        [int(v) for v in cols[3]],
        [int(v) for v in cols[4]],
        [int(v) for v in cols[5]],
        [int(v) for v in cols[6]],
        vehicles,
        capacity,
        bks[path.stem],
    )


def read_vrplib(path: Path) -> Instance:
    header: dict[str, str] = {}
    sections: dict[str, list[list[str]]] = {}
    current = None
    for line in path.read_text().splitlines():
        parts = line.split()
        if not parts or parts[0] == "EOF":
            continue
        if parts[0].endswith("_SECTION"):
            current = parts[0]
            sections[current] = []
        elif ":" in line and current is None:
            key, value = line.split(":", 1)
            header[key.strip()] = value.strip()
        elif current is not None:
            sections[current].append(parts)
    coords = sections["NODE_COORD_SECTION"]
    tw = {int(r[0]): (int(r[1]), int(r[2])) for r in sections["TIME_WINDOW_SECTION"]}
    service = {int(r[0]): int(r[1]) for r in sections.get("SERVICE_TIME_SECTION", [])}
    default_service = int(header.get("SERVICE_TIME", "0"))
    sol = path.with_suffix(".sol").read_text().split()
    bks = float(sol[sol.index("Cost") + 1])
    ids = [int(r[0]) for r in coords]
    return Instance(
        path.stem,
        np.array([[float(r[1]), float(r[2])] for r in coords]),
        [int(r[1]) for r in sections["DEMAND_SECTION"]],
        [tw[i][0] for i in ids],
        [tw[i][1] for i in ids],
        [service.get(i, default_service if i != ids[0] else 0) for i in ids],
        int(header["VEHICLES"]),
        int(header["CAPACITY"]),
        bks,
    )


def to_problem(inst: Instance) -> Problem:
    """Map the instance onto the domain model (times and distances x 10)."""
    diff = inst.xy[:, None, :] - inst.xy[None, :, :]
    dist = np.floor(SCALE * np.sqrt((diff**2).sum(axis=2))).astype(np.int64)
    depot = Location(index=0)
    shift = Shift(SCALE * inst.ready[0], SCALE * inst.due[0])
    reps = tuple(
        Rep(f"v{k}", depot, shift, capacity=inst.capacity, cost_per_km=1.0)
        for k in range(inst.vehicles)
    )
    accounts = tuple(
        Account(
            f"c{i}",
            Location(index=i),
            visit_duration_s=SCALE * inst.service[i],
            windows=(TimeWindow(SCALE * inst.ready[i], SCALE * inst.due[i]),),
            required=True,
            demand=inst.demand[i],
        )
        for i in range(1, len(inst.demand))
    )
    return Problem(dt.date(2026, 1, 1), reps, accounts, matrix=TravelMatrix(dist, dist))


def baseline(problem: Problem, time_limit_s: float) -> dict[str, list[str]]:
    """Plain OR-Tools: one vehicle per rep, PARALLEL_CHEAPEST_INSERTION + GLS."""
    dist = problem.matrix.distances_m
    n, vehicles = dist.shape[0], len(problem.reps)
    manager = pywrapcp.RoutingIndexManager(n, vehicles, 0)
    routing = pywrapcp.RoutingModel(manager)
    accounts = {a.location.index: a for a in problem.accounts}
    service = [accounts[i].visit_duration_s if i in accounts else 0 for i in range(n)]
    cost = routing.RegisterTransitMatrix(dist.tolist())
    routing.SetArcCostEvaluatorOfAllVehicles(cost)
    transit = routing.RegisterTransitMatrix((dist + np.array(service)[:, None]).tolist())
    shift = problem.reps[0].shift
    routing.AddDimension(transit, shift.end_s, shift.end_s, False, "time")
    time_dim = routing.GetDimensionOrDie("time")
    for i, account in accounts.items():
        w = account.windows[0]
        time_dim.CumulVar(manager.NodeToIndex(i)).SetRange(w.start_s, w.end_s)
    for v in range(vehicles):
        for index in (routing.Start(v), routing.End(v)):
            time_dim.CumulVar(index).SetRange(shift.start_s, shift.end_s)
    demand = routing.RegisterUnaryTransitVector(
        [accounts[i].demand if i in accounts else 0 for i in range(n)]
    )
    routing.AddDimensionWithVehicleCapacity(
        demand, 0, [r.capacity for r in problem.reps], True, "load"
    )
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = (
        routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION
    )
    params.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    )
    params.time_limit.FromMilliseconds(int(time_limit_s * 1000))
    solution = routing.SolveWithParameters(params)
    orders: dict[str, list[str]] = {}
    if solution is None:
        return orders
    for v, rep in enumerate(problem.reps):
        index = solution.Value(routing.NextVar(routing.Start(v)))
        order = []
        while not routing.IsEnd(index):
            order.append(accounts[manager.IndexToNode(index)].id)
            index = solution.Value(routing.NextVar(index))
        orders[rep.id] = order
    return orders


def run_one(path: Path, inst: Instance, time_limit_s: float) -> dict:
    problem = to_problem(inst)
    t0 = time.monotonic()
    orders = baseline(problem, time_limit_s)
    base_s = time.monotonic() - t0
    base_plan, base_violations = time_routes(problem, orders)
    base_ok = not base_violations and not base_plan.unassigned
    base_cost = sum(r.totals.distance_m for r in base_plan.routes) / SCALE

    plan = plan_day(problem, time_limit_s=time_limit_s, seed=1)
    ours_ok = not check_plan(problem, plan) and not plan.unassigned
    ours_cost = sum(r.totals.distance_m for r in plan.routes) / SCALE
    return {
        "instance": inst.name,
        "bks": inst.bks,
        "base": base_cost,
        "base_gap": 100 * (base_cost / inst.bks - 1),
        "base_ok": base_ok,
        "base_s": base_s,
        "ours": ours_cost,
        "ours_gap": 100 * (ours_cost / inst.bks - 1),
        "ours_ok": ours_ok,
        "ours_s": plan.solver.time_s,
        "vehicles": sum(1 for r in plan.routes if r.account_ids),
    }


def report(title: str, rows: list[dict]) -> None:
    print(f"\n{title}")
    head = (
        f"{'instance':<9} {'BKS':>8} {'base':>8} {'gap%':>6} {'ok':>3} {'ours':>8} "
        f"{'gap%':>6} {'ok':>3} {'veh':>4} {'time_s':>6}"
    )
    print(head)
    print("-" * len(head))
    for r in rows:
        print(
            f"{r['instance']:<9} {r['bks']:>8.1f} {r['base']:>8.1f} {r['base_gap']:>6.2f} "
            f"{'yes' if r['base_ok'] else 'NO':>3} {r['ours']:>8.1f} {r['ours_gap']:>6.2f} "
            f"{'yes' if r['ours_ok'] else 'NO':>3} {r['vehicles']:>4} {r['ours_s']:>6.1f}"
        )
    if rows:
        base = [r["base_gap"] for r in rows]
        ours = [r["ours_gap"] for r in rows]
        print(
            f"mean gap: baseline {statistics.mean(base):.2f} %, ours {statistics.mean(ours):.2f} %"
            f" | max gap: baseline {max(base):.2f} %, ours {max(ours):.2f} %"
            f" | feasible (checker): baseline {sum(r['base_ok'] for r in rows)}/{len(rows)},"
            f" ours {sum(r['ours_ok'] for r in rows)}/{len(rows)}"
        )


def main() -> None:
    repo = Path(__file__).resolve().parents[1]
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=repo / ".." / "shared" / "data" / "bench")
    parser.add_argument(
        "--instances",
        default=f"{SOLOMON},{GH200}",
        help="comma-separated names (Solomon like C101, GH200 like R1_2_1)",
    )
    parser.add_argument("--time-limit", type=float, default=10.0, help="s per Solomon instance")
    parser.add_argument("--gh-time-limit", type=float, default=30.0, help="s per GH200 instance")
    args = parser.parse_args()
    bks = {}
    for line in (args.data / "solomon" / "bks.csv").read_text().splitlines()[1:]:
        name, _, distance = line.split(",")
        bks[name] = float(distance)
    load = os.getloadavg()
    print(
        f"load average at start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} ({os.cpu_count()} cpus)"
    )
    solomon, gh = [], []
    for name in [n.strip() for n in args.instances.split(",") if n.strip()]:
        if "_" in name:
            path = args.data / "gh200" / f"{name}.vrp"
            rows, inst, limit = gh, read_vrplib(path), args.gh_time_limit
        else:
            path = args.data / "solomon" / f"{name}.txt"
            rows, inst, limit = solomon, read_solomon(path, bks), args.time_limit
        row = run_one(path, inst, limit)
        rows.append(row)
        print(
            f"  {name}: baseline {row['base_gap']:.2f} %, ours {row['ours_gap']:.2f} % "
            f"(feasible {row['base_ok']}/{row['ours_ok']})",
            flush=True,
        )
    report(f"Solomon, {args.time_limit:g} s per instance", solomon)
    report(f"GH200, {args.gh_time_limit:g} s per instance", gh)
    load = os.getloadavg()
    print(f"\nload average at end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    if any(math.isnan(r["ours_gap"]) for r in solomon + gh):
        sys.exit(1)


if __name__ == "__main__":
    main()
