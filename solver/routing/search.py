"""The search of a day model (:class:`~solver.routing.engine.DayModel`): start, search, read.

The start is the given visiting orders (a warm start), else PyVRP's routes when the
day fits its model (relaxed or not) and has more than
:data:`~solver.routing.engine.SMALL_PROBLEM` candidate accounts, else OR-Tools' own
first solution; then OR-Tools' guided local search runs until the stopping rules of
:mod:`solver.routing.stopping` say so, and the best solution is read back as orders
and break positions per rep.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ortools.constraint_solver import routing_enums_pb2

from solver.model import StopReason
from solver.routing.engine import (
    COST_SCALE,
    SMALL_PROBLEM,
    DayModel,
    EngineResult,
    pyvrp_fits,
)
from solver.routing.stopping import SearchStop

#: Share of the time limit given to PyVRP when it builds the starting solution.
PYVRP_SHARE = 0.9
#: While searching, ``on_progress`` is asked this often whether to stop (a cancelled job), s.
PROGRESS_POLL_S = 0.2


def search_day(
    model: DayModel,
    *,
    time_limit_s: float,
    seed: int,
    on_progress: Callable[[float, float | None], bool | None] | None = None,
    use_pyvrp: bool = True,
    deterministic: bool = False,
    start: Mapping[str, Sequence[str]] | None = None,
    solution_limit: int | None = None,
) -> EngineResult:
    """Search for the best day of ``model``; the parameters are :meth:`DayModel.solve`'s.

    Returns
    -------
    EngineResult
        The orders, break positions, status and objective.
    """
    began = time.monotonic()
    routing = model.routing
    asked = {"stop": False, "polled": began - PROGRESS_POLL_S}  # first check asks

    def should_stop() -> bool:
        """Ask ``on_progress`` every :data:`PROGRESS_POLL_S`; True once it said stop."""
        now = time.monotonic()
        due = now - asked["polled"] >= PROGRESS_POLL_S
        if on_progress is not None and not asked["stop"] and due:
            asked["polled"] = now
            used = (now - began) / max(time_limit_s, 1e-9)
            asked["stop"] = bool(on_progress(min(1.0, used), None))
        return asked["stop"]

    if on_progress is not None:

        def report() -> None:
            used = (time.monotonic() - began) / max(time_limit_s, 1e-9)
            if on_progress(min(1.0, used), routing.CostVar().Value() / COST_SCALE):
                asked["stop"] = True

        routing.AddAtSolutionCallback(report)
    stop = SearchStop(
        time_limit_s=time_limit_s,
        n_accounts=len(model.accounts),
        deterministic=deterministic,
        began=began,
        cancelled=should_stop if on_progress is not None else None,
    )
    stop.attach(routing)
    initial = None
    if start is not None and model.accounts:
        routing.CloseModelWithParameters(model.search_parameters(time_limit_s))
        from solver.routing.warmstart import read_orders

        initial = read_orders(model, start)
        if initial is not None:
            stop.warm = True
    elif (
        use_pyvrp
        and model.accounts
        and len(model.accounts) > SMALL_PROBLEM
        and pyvrp_fits(model, relaxed=True)
    ):
        from solver.routing.warmstart import pyvrp_routes, read_routes

        routes = pyvrp_routes(model, time_limit_s=PYVRP_SHARE * time_limit_s, seed=seed, stop=stop)
        if on_progress is not None:
            on_progress(min(1.0, (time.monotonic() - began) / time_limit_s), None)
        routing.CloseModelWithParameters(model.search_parameters(time_limit_s))
        if routes is not None:  # relaxed routes may break a constraint: keep what fits
            initial = read_routes(model, routes)
            # a relaxed start is polished (warm floor: as good, a third less CPU)
            stop.warm = initial is not None and not pyvrp_fits(model)
    remaining = max(0.05, time_limit_s - (time.monotonic() - began))
    params = model.search_parameters(remaining)
    if solution_limit is not None:
        params.solution_limit = solution_limit
    if initial is not None:
        solution = routing.SolveFromAssignmentWithParameters(initial, params)
    else:
        solution = routing.SolveWithParameters(params)
    status = routing_enums_pb2.RoutingSearchStatus.Value.Name(routing.status())
    reason = stop.finish(solution is not None)
    if solution is None:
        empty = {rep.id: [] for rep in model.reps}
        return EngineResult(empty, dict.fromkeys(empty), status, None, reason)
    return read_result(model, solution, status, reason)


def read_result(model: DayModel, solution: Any, status: str, reason: StopReason) -> EngineResult:
    """Read the orders and break positions of an OR-Tools solution of ``model``.

    Parameters
    ----------
    model
        The solved day model.
    solution
        OR-Tools' assignment.
    status
        OR-Tools' search status name.
    reason
        Why the search stopped.

    Returns
    -------
    EngineResult
        Per rep: the visiting order and the break position (visits done before the
        break starts; None when the break falls after the route's end).
    """
    routing = model.routing
    orders: dict[str, list[str]] = {}
    break_after: dict[str, int | None] = {}
    for v, rep in enumerate(model.reps):
        nodes, cumuls = [], []
        index = solution.Value(routing.NextVar(routing.Start(v)))
        while not routing.IsEnd(index):
            nodes.append(model.manager.IndexToNode(index))
            cumuls.append(solution.Value(model.time.CumulVar(index)))
            index = solution.Value(routing.NextVar(index))
        end_cumul = solution.Value(model.time.CumulVar(index))
        orders[rep.id] = [model.accounts[n].id for n in nodes]
        break_after[rep.id] = None
        if v in model.breaks:
            begin = solution.StartValue(model.breaks[v])
            if begin < end_cumul or not nodes:
                done = [c + int(model.service[n]) for n, c in zip(nodes, cumuls, strict=True)]
                break_after[rep.id] = sum(1 for d in done if d <= begin)
    objective = solution.ObjectiveValue() / COST_SCALE
    return EngineResult(orders, break_after, status, objective, reason)
