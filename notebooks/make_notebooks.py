"""Write the notebooks of this folder from the cells below (run it after editing them).

    python notebooks/make_notebooks.py

The notebooks are committed without outputs. Their first code cell reads parameters
from environment variables: the defaults are the real run (Malta, every pharmacy and
doctor); ``FIELDROUTE_NB_SMALL=1`` gives the small settings the test suite executes
them with (Monaco, short time limits).
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent

PARAMETERS_DOC = """\
# Parameters. The defaults are the real run; the test suite sets FIELDROUTE_NB_SMALL=1
# (Monaco, short time limits) and FIELDROUTE_NETWORKS_DIR (networks prepared for tests).
"""

NETWORK_CELL = """\
from solver.roads import build_network, list_networks, load_network

NETWORKS_DIR.mkdir(parents=True, exist_ok=True)
if NETWORK not in {info.name for info in list_networks(NETWORKS_DIR)}:
    build_network(EXTRACT, name=NETWORK, networks_dir=NETWORKS_DIR)
network = load_network(NETWORK, networks_dir=NETWORKS_DIR)
network"""

ROADS_PLOT_HELPER = """\
import matplotlib.pyplot as plt
from matplotlib.collections import LineCollection


def draw_roads(ax, network):
    \"\"\"Draw every road piece of the network as a thin grey line (the base map).\"\"\"
    a = network.arrays
    segments = [
        np.column_stack((a.point_lon[lo:hi], a.point_lat[lo:hi]))
        for lo, hi in zip(a.piece_offsets[:-1], a.piece_offsets[1:])
        if hi - lo >= 2
    ]
    ax.add_collection(LineCollection(segments, colors="#c8c8c8", linewidths=0.4, zorder=0))
    ax.set_aspect(1 / np.cos(np.radians(np.mean(a.node_lat))))
    ax.set_xticks([])
    ax.set_yticks([])"""


def territory_rebalance() -> nbformat.NotebookNode:
    """Notebook 1: rebalance a pharma team's territories on Malta."""
    cells = [
        new_markdown_cell(
            """\
# Territory rebalance on Malta: a pharma sales team

A pharma company's reps call on **pharmacies, doctors, clinics and hospitals**. Here
the accounts are the real ones in OpenStreetMap's Malta extract (data © OpenStreetMap
contributors, ODbL 1.0), and travel is real drive time on Malta's road network.

Today the island is split the old way: three equal-count bands from west to east, one
rep each. We measure that split, rebalance it with
`solver.territory.balance_territories` (workload within ±5 % of the fair share, least
weekly travel, a small penalty per moved account) and compare **before and after**:
the map, the balance of workload, and the drive time.

Visit frequency and duration per kind of account are in `osm_accounts.CALL_PLAN`
(pharmacies every other week for 20 min, doctors and clinics weekly for 30 min,
hospitals weekly for 45 min)."""
        ),
        new_code_cell(
            PARAMETERS_DOC
            + """\
import os
from pathlib import Path

SMALL = os.environ.get("FIELDROUTE_NB_SMALL", "0") == "1"
DATA_DIR = Path(os.environ.get("FIELDROUTE_NB_DATA", "../data"))
NETWORKS_DIR = Path(os.environ.get("FIELDROUTE_NETWORKS_DIR", "../data/networks"))

if SMALL:
    NETWORK, EXTRACT = "monaco", DATA_DIR / "monaco-2021-04-21.osm.pbf"
    HOMES = {"fontvieille": (43.7296, 7.4163), "monte-carlo": (43.7440, 7.4290)}
else:
    NETWORK, EXTRACT = "malta", DATA_DIR / "malta-2016-11-09.osm.pbf"
    HOMES = {  # rep homes (lat, lon): Mosta, Birkirkara, Zabbar
        "mosta": (35.9097, 14.4256),
        "birkirkara": (35.8972, 14.4611),
        "zabbar": (35.8761, 14.5350),
    }
TOLERANCE = 0.05  # each rep's workload within +-5 % of the fair share
MOVE_PENALTY_H = 0.05  # a move must save 3 min of weekly travel
COST_PER_KM, COST_PER_HOUR = 0.35, 30.0  # car cost, rep's time on the road
TIME_LIMIT_S = 5 if SMALL else 60
SEED = 0"""
        ),
        new_markdown_cell("## The road network and the accounts"),
        new_code_cell(NETWORK_CELL),
        new_code_cell(
            """\
import collections

import numpy as np
import pandas as pd

from osm_accounts import CALL_PLAN, read_healthcare_pois

pois = read_healthcare_pois(EXTRACT)
pd.Series(collections.Counter(p.kind for p in pois), name="accounts").to_frame()"""
        ),
        new_markdown_cell(
            """\
## Before: the legacy split

Accounts a rep can drive to are sorted by longitude and cut into equal-count bands,
west to east, one per rep (sorted by the longitude of their homes); the others (no
road from any home) stay with the westmost rep. To measure this split with the same
yardstick as the new one, we run the balancer with every account **locked** to its
current rep: nothing can move, and the plan reports the weekly figures of the bands."""
        ),
        new_code_cell(
            """\
from solver.model import Location
from solver.territory import (
    TerritoryAccount,
    TerritoryOptions,
    TerritoryRep,
    balance_territories,
    check_territory_plan,
)

rep_ids = sorted(HOMES, key=lambda rep_id: HOMES[rep_id][1])  # west to east
reps = [
    TerritoryRep(
        rep_id,
        Location(*HOMES[rep_id]),
        capacity_h_per_week=40.0,
        cost_per_km=COST_PER_KM,
        cost_per_hour=COST_PER_HOUR,
    )
    for rep_id in rep_ids
]
home_to_account = network.matrix([HOMES[r] for r in rep_ids], [(p.lat, p.lon) for p in pois])
reachable = (home_to_account.durations_s >= 0).any(axis=0)
band = np.zeros(len(pois), dtype=int)
by_longitude = [i for i in np.argsort([p.lon for p in pois], kind="stable") if reachable[i]]
band[by_longitude] = np.arange(len(by_longitude)) * len(reps) // len(by_longitude)
current = {p.id: rep_ids[b] for p, b in zip(pois, band)}
print(f"{reachable.sum()} of {len(pois)} accounts can be reached by road from the homes")


def make_accounts(*, locked):
    return [
        TerritoryAccount(
            p.id,
            Location(p.lat, p.lon),
            visits_per_4_weeks=CALL_PLAN[p.kind][0],
            visit_duration_s=CALL_PLAN[p.kind][1],
            current_rep=current[p.id],
            locked_rep=current[p.id] if locked else None,
        )
        for p in pois
    ]


options = TerritoryOptions(
    tolerance=TOLERANCE, move_penalty_h=MOVE_PENALTY_H, time_limit_s=TIME_LIMIT_S, seed=SEED
)
before_accounts = make_accounts(locked=True)
before = balance_territories(reps, before_accounts, network=network, options=options)
print("\\n".join(before.summary.explanation) or "(no notes)")"""
        ),
        new_markdown_cell(
            """\
## After: balanced territories

Same reps, same accounts, nothing locked: the balancer may move accounts (each move
costs `MOVE_PENALTY_H` hours of weekly travel in the objective). The independent
checker `check_territory_plan` recomputes the plan's claims; it must find nothing."""
        ),
        new_code_cell(
            """\
after_accounts = make_accounts(locked=False)
after = balance_territories(reps, after_accounts, network=network, options=options)
problems = check_territory_plan(reps, after_accounts, after, options)
assert not problems, problems
print(f"{after.summary.moves} accounts move; solver {after.solver.status} "
      f"in {after.solver.time_s:.1f} s; gap to the LP bound {after.summary.gap_to_bound:.1%}")
reasons = collections.Counter(u.reason for u in after.unassigned)
print("unassigned:", dict(reasons) or "none")"""
        ),
        new_markdown_cell("## Before and after, per rep (per week)"),
        new_code_cell(
            """\
def territory_table(plan, label):
    return pd.DataFrame(
        {
            "plan": label,
            "rep": t.rep_id,
            "accounts": t.accounts,
            "visits": round(t.visits_per_week, 1),
            "workload_h": round(t.workload_h_per_week, 1),
            "balanced_h": round(t.balance_value, 1),
            "drive_h": round(t.drive_h_per_week, 2),
            "drive_km": round(t.drive_km_per_week, 1),
            "travel_cost": round(t.cost_per_week, 2),
            "deviation": f"{t.deviation:+.1%}",
        }
        for t in plan.territories
    )


kpis = pd.concat([territory_table(before, "before"), territory_table(after, "after")])
kpis.set_index(["plan", "rep"])"""
        ),
        new_code_cell(
            """\
summary = pd.DataFrame(
    {
        label: {
            "largest deviation": f"{plan.summary.max_deviation:.1%}",
            "within tolerance": plan.summary.within_tolerance,
            "drive h / week": round(sum(t.drive_h_per_week for t in plan.territories), 2),
            "drive km / week": round(sum(t.drive_km_per_week for t in plan.territories), 1),
            "travel cost / week": round(sum(t.cost_per_week for t in plan.territories), 2),
            "moves": plan.summary.moves,
            "unassigned": len(plan.unassigned),
        }
        for label, plan in (("before", before), ("after", after))
    }
)
change = summary.loc["drive h / week", "after"] / summary.loc["drive h / week", "before"] - 1
print(f"Largest deviation {before.summary.max_deviation:.1%} -> {after.summary.max_deviation:.1%} "
      f"with {after.summary.moves} moves; weekly driving {change:+.1%}.")
summary"""
        ),
        new_markdown_cell("## The map: before and after"),
        new_code_cell(
            ROADS_PLOT_HELPER
            + """


colours = {rep_id: plt.cm.tab10(i) for i, rep_id in enumerate(rep_ids)}
location = {p.id: (p.lon, p.lat) for p in pois}
fig, axes = plt.subplots(1, 2, figsize=(13, 6.5), sharex=True, sharey=True)
for ax, (label, plan) in zip(axes, (("before", before), ("after", after))):
    draw_roads(ax, network)
    for t in plan.territories:
        colour = colours[t.rep_id]
        if t.polygon and label == "after":
            rings = t.polygon["coordinates"]
            rings = [rings] if t.polygon["type"] == "Polygon" else rings
            for polygon in rings:
                xy = np.asarray(polygon[0])
                ax.fill(xy[:, 0], xy[:, 1], color=colour, alpha=0.12, zorder=1)
                ax.plot(xy[:, 0], xy[:, 1], color=colour, lw=1.2, zorder=1)
        xy = np.asarray([location[a] for a in t.account_ids]).reshape(-1, 2)
        ax.scatter(xy[:, 0], xy[:, 1], s=18, color=colour, edgecolor="white", lw=0.4,
                   zorder=3, label=f"{t.rep_id} ({t.accounts})")
        home = HOMES[t.rep_id]
        ax.scatter(home[1], home[0], marker="s", s=70, color=colour, edgecolor="black", zorder=4)
    if plan.unassigned:
        xy = np.asarray([location[u.account_id] for u in plan.unassigned])
        ax.scatter(xy[:, 0], xy[:, 1], s=14, color="#999", zorder=2, label="unassigned")
    ax.set_title(f"{label}: largest deviation {plan.summary.max_deviation:.0%}")
    ax.legend(loc="lower left", fontsize=8)
fig.tight_layout(rect=(0, 0.03, 1, 1))
fig.text(0.5, 0.01, "Squares: rep homes; grey: unassigned. "
         "Roads and accounts © OpenStreetMap contributors (ODbL)", ha="center")
plt.show()"""
        ),
        new_markdown_cell("## Balance and drive time"),
        new_code_cell(
            """\
fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4))
x = np.arange(len(rep_ids))
for offset, (label, plan) in zip((-0.2, 0.2), (("before", before), ("after", after))):
    by_rep = {t.rep_id: t for t in plan.territories}
    left.bar(x + offset, [by_rep[r].balance_value for r in rep_ids], 0.4, label=label)
    right.bar(x + offset, [by_rep[r].drive_h_per_week for r in rep_ids], 0.4, label=label)
target = after.territories[0].balance_target
left.axhline(target, color="black", lw=1, ls="--", label="fair share")
left.axhspan(target * (1 - TOLERANCE), target * (1 + TOLERANCE), color="grey", alpha=0.15)
left.set_title("Workload balanced on, hours per week (estimate)")
right.set_title("Driving, hours per week")
for ax in (left, right):
    ax.set_xticks(x, rep_ids)
    ax.legend()
fig.tight_layout()
plt.show()"""
        ),
        new_markdown_cell(
            """\
## Reading the result

* The legacy bands give every rep the same *number* of accounts, not the same *work*:
  a band with more hospitals (weekly, 45 min) or longer drives is overloaded.
* The rebalanced plan brings every rep within the tolerance of the fair share with
  few moves. The balancer minimises weekly travel *subject to* the balance, so the
  driving changes little (the sentence under the summary table gives the figure);
  `summary.gap_to_bound` says how far the plan can be from the least possible travel
  (the LP bound).
* On Malta, accounts on **Gozo** come back *unassigned*: the extract has no road
  link to Gozo (it is reached by ferry), so no rep on the main island can drive there.
  A Gozo-based rep (add one to `HOMES`) would take them."""
        ),
    ]
    return new_notebook(cells=cells, metadata=_metadata())


def _metadata() -> dict:
    return {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }


NOTEBOOKS = {
    "territory_rebalance_malta.ipynb": territory_rebalance,
}


def main() -> None:
    """Write every notebook (without outputs) next to this script."""
    for name, make in NOTEBOOKS.items():
        notebook = make()
        nbformat.validate(notebook)
        nbformat.write(notebook, HERE / name)
        print(f"wrote {HERE / name}")


if __name__ == "__main__":
    main()
