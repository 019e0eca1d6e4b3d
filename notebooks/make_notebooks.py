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
contributors, ODbL 1.0), cleaned (duplicates merged, ruins dropped), and travel is real
drive time on Malta's road network.

Today the island is split the old way: three equal-count bands from west to east, one
rep each. We measure that split, rebalance it with
`solver.territory.balance_territories` and compare **before and after**. The balance
holds on the **simulated week** -- visit time plus the drive of simulated day routes,
the workload a rep actually has -- not only on the optimiser's estimate; the plan
minimises weekly travel within that balance, with a small penalty per moved account.

Visit frequency and duration per kind of account are in `osm_accounts.CALL_PLAN`
(pharmacies every other week for 20 min, doctors and clinics weekly for 30 min,
hospitals weekly for 45 min). The notebook ends with the moves to make, the KPIs in
euros, a recommendation computed from them and a CSV of the new alignment."""
        ),
        new_code_cell(
            PARAMETERS_DOC
            + """\
import os
from pathlib import Path

SMALL = os.environ.get("FIELDROUTE_NB_SMALL", "0") == "1"
DATA_DIR = Path(os.environ.get("FIELDROUTE_NB_DATA", "../data"))
NETWORKS_DIR = Path(os.environ.get("FIELDROUTE_NETWORKS_DIR", "../data/networks"))
OUT_DIR = Path(os.environ.get("FIELDROUTE_NB_OUT", "out"))  # CSV export

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
TOLERANCE = 0.05  # each rep's simulated workload within +-5 % of the fair share
MOVE_PENALTY_H = 0.05  # a move must save 3 min of weekly travel
COST_PER_KM, COST_PER_HOUR = 0.35, 30.0  # car cost, rep's time on the road (EUR)
TIME_LIMIT_S = 5 if SMALL else 60
SEED = 0"""
        ),
        new_markdown_cell("## The road network and the accounts"),
        new_code_cell(NETWORK_CELL),
        new_markdown_cell(
            """\
OSM has the same place several times (a hospital's building, its entrances and its
emergency department as separate points), and some places are no longer in business.
`osm_accounts.clean_accounts` drops ruins and disused places, merges objects within
250 m that share a name or a building, and maps OSM's tags to one account type."""
        ),
        new_code_cell(
            """\
import collections

import numpy as np
import pandas as pd

from osm_accounts import CALL_PLAN, clean_accounts

cleaned = clean_accounts(EXTRACT)
pois = cleaned.pois
display(pd.DataFrame(cleaned.quality_table()).set_index("step"))
for kept, name, kind, members in cleaned.groups:
    print(f"merged {len(members)} objects into {kind} '{name}' ({kept})")
for ident, name, reason in cleaned.dropped:
    print(f"dropped '{name}' ({ident}): {reason}")
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
current = {p.id: rep_ids[b] for p, b in zip(pois, band, strict=True)}
print(f"{reachable.sum()} of {len(pois)} accounts can be reached by road from the homes")


def make_accounts(*, locked):
    \"\"\"The accounts with today's rep as current (and locked to it for 'before').\"\"\"
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
    tolerance=TOLERANCE,
    move_penalty_h=MOVE_PENALTY_H,
    time_limit_s=TIME_LIMIT_S,  # a safety cap only: deterministic stops on work done
    seed=SEED,
    deterministic=True,  # the same plan on every run and machine load
)
before_accounts = make_accounts(locked=True)
before = balance_territories(reps, before_accounts, network=network, options=options)
print(f"balanced on: {before.summary.balanced_on}")
print("\\n".join(before.summary.explanation) or "(no notes)")"""
        ),
        new_markdown_cell(
            """\
## After: balanced on the simulated week

Same reps, same accounts, nothing locked. The balancer first balances the estimate,
then simulates every territory's four weeks of day routes, charges each account its
share of the simulated drive (its detour in its days, and the calibrated estimate) and
rebalances, until the simulated workloads are inside the band (see
`solver.territory.workload`). The independent checker `check_territory_plan` recomputes
the plan's claims; it must find nothing."""
        ),
        new_code_cell(
            """\
after_accounts = make_accounts(locked=False)
after = balance_territories(reps, after_accounts, network=network, options=options)
problems = check_territory_plan(reps, after_accounts, after, options)
assert not problems, problems
s = after.summary
print(f"{s.moves} accounts move; balanced on {s.balanced_on} after {s.rounds} round(s) "
      f"(largest deviation per round: {', '.join(f'{d:.1%}' for d in s.round_deviations)})")
print(f"solver {after.solver.status} in {after.solver.time_s:.1f} s; "
      f"gap to the LP bound {s.gap_to_bound:.1%}: {s.bound_basis}")
print("\\n".join(s.explanation) or "(no notes)")
reasons = collections.Counter(u.reason for u in after.unassigned)
print("unassigned:", dict(reasons) or "none")"""
        ),
        new_markdown_cell("## The moves: who takes which account"),
        new_code_cell(
            """\
by_id = {p.id: p for p in pois}
moves = pd.DataFrame(
    [
        {"account": m.account_id, "name": by_id[m.account_id].name,
         "type": by_id[m.account_id].kind, "from": m.from_rep, "to": m.to_rep}
        for m in after.moves
    ],
    columns=["account", "name", "type", "from", "to"],
)
print(f"{len(moves)} moves")
moves"""
        ),
        new_markdown_cell(
            """\
## Before and after, per rep (per week)

`workload_h` is the simulated week (visits plus the drive of the simulated days), the
figure balanced on (`balanced_h`, `deviation`); `estimate_h` is the optimiser's first
estimate, for comparison. Costs are in euros: driving at €0.35/km plus the rep's time
on the road at €30/h."""
        ),
        new_code_cell(
            """\
def territory_table(plan, label):
    \"\"\"One row per rep: weekly workload, drive and cost figures.\"\"\"
    return pd.DataFrame(
        {
            "plan": label,
            "rep": t.rep_id,
            "accounts": t.accounts,
            "visits": round(t.visits_per_week, 1),
            "workload_h": round(t.workload_h_per_week, 1),
            "estimate_h": round(t.estimated_workload_h_per_week, 1),
            "balanced_h": round(t.balance_value, 1),
            "drive_h": round(t.drive_h_per_week, 2),
            "drive_km": round(t.drive_km_per_week, 1),
            "travel_cost": round(t.cost_per_week, 2),
            "cost_per_visit": round(t.cost_per_week / max(t.visits_per_week, 1e-9), 2),
            "utilisation": f"{t.utilisation:.0%}",
            "deviation": f"{t.deviation:+.1%}",
        }
        for t in plan.territories
    )


kpis = pd.concat([territory_table(before, "before"), territory_table(after, "after")])
kpis.set_index(["plan", "rep"])"""
        ),
        new_code_cell(
            """\
def team_kpis(plan):
    \"\"\"The whole team's weekly KPIs.\"\"\"
    visits = sum(t.visits_per_week for t in plan.territories)
    cost = sum(t.cost_per_week for t in plan.territories)
    return {
        "largest deviation": f"{plan.summary.max_deviation:.1%}",
        "estimate's largest deviation": f"{plan.summary.estimate_max_deviation:.1%}",
        "within tolerance": plan.summary.within_tolerance,
        "drive h / week": round(sum(t.drive_h_per_week for t in plan.territories), 2),
        "drive km / week": round(sum(t.drive_km_per_week for t in plan.territories), 1),
        "travel cost / week (EUR)": round(cost, 2),
        "travel cost / visit (EUR)": round(cost / visits, 2),
        "utilisation": f"{plan.summary.utilisation:.0%}",
        "moves": plan.summary.moves,
        "unassigned": len(plan.unassigned),
    }


summary = pd.DataFrame({"before": team_kpis(before), "after": team_kpis(after)})
change = summary.loc["drive h / week", "after"] / summary.loc["drive h / week", "before"] - 1
print(f"Largest deviation {before.summary.max_deviation:.1%} -> {after.summary.max_deviation:.1%} "
      f"with {after.summary.moves} moves; weekly driving {change:+.1%}.")
summary"""
        ),
        new_markdown_cell(
            """\
## The map: before and after

Land and town names come from the same extract (no tiles are downloaded). Territory
polygons are clipped to the land; squares are rep homes; accounts that change rep have
a black ring on both panels."""
        ),
        new_code_cell(
            """\
import matplotlib.pyplot as plt
from shapely.geometry import shape

from basemap import (
    draw_base,
    draw_scale_bar,
    fill_geometry,
    outline_geometry,
    read_land,
    read_places,
)

land = read_land(EXTRACT, network.outline())
places = read_places(EXTRACT)
colours = {rep_id: plt.cm.tab10(i) for i, rep_id in enumerate(rep_ids)}  # reps
location = {p.id: (p.lon, p.lat) for p in pois}
moved = {m.account_id for m in after.moves}
xy_all = np.asarray(list(location.values()))
pad = 0.08 * (xy_all.max(axis=0) - xy_all.min(axis=0)) + 0.003
view = (*(xy_all.min(axis=0) - pad), *(xy_all.max(axis=0) + pad))
fig, axes = plt.subplots(1, 2, figsize=(14, 6.5))
for ax, (label, plan) in zip(axes, (("before", before), ("after", after)), strict=True):
    draw_base(ax, land, places, view)
    for t in plan.territories:
        colour = colours[t.rep_id]
        if t.polygon:
            area = shape(t.polygon).intersection(land)
            fill_geometry(ax, area, color=colour, alpha=0.22, zorder=1)
            outline_geometry(ax, area, color=colour, lw=1.0, zorder=1)
        xy = np.asarray([location[a] for a in t.account_ids]).reshape(-1, 2)
        ax.scatter(xy[:, 0], xy[:, 1], s=18, color=colour, edgecolor="white", lw=0.4,
                   zorder=3, label=f"{t.rep_id} ({t.accounts})")
        home = HOMES[t.rep_id]
        ax.scatter(home[1], home[0], marker="s", s=70, color=colour, edgecolor="black", zorder=4)
    if moved:
        xy = np.asarray([location[a] for a in sorted(moved)])
        ax.scatter(xy[:, 0], xy[:, 1], s=80, facecolor="none", edgecolor="black", lw=1.2,
                   zorder=4, label=f"moved ({len(moved)})")
    if plan.unassigned:
        xy = np.asarray([location[u.account_id] for u in plan.unassigned])
        ax.scatter(xy[:, 0], xy[:, 1], s=14, color="#999", zorder=2, label="unassigned")
    draw_scale_bar(ax)
    ax.set_title(f"{label}: largest deviation of the simulated week "
                 f"{plan.summary.max_deviation:.0%}")
    ax.legend(loc="upper right", fontsize=8)
fig.tight_layout(rect=(0, 0.03, 1, 1))
fig.text(0.5, 0.01, "Squares: rep homes; rings: accounts that change rep. "
         "Land, towns and accounts © OpenStreetMap contributors (ODbL)", ha="center")
plt.show()"""
        ),
        new_markdown_cell(
            """\
## Workload and drive time, before and after

Grey bars: before (light) and after (dark); the rep colours of the map are on the rep
names. The hatched band is the fair share ±5 %."""
        ),
        new_code_cell(
            """\
PLAN_COLOURS = {"before": "#bdbdbd", "after": "#525252"}  # not rep colours
fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4))
x = np.arange(len(rep_ids))
for offset, (label, plan) in zip((-0.2, 0.2), (("before", before), ("after", after)),
                                 strict=True):
    by_rep = {t.rep_id: t for t in plan.territories}
    left.bar(x + offset, [by_rep[r].workload_h_per_week for r in rep_ids], 0.4, label=label,
             color=PLAN_COLOURS[label])
    right.bar(x + offset, [by_rep[r].drive_h_per_week for r in rep_ids], 0.4, label=label,
              color=PLAN_COLOURS[label])
target = after.territories[0].balance_target
left.axhspan(target * (1 - TOLERANCE), target * (1 + TOLERANCE), facecolor="none", zorder=3,
             edgecolor="#333", hatch="///", lw=0.8, label="fair share +-5 %")
left.set_title("Simulated workload, hours per week")
right.set_title("Driving, hours per week (simulated days)")
for ax in (left, right):
    ax.set_xticks(x, rep_ids)
    for tick, rep_id in zip(ax.get_xticklabels(), rep_ids, strict=True):
        tick.set_color(colours[rep_id])
        tick.set_fontweight("bold")
    ax.set_ylim(0, ax.get_ylim()[1] * 1.25)  # room for the legend above the bars
    ax.legend(loc="upper center", ncols=3, fontsize=8)
fig.tight_layout()
plt.show()"""
        ),
        new_markdown_cell(
            """\
## The new alignment as a CSV

One row per account, keyed by its id (`n…`/`w…` OSM ids here; a CRM's account ids in
production), with its rep before and after; ready for the CRM import."""
        ),
        new_code_cell(
            """\
OUT_DIR.mkdir(parents=True, exist_ok=True)
alignment = pd.DataFrame(
    [
        {"account_id": p.id, "name": p.name, "type": p.kind, "lat": p.lat, "lon": p.lon,
         "rep_before": current[p.id], "rep_after": after.assignment.get(p.id, ""),
         "moved": p.id in moved}
        for p in pois
    ]
).set_index("account_id")
alignment.to_csv(OUT_DIR / "territory_alignment.csv")
print(f"wrote {OUT_DIR / 'territory_alignment.csv'}: {len(alignment)} accounts, "
      f"{int(alignment['moved'].sum())} moved")
alignment.head()"""
        ),
        new_markdown_cell("## Recommendation"),
        new_code_cell(
            """\
b, a = before.summary, after.summary
cost_b, cost_a = (sum(t.cost_per_week for t in p.territories) for p in (before, after))
lines = []
if a.within_tolerance and a.moves == 0:
    lines.append(
        f"Keep today's alignment: it is already within ±{TOLERANCE:.0%} of the fair share on "
        f"the simulated week (largest deviation {a.max_deviation:.1%}) and no move saves "
        f"more than {MOVE_PENALTY_H * 60:.0f} min of weekly travel."
    )
elif a.within_tolerance:
    lines.append(
        f"Adopt the new alignment: {a.moves} accounts change rep, the largest deviation of "
        f"the simulated week falls from {b.max_deviation:.1%} to {a.max_deviation:.1%}, and "
        f"travel cost changes by EUR {cost_a - cost_b:+.2f} a week "
        f"({cost_a / cost_b - 1:+.1%}, EUR {(cost_a - cost_b) * 46:+,.0f} a year)."
    )
elif a.geographic_accounts:
    lines.append(
        f"The band cannot be held because of geography ({len(a.geographic_accounts)} remote "
        "accounts); choose one of the options below, then rebalance:"
    )
    lines += [x for x in a.explanation if "geography" in x or x.startswith("Options")]
else:
    lines.append(
        f"The new alignment improves the balance from {b.max_deviation:.1%} to "
        f"{a.max_deviation:.1%} but not within ±{TOLERANCE:.0%}: " + " ".join(a.explanation)
    )
if a.capacity_status == "over":
    lines.append(f"Hire or cut visits: {a.missing_h_per_week:.1f} h a week are missing "
                 f"({a.missing_reps} rep(s)).")
elif a.capacity_status == "under":
    lines.append(f"The team works {a.utilisation:.0%} of its capacity on these accounts: "
                 f"room for about {a.spare_reps} rep(s) of other work, or more accounts.")
print("\\n".join(lines))"""
        ),
    ]
    return new_notebook(cells=cells, metadata=_metadata())


def rep_week() -> nbformat.NotebookNode:
    """Notebook 2: a rep's 4-week call cycle (visit schedule) and the KPIs managers track."""
    cells = [
        new_markdown_cell(
            """\
# A rep's 4-week call cycle: which day each account is seen, and the KPIs

One pharma rep, based in Birkirkara (Malta), owns the pharmacies, doctors, clinics
and hospitals of **the rebalanced territory** of the territory notebook (read from its
CSV export `out/territory_alignment.csv`; run that notebook first; without it, the
accounts nearest to home stand in). Real OpenStreetMap places, cleaned, © OpenStreetMap
contributors, ODbL 1.0. The visit frequencies and durations are the call plan's
(`osm_accounts.CALL_PLAN`): doctors, clinics and hospitals every week, pharmacies every
second week, dentists once in the cycle. Over four weeks of working days (public
holidays left out, one day off, one meeting already booked) `solver.schedule.plan_schedule`
chooses **which day** each visit happens, spacing repeat visits evenly, and routes every
day on real drive times with the day-plan engine: shift 08:30-17:30, a 30-minute lunch
between 12:30 and 14:00, every visit inside the account's opening hours (OSM syntax).
The result is verified by the independent checker `check_schedule` (every day through
`check_plan`).

Then the cycle in the figures managers watch, per week: **meetings**, **drive time
share** of the working time, **kilometres**, and **travel cost per visit** (car at
€0.35/km plus the rep's time on the road at €30/h). Finally the rep's exports: the whole
cycle in the phone's calendar (ICS) and a navigation link for a day."""
        ),
        new_code_cell(
            PARAMETERS_DOC
            + """\
import datetime as dt
import os
from pathlib import Path

SMALL = os.environ.get("FIELDROUTE_NB_SMALL", "0") == "1"
DATA_DIR = Path(os.environ.get("FIELDROUTE_NB_DATA", "../data"))
NETWORKS_DIR = Path(os.environ.get("FIELDROUTE_NETWORKS_DIR", "../data/networks"))

OUT_DIR = Path(os.environ.get("FIELDROUTE_NB_OUT", "out"))  # the territory notebook's CSV

if SMALL:
    NETWORK, EXTRACT = "monaco", DATA_DIR / "monaco-2021-04-21.osm.pbf"
    REP_ID, HOME, TIME_ZONE, COUNTRY = "fontvieille", (43.7296, 7.4163), "Europe/Monaco", "MC"
    ACCOUNTS, TIME_LIMIT_S = 10, 20
else:
    NETWORK, EXTRACT = "malta", DATA_DIR / "malta-2016-11-09.osm.pbf"
    REP_ID, HOME, TIME_ZONE, COUNTRY = "birkirkara", (35.8972, 14.4611), "Europe/Malta", "MT"
    ACCOUNTS, TIME_LIMIT_S = 40, 120  # ACCOUNTS: only without the territory CSV
CYCLE_START = dt.date(2026, 11, 30)  # a Monday; four weeks from here
COST_PER_KM, COST_PER_HOUR = 0.35, 30.0
SEED = 0  # with a fixed seed the search stops when it converges: the same cycle every run"""
        ),
        new_markdown_cell("## The road network and the rep's accounts"),
        new_code_cell(NETWORK_CELL),
        new_code_cell(
            """\
import collections

import numpy as np
import pandas as pd

from osm_accounts import CALL_PLAN, read_healthcare_pois

pois = read_healthcare_pois(EXTRACT)
alignment_csv = OUT_DIR / "territory_alignment.csv"
if alignment_csv.exists():
    alignment = pd.read_csv(alignment_csv, index_col="account_id")
    territory = set(alignment.index[alignment["rep_after"] == REP_ID])
    mine = [p for p in pois if p.id in territory]
    print(f"{len(mine)} accounts of '{REP_ID}' in the rebalanced alignment ({alignment_csv})")
else:
    drive_from_home = network.matrix([HOME], [(p.lat, p.lon) for p in pois]).durations_s[0]
    nearest = [i for i in np.argsort(drive_from_home, kind="stable") if drive_from_home[i] >= 0]
    mine = [pois[i] for i in nearest[:ACCOUNTS]]
    print(f"no {alignment_csv} (run the territory notebook first): the {len(mine)} accounts "
          "nearest to home stand in")
pd.Series(collections.Counter(p.kind for p in mine), name="accounts").to_frame()"""
        ),
        new_markdown_cell(
            """\
## Plan the call cycle

Each account gets its visits in the cycle (4 = weekly, 2 = every second week, 1 = once)
with the calendar days allowed between two visits, and its opening hours in
OpenStreetMap syntax; the rep has a day off in week 3, and a meeting is already booked
with the nearest doctor on the first Wednesday at 10:00. The visits are balanced over
the working days (`balance="visits"`): a rep works every day of the week, not two long
days and three empty ones."""
        ),
        new_code_cell(
            """\
from solver.model import Account, Break, Location, Rep, Shift
from solver.schedule import (
    Appointment,
    ScheduleAccount,
    ScheduleOptions,
    ScheduleProblem,
    ScheduleRep,
    check_schedule,
    plan_schedule,
    working_days,
)


def hhmm(text):
    \"\"\"Seconds since midnight of 'HH:MM'.\"\"\"
    hours, minutes = text.split(":")
    return int(hours) * 3600 + int(minutes) * 60


#: kind -> (min and max days between visits, opening hours)
SPACING_AND_HOURS = {
    "hospital": (5, 9, "Mo-Fr 09:00-16:00"),
    "doctors": (5, 9, "Mo-Fr 09:00-12:00; We 16:00-18:00"),
    "clinic": (5, 9, "Mo-Fr 09:00-12:00"),
    "pharmacy": (10, 18, "Mo-Fr 08:30-12:45,16:00-19:00; Sa 09:00-12:00"),
    "dentist": (None, None, "Mo-Th 09:00-12:00"),
}
#: kind -> (visits in 4 weeks, visit minutes, spacing, opening hours): the call plan's
CALL_CYCLE = {
    kind: (int(visits), seconds // 60, *SPACING_AND_HOURS[kind])
    for kind, (visits, seconds) in CALL_PLAN.items()
}

days = working_days(CYCLE_START, CYCLE_START + dt.timedelta(days=25), country=COUNTRY)
rep = ScheduleRep(
    Rep(
        "rep",
        start=Location(*HOME),
        shift=Shift(hhmm("08:30"), hhmm("17:30")),
        lunch=Break(hhmm("12:30"), hhmm("14:00"), 1800),
        cost_per_km=COST_PER_KM,
        cost_per_hour=COST_PER_HOUR,
    ),
    days_off={days[12]},  # training day in week 3
)


def account(poi):
    \"\"\"The schedule account of a place, by its type's call cycle.\"\"\"
    visits, minutes, min_gap, max_gap, opening = CALL_CYCLE[poi.kind]
    return ScheduleAccount(
        Account(poi.id, Location(poi.lat, poi.lon), minutes * 60, required=True, name=poi.name),
        visits=visits,
        min_gap_days=min_gap,
        max_gap_days=max_gap,
        opening_hours=opening,
    )


accounts = tuple(account(p) for p in mine)
doctor = next(a for a in accounts if a.visits == 4 and a.opening_hours.startswith("Mo-Fr 09"))
booked = Appointment("rep", doctor.id, days[2], hhmm("10:00"))
# balance="visits": the meetings are spread evenly over the working days (the search
# pays for uneven days), instead of packing them into the fewest days that hold them
problem = ScheduleProblem(
    days, (rep,), accounts, appointments=(booked,), network=NETWORK,
    options=ScheduleOptions(balance="visits"),
)
# deterministic: the search stops on work done, so every run gives the same weeks
schedule = plan_schedule(
    problem, network=network, time_limit_s=TIME_LIMIT_S, seed=SEED, deterministic=True
)
violations = check_schedule(problem, schedule, network=network)
assert not violations, violations
summary = schedule.summary
print(f"{len(days)} working days ({days[0]:%d %b} - {days[-1]:%d %b}, public holidays of "
      f"{COUNTRY} left out); {summary.visits_planned} visits planned of "
      f"{summary.visits_requested} requested; search {schedule.solver.status}")"""
        ),
        new_markdown_cell(
            """\
## The KPIs, week by week

* **meetings**: visits in the week;
* **working_h**: from leaving home to getting back, summed over the days;
* **drive_share**: share of the working time spent driving;
* **km** and **travel_cost** (car and time on the road); **cost_per_visit** is the
  travel cost divided by the meetings."""
        ),
        new_code_cell(
            """\
def kpi_row(kpi, label):
    \"\"\"One row of the KPI table.\"\"\"
    return {
        "week": label,
        "days": kpi.days,
        "meetings": kpi.visits,
        "working_h": round(kpi.working_s / 3600, 1),
        "drive_h": round(kpi.drive_s / 3600, 2),
        "drive_share": round(kpi.drive_share, 3),
        "km": round(kpi.distance_m / 1000, 1),
        "travel_cost": round(kpi.cost, 2),
        "cost_per_visit": None if kpi.cost_per_visit is None else round(kpi.cost_per_visit, 2),
    }


kpis = pd.DataFrame(
    [kpi_row(k, k.week) for k in summary.per_rep_week] + [kpi_row(summary.total, "cycle")]
).set_index("week")
kpis"""
        ),
        new_code_cell(
            """\
for missing in schedule.unassigned:
    print(f"  {missing.account_id}: {missing.missing} visit(s) missing, {missing.reason}: "
          f"{missing.detail}")
per_account = collections.Counter(v.account_id for v in schedule.visits)
print(f"{sum(per_account.values())} meetings in the cycle; "
      f"{len(schedule.unassigned)} accounts short of their frequency")
first = [v for v in schedule.visits if v.account_id == doctor.id]
print(f"the booked meeting: {doctor.id} on {booked.date:%a %d %b} at 10:00 ->",
      [f"{v.date:%a %d %b}" for v in first])"""
        ),
        new_markdown_cell("## The cycle in pictures"),
        new_code_cell(
            """\
import matplotlib.pyplot as plt

per_day = pd.Series(
    {d.date: sum(r.totals.visits for r in d.routes) for d in schedule.days}, name="meetings"
)
fig, bars = plt.subplots(figsize=(11, 3.5))
bars.bar([f"{d:%a %d %b}" for d in per_day.index], per_day.values, color="#4c72b0")
bars.set_ylabel("meetings")
bars.tick_params(axis="x", labelrotation=90)
bars.set_title("Meetings per working day over the cycle")
fig.tight_layout()
plt.show()"""
        ),
        new_markdown_cell(
            """\
Week 1, one small map per day: the stops are numbered in the order driven from home
(the black square) and back; land and town names from the same extract, roads in grey."""
        ),
        new_code_cell(
            ROADS_PLOT_HELPER
            + """


from basemap import draw_base, draw_scale_bar, read_land, read_places

land = read_land(EXTRACT, network.outline())
places = read_places(EXTRACT, ("city", "town"))
week_one = [d for d in schedule.days[:5] if any(r.account_ids for r in d.routes)]
fig, axes = plt.subplots(1, len(week_one), figsize=(5 * len(week_one), 5), squeeze=False)
for ax, day in zip(axes[0], week_one, strict=True):
    stops_xy = [
        (problem.account(a).account.location.lon, problem.account(a).account.location.lat)
        for r in day.routes
        for a in r.account_ids
    ]
    xy = np.asarray([*stops_xy, (HOME[1], HOME[0])])
    pad = 0.12 * (xy.max(axis=0) - xy.min(axis=0)) + 0.002
    view = (*(xy.min(axis=0) - pad), *(xy.max(axis=0) + pad))
    draw_base(ax, land, places, view)
    draw_roads(ax, network)
    ax.set_xlim(view[0], view[2])
    ax.set_ylim(view[1], view[3])
    for route in day.routes:
        stops = [problem.account(a).account.location for a in route.account_ids]
        path = [rep.rep.start, *stops, rep.rep.start]
        ax.plot([p.lon for p in path], [p.lat for p in path], color="#d62728", lw=1.0, zorder=2)
        for number, stop in enumerate(stops, start=1):
            ax.scatter(stop.lon, stop.lat, s=110, color="white", edgecolor="#d62728", zorder=3)
            ax.annotate(str(number), (stop.lon, stop.lat), ha="center", va="center",
                        fontsize=7, zorder=4)
    ax.scatter(HOME[1], HOME[0], marker="s", s=50, color="black", zorder=4)
    visits = sum(len(r.account_ids) for r in day.routes)
    ax.set_title(f"{day.date:%a %d %b}: {visits} visits", fontsize=9)
    draw_scale_bar(ax)
fig.suptitle("Week 1, stops in driving order. Map data © OpenStreetMap contributors", fontsize=9)
fig.tight_layout(rect=(0, 0, 1, 0.96))
plt.show()"""
        ),
        new_markdown_cell(
            """\
## The rep's exports

`solver.exports` turns the days into what the rep uses on the road: the whole cycle in
the phone's calendar (one event per visit, with the address or coordinates) and a link
that opens a day's route, stops as waypoints, in a navigation app. The service offers
the same for a visit-schedule job as `GET /v1/jobs/{id}/calendar.ics?rep_id=` (every
day) and `/route.gpx`, `/links` and `/days/{date}` for one date."""
        ),
        new_code_cell(
            """\
import icalendar

from solver.exports import navigation_links, plans_to_ics
from solver.model import Plan


def day_plan(day):
    \"\"\"One date of the schedule as a day plan and its problem.\"\"\"
    pinned = {ap.account_id for ap in problem.appointments if ap.date == day.date}
    visits = [(a, None) for r in day.routes for a in r.account_ids if a not in pinned]
    day_problem = problem.day_problem(day.date, [r.rep_id for r in day.routes], visits)
    return Plan(day.date, day.routes, (), schedule.solver), day_problem


worked = [day_plan(day) for day in schedule.days if any(r.account_ids for r in day.routes)]
ics = plans_to_ics(worked, tzname=TIME_ZONE, title="call cycle")
events = icalendar.Calendar.from_ical(ics).walk("VEVENT")
print(f"{len(events)} calendar events over the cycle; the first three:")
for event in events[:3]:
    start, end = event.decoded("dtstart"), event.decoded("dtend")
    print(f"  {start:%a %d %b %H:%M}-{end:%H:%M} {event['summary']}")
first_plan, first_problem = worked[0]
print("navigate:", navigation_links(first_plan, first_problem)["rep"][0][:120], "...")"""
        ),
        new_markdown_cell(
            """\
## Reading the cycle

* Weekly accounts come back every 5 to 9 days, fortnightly ones every 10 to 18: the
  schedule spreads them so that no week is overloaded and the drive share stays even.
* Opening hours shape the days more than driving: doctors see reps in the morning,
  pharmacies close over lunch, so the early afternoon is for hospitals and the break.
* A week with a day off or a public holiday carries the same visits in fewer days:
  its meetings per day and its drive share go up. Managers use exactly these figures to
  decide whether accounts belong in a neighbour's territory (see the territory
  rebalance notebook) or on a lower visit frequency."""
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
    "rep_week.ipynb": rep_week,
}


def main() -> None:
    """Write every notebook (without outputs) next to this script."""
    for name, make in NOTEBOOKS.items():
        notebook = make()
        for number, cell in enumerate(notebook.cells):
            cell.id = f"cell-{number:02d}"  # stable ids: regenerating gives no spurious diff
        nbformat.validate(notebook)
        nbformat.write(notebook, HERE / name)
        print(f"wrote {HERE / name}")


if __name__ == "__main__":
    main()
