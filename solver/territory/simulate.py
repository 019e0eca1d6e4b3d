"""Weekly drive time of a territory from simulated day routes.

Method (documented in the README, section "Territories"):

1. **Visits of a 4-week cycle.** An account with ``visits_per_4_weeks = f`` gets
   ``max(1, round(f))`` visits in the cycle, spread evenly over the 4 weeks from a
   seeded random first week (a monthly account is visited in one week of four). The
   first weeks can be given per account (:class:`~solver.territory.weeks.TeamSimulator`
   draws them once for the whole team), so that an account keeps its weeks whichever
   territory it is in and moving one account does not reshuffle the others' weeks.
2. **Days of a week (route first, cluster second).** The week's visits are ordered in one
   tour from the home (OR-Tools, cheapest-arc first solution), and the tour is cut into 5
   consecutive days with the same number of visits, so each day is a compact stretch.
3. **Each day** is routed home -> visits -> home by a *day router* (default: OR-Tools
   cheapest-arc first solution improved by greedy descent to a local optimum; the
   day-plan engine can be plugged in with :func:`plan_day_router`).
4. Weekly drive time and distance are the cycle's totals / 4. An account's *marginal*
   drive is the detour its visits add to their day routes
   (``t(prev, a) + t(a, next) - t(prev, next)``), per week: what leaving it out saves.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from solver.model import UNREACHABLE, TravelMatrix
from solver.territory.model import CYCLE_WEEKS, DAYS_PER_WEEK

#: A day router: given the square duration matrix of a day (index 0 = home, 1..n the
#: visits, seconds), return the visiting order as a list of 1..n.
DayRouter = Callable[[np.ndarray], list[int]]

#: Stand-in for unreachable pairs inside a route (seconds or metres): large but finite.
_UNREACHABLE_COST = 10**7


def _finite(values: np.ndarray) -> np.ndarray:
    return np.where(values == UNREACHABLE, _UNREACHABLE_COST, values).astype(np.int64)


def _tour(durations_s: np.ndarray, *, local_search_ms: int = 0) -> list[int]:
    """Order nodes 1..n in one open tour from node 0 with OR-Tools."""
    n = durations_s.shape[0]
    if n <= 2:
        return list(range(1, n))
    manager = pywrapcp.RoutingIndexManager(n, 1, 0)
    routing = pywrapcp.RoutingModel(manager)
    transit = routing.RegisterTransitMatrix(_finite(durations_s).tolist())
    routing.SetArcCostEvaluatorOfAllVehicles(transit)
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    if local_search_ms > 0:
        params.local_search_metaheuristic = (
            routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
        )
        params.time_limit.FromMilliseconds(local_search_ms)
    else:
        params.local_search_metaheuristic = (
            routing_enums_pb2.LocalSearchMetaheuristic.GREEDY_DESCENT
        )
    solution = routing.SolveWithParameters(params)
    order: list[int] = []
    index = routing.Start(0)
    while solution is not None and not routing.IsEnd(index):
        index = solution.Value(routing.NextVar(index))
        node = manager.IndexToNode(index)
        if node != 0:
            order.append(node)
    return order if len(order) == n - 1 else list(range(1, n))


def order_day(durations_s: np.ndarray) -> list[int]:
    """Default day router: OR-Tools round trip from the home over the day's visits.

    Parameters
    ----------
    durations_s
        Square travel times, seconds; index 0 is the home, 1..n the visits.

    Returns
    -------
    list[int]
        Visiting order of 1..n.
    """
    return _tour(durations_s, local_search_ms=0)


def plan_day_router(
    time_limit_s: float = 0.2, seed: int = 0, *, deterministic: bool = False
) -> DayRouter:
    """Return a day router backed by the day-plan engine (:func:`solver.routing.plan_day`).

    Parameters
    ----------
    time_limit_s
        Time limit per simulated day, seconds (a safety cap when ``deterministic``).
    seed
        Solver seed.
    deterministic
        Stop each day's search on work done, not the clock (``time_limit_s`` is then
        a safety cap): the same territory gives the same days on any machine load.

    Returns
    -------
    DayRouter
        A router for :func:`simulate_territory`.
    """
    import datetime as dt

    from solver.model import Account, Location, Problem, Rep, Shift, TravelMatrix
    from solver.routing import plan_day

    def route(durations_s: np.ndarray) -> list[int]:
        n = durations_s.shape[0]
        problem = Problem(
            date=dt.date(2026, 1, 5),
            reps=(Rep("rep", Location(index=0), Shift(0, 2 * 24 * 3600 - 1)),),
            accounts=tuple(Account(str(i), Location(index=i), required=True) for i in range(1, n)),
            matrix=TravelMatrix(durations_s, durations_s),
        )
        plan = plan_day(problem, time_limit_s=time_limit_s, seed=seed, deterministic=deterministic)
        order = [int(a) for route in plan.routes for a in route.account_ids]
        missing = [i for i in range(1, n) if i not in set(order)]
        return order + missing

    return route


@dataclass(frozen=True, slots=True)
class WeekSimulation:
    """Simulated weekly driving of one territory.

    Parameters
    ----------
    drive_s_per_week, distance_m_per_week
        Average weekly drive time (seconds) and distance (metres).
    marginal_drive_s_per_week, marginal_distance_m_per_week
        Per account (in input order): the weekly detour its visits add.
    days
        Simulated working days (20 for a 4-week cycle).
    """

    drive_s_per_week: float
    distance_m_per_week: float
    marginal_drive_s_per_week: np.ndarray
    marginal_distance_m_per_week: np.ndarray
    days: int


def simulate_territory(
    matrix: TravelMatrix,
    visits_per_4_weeks: np.ndarray,
    *,
    seed: int = 0,
    day_router: DayRouter = order_day,
    first_week: np.ndarray | None = None,
) -> WeekSimulation:
    """Simulate a 4-week cycle of day routes of one territory.

    Parameters
    ----------
    matrix
        Square travel matrix; index 0 is the rep's home, ``1..n`` the accounts.
    visits_per_4_weeks
        ``(n,)`` visit frequency of each account.
    seed
        Seed of the first visiting week of each account.
    day_router
        Orders the visits of one day (see :data:`DayRouter`).
    first_week
        ``(n,)`` first visiting week (0-3) of each account; default: drawn with ``seed``.

    Returns
    -------
    WeekSimulation
        Weekly drive time, distance and each account's marginal detour.
    """
    n = len(visits_per_4_weeks)
    durations = _finite(matrix.durations_s)
    distances = _finite(matrix.distances_m)
    marginal_s = np.zeros(n)
    marginal_m = np.zeros(n)
    if n == 0:
        return WeekSimulation(0.0, 0.0, marginal_s, marginal_m, CYCLE_WEEKS * DAYS_PER_WEEK)
    occurrences = np.maximum(1, np.rint(visits_per_4_weeks).astype(np.int64))
    if first_week is None:
        first_week = np.random.default_rng(seed).integers(0, CYCLE_WEEKS, size=n)
    weeks: list[list[int]] = [[] for _ in range(CYCLE_WEEKS)]
    for account in range(n):
        for j in range(occurrences[account]):
            week = (first_week[account] + (j * CYCLE_WEEKS) // occurrences[account]) % CYCLE_WEEKS
            weeks[week].append(account + 1)  # matrix index
    total_s = 0.0
    total_m = 0.0
    for stops in weeks:
        if not stops:
            continue
        nodes = np.asarray([0, *stops])
        tour = _tour(durations[np.ix_(nodes, nodes)])
        ordered = nodes[tour]
        for day in np.array_split(ordered, DAYS_PER_WEEK):
            if day.size == 0:
                continue
            day_nodes = np.r_[0, day]
            sub = durations[np.ix_(day_nodes, day_nodes)]
            order = day_router(sub)
            path = np.r_[0, day_nodes[order], 0]
            legs_s = durations[path[:-1], path[1:]]
            legs_m = distances[path[:-1], path[1:]]
            total_s += float(legs_s.sum())
            total_m += float(legs_m.sum())
            prev, here, nxt = path[:-2], path[1:-1], path[2:]
            detour_s = durations[prev, here] + durations[here, nxt] - durations[prev, nxt]
            detour_m = distances[prev, here] + distances[here, nxt] - distances[prev, nxt]
            np.add.at(marginal_s, here - 1, detour_s)
            np.add.at(marginal_m, here - 1, detour_m)
    return WeekSimulation(
        drive_s_per_week=total_s / CYCLE_WEEKS,
        distance_m_per_week=total_m / CYCLE_WEEKS,
        marginal_drive_s_per_week=marginal_s / CYCLE_WEEKS,
        marginal_distance_m_per_week=marginal_m / CYCLE_WEEKS,
        days=CYCLE_WEEKS * DAYS_PER_WEEK,
    )
