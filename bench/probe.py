"""Latency probe for ``bench/load.py``: times 10 x 10 estimates from a process of its own.

Locust drives the load from one gevent process on the same machine, so its timings
include its own waits (a request ready but not yet sent, a response read late). The
probe is what a CRM apart from the crowd sees: one estimate every ``--every-s``, sent
with a plain HTTP client (no gevent) under its own key, for ``--seconds``. It prints one
JSON line: the number of answers per status code and the latencies (ms) of the 200s.

    python bench/probe.py URL KEY --seconds 15
"""

from __future__ import annotations

import argparse
import json
import random
import time

import httpx

# Town centres on Malta (lat, lon): reps start from one, accounts are spread around them.
TOWNS = [
    (35.8989, 14.5146),  # Valletta
    (35.9122, 14.5042),  # Sliema
    (35.8958, 14.4611),  # Birkirkara
    (35.8859, 14.4032),  # Mdina
    (35.8339, 14.5436),  # Marsaxlokk
    (35.9172, 14.4253),  # Mosta
]


def around(rng: random.Random, spread: float = 0.02) -> dict:
    """Return a point near one of the towns."""
    lat, lon = rng.choice(TOWNS)
    return {
        "lat": round(lat + rng.uniform(-spread, spread), 5),
        "lon": round(lon + rng.uniform(-spread, spread), 5),
    }


def estimate_request(rng: random.Random) -> dict:
    """A 10 x 10 travel estimate."""
    return {
        "network": "malta",
        "origins": [around(rng) for _ in range(10)],
        "destinations": [around(rng) for _ in range(10)],
        "cost_per_km": 0.3,
        "cost_per_hour": 25,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("key")
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--every-s", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    codes: dict[int, int] = {}
    latencies_ms = []
    end = time.monotonic() + args.seconds
    with httpx.Client(base_url=args.url, headers={"X-API-Key": args.key}, timeout=30) as client:
        while time.monotonic() < end:
            began = time.perf_counter()
            try:
                code = client.post("/v1/estimates", json=estimate_request(rng)).status_code
            except httpx.TransportError:
                code = 0
            if code == 200:
                latencies_ms.append((time.perf_counter() - began) * 1000)
            codes[code] = codes.get(code, 0) + 1
            time.sleep(args.every_s)
    print(json.dumps({"codes": codes, "latencies_ms": latencies_ms}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
