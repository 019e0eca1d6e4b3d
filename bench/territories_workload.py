"""Benchmark: balance on the estimate (before) versus on the simulated week (after).

For Malta 1,500 accounts x 10 and x 30 reps (accounts and homes as in
``bench/territories.py``) and the territory notebook's pharma case (Malta's cleaned
healthcare accounts, three reps in Mosta, Birkirkara and Zabbar, today's west-to-east
bands as current reps, 0.05 h per move), it solves each problem twice in the same run:

* **before**: ``workload_rounds=0``, the assignment balanced on the optimiser's estimate
  (what ``balance_territories`` did before the simulated rebalancing);
* **after**: the default ``workload_rounds`` (simulate, recharge, rebalance).

Every solve is ``deterministic`` (stops on work done, never on the clock; the time
limit is a safety cap), so the figures repeat on any load. It prints, for each: the
largest deviation of the estimate and of the simulated workload, whether the simulated
workload is within the tolerance (or which accounts the explanation names as a
geographic cause), the travel objective, the simulated drive hours per week (both ratios
after/before), the rounds and the time. The simulated drive is also re-measured under
other draws of the accounts' visiting weeks (``--check-seeds``): the drive-lowering step
keeps changes that lower the simulated drive, so the figure is checked on weeks it did
not see.

Usage (from the repository root)::

    .venv/bin/python bench/territories_workload.py [--reps 10 30] [--time-limit-s 30]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench"), str(ROOT / "notebooks")]

from osm_accounts import CALL_PLAN, clean_accounts  # noqa: E402
from territories import get_network, make_accounts, read_pois  # noqa: E402

from solver.model import Location  # noqa: E402
from solver.territory import (  # noqa: E402
    TerritoryAccount,
    TerritoryOptions,
    TerritoryRep,
    balance_territories,
    check_territory_plan,
    order_day,
)
from solver.territory.model import CYCLE_WEEKS  # noqa: E402
from solver.territory.travel import TerritoryTravel  # noqa: E402
from solver.territory.weeks import TeamSimulator  # noqa: E402

#: The notebook's reps (lat, lon): Mosta, Birkirkara, Zabbar.
PHARMA_HOMES = {
    "mosta": (35.9097, 14.4256),
    "birkirkara": (35.8972, 14.4611),
    "zabbar": (35.8761, 14.5350),
}


def malta_case(args, network, n_reps):
    """The 1,500-account case of bench/territories.py (same seed, same draws)."""
    rng = np.random.default_rng(args.seed)
    pois = read_pois(args.malta)
    points = np.array([(p[1], p[2]) for p in pois])
    on = np.array([s.on_network for s in network.snap([tuple(p) for p in points])])
    kinds = [p[3] for p in pois]
    points, kinds = points[on], [k for k, o in zip(kinds, on, strict=True) if o]
    keep = np.sort(rng.choice(len(points), args.malta_accounts, replace=False))
    points, kinds = points[keep], [kinds[i] for i in keep]
    accounts = make_accounts(points, kinds, rng)
    homes = rng.choice(len(points), n_reps, replace=False)
    reps = [
        TerritoryRep(f"rep{r}", Location(lat=float(points[h, 0]), lon=float(points[h, 1])))
        for r, h in enumerate(homes)
    ]
    options = TerritoryOptions(time_limit_s=args.time_limit_s, seed=args.seed, deterministic=True)
    return reps, accounts, options


def pharma_case(args, network):
    """The territory notebook's case: cleaned healthcare accounts, banded current reps."""
    pois = clean_accounts(args.malta).pois
    rep_ids = sorted(PHARMA_HOMES, key=lambda r: PHARMA_HOMES[r][1])
    reps = [
        TerritoryRep(r, Location(*PHARMA_HOMES[r]), capacity_h_per_week=40.0,
                     cost_per_km=0.35, cost_per_hour=30.0)
        for r in rep_ids
    ]  # fmt: skip
    reach = network.matrix([PHARMA_HOMES[r] for r in rep_ids], [(p.lat, p.lon) for p in pois])
    reachable = (reach.durations_s >= 0).any(axis=0)
    order = [i for i in np.argsort([p.lon for p in pois], kind="stable") if reachable[i]]
    band = np.zeros(len(pois), dtype=int)
    band[order] = np.arange(len(order)) * len(reps) // len(order)
    accounts = [
        TerritoryAccount(p.id, Location(p.lat, p.lon), visits_per_4_weeks=CALL_PLAN[p.kind][0],
                         visit_duration_s=CALL_PLAN[p.kind][1], current_rep=rep_ids[b])
        for p, b in zip(pois, band, strict=True)
    ]  # fmt: skip
    options = TerritoryOptions(
        move_penalty_h=0.05, time_limit_s=args.time_limit_s, seed=args.seed, deterministic=True
    )
    return reps, accounts, options


def drive_under_seeds(network, reps, accounts, options, plans, seeds):
    """Simulated team drive (h/week) of each plan with the visiting weeks drawn by each seed."""
    source = TerritoryTravel(reps, accounts, network=network, traffic=options.traffic)
    simulator = TeamSimulator(tuple(reps), tuple(accounts), source, options.seed, order_day)
    rep_index = {r.id: i for i, r in enumerate(reps)}
    ids = [a.id for a in accounts]
    out = []
    for seed in seeds:
        simulator.first_week = np.random.default_rng(seed).integers(0, CYCLE_WEEKS, len(ids))
        row = []
        for plan in plans:
            idx = np.asarray([j for j, a in enumerate(ids) if a in plan.assignment])
            rep_of = np.asarray([rep_index[plan.assignment[ids[j]]] for j in idx])
            sims = simulator.team(reps, idx, rep_of)
            row.append(sum(s.drive_s_per_week for s in sims) / 3600.0)
        out.append(row)
    return out


def compare(name, network, reps, accounts, options, check_seeds=()) -> None:
    """Solve before and after; print one line each and the ratios."""
    homes = [(r.home.lat, r.home.lon) for r in reps]
    places = [(a.location.lat, a.location.lon) for a in accounts]
    durations = network.matrix(homes, places).durations_s
    rows = {}
    for label, rounds in (("before", 0), ("after", options.workload_rounds)):
        opts = dataclasses.replace(options, workload_rounds=rounds)
        started = time.perf_counter()
        plan = balance_territories(reps, accounts, network=network, options=opts)
        elapsed = time.perf_counter() - started
        problems = check_territory_plan(reps, accounts, plan, opts, home_durations_s=durations)
        s = plan.summary
        rows[label] = (s, elapsed, plan)
        n_geo = len(s.geographic_accounts)
        cause = f"geographic: {n_geo} accounts" if n_geo else ""
        print(
            f"{name:<22} {label:<6} {s.estimate_max_deviation * 100:>7.2f}% "
            f"{(s.simulated_max_deviation or 0) * 100:>7.2f}% {str(s.within_tolerance):>6} "
            f"{s.travel_h_per_week:>9.2f} {s.total_drive_h_per_week:>9.2f} {s.rounds:>6} "
            f"{elapsed:>7.1f}  {'checker ok' if not problems else problems[:2]} {cause}"
        )
    (b, _, before), (a, _, after) = rows["before"], rows["after"]
    print(
        f"{'':<22} after/before: travel {a.travel_h_per_week / b.travel_h_per_week - 1:+.2%}, "
        f"simulated drive {a.total_drive_h_per_week / b.total_drive_h_per_week - 1:+.2%}; "
        f"round deviations {', '.join(f'{d:.1%}' for d in a.round_deviations)}"
    )
    if check_seeds:
        drives = drive_under_seeds(network, reps, accounts, options, (before, after), check_seeds)
        print(
            f"{'':<22} simulated drive after/before with other visiting weeks: "
            + ", ".join(
                f"seed {seed} {d_after / d_before - 1:+.2%}"
                for seed, (d_before, d_after) in zip(check_seeds, drives, strict=True)
            )
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--malta", type=Path, default=ROOT / "data/malta-2016-11-09.osm.pbf")
    parser.add_argument("--networks-dir", type=Path, default=None)
    parser.add_argument("--reps", type=int, nargs="*", default=[10, 30])
    parser.add_argument("--malta-accounts", type=int, default=1500)
    parser.add_argument("--time-limit-s", type=float, default=30.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--skip-pharma", action="store_true")
    parser.add_argument(
        "--check-seeds", type=int, nargs="*", default=[101, 102, 103],
        help="re-measure the simulated drive with the visiting weeks drawn by these seeds",
    )  # fmt: skip
    args = parser.parse_args()
    if args.networks_dir is None:
        args.networks_dir = Path(tempfile.mkdtemp(prefix="fieldroute-bench-networks-"))
    print(f"load average {os.getloadavg()}, {os.cpu_count()} CPUs (shared machine: times vary)")
    network = get_network(args.malta, "malta", args.networks_dir)
    print(
        f"{'case':<22} {'plan':<6} {'est dev':>8} {'sim dev':>8} {'within':>6} "
        f"{'travel h':>9} {'drive h':>9} {'rounds':>6} {'time s':>7}"
    )
    if not args.skip_pharma:
        compare("pharma (notebook)", network, *pharma_case(args, network), args.check_seeds)
    for n_reps in args.reps:
        reps, accounts, options = malta_case(args, network, n_reps)
        name = f"malta {len(accounts)} x {n_reps}" + (f" seed {args.seed}" if args.seed else "")
        compare(name, network, reps, accounts, options, args.check_seeds)
    print(f"load average {os.getloadavg()}")


if __name__ == "__main__":
    main()
