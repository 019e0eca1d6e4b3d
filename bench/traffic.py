"""Speed-profile benchmark: free-flow plans replayed at rush hour, re-customisation, calibration.

Run from the repository root::

    .venv/bin/python bench/traffic.py                      # Malta and Porto, 50 days each
    .venv/bin/python bench/traffic.py --days 10 --skip-porto

1. **Days.** On each network, ``--days`` realistic weekdays (seed 0): one rep from a
   random road point, 08:00-17:00 with a 30-minute lunch between 12:00 and 14:00,
   8-12 accounts 0-30 m beside roads within 12 km of the rep, 30-45 minute visits,
   a third with a 2-hour window. Each day is planned free-flow (``traffic=False``) and
   with the network's default profile. The free-flow plan is then *replayed* under the
   profile (same order, same leave time; :func:`solver.routing.traffic.replay_route`)
   and checked with the independent checker: days with late visits (``WINDOW``) or
   overtime (``SHIFT_END``), minutes late, and the drive time the free-flow plan
   under-states. The profile-aware plans are checked too (expected: no violation).
2. **Engine.** On Porto: the time to re-customise the hierarchy for the peak bucket
   (once, cold), and a 1000 x 1000 matrix at a Monday 08:15 departure, after the bucket
   is cached, against the free-flow matrix measured in the same run. Target: <= 1.5x.
3. **Calibration.** On Malta: trips between random road points on weekdays 06:00-20:00
   timed under a hidden profile (the default's shape, other factors) with 5 % noise;
   the default profile is re-fitted (:func:`solver.roads.calibrate.calibrate_profile`).
   Printed: the error of the recovered factors and of the predicted durations on the
   20 % of trips held back, before and after.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from solver.model import Account, Break, Location, Problem, Rep, Shift, TimeWindow  # noqa: E402
from solver.roads import build_network, load_network  # noqa: E402
from solver.roads.calibrate import Trips, calibrate_profile  # noqa: E402
from solver.roads.profile import (  # noqa: E402
    default_profile,
    expand_classes,
    profile_from_dict,
    week_time_s,
)
from solver.routing import check_plan, plan_day  # noqa: E402
from solver.routing.data import resolve_problem  # noqa: E402
from solver.routing.traffic import replay_route  # noqa: E402

DEFAULT_PORTO = Path("../shared/data/osm/porto-region-2015-06-06.roads.osm.pbf")
DEFAULT_MALTA = Path("data/malta-2016-11-09.osm.pbf")
H = 3600


def beside_roads(network, n: int, rng: np.random.Generator) -> np.ndarray:
    """``(n, 2)`` locations 0-30 m beside random road segments."""
    a = network.arrays
    pieces = rng.integers(0, a.piece_offsets.size - 1, size=n)
    pieces = pieces[~a.piece_ferry[pieces]]
    start = a.piece_offsets[pieces]
    k = start + (rng.random(pieces.size) * (a.piece_offsets[pieces + 1] - 1 - start)).astype(int)
    t = rng.random(pieces.size)
    lat = a.point_lat[k] * (1 - t) + a.point_lat[k + 1] * t + rng.uniform(-2e-4, 2e-4, k.size)
    lon = a.point_lon[k] * (1 - t) + a.point_lon[k + 1] * t + rng.uniform(-2e-4, 2e-4, k.size)
    return np.c_[lat, lon]


def make_day(network, name: str, k: int, rng: np.random.Generator) -> Problem:
    """One realistic weekday (see the module docstring)."""
    pool = beside_roads(network, 4000, rng)
    home = pool[0]
    metres = np.hypot(
        (pool[:, 0] - home[0]) * 111_000, (pool[:, 1] - home[1]) * 111_000 * np.cos(0.65)
    )
    near = pool[(metres < 12_000) & (metres > 0)]
    count = int(rng.integers(8, 13))
    chosen = near[rng.choice(len(near), size=min(count, len(near)), replace=False)]
    date = dt.date(2026, 11, 30) + dt.timedelta(days=7 * (k // 5) + k % 5)  # Mon-Fri
    accounts = []
    for i, (lat, lon) in enumerate(chosen):
        windows = ()
        if rng.random() < 1 / 3:
            begin = int(rng.integers(8, 15)) * H
            windows = (TimeWindow(begin, begin + 2 * H),)
        accounts.append(
            Account(
                f"a{i}",
                Location(lat=float(lat), lon=float(lon)),
                int(rng.choice([1800, 2700])),
                windows=windows,
                value=100.0,
            )
        )
    rep = Rep(
        "rep",
        Location(lat=float(home[0]), lon=float(home[1])),
        Shift(8 * H, 17 * H),
        lunch=Break(12 * H, 14 * H, 1800),
        cost_per_km=0.3,
        cost_per_hour=25.0,
    )
    return Problem(date, (rep,), tuple(accounts), network=name, traffic=False)


def late_minutes(problem: Problem, route) -> tuple[int, float]:
    """Late visits and minutes late (after the window, or past the shift end)."""
    accounts = {a.id: a for a in problem.accounts}
    late, minutes = 0, 0.0
    for stop in route.stops:
        account = accounts.get(stop.account_id or "")
        if account is None or not account.windows:
            continue
        end = max(w.end_s for w in account.start_windows())
        if stop.start_s > end:
            late += 1
            minutes += (stop.start_s - end) / 60
    overtime = route.stops[-1].arrival_s - problem.reps[0].shift.end_s
    return late, minutes + max(0, overtime) / 60


def bench_days(label: str, network, name: str, days: int, time_limit_s: float) -> None:
    rng = np.random.default_rng(0)
    late_days = late_visits = aware_bad = 0
    late_min = under_s = planned_s = 0.0
    served_free = served_aware = 0
    started = time.perf_counter()
    for k in range(days):
        free = make_day(network, name, k, rng)
        timed = replace(free, traffic=True)
        free_plan = plan_day(free, network=network, time_limit_s=time_limit_s, seed=0)
        assert check_plan(free, free_plan, network=network) == []
        resolved = resolve_problem(timed, network)
        replayed = replace(
            free_plan, routes=tuple(replay_route(resolved, r) for r in free_plan.routes)
        )
        codes = {v.code for v in check_plan(timed, replayed, network=network)}
        late, minutes = late_minutes(timed, replayed.routes[0])
        if codes & {"WINDOW", "SHIFT_END"}:
            late_days += 1
        late_visits += late
        late_min += minutes
        planned_s += free_plan.routes[0].totals.drive_s
        under_s += replayed.routes[0].totals.drive_s - free_plan.routes[0].totals.drive_s
        aware = plan_day(timed, network=network, time_limit_s=time_limit_s, seed=0)
        aware_bad += bool(check_plan(timed, aware, network=network))
        served_free += len(free_plan.routes[0].account_ids)
        served_aware += len(aware.routes[0].account_ids)
    print(f"\n{label}: {days} weekdays planned free-flow and with the default profile")
    print(f"  free-flow plans replayed under the profile: {late_days}/{days} days late")
    print(
        f"  late visits (past window) {late_visits}, minutes late (incl. overtime) {late_min:.0f}"
    )
    print(
        f"  drive time under-stated by free-flow: {under_s / 60:.0f} min of "
        f"{planned_s / 60:.0f} min planned ({100 * under_s / max(planned_s, 1):.1f} %)"
    )
    print(
        f"  profile-aware plans failing the checker: {aware_bad}/{days}; visits served "
        f"free-flow {served_free}, aware {served_aware}"
    )
    print(f"  ({time.perf_counter() - started:.0f} s for the {label} days)")


def bench_engine(network) -> None:
    cache = network._level_cache()
    profile = network.profile
    level = profile.level_at(week_time_s(0, 8 * H + 900))
    cache._items.clear()
    began = time.perf_counter()
    cache.level(network, profile, level)
    customise_s = time.perf_counter() - began
    rng = np.random.default_rng(0)
    points = [tuple(p) for p in beside_roads(network, 1000, rng)]
    network.durations(points[:10])  # warm the spatial index

    def best_of_3(call):
        times = []
        for _ in range(3):
            began = time.process_time()  # CPU time: less sensitive to a shared machine
            result = call()
            times.append(time.process_time() - began)
        return result, min(times)

    # interleaved, best of 3 each: the machine may be shared
    free, free_s = best_of_3(lambda: network.durations(points))
    peak, peak_s = best_of_3(
        lambda: network.durations_at(points, week_s=week_time_s(0, 8 * H + 900))
    )
    _, early_s = best_of_3(
        lambda: network.durations_at(points, week_s=week_time_s(0, 7 * H + 45 * 60))
    )
    ok = (free >= 0) & (peak >= 0)
    print("\nPorto engine (Monday 08:15, default profile)")
    print(f"  re-customise the peak bucket: {customise_s:.2f} s (cold, once)")
    print(f"  1000 x 1000 free-flow matrix: {free_s:.2f} s CPU (best of 3)")
    print(
        f"  1000 x 1000 at 08:15 (bucket cached): {peak_s:.2f} s CPU = "
        f"{peak_s / free_s:.2f} x free-flow (target <= 1.5 x)"
    )
    print(
        f"  1000 x 1000 at 07:45 (legs end before 09:30, one level): {early_s:.2f} s CPU = "
        f"{early_s / free_s:.2f} x free-flow"
    )
    print(
        f"  peak / free-flow travel time: mean {np.mean(peak[ok] / np.maximum(free[ok], 1)):.3f}, "
        f"max {np.max(peak[ok] / np.maximum(free[ok], 1)):.2f}"
    )


def bench_calibration(network, trips_n: int) -> None:
    hidden_factors = {
        "peak": {"trunk": 0.5, "primary": 0.55, "secondary": 0.6, "tertiary": 0.7},
        "day": {"trunk": 0.8, "primary": 0.8, "secondary": 0.82, "tertiary": 0.88},
    }
    rules = [
        {**r, "factors": hidden_factors["day" if r["start"] == "07:00" else "peak"]}
        for r in default_profile().to_dict()["rules"]
    ]
    hidden = profile_from_dict({"name": "hidden", "rules": rules})
    rng = np.random.default_rng(1)
    origins = beside_roads(network, trips_n, rng)
    destinations = beside_roads(network, trips_n, rng)
    n = min(len(origins), len(destinations))
    origins, destinations = origins[:n], destinations[:n]
    week_s = np.array(
        [
            week_time_s(int(d), int(s))
            for d, s in zip(rng.integers(0, 5, n), rng.integers(6 * H, 20 * H, n), strict=True)
        ]
    )
    truth = np.array(
        [
            network.durations_at([tuple(o)], [tuple(d)], week_s=t, profile=hidden)[0, 0]
            for o, d, t in zip(origins, destinations, week_s, strict=True)
        ],
        dtype=float,
    )
    keep = truth > 60
    observed = truth * np.exp(rng.normal(0, 0.05, n))
    trips = Trips(origins[keep], destinations[keep], week_s[keep], observed[keep])
    began = time.perf_counter()
    report = calibrate_profile(network, trips, base=default_profile(), seed=0)
    fit_s = time.perf_counter() - began
    errors = []
    for fitted, true in zip(report.profile.rules, hidden.rules, strict=True):
        want = expand_classes(true.factors)
        for name, value in fitted.factors.items():
            if name in want and not name.endswith("_link"):
                errors.append(abs(value - want[name]))
    print(f"\nCalibration on Malta: {len(trips)} synthetic trips, 5 % noise ({fit_s:.0f} s)")
    print(
        f"  recovered factors (trunk..tertiary, 3 rules): mean abs error {np.mean(errors):.3f}, "
        f"max {np.max(errors):.3f}"
    )
    print(f"  held-back trips: {report.held_back_trips}")
    for label, mae, mape in (
        ("free-flow", report.free_flow_mae_s, report.free_flow_mape),
        ("default profile", report.before_mae_s, report.before_mape),
        ("calibrated", report.after_mae_s, report.after_mape),
    ):
        print(f"  {label:<16} mean abs error {mae:7.1f} s ({mape:.2f} %)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--malta", type=Path, default=DEFAULT_MALTA)
    parser.add_argument("--porto", type=Path, default=DEFAULT_PORTO)
    parser.add_argument("--days", type=int, default=50)
    parser.add_argument("--time-limit", type=float, default=1.0)
    parser.add_argument("--trips", type=int, default=1500)
    parser.add_argument("--skip-porto", action="store_true")
    parser.add_argument("--engine-only", action="store_true", help="Porto engine figures only")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if not args.engine_only:
            build_network(args.malta, name="malta", networks_dir=folder, addresses=False)
            malta = load_network("malta", networks_dir=folder)
            bench_days("Malta", malta, "malta", args.days, args.time_limit)
            bench_calibration(malta, args.trips)
        if not args.skip_porto:
            build_network(args.porto, name="porto", networks_dir=folder, addresses=False)
            porto = load_network("porto", networks_dir=folder)
            bench_engine(porto)
            if not args.engine_only:
                bench_days("Porto", porto, "porto", args.days, args.time_limit)
    print("\n(machine shared with other jobs: timings are indicative)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
