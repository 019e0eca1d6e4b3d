"""Benchmark of the HTTP service: the event loop stays responsive while solves run.

Starts a real ``fieldroute serve --dev`` (uvicorn) on a free local port on Malta and
prints, all measured in the same run:

* the first start (Malta prepared if missing) and the first day plan (worker processes
  spawned and the network loaded) against a warm day plan: the network is loaded once
  per worker process, not per request;
* ``GET /health`` latency idle (the baseline) and while ``--concurrent`` day plans of
  ``--time-limit-s`` each are solving. A service that solved on the event loop would
  answer /health only after a solve (latency >= the solve time); the ratio
  ``max /health latency / solve time`` shows how far from that we are (<< 1 is good);
* sequential against concurrent day-plan throughput with ``--workers`` processes.

Usage (from the repository root)::

    .venv/bin/python bench/api.py                      # 2 workers, 4 concurrent 2-s solves
    .venv/bin/python bench/api.py --networks-dir /tmp/nets --concurrent 8
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import psutil

ROOT = Path(__file__).resolve().parent.parent

#: Malta towns (lat, lon); accounts are drawn around them with the seed.
TOWNS = [
    (35.8989, 14.5146),  # Valletta
    (35.9122, 14.5042),  # Sliema
    (35.8859, 14.4032),  # Mdina
    (35.8958, 14.4611),  # Birkirkara
    (35.8725, 14.5075),  # Paola
    (35.9190, 14.4886),  # St Julian's
    (35.8375, 14.5425),  # Marsaxlokk
    (35.9467, 14.4008),  # St Paul's Bay
    (35.8817, 14.4453),  # Attard
    (35.8564, 14.4850),  # Luqa
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def day_plan(accounts: int, time_limit_s: float, seed: int) -> dict:
    rng = random.Random(seed)
    return {
        "network": "malta",
        "date": "2026-12-01",
        "reps": [
            {
                "id": f"rep{r}",
                "start": {"lat": TOWNS[r][0], "lon": TOWNS[r][1]},
                "shift": {"start": "08:00", "end": "17:00"},
                "break": {"earliest": "12:00", "latest": "13:30", "duration_s": 1800},
            }
            for r in range(2)
        ],
        "accounts": [
            {
                "id": f"A{i}",
                "location": {
                    "lat": round(rng.choice(TOWNS)[0] + rng.uniform(-0.006, 0.006), 5),
                    "lon": round(rng.choice(TOWNS)[1] + rng.uniform(-0.006, 0.006), 5),
                },
                "visit_duration_s": rng.choice([900, 1200, 1800]),
                "priority": rng.randint(1, 100),
            }
            for i in range(accounts)
        ],
        "options": {"time_limit_s": time_limit_s, "seed": seed, "geometry": False},
    }


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def health_latencies_ms(client: httpx.Client, stop: threading.Event, out: list[float]) -> None:
    while not stop.is_set():
        started = time.perf_counter()
        client.get("/health")
        out.append((time.perf_counter() - started) * 1000)
        time.sleep(0.05)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--networks-dir", type=Path, default=None)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrent", type=int, default=4)
    parser.add_argument("--accounts", type=int, default=40)
    parser.add_argument("--time-limit-s", type=float, default=2.0)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="fieldroute-bench-api-"))
    networks_dir = args.networks_dir or work / "networks"
    port = free_port()
    env = {
        **os.environ,
        "FIELDROUTE_NETWORKS_DIR": str(networks_dir),
        "FIELDROUTE_DATABASE_URL": f"sqlite:///{work / 'jobs.sqlite'}",
        "FIELDROUTE_WORKERS": str(args.workers),
        "FIELDROUTE_OSM_DIR": str(ROOT / "data"),
    }
    print(f"load average before: {os.getloadavg()}; cpus: {psutil.cpu_count()}")
    log = open(work / "server.log", "w")  # noqa: SIM115 - lives as long as the server
    started = time.perf_counter()
    server = subprocess.Popen(
        [sys.executable, "-m", "service.cli", "serve", "--dev", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=url, timeout=120) as client:
            while True:
                if server.poll() is not None:
                    print((work / "server.log").read_text())
                    return 1
                try:
                    if client.get("/health").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.2)
            print(f"server up (Malta prepared if missing): {time.perf_counter() - started:.2f} s")

            request = day_plan(args.accounts, args.time_limit_s, seed=0)
            timings = []
            for _ in range(3):
                t0 = time.perf_counter()
                response = client.post("/v1/day-plans", json=request)
                response.raise_for_status()
                timings.append(time.perf_counter() - t0)
            body = response.json()
            print(
                f"day plan, {args.accounts} accounts, 2 reps, time_limit_s={args.time_limit_s}: "
                f"first {timings[0]:.2f} s (spawn + load), warm {timings[1]:.2f} s / "
                f"{timings[2]:.2f} s; visits {body['summary']['visits']}, "
                f"solver time {body['solver']['time_s']:.2f} s"
            )

            idle: list[float] = []
            stop = threading.Event()
            poller = threading.Thread(target=health_latencies_ms, args=(client, stop, idle))
            poller.start()
            time.sleep(2.0)
            stop.set()
            poller.join()

            loaded: list[float] = []
            stop = threading.Event()
            poller = threading.Thread(target=health_latencies_ms, args=(client, stop, loaded))
            solve_times: list[float] = []

            def solve(seed: int) -> None:
                with httpx.Client(base_url=url, timeout=300) as own:
                    t0 = time.perf_counter()
                    own.post(
                        "/v1/day-plans", json=day_plan(args.accounts, args.time_limit_s, seed)
                    ).raise_for_status()
                    solve_times.append(time.perf_counter() - t0)

            poller.start()
            t0 = time.perf_counter()
            solvers = [
                threading.Thread(target=solve, args=(s,)) for s in range(1, args.concurrent + 1)
            ]
            for thread in solvers:
                thread.start()
            for thread in solvers:
                thread.join()
            concurrent_wall = time.perf_counter() - t0
            stop.set()
            poller.join()

            sequential = sum(timings[1:]) / 2 * args.concurrent
            print(
                f"/health idle (baseline): p50 {statistics.median(idle):.1f} ms, "
                f"p95 {percentile(idle, 0.95):.1f} ms, n={len(idle)}"
            )
            print(
                f"/health during {args.concurrent} concurrent solves: "
                f"p50 {statistics.median(loaded):.1f} ms, p95 {percentile(loaded, 0.95):.1f} ms, "
                f"max {max(loaded):.1f} ms, n={len(loaded)}"
            )
            print(
                f"ratio max /health latency / one solve: "
                f"{max(loaded) / 1000 / statistics.median(solve_times):.3f} "
                "(>= 1 if solves blocked the event loop)"
            )
            print(
                f"{args.concurrent} solves: concurrent wall {concurrent_wall:.2f} s vs "
                f"sequential estimate {sequential:.2f} s -> speed-up "
                f"{sequential / concurrent_wall:.2f}x with {args.workers} workers"
            )
            print(f"load average after: {os.getloadavg()}")
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
