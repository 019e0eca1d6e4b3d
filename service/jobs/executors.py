"""Where jobs run: the :class:`JobExecutor` interface and the in-process pool executor.

The store holds every job's state; an executor only starts :func:`~service.jobs.lease.run_job`
somewhere: :class:`InProcessExecutor` in this service's process pool,
:class:`service.celery_app.CeleryExecutor` on Celery workers. Jobs left ``queued`` or
``running`` by a crashed process are submitted again on start-up (:func:`resume_unfinished`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Protocol

from service.common.errors import INTERNAL_ERROR, error_body
from service.common.runtime import RuntimeConfig
from service.jobs.kinds import KINDS
from service.jobs.lease import run_job
from service.jobs.store import JobStore, store_for
from service.jobs.tables import UNFINISHED, Job, JobStatus
from service.jobs.webhooks import dispatch_if_finished

log = logging.getLogger(__name__)


def _internal(exc: BaseException) -> dict[str, Any]:
    log.error("job failed on a bug", exc_info=exc)
    return dict(INTERNAL_ERROR)


class ExecutorUnavailableError(Exception):
    """The executor cannot take work now (its broker is unreachable): try again later."""


class JobExecutor(Protocol):
    """Runs jobs somewhere; the store holds their state."""

    def submit(
        self, job_id: str, kind: str, request_json: dict[str, Any], part: str | None = None
    ) -> None:
        """Start the job, or one part of a batch job (it is already stored as ``queued``).

        Raises :class:`ExecutorUnavailableError` when it cannot take work now.
        """

    def cancel(self, job_id: str) -> None:
        """Stop the job if it has not started (the store already says ``cancelled``)."""

    def backlog(self) -> int | None:
        """Return how many tasks wait or run (None when unknown): new jobs stop past a bound."""


class InProcessExecutor:
    """Runs jobs in a process pool of this service.

    Parameters
    ----------
    pool
        Returns the current process pool (shared with the synchronous endpoints).
    config
        Passed to :func:`run_job` in the worker.
    on_broken
        Called with a pool whose worker process died, so the owner can replace it.

    Notes
    -----
    Cancelling a job that is already solving stops its solver within about a second
    (the worker sees the ``cancelled`` status from its progress callback, see
    :func:`~service.jobs.lease.run_job`). A job whose worker process dies
    is marked failed (not resumed, so a job that crashes its worker cannot loop); jobs
    still waiting in the broken pool are submitted to a new one.
    """

    def __init__(
        self,
        pool: Callable[[], ProcessPoolExecutor],
        config: RuntimeConfig,
        *,
        on_broken: Callable[[ProcessPoolExecutor], None] | None = None,
        slots: int | None = None,
    ) -> None:
        self._pool = pool
        self.config = config
        self._on_broken = on_broken
        self._slots = slots
        self._futures: dict[tuple[str, str | None], Future] = {}
        self._waiting: dict[tuple[str, str | None], str] = {}  # in submission order
        self._resubmits: dict[tuple[str, str | None], int] = {}
        self._lock = threading.Lock()
        self._stopping = False

    def submit(
        self, job_id: str, kind: str, request_json: dict[str, Any], part: str | None = None
    ) -> None:
        """Queue :func:`run_job` for the job (or part) in the pool; it reads the store.

        With ``slots``, at most that many job tasks are in the pool at once; the others
        wait here, in order, so a synchronous request never queues behind the whole
        job backlog (the pool is first come, first served).
        """
        with self._lock:
            if self._slots is not None and len(self._futures) >= self._slots:
                self._waiting[(job_id, part)] = kind
                return
            self._futures[(job_id, part)] = Future()  # the slot is taken: see _start
        self._start(job_id, kind, part)

    def _feed(self) -> None:
        """Move waiting job tasks into the pool while it has free slots."""
        while True:
            with self._lock:
                full = self._slots is not None and len(self._futures) >= self._slots
                if self._stopping or not self._waiting or full:
                    return
                (job_id, part), kind = next(iter(self._waiting.items()))
                del self._waiting[(job_id, part)]
                self._futures[(job_id, part)] = Future()
            self._start(job_id, kind, part)

    def _start(self, job_id: str, kind: str, part: str | None) -> None:
        pool = self._pool()
        try:
            future = pool.submit(run_job, job_id, kind, self.config, part=part)
        except BrokenProcessPool:
            self._broken(pool)
            pool = self._pool()
            future = pool.submit(run_job, job_id, kind, self.config, part=part)
        with self._lock:
            self._futures[(job_id, part)] = future
        future.add_done_callback(lambda f: self._finished(job_id, kind, part, pool, f))

    def _broken(self, pool: ProcessPoolExecutor) -> None:
        if self._on_broken is not None:
            self._on_broken(pool)

    def _finished(
        self,
        job_id: str,
        kind: str,
        part: str | None,
        pool: ProcessPoolExecutor,
        future: Future,
    ) -> None:
        """Record what a worker could not, then send the job's webhook once it has ended."""
        try:
            self._done(job_id, kind, part, pool, future)
        finally:
            if not future.cancelled():
                dispatch_if_finished(store_for(self.config.database_url), job_id, self.config)
            self._feed()

    def _done(
        self,
        job_id: str,
        kind: str,
        part: str | None,
        pool: ProcessPoolExecutor,
        future: Future,
    ) -> None:
        with self._lock:
            if self._stopping:  # the service is stopping its workers: see stop()
                return
            self._futures.pop((job_id, part), None)
        if future.cancelled():
            return  # cancelled, or dropped at shutdown: still queued in the store if so
        exc = future.exception()
        if exc is None:
            return
        log.error("job %s: worker failed: %r", job_id, exc)
        store = store_for(self.config.database_url)
        died: dict[str, Any] = {
            "error": "worker_died",
            "detail": "The worker process running this job stopped unexpectedly.",
            "field": None,
        }
        broken = isinstance(exc, BrokenProcessPool)
        if broken:
            self._broken(pool)
        error = died if broken else (error_body(exc) or _internal(exc))
        with self._lock:
            tries = self._resubmits.get((job_id, part), 0) + 1
            self._resubmits[(job_id, part)] = tries
        retry = broken and tries < self.config.max_attempts  # bounded: a pool that cannot start
        if part is not None:
            current = store.part(job_id, part)
            if current is None:
                return
            if current.status == JobStatus.QUEUED and retry:
                self.submit(job_id, kind, {}, part)  # waiting, not the cause: run it again
            elif current.status in UNFINISHED:
                store.finish_part(job_id, part, current.attempts, error=error, force=True)
            return
        job = store.get(job_id)
        if job is not None and job.status == JobStatus.QUEUED and retry:
            self.submit(job_id, kind, job.request)  # waiting, not the cause: run it again
            return
        store.fail(job_id, error)

    def stop(self, stop_workers: Callable[[], object]) -> list[str]:
        """Stop the executor at service shutdown; put jobs it did not finish back in the queue.

        Parameters
        ----------
        stop_workers
            Ends the pool: drops waiting tasks, lets running ones finish for a grace
            period, terminates the rest (:func:`service.common.runtime.stop_pool`).

        Returns
        -------
        list of str
            Ids of the jobs put back to ``queued`` (resumed on the next start, by this
            service or another one on the same store).
        """
        with self._lock:
            self._stopping = True  # a worker ended now was stopped, it did not crash
        stop_workers()
        with self._lock:
            unfinished = sorted({job_id for job_id, _ in [*self._futures, *self._waiting]})
        store = store_for(self.config.database_url)
        requeued = [job_id for job_id in unfinished if store.requeue(job_id)]
        if requeued:
            log.warning("put %d unfinished job(s) back in the queue", len(requeued))
        return requeued

    def backlog(self) -> int:
        """Return the job tasks (jobs and batch parts) waiting or running."""
        with self._lock:
            return len(self._futures) + len(self._waiting)

    def cancel(self, job_id: str) -> None:
        """Drop the job (every part of a batch) from the queue if it has not started."""
        with self._lock:
            for key in [key for key in self._waiting if key[0] == job_id]:
                del self._waiting[key]
            futures = [f for (jid, _), f in self._futures.items() if jid == job_id]
        for future in futures:
            future.cancel()


def submit_job(store: JobStore, executor: JobExecutor, job: Job) -> None:
    """Hand a stored job to the executor: a batch as one task per unfinished part."""
    if KINDS[job.kind].parts is not None:  # a batch
        for key in store.unfinished_parts(job.id):
            executor.submit(job.id, job.kind, {}, key)
    else:
        executor.submit(job.id, job.kind, job.request)


def resume_unfinished(
    store: JobStore, executor: JobExecutor, *, stale_after_s: float | None = None
) -> list[str]:
    """Submit again every job a previous process left ``queued`` or ``running``.

    Parameters
    ----------
    store, executor
        Where jobs are stored and where they run.
    stale_after_s
        Resume a running job only when its heartbeat is older than this (shared
        workers such as Celery's may still be running it); None resumes every one
        (the in-process executor died with the previous service process).

    Returns
    -------
    list of str
        Ids of the resumed jobs.
    """
    resumed = []
    for job in store.unfinished():
        if store.requeue(job.id, stale_after_s=stale_after_s):
            submit_job(store, executor, job)
            resumed.append(job.id)
    if resumed:
        log.info("resumed %d unfinished job(s)", len(resumed))
    return resumed
