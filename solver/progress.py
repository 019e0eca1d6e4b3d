"""Asking the caller whether a long solve should stop (a cancelled job).

:func:`solver.schedule.plan_schedule` and :func:`solver.territory.balance_territories`
report progress through ``on_progress(fraction, best_cost)``; a true answer stops the
search and the best answer so far is returned with ``solver.stop_reason = "cancelled"``
(a schedule routes the days still to route at once, their day-plan searches stopping at
once too; territories end their rounds and polishing). Day plans poll in their own
search monitor (:mod:`solver.routing.engine`).
"""

from __future__ import annotations

import time
from collections.abc import Callable

#: The caller is asked at most this often (between solver events), seconds.
POLL_S = 0.2


class CancelWatch:
    """Polls ``on_progress(fraction, None)`` at most every :data:`POLL_S`.

    Parameters
    ----------
    on_progress
        The caller's progress callback (None: never cancelled); True means stop.
    began
        ``time.monotonic()`` when the solve began.
    time_limit_s
        The solve's time limit, for the fraction reported.
    """

    def __init__(
        self,
        on_progress: Callable[[float, float | None], bool | None] | None,
        began: float,
        time_limit_s: float,
    ) -> None:
        self._on_progress = on_progress
        self._began = began
        self._time_limit_s = time_limit_s
        self._polled = began
        self.seen = False

    def fraction(self) -> float:
        """Return the share of the time limit used so far (at most 1)."""
        return min(1.0, (time.monotonic() - self._began) / max(self._time_limit_s, 1e-9))

    def report(self, best_cost: float | None) -> bool:
        """Report progress with the best cost so far; return True once asked to stop."""
        if self._on_progress is not None:  # a cost is worth reporting even after a stop
            self._polled = time.monotonic()
            if self._on_progress(self.fraction(), best_cost):
                self.seen = True
        return self.seen

    def __call__(self) -> bool:
        """Return True once the caller asked to stop (polled at most every ``POLL_S``)."""
        if self.seen or self._on_progress is None:
            return self.seen
        now = time.monotonic()
        if now - self._polled >= POLL_S:
            self._polled = now
            self.seen = bool(self._on_progress(self.fraction(), None))
        return self.seen

    def day_progress(self, _fraction: float, _best_cost: float | None) -> bool:
        """Return True to stop a day-plan search nested in this solve (the caller asked)."""
        return self()
