"""When the day-plan search stops, and why (:class:`~solver.model.StopReason`).

Two modes, one rule: the search stops once it has *converged* -- its best cost has
not improved for a share (:data:`STALL_SHARE`) of the search so far -- and at the
latest at a limit.

* Time-limited (default): the share is measured in CPU seconds of the solving thread
  (at least :data:`STALL_MIN_S`; :data:`WARM_STALL_MIN_S` for a search that starts
  from the last traffic round's routes, see :func:`solver.routing.plan_day`), so a
  loaded machine does not cut the search short; the limit is ``time_limit_s`` of
  wall-clock time. The clock is read at one ask in :data:`CHECK_EVERY`. Fast, but the
  point where it stops depends on the machine, so two runs may differ.
* Deterministic: the share is measured in branches of the search (OR-Tools' count of
  the moves it tried: at least :data:`STALL_MIN_BRANCHES` and
  :data:`STALL_BRANCHES_PER_ACCOUNT` per candidate account); the limit is a work budget
  of :data:`BRANCHES_PER_ACCOUNT` branches per candidate account (PyVRP: iterations).
  Nothing depends on the clock, so the same problem and seed give the same plan on any
  machine and load. ``time_limit_s`` stays a safety cap only: a run that reaches it
  says ``time_limit`` and is not guaranteed to be reproducible.

The OR-Tools side is one ``CustomLimit`` search monitor fed by a solution callback;
the PyVRP side is a stopping criterion built from :mod:`pyvrp.stop`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from solver.model import StopReason

#: Stop once the best cost has not improved for this share of the search so far.
STALL_SHARE = 0.5
#: Time-limited mode: the stall is at least this long, CPU seconds.
STALL_MIN_S = 0.3
#: Time-limited mode, a search started from a given solution (a later traffic round):
#: the stall is at least this long, CPU seconds.
WARM_STALL_MIN_S = 0.1
#: Deterministic mode: the stall is at least this many branches...
STALL_MIN_BRANCHES = 2_000
#: ... and at least this many per candidate account.
STALL_BRANCHES_PER_ACCOUNT = 200
#: Deterministic mode: work budget of the OR-Tools search, branches per candidate.
BRANCHES_PER_ACCOUNT = 20_000
#: Time-limited mode: OR-Tools asks whether to stop at every branch and move (some
#: 10^5-10^6 times a second); the clock is read at one ask in this many, as reading it
#: at every ask took a third of the search's CPU time.
CHECK_EVERY = 256
#: PyVRP stops after this many iterations without a better solution.
PYVRP_STALL_ITERATIONS = 500
#: Deterministic mode: PyVRP's iteration budget.
PYVRP_MAX_ITERATIONS = 3_000


class SearchStop:
    """The stopping rule of one day-plan search; remembers why the search stopped.

    Parameters
    ----------
    time_limit_s
        Wall-clock limit (deterministic mode: a safety cap), seconds.
    n_accounts
        Candidate accounts (sizes the deterministic budget).
    deterministic
        Stop on work done (branches, iterations) instead of the clock.
    began
        ``time.monotonic()`` when the solve began (for the time-limit check; the stall
        counts CPU seconds of this thread from the moment the rule is made).
    cancelled
        Polled while searching (OR-Tools and PyVRP); True stops the search at once with
        the best solution so far (a cancelled job), said as ``StopReason.CANCELLED``.
    """

    def __init__(
        self,
        *,
        time_limit_s: float,
        n_accounts: int,
        deterministic: bool,
        began: float | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> None:
        self.time_limit_s = time_limit_s
        self.deterministic = deterministic
        self.began = time.monotonic() if began is None else began
        self.cpu_began = time.thread_time()
        self.max_branches = max(STALL_MIN_BRANCHES, BRANCHES_PER_ACCOUNT * n_accounts)
        self.min_stall_branches = max(STALL_MIN_BRANCHES, STALL_BRANCHES_PER_ACCOUNT * n_accounts)
        self.reason: StopReason | None = None
        self.solutions = 0
        self._best: int | None = None
        self._best_branch = 0
        self._best_cpu = 0.0
        self._routing: Any = None
        self._cancelled = cancelled
        self._asks = 0
        #: The search starts from a given solution (set by the engine once it is read).
        self.warm = False

    # ----------------------------------------------------------------- OR-Tools
    def attach(self, routing: Any) -> None:
        """Add the solution callback and the stopping monitor to an OR-Tools model."""
        self._routing = routing
        routing.AddAtSolutionCallback(self._on_solution)
        self._limit = routing.solver().CustomLimit(self._should_stop)
        routing.AddSearchMonitor(self._limit)

    def _branches(self) -> int:
        return int(self._routing.solver().Branches())

    def _on_solution(self) -> None:
        self.solutions += 1
        cost = self._routing.CostVar().Value()
        if self._best is None or cost < self._best:
            self._best, self._best_cpu = cost, time.thread_time() - self.cpu_began
            self._best_branch = self._branches()

    def _is_cancelled(self) -> bool:
        if self._cancelled is not None and self._cancelled():
            self.reason = StopReason.CANCELLED
            return True
        return False

    def _should_stop(self) -> bool:
        if self.reason is not None:
            return True
        if not self.deterministic:  # deterministic mode counts branches: every ask
            self._asks += 1
            if self._asks < CHECK_EVERY:
                return False
            self._asks = 0
        if self._is_cancelled():
            return True
        if self._best is None:
            return False
        if self.deterministic:
            branches = self._branches()
            stall = branches - self._best_branch
            if stall > max(self.min_stall_branches, STALL_SHARE * self._best_branch):
                self.reason = StopReason.CONVERGED
            elif branches >= self.max_branches:
                self.reason = StopReason.WORK_LIMIT
            return self.reason is not None
        stall_s = time.thread_time() - self.cpu_began - self._best_cpu
        floor_s = WARM_STALL_MIN_S if self.warm else STALL_MIN_S
        if stall_s > max(floor_s, STALL_SHARE * self._best_cpu):
            self.reason = StopReason.CONVERGED
        return self.reason is not None

    def finish(self, found: bool) -> StopReason:
        """Return why the OR-Tools search stopped (call once it has returned).

        Parameters
        ----------
        found
            Whether the search returned a solution.
        """
        if self.reason is None:
            used = time.monotonic() - self.began
            self.reason = (
                StopReason.TIME_LIMIT
                if used >= 0.95 * self.time_limit_s or not found
                else StopReason.COMPLETED
            )
        return self.reason

    # ------------------------------------------------------------------- PyVRP
    def pyvrp_criterion(self, time_limit_s: float) -> Any:
        """Return PyVRP's stopping criterion for its share of the search.

        Parameters
        ----------
        time_limit_s
            PyVRP's share of the time limit, seconds (deterministic mode: ignored).
        """
        from pyvrp.stop import MaxIterations, MaxRuntime, MultipleCriteria, NoImprovement

        criteria = [MaxRuntime(time_limit_s), NoImprovement(PYVRP_STALL_ITERATIONS)]
        if self.deterministic:  # the whole time limit is only a safety cap
            criteria = [
                MaxRuntime(self.time_limit_s),
                MaxIterations(PYVRP_MAX_ITERATIONS),
                NoImprovement(PYVRP_STALL_ITERATIONS),
            ]
        criterion = MultipleCriteria(criteria)
        if self._cancelled is None:
            return criterion

        def stop_or_cancelled(best_cost: float) -> bool:
            return criterion(best_cost) or self._is_cancelled()

        return stop_or_cancelled

    def pyvrp_finished(self, runtime_s: float) -> None:
        """Note PyVRP's run time: in deterministic mode, reaching the cap is a time limit."""
        if self.reason is None and self.deterministic and runtime_s >= 0.95 * self.time_limit_s:
            self.reason = StopReason.TIME_LIMIT
