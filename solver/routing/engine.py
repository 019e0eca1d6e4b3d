"""The OR-Tools model of a day: one vehicle per rep, one optional node per account.

Objective (in integer solver units, :data:`COST_SCALE` per currency unit)::

    sum over reps of  km x cost_per_km + driving hours x cost_per_hour
                      + 1 unit per driving second (tie-break, 1e-6 currency)
  + sum over visits of lateness minutes past the soft end x lateness_cost_per_min
  + sum over dropped accounts of  value      (optional: ``value`` or ``priority``)
                                  REQUIRED_PENALTY (required)

so the solver serves every required account it can, then keeps an optional visit
exactly when its value exceeds the travel cost of fitting it in. Money is scaled to
micro-units, so two routes whose costs differ by a thousandth of a cent are told apart.

Constraints: a time dimension (transit = visit duration of the origin + travel; slack
= waiting) with shift bounds, windows (gaps removed with ``RemoveInterval``) and the
lunch break as a fixed-duration interval (``SetBreakIntervalsOfVehicle``, so the break
never overlaps a visit but may interrupt a drive); optional dimensions for pure
driving time (``max_drive_s``), number of visits (``max_visits``) and load
(``capacity``); ``VehicleVar(...).SetValues`` for allowed reps and skills; an open end
is an end node at zero distance from everything.

Search (:mod:`solver.routing.search`): first solution by parallel cheapest insertion,
then guided local search. When the problem fits PyVRP's model (see
:func:`pyvrp_fits`), or fits it once lunch breaks and multiple windows are relaxed,
and has more than :data:`SMALL_PROBLEM` candidate accounts, PyVRP's search first
builds a strong solution in part of the time and OR-Tools continues from it
(repairing a relaxed one). Every search, of any size, stops once it has converged, at
the latest at the time limit (or, with ``deterministic=True``, on a work budget
instead of the clock): see :mod:`solver.routing.stopping`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from solver.costs import travel_cost
from solver.model import MAX_CLOCK_S, UNREACHABLE, Account, Rep, StopReason
from solver.routing.balance import add_balance
from solver.routing.data import ResolvedProblem
from solver.routing.schedule import account_value

#: Integer solver units per unit of currency.
COST_SCALE = 1_000_000
#: Penalty for dropping a required account (10 million currency units).
REQUIRED_PENALTY = 10_000_000 * COST_SCALE
#: Solver units per second of driving, added to every arc so routes with zero money
#: cost are still short (1e-6 currency per second).
TIE_BREAK_PER_S = 1
#: Travel time and cost used for unreachable pairs (larger than any horizon).
BLOCKED = 4 * MAX_CLOCK_S
#: Problems with at most this many candidate accounts skip PyVRP's starting search.
SMALL_PROBLEM = 15


@dataclass(frozen=True, slots=True)
class EngineResult:
    """What the engine found, before timing and explanations.

    Parameters
    ----------
    orders
        Visiting order (account ids) per rep id.
    break_after
        Per rep id: position of the break found by the solver (visits before it),
        or None when the break falls after the end of the route / the rep has none.
    status
        OR-Tools search status name (or ``NO_SOLUTION``).
    objective
        Objective of the solution in currency units (None without a solution).
    stop_reason
        Why the search stopped.
    """

    orders: dict[str, list[str]]
    break_after: dict[str, int | None]
    status: str
    objective: float | None
    stop_reason: StopReason = StopReason.COMPLETED


def eligible(rep: Rep, account: Account) -> bool:
    """Return True when ``rep`` may visit ``account`` (allowed reps and skills)."""
    allowed = not account.rep_ids or rep.id in account.rep_ids
    return allowed and account.skills <= rep.skills


class DayModel:
    """The OR-Tools routing model of one day for a list of candidate accounts.

    Parameters
    ----------
    resolved
        The problem with its travel matrix.
    accounts
        Candidate accounts (already screened: servable alone by some rep).
    """

    def __init__(self, resolved: ResolvedProblem, accounts: Sequence[Account]) -> None:
        self.resolved = resolved
        self.reps = list(resolved.problem.reps)
        self.accounts = list(accounts)
        n_acc, n_rep = len(self.accounts), len(self.reps)
        rows = [resolved.row(a.location) for a in self.accounts]
        for rep in self.reps:
            end = rep.end_location
            rows += [resolved.row(rep.start), resolved.row(end) if end is not None else -1]
        rows_arr = np.array(rows)
        virtual = rows_arr < 0
        safe = np.where(virtual, 0, rows_arr)
        durations = resolved.matrix.durations_s[np.ix_(safe, safe)].copy()
        distances = resolved.matrix.distances_m[np.ix_(safe, safe)].copy()
        durations[:, virtual] = 0  # an open end is at zero distance from everything
        distances[:, virtual] = 0
        durations[virtual, :] = 0
        distances[virtual, :] = 0
        blocked = durations == UNREACHABLE
        durations[blocked] = BLOCKED
        distances[blocked] = BLOCKED
        self.durations = durations
        self.distances = distances
        self.blocked = blocked
        self.service = np.zeros(len(rows), dtype=np.int64)
        self.service[:n_acc] = [a.visit_duration_s for a in self.accounts]
        self.starts = [n_acc + 2 * v for v in range(n_rep)]
        self.ends = [n_acc + 2 * v + 1 for v in range(n_rep)]
        self.manager = pywrapcp.RoutingIndexManager(len(rows), n_rep, self.starts, self.ends)
        self.routing = pywrapcp.RoutingModel(self.manager)
        self.breaks: dict[int, pywrapcp.IntervalVar] = {}
        self._add_costs()
        self._add_time()
        self._add_limits()
        self._add_visits()
        add_balance(self)  # Problem.balance: a soft cost evening out the team's day

    # ------------------------------------------------------------------ model
    def arc_costs(self, rep: Rep) -> np.ndarray:
        """Integer cost of each arc for ``rep`` (solver units, see the module docstring)."""
        km, hours = self.distances / 1000.0, self.durations / 3600.0
        money = travel_cost(km, hours, rep.cost_per_km, rep.cost_per_hour) * COST_SCALE
        costs = np.rint(money).astype(np.int64) + self.durations * TIE_BREAK_PER_S
        costs[self.blocked] = BLOCKED * COST_SCALE
        return costs

    def _add_costs(self) -> None:
        callbacks: dict[tuple[float, float], int] = {}
        for v, rep in enumerate(self.reps):
            key = (rep.cost_per_km, rep.cost_per_hour)
            if key not in callbacks:
                callbacks[key] = self.routing.RegisterTransitMatrix(self.arc_costs(rep).tolist())
            self.routing.SetArcCostEvaluatorOfVehicle(callbacks[key], v)

    def _add_time(self) -> None:
        transit = self.durations + self.service[:, None]
        callback = self.routing.RegisterTransitMatrix(transit.tolist())
        self.routing.AddDimension(callback, MAX_CLOCK_S, MAX_CLOCK_S, False, "time")
        self.time = self.routing.GetDimensionOrDie("time")
        for v, rep in enumerate(self.reps):
            for index in (self.routing.Start(v), self.routing.End(v)):
                self.time.CumulVar(index).SetRange(rep.shift.start_s, rep.shift.end_s)
        for node, account in enumerate(self.accounts):
            index = self.manager.NodeToIndex(node)
            windows = account.start_windows()
            if windows:
                cumul = self.time.CumulVar(index)
                cumul.SetRange(windows[0].start_s, windows[-1].end_s)
                for before, after in zip(windows, windows[1:], strict=False):
                    cumul.RemoveInterval(before.end_s + 1, after.start_s - 1)
            if account.soft_end_s is not None and account.lateness_cost_per_min > 0:
                per_s = round(account.lateness_cost_per_min / 60.0 * COST_SCALE)
                self.time.SetCumulVarSoftUpperBound(index, account.soft_end_s, per_s)
        size = self.routing.Size() + len(self.reps)
        visit_transits = [int(self.service[self.manager.IndexToNode(i)]) for i in range(size)]
        solver = self.routing.solver()
        for v, rep in enumerate(self.reps):
            if rep.lunch is None:
                continue
            lunch = solver.FixedDurationIntervalVar(
                rep.lunch.earliest_start_s,
                rep.lunch.latest_start_s,
                rep.lunch.duration_s,
                False,
                f"lunch {rep.id}",
            )
            self.time.SetBreakIntervalsOfVehicle([lunch], v, visit_transits)
            self.routing.AddIntervalToAssignment(lunch)
            self.breaks[v] = lunch

    def _add_limits(self) -> None:
        n_acc = len(self.accounts)
        if any(rep.max_drive_s is not None for rep in self.reps):
            callback = self.routing.RegisterTransitMatrix(self.durations.tolist())
            caps = [
                rep.max_drive_s if rep.max_drive_s is not None else BLOCKED for rep in self.reps
            ]
            self.routing.AddDimensionWithVehicleCapacity(callback, 0, caps, True, "drive")
        if any(rep.max_visits is not None for rep in self.reps):
            ones = [1] * n_acc + [0] * (2 * len(self.reps))
            callback = self.routing.RegisterUnaryTransitVector(ones)
            caps = [rep.max_visits if rep.max_visits is not None else n_acc for rep in self.reps]
            self.routing.AddDimensionWithVehicleCapacity(callback, 0, caps, True, "visits")
        demands = [a.demand for a in self.accounts]
        if any(rep.capacity is not None for rep in self.reps) and any(demands):
            vector = demands + [0] * (2 * len(self.reps))
            callback = self.routing.RegisterUnaryTransitVector(vector)
            total = sum(demands)
            caps = [rep.capacity if rep.capacity is not None else total for rep in self.reps]
            self.routing.AddDimensionWithVehicleCapacity(callback, 0, caps, True, "load")

    def _add_visits(self) -> None:
        for node, account in enumerate(self.accounts):
            index = self.manager.NodeToIndex(node)
            penalty = (
                REQUIRED_PENALTY
                if account.required
                else max(0, round(account_value(account) * COST_SCALE))
            )
            self.routing.AddDisjunction([index], penalty)
            allowed = [v for v, rep in enumerate(self.reps) if self.can_serve(v, node)]
            if len(allowed) < len(self.reps):
                self.routing.VehicleVar(index).SetValues([-1, *allowed])

    def can_serve(self, vehicle: int, node: int) -> bool:
        """Return True when rep ``vehicle`` may visit account ``node`` and reach it."""
        start, end = self.starts[vehicle], self.ends[vehicle]
        reachable = not (self.blocked[start, node] or self.blocked[node, end])
        return reachable and eligible(self.reps[vehicle], self.accounts[node])

    # ------------------------------------------------------------------ search
    def search_parameters(self, time_limit_s: float) -> pywrapcp.DefaultRoutingSearchParameters:
        """Search parameters: cheapest insertion + guided local search, bounded in time."""
        params = pywrapcp.DefaultRoutingSearchParameters()
        params.first_solution_strategy = (
            routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION
        )
        params.local_search_metaheuristic = (
            routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
        )
        params.time_limit.FromMilliseconds(max(1, int(time_limit_s * 1000)))
        return params

    def solve(
        self,
        *,
        time_limit_s: float,
        seed: int,
        on_progress: Callable[[float, float | None], bool | None] | None = None,
        use_pyvrp: bool = True,
        deterministic: bool = False,
        start: Mapping[str, Sequence[str]] | None = None,
        solution_limit: int | None = None,
    ) -> EngineResult:
        """Search for the best day and return orders per rep.

        Parameters
        ----------
        time_limit_s
            Wall-clock budget, seconds (with ``deterministic``: a safety cap).
        seed
            Seed of the PyVRP starting search (OR-Tools' search is deterministic).
        on_progress
            Called with ``(fraction of the time used, best objective in currency)`` at
            each new solution, and with ``(fraction, None)`` every
            :data:`~solver.routing.search.PROGRESS_POLL_S` while searching; when it
            returns True the search (PyVRP's and OR-Tools') stops and the best solution
            so far is returned.
        use_pyvrp
            Build the starting solution with PyVRP when the problem fits its model.
        deterministic
            Stop on work done, never on the clock (see :mod:`solver.routing.stopping`).
        start
            Visiting order (account ids) per rep id to start the search from instead
            of a first solution (e.g. the previous traffic round's routes); ignored
            when it breaks a constraint of this model (then the search starts cold).
        solution_limit
            Stop after this many solutions (a quick scouting search), if given.

        Returns
        -------
        EngineResult
            The orders, break positions, status and objective.
        """
        from solver.routing.search import search_day

        return search_day(
            self,
            time_limit_s=time_limit_s,
            seed=seed,
            on_progress=on_progress,
            use_pyvrp=use_pyvrp,
            deterministic=deterministic,
            start=start,
            solution_limit=solution_limit,
        )


def pyvrp_fits(model: DayModel, *, relaxed: bool = False) -> bool:
    """Return True when PyVRP's model covers every constraint of the day.

    That is: no lunch break, no drive-time or visit-count limit, no soft windows, at
    most one window per account, no allowed-rep or skill restriction, closed routes,
    and one cost rate (per km and per hour) shared by all reps.

    Parameters
    ----------
    model
        The day model.
    relaxed
        Also accept lunch breaks and several windows per account, which PyVRP sees
        relaxed (:mod:`solver.routing.warmstart`): its routes are then only a start.
    """
    reps, accounts = model.reps, model.accounts
    simple_reps = all(
        (relaxed or rep.lunch is None)
        and rep.max_drive_s is None
        and rep.max_visits is None
        and not rep.open_end
        for rep in reps
    )
    simple_accounts = all(
        (relaxed or len(a.windows) <= 1) and a.soft_end_s is None and not a.rep_ids and not a.skills
        for a in accounts
    )
    one_rate = len({(rep.cost_per_km, rep.cost_per_hour) for rep in reps}) == 1
    return simple_reps and simple_accounts and one_rate
