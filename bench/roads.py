"""Road network benchmark: build, prepared load, and many-to-many matrices vs scipy Dijkstra.

Run from the repository root::

    .venv/bin/python bench/roads.py                     # Malta and Porto
    .venv/bin/python bench/roads.py --sizes 100 500     # smaller matrices
    .venv/bin/python bench/roads.py --porto PATH --malta PATH

For each network it prints the build time and peak memory (the build runs in a child
process), the prepared-load time, and for N x N matrices (N random graph nodes as
locations, seed 0): the CCH engine's travel-time matrix and time + distance matrix,
each next to a baseline measured in the same run on the same graph (scipy Dijkstra
from every origin; for time + distance, scipy Dijkstra on lexicographic float weights
``time + length * 1e-7``, which yields both), the ratio baseline / CCH, and whether
both agree exactly. Targets (issue 2): Porto 1000 x 1000 time <= 0.5 s, distances
<= 2 s more; Malta prepared load <= 1 s; Malta build <= 20 s; Porto build < 2 GB.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scipy.sparse import csr_matrix  # noqa: E402
from scipy.sparse.csgraph import dijkstra  # noqa: E402

from solver.roads import load_network  # noqa: E402
from solver.roads.engine import arc_weights  # noqa: E402

DEFAULT_PORTO = Path("../shared/data/osm/porto-region-2015-06-06.roads.osm.pbf")
DEFAULT_MALTA = Path("data/malta-2016-11-09.osm.pbf")

_BUILD_CHILD = """
import json, resource, sys, time
sys.path.insert(0, sys.argv[4])
from pathlib import Path
from solver.roads import build_network
start = time.perf_counter()
info = build_network(Path(sys.argv[1]), name=sys.argv[2], networks_dir=Path(sys.argv[3]))
seconds = time.perf_counter() - start
try:  # VmHWM: this process's own peak (ru_maxrss can carry the parent's after fork)
    status = open("/proc/self/status").read().split("VmHWM:")[1]
    peak_mb = int(status.split()[0]) / 1024
except (OSError, IndexError):
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"build_s": seconds, "peak_mb": peak_mb, "nodes": info.nodes,
                  "edges": info.edges}))
"""


def build_in_child(source: Path, name: str, networks_dir: Path) -> dict:
    """Build a network in a fresh interpreter; return its time and peak memory."""
    out = subprocess.run(
        [sys.executable, "-c", _BUILD_CHILD, str(source), name, str(networks_dir), str(ROOT)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def timed(func, repeat: int = 1):
    """Return (best seconds over ``repeat`` runs, last result)."""
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        best = min(best, time.perf_counter() - start)
    return best, result


def baseline_graph(network, weights: np.ndarray) -> csr_matrix:
    """CSR graph of the arcs with the lightest of parallel arcs (csr would sum them)."""
    a = network.arrays
    order = np.lexsort((weights, a.arc_head, a.arc_tail))
    tail, head, w = a.arc_tail[order], a.arc_head[order], weights[order]
    first = np.ones(tail.size, dtype=bool)
    first[1:] = (tail[1:] != tail[:-1]) | (head[1:] != head[:-1])
    n = a.node_count
    return csr_matrix((w[first], (tail[first], head[first])), shape=(n, n))


def bench_network(label: str, source: Path, sizes: list[int], workdir: Path) -> dict:
    print(f"\n== {label}: {source}")
    built = build_in_child(source, label, workdir)
    print(
        f"build (.pbf -> prepared): {built['build_s']:.2f} s, peak memory "
        f"{built['peak_mb']:.0f} MB, {built['nodes']} nodes, {built['edges']} arcs"
    )
    load_s, network = timed(lambda: load_network(label, networks_dir=workdir), repeat=3)
    arrays_s, _ = timed(lambda: load_network(label, networks_dir=workdir, prepare=False), 3)
    print(
        f"prepared load: {load_s:.3f} s (arrays {arrays_s:.3f} s + CCH customisation and "
        "spatial index)"
    )
    a = network.arrays
    weights = arc_weights(a, int(a.time_unit_ds))
    seconds_per_unit = int(a.time_unit_ds) / 10
    time_graph = baseline_graph(network, weights.astype(np.float64))
    lex_graph = baseline_graph(network, weights + a.arc_length_m * 1e-7)
    print(f"engine time unit {seconds_per_unit} s, lexicographic factor {int(a.lex_factor)}")
    print(
        f"{'N x N':>11} | {'CCH time':>9} {'scipy':>8} {'ratio':>6} | "
        f"{'CCH time+dist':>13} {'scipy lex':>9} {'ratio':>6} | agree"
    )
    rng = np.random.default_rng(0)
    figures: dict = {"build_s": built["build_s"], "peak_mb": built["peak_mb"], "load_s": load_s}
    for n in sizes:
        nodes = rng.choice(a.node_count, size=min(n, a.node_count), replace=False)
        points = [(float(a.node_lat[k]), float(a.node_lon[k])) for k in nodes]
        network.durations(points[:10])  # warm up
        cch_t, durations = timed(lambda points=points: network.durations(points), repeat=3)
        cch_m, matrix = timed(lambda points=points: network.matrix(points), repeat=3)
        figures[n] = (cch_t, cch_m)
        base_t, base = timed(lambda nodes=nodes: dijkstra(time_graph, indices=nodes)[:, nodes])
        base_m, lex = timed(lambda nodes=nodes: dijkstra(lex_graph, indices=nodes)[:, nodes])
        base_units = np.rint(lex)
        base_len = np.rint((lex - base_units) * 1e7)
        agree = (
            np.array_equal(durations, np.rint(base * seconds_per_unit))
            and np.array_equal(matrix.durations_s, np.rint(base_units * seconds_per_unit))
            and np.array_equal(matrix.distances_m, base_len)
        )
        print(
            f"{len(nodes):>5} x {len(nodes):<5}| {cch_t:>8.3f}s {base_t:>7.3f}s "
            f"{base_t / cch_t:>5.1f}x | {cch_m:>12.3f}s {base_m:>8.3f}s "
            f"{base_m / cch_m:>5.1f}x | {'yes' if agree else 'NO'}"
        )
    n = max(sizes)
    points = beside_roads(network, n, rng)
    cch_t, _ = timed(lambda: network.durations(points))
    cch_m, matrix = timed(lambda: network.matrix(points))
    print(
        f"{n} x {n} locations beside roads (snapped mid-edge, two entry nodes each): "
        f"time {cch_t:.3f} s, time + distance {cch_m:.3f} s, "
        f"{(matrix.durations_s == -1).mean():.1%} unreachable (off-network)"
    )
    return figures


def print_targets(malta: dict, porto: dict) -> None:
    """Print each target of issue 2 next to the figure measured in this run."""

    def line(what: str, value: float, limit: float, unit: str) -> None:
        verdict = "met" if value <= limit else "NOT met"
        print(f"  {what:<48} {value:>8.3f} {unit:<3} (target <= {limit:g} {unit}) {verdict}")

    print("\ntargets (single-threaded, on this machine at the load shown):")
    line("Malta build from .pbf", malta["build_s"], 20, "s")
    line("Malta prepared load", malta["load_s"], 1, "s")
    line("Porto build peak memory", porto["peak_mb"] / 1024, 2, "GB")
    if 1000 in porto:
        time_s, both_s = porto[1000]
        line("Porto 1000 x 1000 travel-time matrix", time_s, 0.5, "s")
        line("Porto 1000 x 1000 distance matrix, extra", both_s - time_s, 2, "s")


def beside_roads(network, n: int, rng: np.random.Generator) -> list[tuple[float, float]]:
    """``n`` locations 0-30 m beside random road segments (realistic accounts)."""
    a = network.arrays
    pieces = rng.integers(0, a.piece_offsets.size - 1, size=n)
    start = a.piece_offsets[pieces]
    k = start + (rng.random(n) * (a.piece_offsets[pieces + 1] - 1 - start)).astype(np.int64)
    t = rng.random(n)
    lat = a.point_lat[k] * (1 - t) + a.point_lat[k + 1] * t + rng.uniform(-2e-4, 2e-4, n)
    lon = a.point_lon[k] * (1 - t) + a.point_lon[k + 1] * t + rng.uniform(-2e-4, 2e-4, n)
    return list(zip(lat.tolist(), lon.tolist(), strict=True))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--malta", type=Path, help=f"default: {DEFAULT_MALTA} (from the repo)")
    parser.add_argument("--porto", type=Path, help=f"default: {DEFAULT_PORTO} (from the repo)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 500, 1000])
    args = parser.parse_args()
    malta_pbf = args.malta.resolve() if args.malta else ROOT / DEFAULT_MALTA
    porto_pbf = args.porto.resolve() if args.porto else ROOT / DEFAULT_PORTO
    load = os.getloadavg()
    print(
        f"bench/roads.py on {os.cpu_count()} cores, load average {load[0]:.2f} "
        f"{load[1]:.2f} {load[2]:.2f} (timings are single-threaded)"
    )
    with tempfile.TemporaryDirectory(prefix="fieldroute-bench-") as workdir:
        malta = bench_network("malta", malta_pbf, args.sizes, Path(workdir))
        porto = bench_network("porto", porto_pbf, args.sizes, Path(workdir))
    print_targets(malta, porto)
    load = os.getloadavg()
    print(f"\nload average at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
