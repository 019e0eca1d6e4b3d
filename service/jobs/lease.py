"""The whole life of one job in whatever process runs it: claim, heartbeat, result.

:func:`run_job` claims the job (or one part of a batch job) in the store, renews its
lease from a background thread while the use case runs, and writes progress and the
result as the holder of that attempt. The use case is the job kind's ``run`` (see
:mod:`service.jobs.kinds`); it takes and returns pydantic models, and the store keeps
their JSON.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.exc import OperationalError
from tenacity import Retrying, retry_if_exception_type, stop_after_delay, wait_exponential

from service.common.errors import INTERNAL_ERROR, error_body
from service.common.runtime import RuntimeConfig
from service.jobs.kinds import KINDS
from service.jobs.store import JobStore, store_for
from service.jobs.tables import JobStatus, default_worker_name

log = logging.getLogger(__name__)

#: What :func:`run_job` returns when a live worker holds the job: check again later.
BUSY = "busy"
#: How often a solving job looks whether it was cancelled (then its solver stops), s.
CANCEL_POLL_S = 0.3

T = TypeVar("T")


def persist(write: Callable[[], T], patience_s: float) -> T:
    """Run a store write; while the database is unreachable, try it again for ``patience_s``.

    A solve's result is worth waiting for: a database restarted or failed over for a few
    seconds must cost neither the solve nor a second run of it. The writes retried this
    way are conditional updates, so one that reached the database before its connection
    dropped is not applied twice (the retry finds the job already finished).

    Raises
    ------
    sqlalchemy.exc.OperationalError
        When the database is still unreachable after ``patience_s``.
    """
    retrying = Retrying(
        retry=retry_if_exception_type(OperationalError),
        stop=stop_after_delay(patience_s),
        wait=wait_exponential(multiplier=0.25, max=5.0),
        reraise=True,
        before_sleep=lambda state: log.warning(
            "job database unreachable (try %d): %s", state.attempt_number, state.outcome
        ),
    )
    return retrying(write)


def _failure(exc: Exception, what: str) -> dict[str, Any]:
    """Return the error body a failed job (or part) carries; log a bug with its traceback."""
    body = error_body(exc)
    if body is None:
        log.exception("%s crashed", what)
        return dict(INTERNAL_ERROR)
    return body


class Heartbeat:
    """Background thread that renews a job's lease while it is being solved."""

    def __init__(self, beat: Callable[[], bool], interval_s: float) -> None:
        self._beat = beat
        self._interval_s = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="job-heartbeat", daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self._interval_s):
            try:
                if not self._beat():
                    return  # cancelled or taken over: nothing to renew
            except Exception:  # noqa: BLE001 - a missed beat is not fatal
                log.warning("job heartbeat failed", exc_info=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


class CancelWatch:
    """Says whether a job was cancelled, reading its status at most every :data:`CANCEL_POLL_S`.

    Called from a solve's progress callback: its True answer stops the solver.
    """

    def __init__(self, store: JobStore, job_id: str) -> None:
        self._store = store
        self._job_id = job_id
        self._checked = 0.0
        self.seen = False

    def __call__(self) -> bool:
        """Return True once the job is cancelled."""
        now = time.monotonic()
        if not self.seen and now - self._checked >= CANCEL_POLL_S:
            self._checked = now
            try:
                self.seen = self._store.status(self._job_id) == JobStatus.CANCELLED
            except OperationalError:  # database unreachable: look again next time
                log.warning("job %s: cancel not checked (database unreachable)", self._job_id)
        return self.seen


def _note_stopped(
    store: JobStore, job_id: str, attempt: int, worker: str, part: str | None = None
) -> None:
    """Record that a cancel stopped the solver (the audit trail only: never fatal)."""
    try:
        store.note(job_id, "solver_stopped", attempt=attempt, worker=worker, part=part)
    except OperationalError:
        log.warning("job %s: solver_stopped not recorded (database unreachable)", job_id)


def run_job(
    job_id: str,
    kind: str,
    config: RuntimeConfig,
    *,
    part: str | None = None,
    worker: str | None = None,
) -> str:
    """Run one job (or one part of a batch job) to its end, writing into the store.

    This is the whole job lifecycle and runs in whatever process an executor picks: it
    claims the job (:meth:`JobStore.claim`), renews its lease while solving, and writes
    progress, best cost and the result as the holder of that attempt. A job that is not
    to be run (cancelled, finished, held by a live worker) is skipped. A result that
    arrives after a cancel or a take-over is dropped; a cancelled job's solver is
    stopped from its progress callback within about a second (whichever process runs it:
    the status is read from the store every :data:`CANCEL_POLL_S`).

    Parameters
    ----------
    job_id, kind
        The job.
    config
        Networks, database, lease and attempt limits.
    part
        For a batch job: the key (rep id) of the part to run.
    worker
        Name of the worker for the audit trail; default ``pid@host``.

    Returns
    -------
    str
        The status written by this call, the job's current status when skipped, or
        :data:`BUSY` when a live worker holds it (the caller may check again later).
    """
    store = store_for(config.database_url)
    worker = worker or default_worker_name()
    if part is not None:
        return _run_part(store, job_id, part, config, worker)
    claim = store.claim(
        job_id, worker=worker, lease_s=config.lease_s, max_attempts=config.max_attempts
    )
    if claim.busy:
        return BUSY
    attempt = claim.attempt
    if attempt is None:
        job = store.get(job_id)
        return job.status if job else JobStatus.CANCELLED
    job = store.get(job_id)
    assert job is not None
    cancelled = CancelWatch(store, job_id)
    # last write; best cost not written yet; whether any cost was written
    last: dict[str, Any] = {"at": 0.0, "cost": None, "costed": False}

    def on_progress(fraction: float, best_cost: float | None) -> bool:
        """Write progress (once a second); True when the job was cancelled: stop solving.

        The solver also calls it without a cost (to ask whether to stop): the latest cost
        is kept for the next write, and the first cost is written at once, so a short
        job's polls never hide its best cost.
        """
        now = time.monotonic()
        if best_cost is not None:
            last["cost"] = best_cost
        first_cost = best_cost is not None and not last["costed"]
        if now - last["at"] >= 1.0 or first_cost:
            last["at"] = now
            try:
                store.set_progress(job_id, fraction, best_cost=last["cost"], attempt=attempt)
                last["costed"] = last["costed"] or last["cost"] is not None
            except OperationalError:  # progress is a hint: the solve goes on without it
                log.warning("job %s: progress not recorded (database unreachable)", job_id)
        return cancelled()

    job_kind = KINDS[kind]
    try:
        with Heartbeat(lambda: store.heartbeat(job_id, attempt), config.lease_s / 4):
            result = job_kind.run(job_kind.parse_request(job.request), config, on_progress)
    except Exception as exc:  # noqa: BLE001 - every failure is recorded on the job
        if cancelled.seen:  # stopped by the cancel (Stopped): nothing to record but that
            _note_stopped(store, job_id, attempt, worker)
            return JobStatus.CANCELLED
        error = _failure(exc, f"job {job_id} ({kind})")
        persist(lambda: store.fail(job_id, error, attempt=attempt), config.db_retry_s)
        return JobStatus.FAILED
    if cancelled.seen:  # the solver saw the cancel and stopped early: say when
        _note_stopped(store, job_id, attempt, worker)
        return JobStatus.CANCELLED
    if persist(lambda: store.succeed(job_id, result, attempt=attempt), config.db_retry_s):
        return JobStatus.SUCCEEDED
    job = store.get(job_id)
    return job.status if job else JobStatus.CANCELLED


def _run_part(store: JobStore, job_id: str, key: str, config: RuntimeConfig, worker: str) -> str:
    claim = store.claim_part(
        job_id, key, worker=worker, lease_s=config.lease_s, max_attempts=config.max_attempts
    )
    if claim.busy:
        return BUSY
    attempt = claim.attempt
    if attempt is None:
        current = store.part(job_id, key)
        return current.status if current else JobStatus.CANCELLED
    job = store.get(job_id)
    current = store.part(job_id, key)
    assert job is not None and current is not None
    job_kind = KINDS[job.kind]
    cancelled = CancelWatch(store, job_id)
    try:
        with Heartbeat(lambda: store.heartbeat_part(job_id, key, attempt), config.lease_s / 4):
            request = job_kind.parse_request(job.request)
            result = job_kind.run_part(request, current.position, config, lambda *_: cancelled())
    except Exception as exc:  # noqa: BLE001 - recorded on the part; the batch goes on
        error = _failure(exc, f"job {job_id} part {key}")
        persist(lambda: store.finish_part(job_id, key, attempt, error=error), config.db_retry_s)
        return JobStatus.FAILED
    if cancelled.seen:
        _note_stopped(store, job_id, attempt, worker, part=key)
        return JobStatus.CANCELLED
    stored = persist(
        lambda: store.finish_part(job_id, key, attempt, result=result), config.db_retry_s
    )
    return JobStatus.SUCCEEDED if stored else JobStatus.CANCELLED
