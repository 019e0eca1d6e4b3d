"""Plan a day: screen accounts, solve on OR-Tools, time the routes, explain the rest."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from solver.errors import InvalidProblemError
from solver.model import (
    ORTOOLS_STATUS,
    Account,
    Plan,
    Problem,
    Reason,
    Route,
    SolverInfo,
    SolveStatus,
    StopReason,
    Unassigned,
    solve_status,
)
from solver.routing.check import Violation, check_plan
from solver.routing.data import ResolvedProblem, resolve_problem
from solver.routing.engine import (
    COST_SCALE,
    REQUIRED_PENALTY,
    SMALL_PROBLEM,
    DayModel,
    pyvrp_fits,
)
from solver.routing.reasons import explain_dropped, screen_accounts
from solver.routing.schedule import account_value, time_route, timing_misses
from solver.routing.traffic import (
    MAX_ROUNDS,
    SCOUT_SOLUTIONS,
    departure_guess,
    keep_feasible,
    planned_departures,
    solve_matrix,
)


def plan_day(
    problem: Problem,
    *,
    network: Any = None,
    time_limit_s: float = 5.0,
    seed: int = 0,
    on_progress: Callable[[float, float | None], bool | None] | None = None,
    deterministic: bool = False,
) -> Plan:
    """Plan the day of one rep or a whole team.

    Objective: serve every required account that can be served; then maximise the
    value of the optional visits (``value``, else ``priority``) minus the travel cost
    (driving hours x ``cost_per_hour`` + km x ``cost_per_km``) and lateness costs.
    See :mod:`solver.routing.engine` for the model.

    Parameters
    ----------
    problem
        The day's problem. With ``problem.matrix`` locations are matrix indices;
        otherwise ``network`` is the road network named by ``problem.network``.
    network
        A loaded road network (``solver.roads.RoadNetwork``) for lat/lon problems.
    time_limit_s
        Wall-clock budget of the search, seconds (> 0). The search usually stops
        earlier, once it has converged (``plan.solver.stop_reason`` says why it
        stopped; see :mod:`solver.routing.stopping`). With a speed profile the day is
        solved in up to :data:`~solver.routing.traffic.MAX_ROUNDS` rounds, each on the
        leg times at the last round's departures; outside deterministic mode a later
        round starts from the last round's routes, except on a day whose start PyVRP
        builds: there the first round only scouts the departures (OR-Tools' first
        solution) and the second builds the PyVRP start on those leg times. The round
        whose routes cost least as driven (visits that miss a time dropped) is
        returned, in both modes.
    seed
        Random seed (of the PyVRP starting search, when it is used).
    on_progress
        Called from the solver thread as ``on_progress(fraction_done, best_cost)``
        (``best_cost`` None between solutions, about every 0.2 s); returning True
        stops the search at once with the best plan so far (a cancelled job).
    deterministic
        Stop on work done (solutions, iterations), never on the clock: the same
        problem and seed give the same plan on any machine and load. Usually slower
        than the time-limited mode; ``time_limit_s`` is then only a safety cap (a run
        that reaches it says ``stop_reason="time_limit"``).

    Returns
    -------
    Plan
        Routes per rep (stops, times, totals, geometry on a road network), every
        unassigned account with a reason, and the solver's status, seed and time.

    Raises
    ------
    InvalidProblemError
        When ``time_limit_s`` is not a positive number or the network is missing.
    """
    if not isinstance(time_limit_s, int | float) or not math.isfinite(time_limit_s):
        raise InvalidProblemError(f"Solve: time_limit_s must be a number, got {time_limit_s!r}.")
    if time_limit_s <= 0:
        raise InvalidProblemError(f"Solve: time_limit_s must be > 0, got {time_limit_s!r}.")
    began = time.monotonic()
    resolved = resolve_problem(problem, network)
    candidates, unassigned, servers = screen_accounts(resolved)
    status, objective, stop_reason = SolveStatus.EMPTY, 0.0, StopReason.EMPTY
    orders: dict[str, list[str]] = {rep.id: [] for rep in problem.reps}
    breaks: dict[str, int | None] = dict.fromkeys(orders)
    # With a speed profile the search sees each leg at its planned departure, re-planned
    # until the orders are stable (solver.routing.traffic); free-flow: one round.
    rounds = 1 if resolved.timer is None else MAX_ROUNDS
    departs = None if resolved.timer is None else departure_guess(resolved)
    best: tuple[float, dict[str, list[str]], dict[str, int | None], float | None] | None = None
    scouted = False
    for round_ in range(rounds if candidates else 0):
        search = resolved if departs is None else solve_matrix(resolved, departs)
        model = DayModel(search, candidates)
        if round_ == 0:  # a PyVRP start is built on the second round's leg times
            scouted = rounds > 1 and not deterministic and _pyvrp_starts(model)
        # Keep a little of the budget for timing the routes and explaining the rest.
        reserve_s = min(0.5, 0.03 * time_limit_s)
        remaining = max(0.05, time_limit_s - reserve_s - (time.monotonic() - began))
        share = 1.0 if round_ == rounds - 1 else (0.6 if round_ == 0 else 0.5)
        result = model.solve(
            time_limit_s=remaining * share,
            seed=seed,
            on_progress=on_progress,
            deterministic=deterministic,
            # a later round starts from the last round's routes (deterministic: cold),
            # except the PyVRP round after a scouting one
            start=orders if round_ > int(scouted) and not deterministic else None,
            use_pyvrp=not (scouted and round_ == 0),
            solution_limit=SCOUT_SOLUTIONS if scouted and round_ == 0 else None,
        )
        stable = result.orders == orders
        orders, breaks, objective, stop_reason = (
            result.orders,
            result.break_after,
            result.objective,
            result.stop_reason,
        )
        status = _status(result.status, stop_reason, found=result.objective is not None)
        if departs is not None and result.objective is not None:
            # Each round's routes are a plan: keep the one that is cheapest as driven
            # (a later round's leg times are nearer the truth, yet its routes may still
            # miss a window when timed leg by leg, and lose that visit).
            cost = _driven_cost(resolved, orders, breaks, candidates)
            if best is None or cost < best[0]:
                best = (cost, orders, breaks, objective)
        if departs is None or stable or stop_reason == StopReason.CANCELLED:
            break
        timed = {
            r.id: time_route(resolved, r, orders[r.id], break_after=breaks[r.id])
            for r in problem.reps
        }
        departs = planned_departures(resolved, timed, departs)
    if best is not None:
        _, orders, breaks, objective = best
    routes = {
        rep.id: _time_solved(resolved, rep.id, orders[rep.id], breaks[rep.id])
        for rep in problem.reps
    }
    routed = {a for route in routes.values() for a in route.account_ids}
    dropped = [a for a in candidates if a.id not in routed]
    unassigned += explain_dropped(resolved, dropped, routes, servers)
    info = SolverInfo(
        status=status,
        seed=seed,
        time_limit_s=float(time_limit_s),
        time_s=round(time.monotonic() - began, 3),
        objective=objective,
        stop_reason=stop_reason,
        deterministic=deterministic,
    )
    return Plan(problem.date, tuple(routes.values()), tuple(_in_order(problem, unassigned)), info)


def _pyvrp_starts(model: DayModel) -> bool:
    """Return True when the engine builds its start with PyVRP (exact or relaxed)."""
    return len(model.accounts) > SMALL_PROBLEM and pyvrp_fits(model, relaxed=True)


def _status(engine_status: str, stop_reason: StopReason, *, found: bool) -> SolveStatus:
    """Return the plan's status: a search stopped by convergence or the clock says so."""
    if found and stop_reason == StopReason.CONVERGED:
        return SolveStatus.CONVERGED
    if found and stop_reason == StopReason.TIME_LIMIT:
        return SolveStatus.TIME_LIMIT
    return solve_status(engine_status, ORTOOLS_STATUS)


def _time_solved(
    resolved: ResolvedProblem, rep_id: str, order: Sequence[str], break_after: int | None
) -> Route:
    """Time a solver route (see :func:`_timed`) and attach its road geometry."""
    return _with_geometry(resolved, _timed(resolved, rep_id, order, break_after))


def _timed(
    resolved: ResolvedProblem, rep_id: str, order: Sequence[str], break_after: int | None
) -> Route:
    """Time a solver route; the break goes where the solver put it, if that times well."""
    rep = resolved.problem.rep(rep_id)
    route = time_route(resolved, rep, order, break_after=break_after)
    accounts = [resolved.problem.account(a) for a in order]
    if break_after is not None and timing_misses(route, rep, accounts):
        route = time_route(resolved, rep, order)  # the solver's break spot misses a time
    if resolved.timer is not None:
        route = keep_feasible(resolved, route)  # every leg timed when driven: drop misses
    return route


def _driven_cost(
    resolved: ResolvedProblem,
    orders: Mapping[str, Sequence[str]],
    breaks: Mapping[str, int | None],
    candidates: Sequence[Account],
) -> float:
    """Cost of the orders as driven: routes timed leg by leg plus the visits left out.

    Left out: the worth of an optional account (``value`` or ``priority``, as in the
    engine's objective), :data:`~solver.routing.engine.REQUIRED_PENALTY` for a required
    one; in currency units.
    """
    routes = [_timed(resolved, r, orders[r], breaks[r]) for r in orders]
    routed = {a for route in routes for a in route.account_ids}
    missed = sum(
        REQUIRED_PENALTY / COST_SCALE if a.required else account_value(a)
        for a in candidates
        if a.id not in routed
    )
    return sum(route.totals.cost for route in routes) + missed


def _with_geometry(resolved: ResolvedProblem, route: Route) -> Route:
    """Attach the road geometry (concatenated ``network.path`` legs) on a road network."""
    network = resolved.network
    points = [s.location for s in route.stops if s.location is not None]
    if network is None or len(points) < 2:
        return route
    coordinates: list[list[float]] = []
    for here, there in zip(points, points[1:], strict=False):
        if here == there:
            continue
        leg = network.path((here.lat, here.lon), (there.lat, there.lon))
        for point in leg.get("coordinates", []):
            if not coordinates or list(point) != coordinates[-1]:
                coordinates.append(list(point))
    geometry = {"type": "LineString", "coordinates": coordinates}
    return Route(route.rep_id, route.stops, route.totals, geometry)


def _in_order(problem: Problem, unassigned: list[Unassigned]) -> list[Unassigned]:
    position = {a.id: i for i, a in enumerate(problem.accounts)}
    return sorted(unassigned, key=lambda u: position[u.account_id])


def time_routes(
    problem: Problem, orders: Mapping[str, Sequence[str]], *, network: Any = None
) -> tuple[Plan, list[Violation]]:
    """Time a hand-made order per rep (e.g. the rep's own plan) and check it.

    Parameters
    ----------
    problem
        The day's problem.
    orders
        Account ids in visiting order, per rep id; reps left out stay at home.
    network
        The road network, for problems with lat/lon locations.

    Returns
    -------
    plan
        The timed routes (earliest schedule; the break where it ends the day
        earliest); accounts in no order are unassigned.
    violations
        What the hand-made plan breaks, as the independent checker
        (:mod:`solver.routing.check`) reports it to the caller.

    Raises
    ------
    InvalidProblemError
        When an order names an unknown rep or account.
    """
    resolved = resolve_problem(problem, network)
    rep_ids = {rep.id for rep in problem.reps}
    account_ids = {a.id for a in problem.accounts}
    for rep_id, order in orders.items():
        if rep_id not in rep_ids:
            raise InvalidProblemError(f"Order: rep '{rep_id}' is unknown.", field="orders")
        for account_id in order:
            if account_id not in account_ids:
                raise InvalidProblemError(
                    f"Order of rep '{rep_id}': account '{account_id}' is unknown.",
                    field=f"orders.{rep_id}",
                )
    routes = tuple(
        _with_geometry(resolved, time_route(resolved, rep, list(orders.get(rep.id, ()))))
        for rep in problem.reps
    )
    routed = {a for route in routes for a in route.account_ids}
    unassigned = tuple(
        Unassigned(a.id, Reason.NOT_IN_ORDER, f"Account '{a.id}': not in the hand-made order.")
        if a.id not in problem.already_visited
        else Unassigned(a.id, Reason.ALREADY_VISITED, f"Account '{a.id}': already visited.")
        for a in problem.accounts
        if a.id not in routed
    )
    info = SolverInfo(status=SolveStatus.HAND_MADE, seed=0, time_limit_s=0.0, time_s=0.0)
    plan = Plan(problem.date, routes, unassigned, info)
    return plan, check_plan(problem, plan, network=network)
