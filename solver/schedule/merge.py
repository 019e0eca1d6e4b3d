"""Merged routing of several days as one PyVRP problem: a proposal of new visit days.

The estimate search moves one account at a time; on tight days (full vehicles) it
rarely finds the chains of moves between days that a routing search finds. Here the
visits of several days become one vehicle-routing problem (Vidal et al. 2012 treat the
PVRP's days as vehicle sets in the same way): one vehicle per rep and day, and one
client per visit. A client that may change its day (a one-visit account: any of its
days; one visit of an account with several, to a day that keeps the account on one of
its options; in a relaxed round every visit of such an account, within its options'
days) may be served by the vehicles of each of those days; every other client only by
its day's vehicles. Day restrictions are routing profiles: a profile per set of allowed
visits whose arcs to and from a client not allowed cost :data:`BLOCKED`. PyVRP's
iterated local search (from scratch, or started from the current sequences) returns new
day sets and sequences. Missing visits are placed too: while some are missing, every
client is optional with a prize (:data:`PRIZE`), so that a day that cannot hold them
all still gives a feasible proposal. The proposal is kept by the plan when the routed
objective improves (the day engine's timing validates each day's sequences, or the day
is routed again).

The merged problem models capacity and shift length only, so it is used when those
are the only rules of the schedule (no windows, opening hours, breaks, appointments or
re-plan); see :func:`merge_fits`.
"""

from __future__ import annotations

import random
import warnings
from collections.abc import Callable

import numpy as np
from pyvrp import (
    Client,
    Depot,
    Location,
    PenaltyParams,
    ProblemData,
    Route,
    Solution,
    SolveParams,
    VehicleType,
    solve,
)
from pyvrp.exceptions import PenaltyBoundWarning
from pyvrp.stop import MaxRuntime

from solver.schedule.moves import State

#: Cost of an arc to or from a client on a day it may not take (PyVRP units).
BLOCKED = 10**9
#: Scaled costs are at most this large (PyVRP units), so sums stay far from overflow.
COST_RANGE = 10**5
#: PyVRP's penalties per unit of excess load or time may grow up to this: an arc may
#: cost :data:`COST_RANGE`, so PyVRP's default bound (10**5) can leave a tight
#: capacity infeasible for ever.
MAX_PENALTY = 10.0 * COST_RANGE
#: While visits are missing, every visit is an optional client with this prize: far above
#: any detour, so that all are served when they fit, while days that cannot hold them
#: all still give a feasible proposal (the visits left out stay missing, penalised in
#: the state). Once none is missing, every visit is a required client.
PRIZE = 100 * COST_RANGE


class _Stop:
    """PyVRP's stopping criterion: the time slice is used, or the caller cancelled."""

    def __init__(self, time_limit_s: float, cancelled: Callable[[], bool] | None) -> None:
        self._runtime = MaxRuntime(time_limit_s)
        self._cancelled = cancelled

    def __call__(self, best_cost: float) -> bool:
        return self._runtime(best_cost) or (self._cancelled is not None and self._cancelled())


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


def day_choosers(state: State) -> list[int]:
    """Accounts whose day the merged problem chooses itself (any option of theirs).

    One visit, any rep (``same_rep`` false, no fixed rep): the merged problem may serve
    it on any of its days. The option search need not move them (see
    :func:`solver.schedule.tabu.tabu_options`).
    """
    return [
        i
        for i, sa in enumerate(state.accounts)
        if not sa.same_rep and all(len(o.days) == 1 and o.rep is None for o in state.options[i])
    ]


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
    state: State,
    days: list[int],
    time_limit_s: float,
    seed: int,
    warm: bool = True,
    relax: bool = False,
    cancelled: Callable[[], bool] | None = None,
) -> bool:
    """Re-plan the visits of ``days`` as one PyVRP problem; apply it when feasible.

    Returns True when the state changed (new sequences of those days and, for the
    accounts that moved a visit, their new option). ``relax``: every visit of an
    account with several visits may move too, its j-th visit to the j-th day of any of
    its options; an account left on a day set that is none of its options is then
    taken out and placed again by its cheapest option (estimated insertions into the
    new sequences), so the state needs a merged routing again. ``cancelled``: polled by
    the search, True stops it at once (a cancelled job).
    """
    rng = random.Random(seed)
    options_of: dict[int, dict[tuple[int, ...], int]] = {}
    # (account, current day or None for a missing visit, days it may take)
    visits: list[tuple[int, int | None, tuple[int, ...]]] = []
    for k in days:
        for rd in state.rep_days[k].values():
            for i in rd.seq:
                visits.append((i, k, (k,)))
    by_account: dict[int, list[int]] = {}
    for v, (i, _, _) in enumerate(visits):
        by_account.setdefault(i, []).append(v)
    merged_days = set(days)
    for i in range(len(state.accounts)):
        option = state.options[i][state.chosen[i]] if state.chosen[i] is not None else None
        if option is None or option.rep is not None or state.accounts[i].same_rep:
            continue
        lookup = options_of.setdefault(
            i, {o.days: n for n, o in enumerate(state.options[i]) if o.rep is None}
        )
        current = set(state.placed[i])
        gaps = [d for d in option.days if d not in current and d in merged_days]
        if current - merged_days:
            continue  # (on days outside this problem: its option stays)
        if relax and len(option.days) > 1 and len(state.options[i]) > 1:
            # Relaxed: the j-th visit may take the j-th day of any option of as many
            # visits (a missing one too); a day set that is no option is repaired
            # after the solve.
            sizes = [o for o in lookup if len(o) == len(option.days)]
            at = {visits[v][1]: v for v in by_account.get(i, ())}
            for j, k in enumerate(option.days):
                free = {o[j] for o in sizes} & merged_days
                others = [d for d in sorted(free - {k}) if state._eligible_reps(i, d)]
                if k in at:
                    visits[at[k]] = (i, k, (k, *others))
                elif k in merged_days:
                    visits.append((i, None, (k, *others)))
            continue
        if gaps:
            # Missing visits (a day the estimates or the day engine could not fill):
            # the merged problem must place them, on any day keeping an option.
            if len(option.days) == 1 and not current:
                places = tuple(d for d in days if (d,) in lookup and state._eligible_reps(i, d))
                visits.append((i, None, places or (gaps[0],)))
            else:
                visits += [(i, None, (d,)) for d in gaps]
            continue
        vs = by_account.get(i)
        if not vs or len(state.options[i]) < 2:
            continue
        v = rng.choice(vs)
        k = visits[v][1]
        alternatives = [
            d
            for d in days
            if d not in current
            and tuple(sorted((current - {k}) | {d})) in lookup
            and state._eligible_reps(i, d)
        ]
        if alternatives:
            visits[v] = (i, k, (k, *alternatives))
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
    profiles: dict[tuple[bytes, int], int] = {}  # (visits allowed, cost table) -> profile
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
        key = (allowed[days.index(k)].tobytes(), id(state.cost[r]))  # same matrix: shared
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
    optional = any(k is None for _, k, _ in visits)  # missing visits: maybe no room
    clients = [
        Client(
            n_dep + v,
            delivery=[state.demand[i]] if uses_load else [],
            service_duration=state.service[i],
            required=not optional,
            prize=PRIZE if optional else 0,
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
    index = {(i, k): v for v, (i, k, _) in enumerate(visits) if k is not None}
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
            _Stop(time_limit_s, cancelled),
            seed=seed,
            collect_stats=False,
            display=False,
            params=SolveParams(penalty=PenaltyParams(max_penalty=MAX_PENALTY)),
            initial_solution=initial if warm else None,
        )
    best = result.best

    def cost(solution: Solution) -> int:
        return solution.distance_cost() + solution.uncollected_prizes()

    if not best.is_feasible() or (initial.is_feasible() and cost(best) >= cost(initial)):
        return False
    routes: dict[tuple[int, int], list[int]] = {}
    taken: dict[int, list[int]] = {i: [] for i, _, _ in visits}  # account -> its days
    for route in best.routes():
        k, r = vehicles[route.vehicle_type()]
        seq = [a.idx for a in route if a.is_client()]
        routes[(k, r)] = [visits[v][0] for v in seq]
        for v in seq:
            taken.setdefault(visits[v][0], []).append(k)
    chosen, repair = {}, []
    for i, found in taken.items():
        key = tuple(sorted(found))
        if key == tuple(sorted(state.placed[i])):
            continue
        lookup = options_of.get(i, {})
        if key in lookup:
            chosen[i] = lookup[key]
            continue
        now = state.chosen[i]
        if len(set(key)) == len(key) and now is not None:
            # Visits left out (their prize not worth a feasible place): the account keeps
            # an option holding the days it got, the others missing.
            if set(key) <= set(state.options[i][now].days):
                continue
            holding = [o for days, o in lookup.items() if set(key) <= set(days)]
            if holding:
                chosen[i] = holding[0]
                continue
        if relax:
            repair.append(i)  # no option: placed again by its cheapest option
        else:
            return False  # cannot happen: one movable visit per account
    for k in days:
        for rd in state.rep_days[k].values():
            for i in rd.seq:
                state.placed[i].pop(k, None)
            rd.seq, rd.load, rd.busy_s, rd.drive_s = [], 0, 0, 0
    state._version += 1
    for (k, r), seq in routes.items():
        for i in seq:
            if k not in state.placed[i]:  # (a relaxed account twice on a day: once)
                state.insert(i, {k: (r, len(state.rep_days[k][r].seq))})
    for i, o in chosen.items():
        state.chosen[i] = o
    for i in repair:
        _repair(state, i, options_of[i], rng)
    return True


def _repair(state: State, i: int, lookup: dict[tuple[int, ...], int], rng: random.Random) -> None:
    """Put account ``i`` (relaxed onto day sets of no option) back on one of its options.

    The option sharing most days with where the merged solution put it, the cheapest
    estimated insertions of its other days breaking ties: its visits on those shared
    days stay where they are, the others move to the option's days.
    """
    now = set(state.placed[i])
    best = None
    for days, o in lookup.items():
        if len(days) != len(state.options[i][state.chosen[i]].days):
            continue
        extra = [state.best_rep(i, k, None) for k in days if k not in now]
        if any(r < 0 for _, r, _ in extra):
            continue
        key = (-len(now & set(days)), sum(c for c, _, _ in extra))
        if best is None or key < best[0]:
            best = (key, o, days)
    if best is None:
        state.remove(i)
        state.choose(i, 0.0, rng)
        return
    _, o, days = best
    for k in now - set(days):
        state._take_out(state.rep_days[k][state.placed[i].pop(k)], i, k)
    for k in days:
        if k not in state.placed[i]:
            _, r, pos = state.best_rep(i, k, None)
            state.insert(i, {k: (r, pos)})
    state.chosen[i] = o
