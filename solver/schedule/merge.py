"""Merged routing of several days as one PyVRP problem: a proposal of new visit days.

The estimate search moves one account at a time; on tight days (full vehicles) it
rarely finds the chains of moves between days that a routing search finds. Here the
visits of several days become one vehicle-routing problem (Vidal et al. 2012 treat the
PVRP's days as vehicle sets in the same way): one vehicle per rep and day, and one
client per visit. A client that may change its day (one visit per account, to a day
that keeps the account on one of its options) may be served by the vehicles of each of
those days; every other client only by its day's vehicles. Day restrictions are routing
profiles: a profile per day whose arcs to and from a client not allowed that day cost
:data:`BLOCKED`. PyVRP's hybrid genetic search (started from the current sequences)
returns new day sets and sequences. They are only a proposal: the plan routes the days
that changed with the day-plan engine and keeps the round when the routed objective
improves.

The merged problem models capacity and shift length only, so it is used when those
are the only rules of the schedule (no windows, opening hours, breaks, appointments or
re-plan); see :func:`merge_fits`.
"""

from __future__ import annotations

import random
import warnings

import numpy as np
from pyvrp import Client, Depot, Location, ProblemData, Route, Solution, VehicleType, solve
from pyvrp.exceptions import PenaltyBoundWarning
from pyvrp.stop import MaxRuntime

from solver.schedule.moves import State

#: Cost of an arc to or from a client on a day it may not take (PyVRP units).
BLOCKED = 10**9
#: Scaled costs are at most this large (PyVRP units), so sums stay far from overflow.
COST_RANGE = 10**6


def merge_fits(state: State) -> bool:
    """Whether the merged problem models every rule of this schedule.

    Capacity and shift length only: no windows or opening hours, no breaks, no
    appointments, no visit or drive limits, and not a re-plan.
    """
    if state.problem.appointments or state.previous_days or state.past:
        return False
    for sa in state.accounts:
        if sa.account.windows or sa.opening_hours is not None:
            return False
    for k in range(state.n_days):
        for rep in state.day_reps[k].values():
            if rep.lunch is not None or rep.max_drive_s is not None or rep.max_visits is not None:
                return False
    return True


def choose_days(state: State, max_visits: int, rng: random.Random) -> list[int]:
    """Days to merge: all of them when their visits fit, else a random day and its peers.

    The peers are the days most often sharing an account's options with the days taken.
    """
    counts = [sum(len(rd.seq) for rd in state.rep_days[k].values()) for k in range(state.n_days)]
    days = [k for k in range(state.n_days) if state.works[k]]
    if sum(counts[k] for k in days) <= max_visits:
        return days
    taken = [rng.choice(days)]
    total = counts[taken[0]]
    while True:
        share = np.zeros(state.n_days)
        for k in taken:
            for rd in state.rep_days[k].values():
                for i in rd.seq:
                    for option in state.options[i]:
                        share[list(option.days)] += 1
        share[taken] = -1
        rest = [k for k in days if k not in taken and total + counts[k] <= max_visits]
        if not rest:
            return sorted(taken)
        best = max(rest, key=lambda k: (share[k], rng.random()))
        taken.append(best)
        total += counts[best]


def merged_proposal(
    state: State, days: list[int], time_limit_s: float, seed: int, warm: bool = True
) -> bool:
    """Re-plan the visits of ``days`` as one PyVRP problem; apply it when feasible.

    Returns True when the state changed (new sequences of those days and, for the
    accounts that moved a visit, their new option).
    """
    rng = random.Random(seed)
    options_of: dict[int, dict[tuple[int, ...], int]] = {}
    visits: list[tuple[int, int, tuple[int, ...]]] = []  # (account, current day, days)
    for k in days:
        for rd in state.rep_days[k].values():
            for i in rd.seq:
                visits.append((i, k, (k,)))
    movable: dict[int, int] = {}  # account -> index in visits of its movable visit
    by_account: dict[int, list[int]] = {}
    for v, (i, _, _) in enumerate(visits):
        by_account.setdefault(i, []).append(v)
    for i, vs in by_account.items():
        option = state.options[i][state.chosen[i]] if state.chosen[i] is not None else None
        if option is None or option.rep is not None or state.accounts[i].same_rep:
            continue
        if len(state.options[i]) < 2:
            continue
        lookup = options_of.setdefault(
            i, {o.days: n for n, o in enumerate(state.options[i]) if o.rep is None}
        )
        current = set(state.placed[i])
        v = rng.choice(vs)
        k = visits[v][1]
        alternatives = [
            d
            for d in days
            if d not in current
            and (i, d) not in state.banned
            and tuple(sorted((current - {k}) | {d})) in lookup
            and state._eligible_reps(i, d)
        ]
        if alternatives:
            visits[v] = (i, k, (k, *alternatives))
            movable[i] = v
    if not visits:
        return False
    # Locations: the reps' start and end rows (depots), then one per visit.
    vehicles = [(k, r) for k in days for r in state.rep_days[k]]
    depot_rows: list[int] = []
    for _, r in vehicles:
        for row in (state.start_row[r], state.end_row[r]):
            if row not in depot_rows:
                depot_rows.append(row)
    rows = np.array(depot_rows + [state.row[i] for i, _, _ in visits], dtype=np.int64)
    n_dep = len(depot_rows)
    durations = np.minimum(state.durations[np.ix_(rows, rows)], BLOCKED).astype(np.int64)
    profiles: dict[tuple[int, int], int] = {}  # (day, id of the rep's cost table) -> profile
    distance_matrices: list[np.ndarray] = []
    finite = state.cost[vehicles[0][1]][np.ix_(rows, rows)]
    top = float(finite[finite < 1e8].max()) if (finite < 1e8).any() else 1.0
    factor = max(top / COST_RANGE, 1e-9)
    allowed = np.zeros((len(days), len(visits)), dtype=bool)
    for v, (_, _, ds) in enumerate(visits):
        for d in ds:
            allowed[days.index(d), v] = True
    types = []
    uses_load = any(state.day_reps[k][r].capacity is not None for k, r in vehicles) and any(
        state.demand[i] for i, _, _ in visits
    )
    total = sum(state.demand[i] for i, _, _ in visits)
    for k, r in vehicles:
        key = (k, id(state.cost[r]))
        if key not in profiles:
            matrix = np.minimum(np.rint(state.cost[r][np.ix_(rows, rows)] / factor), BLOCKED)
            matrix = matrix.astype(np.int64)
            banned = n_dep + np.flatnonzero(~allowed[days.index(k)])
            matrix[banned, :] = BLOCKED
            matrix[:, banned] = BLOCKED
            matrix[banned, banned] = 0
            profiles[key] = len(distance_matrices)
            distance_matrices.append(matrix)
        rep = state.day_reps[k][r]
        capacity = rep.capacity if rep.capacity is not None else total
        types.append(
            VehicleType(
                1,
                capacity=[capacity] if uses_load else [],
                start_depot=depot_rows.index(state.start_row[r]),
                end_depot=depot_rows.index(state.end_row[r]),
                tw_early=rep.shift.start_s,
                tw_late=rep.shift.end_s,
                profile=profiles[key],
            )
        )
    clients = [
        Client(
            n_dep + v,
            delivery=[state.demand[i]] if uses_load else [],
            service_duration=state.service[i],
        )
        for v, (i, _, _) in enumerate(visits)
    ]
    data = ProblemData(
        [Location(0.0, 0.0) for _ in rows],
        clients,
        [Depot(d) for d in range(n_dep)],
        types,
        distance_matrices,
        [durations] * len(distance_matrices),
    )
    index = {(i, k): v for v, (i, k, _) in enumerate(visits)}
    start = [
        Route(data, [index[(i, k)] for i in state.rep_days[k][r].seq], t)
        for t, (k, r) in enumerate(vehicles)
        if state.rep_days[k][r].seq
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PenaltyBoundWarning)
        initial = Solution(data, start)
        result = solve(
            data,
            MaxRuntime(time_limit_s),
            seed=seed,
            collect_stats=False,
            display=False,
            initial_solution=initial if warm else None,
        )
    best = result.best
    better = not initial.is_feasible() or best.distance_cost() < initial.distance_cost()
    if not best.is_feasible() or not better:
        return False
    routes: dict[tuple[int, int], list[int]] = {}
    new_days = {i: set(state.placed[i]) for i in by_account}
    for route in best.routes():
        k, r = vehicles[route.vehicle_type()]
        seq = [a.idx for a in route if a.is_client()]
        routes[(k, r)] = [visits[v][0] for v in seq]
        for v in seq:
            i, old, _ = visits[v]
            if old != k:
                new_days[i] = (new_days[i] - {old}) | {k}
    chosen = {}
    for i, found in new_days.items():
        if found != set(state.placed[i]):
            key = tuple(sorted(found))
            if key not in options_of.get(i, {}):
                return False  # cannot happen: one movable visit per account
            chosen[i] = options_of[i][key]
    for k in days:
        for rd in state.rep_days[k].values():
            for i in rd.seq:
                state.placed[i].pop(k, None)
            rd.seq, rd.load, rd.busy_s, rd.drive_s = [], 0, 0, 0
    state._version += 1
    for (k, r), seq in routes.items():
        for i in seq:
            state.insert(i, {k: (r, len(state.rep_days[k][r].seq))})
    for i, o in chosen.items():
        state.chosen[i] = o
    return True
