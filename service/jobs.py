"""Background jobs: a SQLAlchemy job store and a pluggable executor.

A job is a row (id, kind, status, progress, request, result, error, created/updated
times) in any database SQLAlchemy reaches (SQLite by default). The store is the only
shared state: the executor that runs a job writes its progress and result straight
into it, so a service restart loses nothing, and jobs a crashed process left
``queued`` or ``running`` are submitted again on start-up (:func:`resume_unfinished`).

Executors implement the small :class:`JobExecutor` interface; the default
:class:`InProcessExecutor` runs jobs in a process pool of this service.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import JSON, DateTime, Float, String, create_engine, select, update
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from service.runtime import JOB_KINDS, RuntimeConfig

log = logging.getLogger(__name__)

QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED = (
    "queued",
    "running",
    "succeeded",
    "failed",
    "cancelled",
)
#: Statuses a job can still leave.
UNFINISHED = (QUEUED, RUNNING)


class _Base(DeclarativeBase):
    pass


class JobRow(_Base):
    """The ``jobs`` table."""

    __tablename__ = "jobs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), index=True)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    request: Mapped[dict] = mapped_column(JSON)
    result: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    error: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


@dataclass(frozen=True)
class Job:
    """A snapshot of one job."""

    id: str
    kind: str
    status: str
    progress: float
    request: dict[str, Any]
    result: dict[str, Any] | None
    error: dict[str, Any] | None
    created_at: dt.datetime
    updated_at: dt.datetime

    def to_dict(self, *, with_result: bool = True) -> dict[str, Any]:
        """Return the job as the ``GET /v1/jobs/{id}`` body."""
        return {
            "id": self.id,
            "kind": self.kind,
            "status": self.status,
            "progress": round(min(max(self.progress, 0.0), 1.0), 3),
            "created_at": _iso(self.created_at),
            "updated_at": _iso(self.updated_at),
            "result": self.result if with_result else None,
            "error": self.error,
        }


def _iso(value: dt.datetime) -> str:
    if value.tzinfo is None:  # SQLite returns naive datetimes
        value = value.replace(tzinfo=dt.UTC)
    return value.isoformat(timespec="seconds")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _engine(database_url: str) -> Engine:
    url = make_url(database_url)
    kwargs: dict[str, Any] = {}
    if url.get_backend_name() == "sqlite":
        kwargs["connect_args"] = {"timeout": 30, "check_same_thread": False}
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    else:
        kwargs["pool_pre_ping"] = True  # a server-side database may drop idle connections
    return create_engine(url, **kwargs)


class JobStore:
    """Jobs in a database.

    Parameters
    ----------
    database_url
        Any SQLAlchemy URL, e.g. ``sqlite:///data/fieldroute.sqlite`` or
        ``postgresql+psycopg://user@host/db``. The table is created when missing.
    """

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self.engine = _engine(database_url)
        _Base.metadata.create_all(self.engine)

    def _snapshot(self, row: JobRow) -> Job:
        return Job(
            id=row.id,
            kind=row.kind,
            status=row.status,
            progress=row.progress,
            request=row.request,
            result=row.result,
            error=row.error,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    def create(self, kind: str, request: dict[str, Any]) -> Job:
        """Insert a new ``queued`` job and return it."""
        now = _now()
        row = JobRow(
            id=uuid.uuid4().hex,
            kind=kind,
            status=QUEUED,
            progress=0.0,
            request=request,
            result=None,
            error=None,
            created_at=now,
            updated_at=now,
        )
        with Session(self.engine) as session, session.begin():
            session.add(row)
            session.flush()
            return self._snapshot(row)

    def get(self, job_id: str) -> Job | None:
        """Return the job, or None when there is no job with that id."""
        with Session(self.engine) as session:
            row = session.get(JobRow, job_id)
            return None if row is None else self._snapshot(row)

    def _move(self, job_id: str, from_statuses: tuple[str, ...], **values: Any) -> bool:
        """Update the job only while its status is one of ``from_statuses``; True if it was."""
        with Session(self.engine) as session, session.begin():
            result = session.execute(
                update(JobRow)
                .where(JobRow.id == job_id, JobRow.status.in_(from_statuses))
                .values(updated_at=_now(), **values)
            )
            return result.rowcount == 1

    def start(self, job_id: str) -> bool:
        """Move a queued job to ``running``; False when it is not queued (e.g. cancelled)."""
        return self._move(job_id, (QUEUED,), status=RUNNING, progress=0.0)

    def set_progress(self, job_id: str, fraction: float) -> None:
        """Record progress (0..1) of a running job."""
        self._move(job_id, (RUNNING,), progress=min(max(float(fraction), 0.0), 1.0))

    def succeed(self, job_id: str, result: dict[str, Any]) -> bool:
        """Store the result of a running job; False when it was cancelled meanwhile."""
        return self._move(job_id, (RUNNING,), status=SUCCEEDED, progress=1.0, result=result)

    def fail(self, job_id: str, error: dict[str, Any]) -> bool:
        """Store the error of a running job; False when it was cancelled meanwhile."""
        return self._move(job_id, (RUNNING,), status=FAILED, error=error)

    def cancel(self, job_id: str) -> bool:
        """Cancel a queued or running job; False when it had already finished."""
        return self._move(job_id, UNFINISHED, status=CANCELLED)

    def requeue(self, job_id: str) -> bool:
        """Put an unfinished job back to ``queued`` (resume after a crash)."""
        return self._move(job_id, UNFINISHED, status=QUEUED, progress=0.0)

    def unfinished(self) -> list[Job]:
        """Return every job still ``queued`` or ``running``, oldest first."""
        with Session(self.engine) as session:
            rows = session.scalars(
                select(JobRow).where(JobRow.status.in_(UNFINISHED)).order_by(JobRow.created_at)
            )
            return [self._snapshot(row) for row in rows]

    def dispose(self) -> None:
        """Close the store's database connections."""
        self.engine.dispose()


@lru_cache(maxsize=4)
def store_for(database_url: str) -> JobStore:
    """Return the job store of ``database_url``, opened once per process."""
    return JobStore(database_url)


def error_body(exc: Exception) -> dict[str, Any]:
    """Return the error body a failed job carries (the API's one error shape)."""
    from service.errors import domain_status

    mapped = domain_status(exc)
    if mapped is None:
        return {"error": "internal_error", "detail": f"{type(exc).__name__}: {exc}", "field": None}
    return {"error": mapped[1], "detail": str(exc), "field": getattr(exc, "field", None)}


def run_job(job_id: str, kind: str, config: RuntimeConfig) -> str:
    """Run one job to its end, writing status, progress and result into the store.

    This is the whole job lifecycle and runs in whatever process an executor picks.
    A job that is no longer ``queued`` (cancelled meanwhile) is skipped. A result that
    arrives after a cancel is dropped.

    Returns
    -------
    str
        The job's final status as written by this call (or its current status when skipped).
    """
    store = store_for(config.database_url)
    if not store.start(job_id):
        job = store.get(job_id)
        return job.status if job else CANCELLED
    job = store.get(job_id)
    assert job is not None
    last = [0.0]

    def on_progress(fraction: float, best_cost: float | None) -> None:
        now = time.monotonic()
        if now - last[0] >= 1.0:
            last[0] = now
            store.set_progress(job_id, fraction)

    try:
        result = JOB_KINDS[kind](job.request, config, on_progress)
    except Exception as exc:  # noqa: BLE001 - every failure is recorded on the job
        if error_body(exc)["error"] == "internal_error":
            log.exception("job %s (%s) crashed", job_id, kind)
        store.fail(job_id, error_body(exc))
        return FAILED
    return SUCCEEDED if store.succeed(job_id, result) else CANCELLED


class JobExecutor(Protocol):
    """Runs jobs somewhere; the store holds their state."""

    def submit(self, job_id: str, kind: str, request_json: dict[str, Any]) -> None:
        """Start the job (it is already stored as ``queued``)."""

    def cancel(self, job_id: str) -> None:
        """Stop the job if it has not started (the store already says ``cancelled``)."""


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
    Cancelling a job that is already solving does not interrupt the solver: it runs
    to its ``time_limit_s`` and its result is dropped. A job whose worker process dies
    is marked failed (not resumed, so a job that crashes its worker cannot loop); jobs
    still waiting in the broken pool are submitted to a new one.
    """

    def __init__(
        self,
        pool: Callable[[], ProcessPoolExecutor],
        config: RuntimeConfig,
        *,
        on_broken: Callable[[ProcessPoolExecutor], None] | None = None,
    ) -> None:
        self._pool = pool
        self.config = config
        self._on_broken = on_broken
        self._futures: dict[str, Future] = {}
        self._lock = threading.Lock()

    def submit(self, job_id: str, kind: str, request_json: dict[str, Any]) -> None:
        """Queue :func:`run_job` for the job in the pool (the request is read from the store)."""
        pool = self._pool()
        try:
            future = pool.submit(run_job, job_id, kind, self.config)
        except BrokenProcessPool:
            self._broken(pool)
            pool = self._pool()
            future = pool.submit(run_job, job_id, kind, self.config)
        with self._lock:
            self._futures[job_id] = future
        future.add_done_callback(lambda f: self._done(job_id, kind, pool, f))

    def _broken(self, pool: ProcessPoolExecutor) -> None:
        if self._on_broken is not None:
            self._on_broken(pool)

    def _done(self, job_id: str, kind: str, pool: ProcessPoolExecutor, future: Future) -> None:
        with self._lock:
            self._futures.pop(job_id, None)
        if future.cancelled():
            return  # cancelled, or dropped at shutdown: still queued in the store if so
        exc = future.exception()
        if exc is None:
            return
        log.error("job %s: worker failed: %r", job_id, exc)
        store = store_for(self.config.database_url)
        if isinstance(exc, BrokenProcessPool):
            self._broken(pool)
            job = store.get(job_id)
            if job is not None and job.status == QUEUED:  # waiting, not the cause: run it again
                self.submit(job_id, kind, job.request)
                return
            store.fail(
                job_id,
                {
                    "error": "worker_died",
                    "detail": "The worker process running this job stopped unexpectedly.",
                    "field": None,
                },
            )
        else:
            store.fail(job_id, error_body(exc))

    def cancel(self, job_id: str) -> None:
        """Drop the job from the pool queue if it has not started."""
        with self._lock:
            future = self._futures.get(job_id)
        if future is not None:
            future.cancel()


def resume_unfinished(store: JobStore, executor: JobExecutor) -> list[str]:
    """Submit again every job a previous process left ``queued`` or ``running``.

    Returns
    -------
    list of str
        Ids of the resumed jobs.
    """
    resumed = []
    for job in store.unfinished():
        if store.requeue(job.id):
            executor.submit(job.id, job.kind, job.request)
            resumed.append(job.id)
    if resumed:
        log.info("resumed %d unfinished job(s)", len(resumed))
    return resumed
