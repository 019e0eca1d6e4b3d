"""Load test: three tenants' CRMs against a real service, at 1x, 2x and 4x its capacity.

Starts ``fieldroute serve`` on a free loopback port (in-process executor, 2 worker
processes, SQLite, Malta), makes one API key per tenant with ``fieldroute keys create``
and drives it with `locust <https://locust.io>`_ (as a library, no web UI). Each
simulated CRM asks for travel estimates (10 x 10), a rep's day plan (synchronous),
submits batch jobs of a few reps and polls its own jobs (or, before it has one, lists
its tenant's jobs: every task sends a request).

1. *Capacity*: closed loop, two users per worker process without think time (the
   workers always busy, no request refused), for ``--duration-s``: the requests per
   second the service answers (2xx) is the 1x rate.
2. *Levels*: the same mix offered at 1x, 2x and 4x that rate for ``--duration-s`` each:
   many users, each starting its tasks as a Poisson process (:func:`poisson_starts`),
   so that the level's requests arrive at random moments as independent CRMs' do, not
   in synchronised bursts.
3. *Drain*: after each level every job it had accepted (202) is followed until it
   ends (at most ``--drain-s``).

During each level a latency probe (``bench/probe.py``), a process of its own with a
fourth key, times one 10 x 10 estimate every 0.3 s: what a CRM apart from the load
generator sees, a check on locust's own timings (one gevent process on the same cores).

Printed per level: throughput, p50/p95/p99 latency per endpoint, 429 and 503 counts,
5xx count; at the end, lost jobs (accepted but unknown, unfinished after the drain, or
failed without a reason). Everything stays on 127.0.0.1 and the run is bounded in time
(about ``4 x (duration + drain)`` at most, plus start-up). Each level's jobs are
followed to their end before the next level starts, so no level inherits a backlog.

Usage::

    pip install -e '.[load]'
    python bench/load.py                      # 30 s per level
    python bench/load.py --duration-s 15 --networks-dir DIR   # reuse a prepared Malta
    python bench/load.py --capacity-rps 6.7   # levels of a fixed 1x rate (A/B of versions)
"""

# ruff: noqa: I001 - locust (gevent) is imported before the standard library on purpose
from __future__ import annotations

# locust patches the standard library with gevent when imported: first, before the rest.
import locust
from locust import FastHttpUser, constant, task
from locust.env import Environment

import argparse
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

import gevent
import httpx
from probe import around, estimate_request

ROOT = Path(__file__).resolve().parent.parent
TENANTS = ("crm-north", "crm-south", "crm-east")
#: The latency probe's tenant (bench/probe.py): its requests do not count against a CRM's.
PROBE_TENANT = "latency-probe"
#: Seconds between two probe estimates: 200 a minute, under a tenant's default 240.
PROBE_EVERY_S = 0.3


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def day_request(rng: random.Random, rep_id: str, accounts: int, time_limit_s: float) -> dict:
    """One rep's day with a lunch break around one town."""
    return {
        "network": "malta",
        "date": "2026-12-01",
        "reps": [
            {
                "id": rep_id,
                "start": around(rng, 0.0),
                "shift": {"start": "08:00", "end": "17:00"},
                "break": {"earliest": "12:00", "latest": "13:30", "duration_s": 1800},
                "cost_per_km": 0.3,
                "cost_per_hour": 30,
            }
        ],
        "accounts": [
            {
                "id": f"{rep_id}-A{j}",
                "location": around(rng),
                "visit_duration_s": rng.choice([900, 1800]),
                "priority": rng.randint(1, 100),
            }
            for j in range(accounts)
        ],
        "options": {"time_limit_s": time_limit_s, "seed": 0, "geometry": False},
    }


class Service:
    """A real ``fieldroute serve`` process on a loopback port, with one key per tenant."""

    def __init__(self, work: Path, networks_dir: Path, args: argparse.Namespace) -> None:
        self.port = free_port()
        database_url = f"sqlite:///{work / 'jobs.sqlite'}"
        self.env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "FIELDROUTE_NETWORKS_DIR": str(networks_dir),
            "FIELDROUTE_DEFAULT_NETWORK": "malta",
            "FIELDROUTE_DATABASE_URL": database_url,
            "FIELDROUTE_WORKERS": "2",
            "FIELDROUTE_API_KEYS": "[]",
            "FIELDROUTE_MAX_SYNC_BACKLOG": str(args.max_sync_backlog),
            "FIELDROUTE_MAX_JOB_BACKLOG": str(args.max_job_backlog),
            "FIELDROUTE_TENANT_REQUESTS_PER_MINUTE": str(args.tenant_rpm),
        }
        exe = [sys.executable, "-m", "service.cli"]
        self.keys = {}
        for tenant in (*TENANTS, PROBE_TENANT):
            made = subprocess.run(
                [*exe, "keys", "create", "--tenant", tenant],
                env=self.env,
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=True,
            )
            self.keys[tenant] = made.stdout.strip()
        self.log = open(work / "server.log", "w")  # noqa: SIM115 - closed in close()
        self.proc = subprocess.Popen(
            [*exe, "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            env=self.env,
            cwd=ROOT,
            start_new_session=True,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 300  # first start prepares Malta
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError((work / "server.log").read_text()[-3000:])
            try:
                if httpx.get(f"{self.url}/health", timeout=5).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.3)
        raise RuntimeError("the service did not start")

    def close(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=60)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.log.close()


class Tally:
    """Status codes per endpoint, and every job accepted (with its tenant's key)."""

    def __init__(self) -> None:
        self.codes: dict[str, Counter] = defaultdict(Counter)
        self.refusals: Counter = Counter()  # error codes of the 503s
        self.accepted: list[tuple[str, str]] = []

    def on_request(self, name, response, exception, **_) -> None:
        code = getattr(response, "status_code", 0) if response is not None else 0
        self.codes[name][code if exception is None or code else 0] += 1
        if code == 503:
            try:
                self.refusals[response.json().get("error")] += 1
            except ValueError:
                self.refusals["(no JSON)"] += 1


def poisson_starts(rate: float):
    """A locust ``wait_time``: the user's tasks *start* as a Poisson process of ``rate``.

    Independent CRMs send requests at random moments: the gap from one task's start to
    the next is exponential with mean ``1 / rate``, the task's own time included (a slow
    answer does not lower the offered rate; a task longer than its gap starts the next
    at once). Locust's ``constant_throughput`` is not used: it counts the first period
    from the user's creation, so every user's second task starts at the same moment, a
    burst of the whole level's users once a period whatever the start offsets.
    """

    def wait_time(user) -> float:
        now = time.perf_counter()
        user.next_start_s = max(now, user.next_start_s + user.rng.expovariate(rate))
        return user.next_start_s - now

    return wait_time


def make_user(url: str, keys: dict[str, str], tally: Tally, args: argparse.Namespace, rate):
    """Return the HttpUser class of a CRM (tenants taken in turn)."""
    counter = iter(range(10**9))

    class Crm(FastHttpUser):
        host = url
        wait_time = constant(0) if rate is None else poisson_starts(rate)

        def on_start(self) -> None:
            n = next(counter)
            self.tenant = TENANTS[n % len(TENANTS)]
            self.auth = {"X-API-Key": keys[self.tenant]}
            self.rng = random.Random(n)
            self.jobs: list[str] = []
            if rate is not None:
                # The first task too at a random moment (not all users' at the level's
                # start); the next start is counted from this one (poisson_starts).
                gevent.sleep(self.rng.expovariate(rate))
            self.next_start_s = time.perf_counter()

        def send(self, method: str, path: str, name: str, ok: int = 200, **kwargs):
            """Send one request; its answer, refusals (429/503) counting as expected."""
            with self.client.request(
                method, path, name=name, catch_response=True, headers=self.auth, **kwargs
            ) as response:
                if response.status_code in (ok, 429, 503):
                    response.success()
                return response

        @task(6)
        def estimate(self) -> None:
            self.send("POST", "/v1/estimates", "estimate 10x10", json=estimate_request(self.rng))

        @task(2)
        def day_plan(self) -> None:
            body = day_request(self.rng, "R1", args.accounts, args.time_limit_s)
            self.send("POST", "/v1/day-plans", "day plan (sync)", json=body)

        @task(1)
        def batch(self) -> None:
            requests = [
                day_request(self.rng, f"R{k}", args.accounts, args.time_limit_s)
                for k in range(args.batch_reps)
            ]
            response = self.send(
                "POST", "/v1/day-plans/batch", "batch job", ok=202, json={"requests": requests}
            )
            if response.status_code == 202:
                job_id = response.json()["id"]
                self.jobs.append(job_id)
                tally.accepted.append((job_id, keys[self.tenant]))

        @task(4)
        def poll(self) -> None:
            if self.jobs:
                self.send("GET", f"/v1/jobs/{self.rng.choice(self.jobs[-5:])}", "poll job")
            else:  # nothing submitted yet: the CRM lists its tenant's jobs
                self.send("GET", "/v1/jobs?limit=20", "list jobs")

    return Crm


def run_level(url, keys, args, users: int, rate, seconds: float) -> tuple[Environment, Tally]:
    """Run ``users`` CRMs (each at ``rate`` tasks/s, None: no wait) for ``seconds``."""
    tally = Tally()
    env = Environment(user_classes=[make_user(url, keys, tally, args, rate)])
    env.events.request.add_listener(tally.on_request)
    runner = env.create_local_runner()
    runner.start(users, spawn_rate=users)
    gevent.sleep(seconds)
    runner.stop()
    runner.quit()
    return env, tally


def report(label: str, env: Environment, tally: Tally, seconds: float) -> float:
    """Print one level's figures; return its answered (2xx) requests per second."""
    ok = sum(n for codes in tally.codes.values() for c, n in codes.items() if 200 <= c < 300)
    sent = sum(n for codes in tally.codes.values() for n in codes.values())
    print(
        f"\n== {label}: {sent / seconds:.1f} req/s sent, {ok / seconds:.1f} answered (2xx) "
        f"({ok} of {sent} in {seconds:.0f} s)"
    )
    print(
        f"{'endpoint':<18}{'n':>7}{'2xx/s':>8}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}"
        f"{'429':>6}{'503':>6}{'5xx':>5}{'conn':>5}"
    )
    for name in sorted(tally.codes):
        codes = tally.codes[name]
        entry = env.stats.entries.get((name, "POST")) or env.stats.entries.get((name, "GET"))
        if entry is None or not entry.num_requests:
            continue
        pct = [entry.get_response_time_percentile(q) for q in (0.5, 0.95, 0.99)]
        fives = sum(n for c, n in codes.items() if c >= 500 and c != 503)
        good = sum(n for c, n in codes.items() if 200 <= c < 300)
        print(
            f"{name:<18}{entry.num_requests:>7}{good / seconds:>8.1f}{pct[0]:>8.0f}"
            f"{pct[1]:>8.0f}{pct[2]:>8.0f}{codes[429]:>6}{codes[503]:>6}{fives:>5}"
            f"{codes[0]:>5}"
        )
    if tally.refusals:
        print(f"503 by error: {dict(tally.refusals)}")
    return ok / seconds


def start_probe(service: Service, seconds: float) -> subprocess.Popen:
    """Start bench/probe.py: estimates timed from a process of its own during a level."""
    return subprocess.Popen(
        [
            sys.executable,
            str(Path(__file__).with_name("probe.py")),
            service.url,
            service.keys[PROBE_TENANT],
            "--seconds",
            str(max(1.0, seconds)),
            "--every-s",
            str(PROBE_EVERY_S),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )


def report_probe(probe: subprocess.Popen) -> None:
    """Print the probe's estimate latencies (what a CRM apart from the load sees)."""
    out, _ = probe.communicate(timeout=120)
    try:
        found = json.loads(out.strip().splitlines()[-1])
    except (ValueError, IndexError):
        print("estimate probe: no answer")
        return
    times = sorted(found["latencies_ms"])
    codes = {int(c): n for c, n in found["codes"].items()}
    if not times:
        print(f"estimate probe (own process, 1 every {PROBE_EVERY_S:g} s): no 200; codes {codes}")
        return
    pct = [times[min(len(times) - 1, int(q * len(times)))] for q in (0.5, 0.95, 0.99)]
    print(
        f"estimate probe (own process, 1 every {PROBE_EVERY_S:g} s): n {len(times)}, "
        f"p50/p95/p99 ms {pct[0]:.0f} / {pct[1]:.0f} / {pct[2]:.0f}, max {times[-1]:.0f}; "
        f"codes {codes}"
    )


def lost_jobs(url: str, accepted: list[tuple[str, str]], drain_s: float) -> tuple[int, Counter]:
    """Follow every accepted job to its end; return (lost, final statuses)."""
    deadline = time.monotonic() + drain_s
    final: dict[str, str] = {}
    with httpx.Client(base_url=url, timeout=30) as client:
        pending = list(accepted)
        while pending and time.monotonic() < deadline:
            still = []
            for job_id, key in pending:
                response = client.get(f"/v1/jobs/{job_id}", headers={"X-API-Key": key})
                if response.status_code == 429:
                    still.append((job_id, key))
                    continue
                if response.status_code == 404:
                    final[job_id] = "unknown"
                    continue
                job = response.json()
                if job["status"] in ("succeeded", "cancelled"):
                    final[job_id] = job["status"]
                elif job["status"] == "failed":
                    final[job_id] = "failed" if job.get("error") else "failed without reason"
                else:
                    still.append((job_id, key))
            pending = still
            if pending:
                time.sleep(1.0)
        for job_id, _ in pending:
            final[job_id] = "unfinished"
    statuses = Counter(final.values())
    lost = sum(n for s, n in statuses.items() if s not in ("succeeded", "failed", "cancelled"))
    return lost, statuses


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration-s", type=float, default=30.0, help="seconds per level")
    parser.add_argument("--drain-s", type=float, default=180.0, help="most seconds to drain")
    parser.add_argument("--users", type=int, default=100, help="CRM users at each load level")
    parser.add_argument("--capacity-users", type=int, default=4, help="users measuring 1x")
    parser.add_argument("--accounts", type=int, default=8, help="accounts of a rep's day")
    parser.add_argument("--time-limit-s", type=float, default=1.0, help="solver time limit")
    parser.add_argument("--batch-reps", type=int, default=3, help="reps in a batch job")
    parser.add_argument("--max-sync-backlog", type=int, default=8)
    parser.add_argument("--max-job-backlog", type=int, default=60)
    parser.add_argument("--tenant-rpm", type=int, default=240, help="requests/min a tenant")
    parser.add_argument("--networks-dir", type=Path, default=None, help="a prepared Malta")
    parser.add_argument(
        "--capacity-rps",
        type=float,
        default=None,
        help="offer levels of this 1x rate instead of the measured capacity (an A/B "
        "comparison of two versions at the same offered load; capacity is still measured)",
    )
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="fieldroute-load-"))
    networks_dir = args.networks_dir or work / "networks"
    print(
        f"fieldroute load test, locust {locust.__version__}; cpus {os.cpu_count()}, "
        f"load average {os.getloadavg()[0]:.1f} (a shared machine skews every figure)"
    )
    print(
        f"service: 2 worker processes, max_sync_backlog {args.max_sync_backlog}, "
        f"max_job_backlog {args.max_job_backlog}, {args.tenant_rpm} requests/min a tenant; "
        f"day: {args.accounts} accounts, {args.time_limit_s} s limit; batch: "
        f"{args.batch_reps} reps"
    )
    started = time.monotonic()
    service = Service(work, networks_dir, args)
    print(f"service up in {time.monotonic() - started:.1f} s on {service.url}")
    accepted: list[tuple[str, str]] = []
    figures = {}
    lost, statuses = 0, Counter()

    def settle(tally: Tally) -> None:
        """Follow the level's accepted jobs to their end before the next level starts."""
        nonlocal lost
        began = time.monotonic()
        level_lost, level_statuses = lost_jobs(service.url, tally.accepted, args.drain_s)
        lost += level_lost
        statuses.update(level_statuses)
        accepted.extend(tally.accepted)
        print(
            f"jobs of this level: {dict(level_statuses)}, lost {level_lost}; "
            f"drained in {time.monotonic() - began:.0f} s"
        )

    try:
        env, tally = run_level(
            service.url, service.keys, args, args.capacity_users, None, args.duration_s
        )
        capacity = report(
            "capacity (closed loop, 2 users a worker, no think time)", env, tally, args.duration_s
        )
        settle(tally)
        if args.capacity_rps is not None:
            print(
                f"levels offered from --capacity-rps {args.capacity_rps:g}, not the measured rate"
            )
            capacity = args.capacity_rps
        for factor in (1, 2, 4):
            offered = factor * capacity
            probe = start_probe(service, args.duration_s - 1.0)
            env, tally = run_level(
                service.url,
                service.keys,
                args,
                args.users,
                offered / args.users,
                args.duration_s,
            )
            label = f"{factor}x = {offered:.1f} req/s offered"
            figures[factor] = report(label, env, tally, args.duration_s)
            report_probe(probe)
            settle(tally)
    finally:
        service.close()
    print(f"\njobs accepted {len(accepted)}: {dict(statuses)}; lost jobs: {lost}")
    print(
        "answered req/s by level: " + json.dumps({f"{k}x": round(v, 1) for k, v in figures.items()})
    )
    print(f"total wall time {time.monotonic() - started:.0f} s")
    return 0 if lost == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
