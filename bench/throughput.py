"""Throughput of single-rep day plans through the HTTP API: in-process vs Celery workers.

Morning rush: many reps ask for today's route at once. This bench submits one batch
job of N single-rep day plans on the Malta network (``POST /v1/day-plans/batch``) to a
real service and waits for every rep's plan, with

* the in-process executor (the embedded default: a process pool of the service), with
  1 and 2 worker processes;
* Celery with 1 and 2 ``fieldroute worker`` processes (``--concurrency 1`` each) on a
  local Redis broker.

It prints plans/s for each and the speed-up of 2 workers over 1 (the baseline measured
in the same run). Every returned plan is verified by the independent plan checker.

Usage::

    python bench/throughput.py                 # 200 plans, 8 accounts each, 1 s limit
    python bench/throughput.py --plans 40 --time-limit 0.5

Needs ``redis-server`` on the PATH for the Celery rows (skipped otherwise). The Malta
network is prepared into a temporary directory first (about 10-20 s).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from service.day_plans.convert import plan_from_response, to_problem  # noqa: E402
from service.day_plans.schemas import DayPlanRequest  # noqa: E402
from solver.roads import build_network, load_network  # noqa: E402
from solver.routing import check_plan  # noqa: E402

API_KEY = "bench-key"

# Town centres on Malta (lat, lon): reps start from one, accounts are spread around them.
TOWNS = [
    (35.8989, 14.5146),  # Valletta
    (35.9122, 14.5042),  # Sliema
    (35.8958, 14.4611),  # Birkirkara
    (35.9375, 14.3754),  # Mellieha
    (35.8859, 14.4032),  # Mdina
    (35.8339, 14.5436),  # Marsaxlokk
    (35.9172, 14.4253),  # Mosta
    (35.8722, 14.5072),  # Paola
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_requests(n_plans: int, n_accounts: int, time_limit_s: float, seed: int) -> list[dict]:
    """Return ``n_plans`` single-rep day-plan requests around Malta's towns."""
    rng = random.Random(seed)
    requests = []
    for i in range(n_plans):
        lat, lon = rng.choice(TOWNS)
        accounts = []
        for j in range(n_accounts):
            accounts.append(
                {
                    "id": f"R{i}-A{j}",
                    "location": {
                        "lat": round(lat + rng.uniform(-0.03, 0.03), 5),
                        "lon": round(lon + rng.uniform(-0.03, 0.03), 5),
                    },
                    "visit_duration_s": rng.choice([900, 1800, 2700]),
                    "priority": rng.randint(1, 100),
                }
            )
        requests.append(
            {
                "network": "malta",
                "date": "2026-12-01",
                "reps": [
                    {
                        "id": f"R{i}",
                        "start": {"lat": lat, "lon": lon},
                        "shift": {"start": "08:00", "end": "17:00"},
                        "break": {"earliest": "12:00", "latest": "13:30", "duration_s": 1800},
                        "cost_per_km": 0.3,
                        "cost_per_hour": 30,
                    }
                ],
                "accounts": accounts,
                "options": {"time_limit_s": time_limit_s, "seed": 0, "geometry": False},
            }
        )
    return requests


class Service:
    """A real ``fieldroute serve`` process (and optional ``fieldroute worker`` processes)."""

    def __init__(self, env: dict[str, str], workers: int, celery: bool) -> None:
        self.port = free_port()
        self.env = env
        self.procs: list[subprocess.Popen] = []
        exe = [sys.executable, "-m", "service.cli"]
        if celery:
            for k in range(workers):
                self.procs.append(
                    subprocess.Popen(
                        [
                            *exe,
                            "worker",
                            "--concurrency",
                            "1",
                            "--name",
                            f"bench{k}@%h",
                            "--loglevel",
                            "WARNING",
                        ],
                        env=env,
                        cwd=ROOT,
                        start_new_session=True,
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL,
                    )
                )
        self.procs.append(
            subprocess.Popen(
                [*exe, "serve", "--port", str(self.port)],
                env=env,
                cwd=ROOT,
                start_new_session=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        self.client = httpx.Client(
            base_url=f"http://127.0.0.1:{self.port}", headers={"X-API-Key": API_KEY}, timeout=60
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if self.client.get("/health").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise RuntimeError("service did not start")

    def close(self) -> None:
        self.client.close()
        for proc in self.procs:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
        for proc in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


def warm_up(service: Service, request: dict, workers: int) -> None:
    """Run one small batch so every worker process has loaded the network."""
    job = service.client.post("/v1/day-plans/batch", json={"requests": [request] * 1})
    job.raise_for_status()
    wait(service, job.json()["id"])


def wait(service: Service, job_id: str) -> dict:
    while True:
        job = service.client.get(f"/v1/jobs/{job_id}").json()
        if job["status"] in ("succeeded", "failed", "cancelled"):
            return job
        time.sleep(0.2)


def run(service: Service, requests: list[dict]) -> tuple[float, list[dict]]:
    """Submit the batch, wait for it, fetch every rep's plan; return (seconds, plans)."""
    started = time.perf_counter()
    response = service.client.post("/v1/day-plans/batch", json={"requests": requests})
    response.raise_for_status()
    job = wait(service, response.json()["id"])
    elapsed = time.perf_counter() - started
    if job["status"] != "succeeded":
        raise RuntimeError(f"batch job ended {job['status']}: {job.get('error')}")
    plans = [
        service.client.get(f"/v1/jobs/{job['id']}/results/{r['reps'][0]['id']}").json()
        for r in requests
    ]
    return elapsed, plans


def check_all(requests: list[dict], plans: list[dict], network) -> int:
    """Return how many plans the independent checker finds infeasible."""
    bad = 0
    for request, body in zip(requests, plans, strict=True):
        problem = to_problem(DayPlanRequest.model_validate(request), default_network="malta")
        plan = plan_from_response(body)
        if check_plan(problem, plan, network=network):
            bad += 1
    return bad


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--plans", type=int, default=200)
    parser.add_argument("--accounts", type=int, default=8, help="accounts per rep")
    parser.add_argument("--time-limit", type=float, default=1.0, help="per plan, seconds")
    parser.add_argument("--osm", type=Path, default=ROOT / "data" / "malta-2016-11-09.osm.pbf")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="fieldroute-throughput-"))
    networks_dir = tmp / "networks"
    started = time.perf_counter()
    build_network(args.osm, name="malta", networks_dir=networks_dir)
    print(f"prepared malta in {time.perf_counter() - started:.1f} s")
    network = load_network("malta", networks_dir=networks_dir)
    requests = make_requests(args.plans, args.accounts, args.time_limit, args.seed)

    redis_proc = None
    redis_port = free_port()
    if shutil.which("redis-server"):
        redis_proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(redis_port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
        )
        time.sleep(0.5)

    rows = []
    configs = [("in-process", False, 1), ("in-process", False, 2)]
    if redis_proc is not None:
        configs += [("celery", True, 1), ("celery", True, 2)]
    else:
        print("redis-server not found: Celery rows skipped")
    for label, celery, workers in configs:
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "FIELDROUTE_NETWORKS_DIR": str(networks_dir),
            "FIELDROUTE_DEFAULT_NETWORK": "malta",
            "FIELDROUTE_DATABASE_URL": f"sqlite:///{tmp / f'{label}-{workers}.sqlite'}",
            "FIELDROUTE_API_KEYS": f'["{API_KEY}"]',
            "FIELDROUTE_WORKERS": str(workers),
            "FIELDROUTE_JOBS": "celery" if celery else "inprocess",
            "FIELDROUTE_CELERY_BROKER_URL": f"redis://127.0.0.1:{redis_port}/0",
            "FIELDROUTE_CELERY_RESULT_URL": f"redis://127.0.0.1:{redis_port}/1",
        }
        service = Service(env, workers, celery)
        try:
            warm_up(service, requests[0], workers)
            elapsed, plans = run(service, requests)
        finally:
            service.close()
        infeasible = check_all(requests, plans, network)
        rows.append((label, workers, elapsed, len(plans) / elapsed, infeasible))
        print(
            f"{label:10s} workers={workers}  {len(plans)} plans in {elapsed:6.1f} s  "
            f"= {len(plans) / elapsed:5.2f} plans/s  infeasible={infeasible}",
            flush=True,
        )
    if redis_proc is not None:
        redis_proc.terminate()
        redis_proc.wait()
    shutil.rmtree(tmp, ignore_errors=True)

    print()
    print(f"{'executor':10s} {'workers':>7s} {'seconds':>8s} {'plans/s':>8s} {'speed-up':>8s}")
    base: dict[str, float] = {}
    for label, workers, elapsed, rate, _ in rows:
        base.setdefault(label, rate)
        print(f"{label:10s} {workers:7d} {elapsed:8.1f} {rate:8.2f} {rate / base[label]:7.2f}x")
    print(f"load average at end: {os.getloadavg()[0]:.2f} (cores: {os.cpu_count()})")
    print(f"date: {dt.datetime.now(dt.UTC).isoformat(timespec='seconds')}")
    return 0 if all(row[4] == 0 for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
