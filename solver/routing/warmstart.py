"""A strong starting solution from PyVRP for days that fit its model.

PyVRP's hybrid genetic search finds much better VRPTW solutions than OR-Tools' local
search in the same time, but it does not model breaks, several windows, drive-time
limits or allowed reps. :func:`solver.routing.engine.pyvrp_fits` decides whether a
day is covered, exactly or relaxed; then this module gives PyVRP the same arc costs
(solver units), durations, windows, capacities and prizes, and returns its routes for
OR-Tools to continue from. OR-Tools stays the engine of record: it re-checks, repairs
(:func:`read_routes`) and improves them.

Relaxed (a day with lunch breaks or accounts with several windows): a rep's lunch
becomes a day shorter by its duration (the break may in truth fall into a wait), and
an account with several windows becomes a group of one-window clients of which at
most one is visited (exactly one when it is required).

:func:`read_orders` starts OR-Tools from given orders instead (a later traffic round
from the last round's routes).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from pyvrp import Model
from pyvrp.exceptions import PenaltyBoundWarning

from solver.routing.engine import COST_SCALE
from solver.routing.schedule import account_value

if TYPE_CHECKING:
    from solver.routing.engine import DayModel
    from solver.routing.stopping import SearchStop

#: Cost of an arc with no road path, in PyVRP's units (far above any real route).
PYVRP_BLOCKED = 10**12


def pyvrp_routes(
    model: DayModel, *, time_limit_s: float, seed: int, stop: SearchStop
) -> list[list[int]] | None:
    """Solve the day with PyVRP and return account nodes per rep (vehicle).

    Parameters
    ----------
    model
        The OR-Tools day model (nodes, costs, durations, windows, capacities).
    time_limit_s
        PyVRP's run time, seconds.
    seed
        PyVRP's random seed.
    stop
        The search's stopping rule (PyVRP's criterion: time or iterations, and
        convergence).

    Returns
    -------
    list of list of int or None
        For each rep, the account nodes in visiting order (relaxed: they may break a
        constraint of the exact day); None when PyVRP found no feasible solution.
    """
    reps, accounts = model.reps, model.accounts
    # PyVRP balances cost against time-window and load penalties; it struggles when
    # costs are orders of magnitude larger than durations, so costs and prizes are
    # divided by one common factor (OR-Tools then continues with the exact costs).
    exact = model.arc_costs(reps[0])
    open_arcs = ~model.blocked
    factor = max(1, int(exact[open_arcs].max() // max(1, model.durations[open_arcs].max())))
    costs = np.minimum(np.rint(exact / factor), PYVRP_BLOCKED).astype(np.int64)
    pv = Model()
    locations = [pv.add_location(0.0, 0.0) for _ in range(len(model.service))]
    uses_load = any(rep.capacity is not None for rep in reps) and any(a.demand for a in accounts)
    total = sum(a.demand for a in accounts)
    # Identical reps (same start, end, shift, lunch, capacity) share one vehicle type.
    groups: dict[tuple, list[int]] = {}
    for v, rep in enumerate(reps):
        key = (
            model.resolved.row(rep.start),
            model.resolved.row(rep.end_location),  # type: ignore[arg-type]
            rep.shift,
            rep.lunch,
            rep.capacity,
        )
        groups.setdefault(key, []).append(v)
    vehicles_of_type: list[list[int]] = []
    for vehicles in groups.values():
        first = vehicles[0]
        rep = reps[first]
        capacity = [rep.capacity if rep.capacity is not None else total] if uses_load else []
        start = pv.add_depot(locations[model.starts[first]])
        end = pv.add_depot(locations[model.ends[first]])
        pv.add_vehicle_type(
            len(vehicles),
            capacity=capacity,
            start_depot=start,
            end_depot=end,
            tw_early=rep.shift.start_s,
            # relaxed: the lunch as a shorter day (the exact break is OR-Tools' to place)
            tw_late=rep.shift.end_s - (rep.lunch.duration_s if rep.lunch is not None else 0),
            unit_distance_cost=1,
            unit_duration_cost=0,
        )
        vehicles_of_type.append(list(vehicles))
    client_node: list[int] = []  # PyVRP client -> account node
    for node, account in enumerate(accounts):
        prize = 0 if account.required else round(account_value(account) * COST_SCALE / factor)
        windows = account.start_windows()
        spans = [(w.start_s, w.end_s) for w in windows] or [
            (0, max(rep.shift.end_s for rep in reps))
        ]
        # relaxed: several windows are one client per window, at most one visited
        group = pv.add_client_group(required=account.required) if len(spans) > 1 else None
        for early, late in spans:
            pv.add_client(
                locations[node],
                delivery=[account.demand] if uses_load else [],
                service_duration=account.visit_duration_s,
                tw_early=early,
                tw_late=late,
                prize=prize,
                required=account.required and group is None,
                group=group,
            )
            client_node.append(node)
    size = len(locations)
    for i in range(size):
        for j in range(size):
            pv.add_edge(
                locations[i],
                locations[j],
                distance=int(costs[i, j]),
                duration=int(min(model.durations[i, j], PYVRP_BLOCKED)),
            )
    with warnings.catch_warnings():
        # Raised while PyVRP still searches for a feasible solution; infeasible starts
        # are simply not used (OR-Tools then builds its own).
        warnings.simplefilter("ignore", PenaltyBoundWarning)
        result = pv.solve(stop.pyvrp_criterion(time_limit_s), seed=seed, display=False)
    stop.pyvrp_finished(result.runtime)
    if not result.is_feasible():
        return None
    routes: list[list[int]] = [[] for _ in reps]
    for route in result.best.routes():
        vehicle = vehicles_of_type[route.vehicle_type()].pop(0)
        routes[vehicle] = [client_node[a.idx] for a in route if a.is_client()]
    return routes


def read_orders(model: DayModel, orders: Mapping[str, Sequence[str]]) -> Any:
    """Return the assignment of given orders, keeping the visits that still fit.

    The orders come from a search on other leg times (the last traffic round), so a
    visit may now miss its window: visits are taken rep by rep in their order, and
    one that makes its route infeasible is left out (the search may put it back).

    Parameters
    ----------
    model
        The OR-Tools day model, closed (``CloseModelWithParameters``).
    orders
        Account ids in visiting order, per rep id (unknown ids are ignored).

    Returns
    -------
    pywrapcp.Assignment or None
        The assignment to start a search from; None when not even the empty routes
        are feasible.
    """
    node = {a.id: n for n, a in enumerate(model.accounts)}
    nodes = [[node[a] for a in orders.get(rep.id, ()) if a in node] for rep in model.reps]
    return read_routes(model, nodes)


def read_routes(model: DayModel, routes: Sequence[Sequence[int]]) -> Any:
    """Return the assignment of given routes (account nodes per rep), keeping what fits.

    Visits are taken rep by rep in their order, and one that makes its route
    infeasible is left out (the search may put it back).

    Parameters
    ----------
    model
        The OR-Tools day model, closed (``CloseModelWithParameters``).
    routes
        Account nodes in visiting order, per rep (in the order of ``model.reps``).

    Returns
    -------
    pywrapcp.Assignment or None
        The assignment to start a search from; None when not even the empty routes
        are feasible.
    """
    indices = [[model.manager.NodeToIndex(n) for n in route] for route in routes]
    read = model.routing.ReadAssignmentFromRoutes
    if (whole := read(indices, True)) is not None:
        return whole
    kept: list[list[int]] = [[] for _ in indices]
    for v, route in enumerate(indices):
        for index in route:
            kept[v].append(index)
            alone = [kept[v] if w == v else [] for w in range(len(indices))]
            if read(alone, True) is None:
                kept[v].pop()
    return read(kept, True)
