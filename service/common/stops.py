"""Stopping a synchronous solve from the API process: a board of stop marks in shared memory.

A synchronous request that passes ``sync_deadline_s`` is answered 503 ``timeout``; its
solve must not keep a worker busy until its own time limit. The API process takes a
:class:`Ticket` for each call (a slot of the board and a serial number), the worker
process's progress callback reads the slot (:func:`stop_asked`), and on a timeout the API
writes the ticket's serial into it (:meth:`StopBoard.stop`): the solver sees a true
answer from its progress callback and stops, as it does for a cancelled job. A slot
reused by a later call carries another serial, so an old mark never stops a new solve.

The board is a ``multiprocessing`` shared array handed to the pool's processes by their
initializer (:func:`service.common.runtime.make_pool`).
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass
from typing import Any

#: Synchronous calls that can be stopped at once (more run unstoppable, to their end).
STOP_SLOTS = 256

#: The board of this worker process (set by the pool initializer; None elsewhere).
_MARKS: Any = None


class Stopped(Exception):  # noqa: N818 - a stop that was asked for, not an error
    """A use case stopped because its progress callback said so (cancel, or timeout).

    Solvers stop and return their best answer; work with no partial answer (a
    matrix) raises this instead. The job runner records the job as cancelled.
    """


@dataclass(frozen=True)
class Ticket:
    """One synchronous call's place on the board: its slot and serial number."""

    slot: int
    serial: int


class StopBoard:
    """The API process's side of the board: hands out tickets and marks stops.

    Parameters
    ----------
    context
        The ``multiprocessing`` context of the pool (the array must be made by it).
    slots
        Calls that can hold a ticket at once.
    """

    def __init__(self, context: Any, slots: int = STOP_SLOTS) -> None:
        self.marks = context.Array("q", slots)
        self._free = list(range(slots))
        self._serials = itertools.count(1)
        self._lock = threading.Lock()

    def take(self) -> Ticket | None:
        """Return a ticket for a new call; None when every slot is held."""
        with self._lock:
            if not self._free:
                return None
            return Ticket(self._free.pop(), next(self._serials))

    def stop(self, ticket: Ticket) -> None:
        """Ask the worker running the ticket's call to stop it."""
        self.marks[ticket.slot] = ticket.serial

    def release(self, ticket: Ticket) -> None:
        """Give the ticket's slot back (its call has ended, in the worker too)."""
        with self._lock:
            self._free.append(ticket.slot)


def install(marks: Any) -> None:
    """Keep the pool's board in this worker process (called by the pool initializer)."""
    global _MARKS
    _MARKS = marks


def stop_asked(ticket: Ticket) -> bool:
    """Return True once the API process asked to stop the ticket's call (in a worker)."""
    return _MARKS is not None and _MARKS[ticket.slot] == ticket.serial
