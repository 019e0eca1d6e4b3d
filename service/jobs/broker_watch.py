"""Noticing that the Redis broker restarted, so that the jobs whose messages it lost run.

A Redis server restarted without persistence (or restored from an older snapshot) has
lost the queued messages of the Celery executor: those jobs would stay ``queued``
forever. Every Redis process has its own ``run_id`` (``INFO server``); the service polls
it, and when it changes, submits again every job (and batch part) that is queued or
whose worker stopped sending heartbeats (:func:`~service.jobs.executors.resume_unfinished`).
A job whose message did survive then has two: the second finds it finished or held by a
live worker (:meth:`~service.jobs.store.JobStore.claim`), so nothing runs or is stored
twice.

Redis unreachable when the service starts: the service starts anyway, and the jobs it
could not submit again are owed (``resume_owed``); the first look that finds Redis
answering submits them. Each look also records whether Redis answered
(:attr:`BrokerWatch.reachable`, what ``GET /health`` says of the queue).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import redis

log = logging.getLogger(__name__)


def broker_run_id(broker_url: str, *, timeout_s: float = 2.0) -> str | None:
    """Return the ``run_id`` of the Redis server at ``broker_url``; None when unreachable."""
    client = redis.Redis.from_url(
        broker_url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s
    )
    try:
        return str(client.info("server")["run_id"])
    except redis.RedisError:
        return None
    finally:
        client.close()


class BrokerWatch:
    """A background thread that calls ``on_restart`` each time the broker's run id changes.

    Parameters
    ----------
    broker_url
        The Redis broker (``redis://host:port/db``).
    on_restart
        Called (in the watch thread) after the broker came back as a new process.
    interval_s
        Seconds between two looks.
    resume_owed
        Call ``on_restart`` at the first look that finds the broker answering (the
        start-up resume could not reach it), whether or not it restarted.
    """

    def __init__(
        self,
        broker_url: str,
        on_restart: Callable[[], object],
        *,
        interval_s: float = 5.0,
        resume_owed: bool = False,
    ) -> None:
        self.broker_url = broker_url
        self.on_restart = on_restart
        self.interval_s = interval_s
        self.resume_owed = resume_owed
        self.run_id = broker_run_id(broker_url)
        #: Whether the broker answered at the last look.
        self.reachable = self.run_id is not None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="broker-watch", daemon=True)

    def start(self) -> BrokerWatch:
        """Start watching; return self."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop watching (waits for a call of ``on_restart`` in progress)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=30)

    def look(self) -> bool:
        """Look once; call ``on_restart`` and return True when the broker restarted.

        Also when a resume is owed and the broker answers. When ``on_restart`` raises
        (the broker went away again), the resume stays owed for the next look.
        """
        run_id = broker_run_id(self.broker_url)
        self.reachable = run_id is not None
        if run_id is None:  # down (or restarting): look again later
            return False
        restarted = self.run_id is not None and run_id != self.run_id
        self.run_id = run_id
        if not (restarted or self.resume_owed):
            return False
        if restarted:
            log.warning("the job broker restarted: submitting unfinished jobs again")
        else:
            log.warning("the job broker answers: submitting the unfinished jobs of start-up")
        self.resume_owed = True  # until on_restart has run through
        self.on_restart()
        self.resume_owed = False
        return True

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                self.look()
            except Exception:  # noqa: BLE001 - keep watching; the next look tries again
                log.exception("broker watch failed")
