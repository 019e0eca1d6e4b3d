"""Background jobs: a SQLAlchemy job store and a pluggable executor.

A job is a row (id, kind, status, progress, best cost, request, result, error,
attempts, created/updated times) in any database SQLAlchemy reaches (SQLite by
default), with an audit trail of events. The store is the only shared state: the
process that runs a job writes its progress and result straight into it, so a service
restart or a Redis flush loses no finished result, and jobs left ``queued`` or
``running`` by a crashed process are submitted again on start-up
(:func:`resume_unfinished`). A batch job (``day-plan-batch``) has one part per rep,
each run, retried and stored on its own.

Executors implement the small :class:`JobExecutor` interface; the default
:class:`InProcessExecutor` runs jobs in a process pool of this service, and
:class:`service.celery_app.CeleryExecutor` on Celery workers.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
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

from sqlalchemy import (
    JSON,
    DateTime,
    Float,
    Integer,
    String,
    and_,
    create_engine,
    func,
    or_,
    select,
    update,
)
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


#: Job kind of a batch of independent single-rep day plans (``POST /v1/day-plans/batch``).
BATCH_KIND = "day-plan-batch"


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
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    worker: Mapped[str | None] = mapped_column(String(200), nullable=True)
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    deadline_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    best_cost: Mapped[float | None] = mapped_column(Float, nullable=True)
    parts_total: Mapped[int] = mapped_column(Integer, default=0)
    parts_done: Mapped[int] = mapped_column(Integer, default=0)


class JobPartRow(_Base):
    """The ``job_parts`` table: one row per independent part of a batch job (a rep)."""

    __tablename__ = "job_parts"

    job_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    worker: Mapped[str | None] = mapped_column(String(200), nullable=True)
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    result: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    error: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class JobEventRow(_Base):
    """The ``job_events`` table: what happened to a job, in order (an audit trail)."""

    __tablename__ = "job_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job_id: Mapped[str] = mapped_column(String(32), index=True)
    part: Mapped[str | None] = mapped_column(String(200), nullable=True)
    event: Mapped[str] = mapped_column(String(32))
    attempt: Mapped[int] = mapped_column(Integer, default=0)
    worker: Mapped[str | None] = mapped_column(String(200), nullable=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


#: What :func:`run_job` returns when a live worker holds the job: check again later.
BUSY = "busy"


@dataclass(frozen=True)
class Claim:
    """The answer of :meth:`JobStore.claim`.

    ``attempt`` is set when the caller is to run the job as that attempt; ``busy`` when
    another worker holds it and is alive (a duplicate or early redelivered message:
    check again after the lease).
    """

    attempt: int | None
    busy: bool = False


@dataclass(frozen=True)
class JobEvent:
    """One entry of a job's audit trail (``started``, ``taken_over``, ``succeeded`` ...)."""

    event: str
    attempt: int
    worker: str | None
    part: str | None
    at: dt.datetime


@dataclass(frozen=True)
class JobPart:
    """A snapshot of one part of a batch job."""

    job_id: str
    key: str
    position: int
    status: str
    attempts: int
    worker: str | None
    result: dict[str, Any] | None
    error: dict[str, Any] | None


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
    attempts: int = 0
    worker: str | None = None
    best_cost: float | None = None
    parts_total: int = 0
    parts_done: int = 0

    def to_dict(self, *, with_result: bool = True) -> dict[str, Any]:
        """Return the job as the ``GET /v1/jobs/{id}`` body."""
        body = {
            "id": self.id,
            "kind": self.kind,
            "status": self.status,
            "progress": round(min(max(self.progress, 0.0), 1.0), 3),
            "best_cost": None if self.best_cost is None else round(self.best_cost, 2),
            "attempts": self.attempts,
            "created_at": _iso(self.created_at),
            "updated_at": _iso(self.updated_at),
            "result": self.result if with_result else None,
            "error": self.error,
        }
        if self.parts_total:
            body["parts"] = {"total": self.parts_total, "done": self.parts_done}
        return body


def _iso(value: dt.datetime) -> str:
    return _aware(value).isoformat(timespec="seconds")


def _aware(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value  # SQLite: naive


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


def _takeable(
    table: type[JobRow] | type[JobPartRow], stale: dt.datetime, max_attempts: int
) -> list:
    """Return the conditions under which a job (or part) row may be claimed.

    Queued, or running with a heartbeat older than ``stale`` (its worker died); and
    fewer than ``max_attempts`` attempts so far.
    """
    return [
        or_(
            table.status == QUEUED,
            and_(
                table.status == RUNNING,
                or_(table.heartbeat_at.is_(None), table.heartbeat_at < stale),
            ),
        ),
        table.attempts < max_attempts,
    ]


def _taken(table: type[JobRow] | type[JobPartRow], worker: str, now: dt.datetime) -> dict[str, Any]:
    """Return the column values of a row just claimed by ``worker``."""
    return {
        "status": RUNNING,
        "attempts": table.attempts + 1,
        "worker": worker,
        "heartbeat_at": now,
        "updated_at": now,
    }


def default_worker_name() -> str:
    """Return ``pid@host`` of this process (who runs a job, for the audit trail)."""
    return f"{os.getpid()}@{socket.gethostname()}"


class JobStore:
    """Jobs in a database.

    Parameters
    ----------
    database_url
        Any SQLAlchemy URL, e.g. ``sqlite:///data/fieldroute.sqlite`` or
        ``postgresql+psycopg://user@host/db``. The tables are created when missing.

    Notes
    -----
    Who runs a job is decided by :meth:`claim`, an atomic conditional update: a queued
    job, or a running one whose worker stopped sending heartbeats for ``lease_s`` (it
    died), is taken and its ``attempts`` counter goes up. Progress and the result are
    written only by the holder of the current attempt, so a job's result is stored once
    even when a message was delivered twice.
    """

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self.engine = _engine(database_url)
        _Base.metadata.create_all(self.engine)

    # ------------------------------------------------------------------ reading

    @staticmethod
    def _snapshot(row: JobRow) -> Job:
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
            attempts=row.attempts or 0,
            worker=row.worker,
            best_cost=row.best_cost,
            parts_total=row.parts_total or 0,
            parts_done=row.parts_done or 0,
        )

    def get(self, job_id: str) -> Job | None:
        """Return the job, or None when there is no job with that id."""
        with Session(self.engine) as session:
            row = session.get(JobRow, job_id)
            return None if row is None else self._snapshot(row)

    def part(self, job_id: str, key: str) -> JobPart | None:
        """Return one part of a batch job, or None when there is no such part."""
        with Session(self.engine) as session:
            row = session.get(JobPartRow, (job_id, key))
            if row is None:
                return None
            return JobPart(
                job_id=row.job_id,
                key=row.key,
                position=row.position,
                status=row.status,
                attempts=row.attempts,
                worker=row.worker,
                result=row.result,
                error=row.error,
            )

    def parts(self, job_id: str) -> list[JobPart]:
        """Return every part of a batch job in request order."""
        with Session(self.engine) as session:
            keys = session.scalars(
                select(JobPartRow.key)
                .where(JobPartRow.job_id == job_id)
                .order_by(JobPartRow.position)
            ).all()
        return [part for key in keys if (part := self.part(job_id, key)) is not None]

    def events(self, job_id: str) -> list[JobEvent]:
        """Return the job's audit trail, oldest first."""
        with Session(self.engine) as session:
            rows = session.scalars(
                select(JobEventRow).where(JobEventRow.job_id == job_id).order_by(JobEventRow.id)
            )
            return [JobEvent(r.event, r.attempt, r.worker, r.part, _aware(r.at)) for r in rows]

    def unfinished(self) -> list[Job]:
        """Return every job still ``queued`` or ``running``, oldest first."""
        with Session(self.engine) as session:
            rows = session.scalars(
                select(JobRow).where(JobRow.status.in_(UNFINISHED)).order_by(JobRow.created_at)
            )
            return [self._snapshot(row) for row in rows]

    # ------------------------------------------------------------------ writing

    @staticmethod
    def _event(
        session: Session,
        job_id: str,
        event: str,
        *,
        attempt: int = 0,
        worker: str | None = None,
        part: str | None = None,
    ) -> None:
        session.add(
            JobEventRow(
                job_id=job_id, part=part, event=event, attempt=attempt, worker=worker, at=_now()
            )
        )

    def create(
        self,
        kind: str,
        request: dict[str, Any],
        *,
        deadline_s: float | None = None,
        parts: list[str] | None = None,
    ) -> Job:
        """Insert a new ``queued`` job and return it.

        Parameters
        ----------
        kind
            Job kind (``day-plan``, ``territories``, ``estimates``, ``day-plan-batch``).
        request
            The request body the job runs.
        deadline_s
            Seconds from now after which the job fails instead of starting.
        parts
            Keys of independent parts (a batch's rep ids), each run and stored on its own.
        """
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
            attempts=0,
            deadline_at=None if deadline_s is None else now + dt.timedelta(seconds=deadline_s),
            parts_total=len(parts or ()),
            parts_done=0,
        )
        with Session(self.engine) as session, session.begin():
            session.add(row)
            for position, key in enumerate(parts or ()):
                session.add(
                    JobPartRow(
                        job_id=row.id,
                        key=key,
                        position=position,
                        status=QUEUED,
                        attempts=0,
                        updated_at=now,
                    )
                )
            self._event(session, row.id, "queued")
            session.flush()
            return self._snapshot(row)

    def _move(
        self,
        job_id: str,
        from_statuses: tuple[str, ...],
        *,
        attempt: int | None = None,
        event: str | None = None,
        **values: Any,
    ) -> bool:
        """Update the job only while its status is one of ``from_statuses``; True if it was.

        With ``attempt``, only the holder of that attempt may write.
        """
        with Session(self.engine) as session, session.begin():
            condition = [JobRow.id == job_id, JobRow.status.in_(from_statuses)]
            if attempt is not None:
                condition.append(JobRow.attempts == attempt)
            result = session.execute(
                update(JobRow).where(*condition).values(updated_at=_now(), **values)
            )
            moved = result.rowcount == 1
            if moved and event:
                self._event(session, job_id, event, attempt=attempt or 0)
            return moved

    def claim(self, job_id: str, *, worker: str, lease_s: float, max_attempts: int) -> Claim:
        """Take the job to run it, or say why not.

        A queued job is taken; a running job only when its heartbeat is older than
        ``lease_s`` (its worker died) - the job is then *taken over*. A running job with a
        fresh heartbeat is ``busy``. A job past its deadline (plus one lease, for a busy
        one), or one already tried ``max_attempts`` times, is failed instead.
        """
        now = _now()
        stale = now - dt.timedelta(seconds=lease_s)
        with Session(self.engine) as session, session.begin():
            result = session.execute(
                update(JobRow)
                .where(JobRow.id == job_id, *_takeable(JobRow, stale, max_attempts))
                .values(**_taken(JobRow, worker, now))
            )
            row = session.get(JobRow, job_id)
            if row is None:
                return Claim(None)
            if result.rowcount != 1:
                return self._not_claimed(session, row, row, lease_s, max_attempts)
            attempt = row.attempts
            self._event(
                session,
                job_id,
                "started" if attempt == 1 else "taken_over",
                attempt=attempt,
                worker=worker,
            )
            if row.deadline_at is not None and _aware(row.deadline_at) < now:
                self._give_up(session, row, "its deadline passed before it could run")
                return Claim(None)
            return Claim(attempt)

    def _not_claimed(
        self,
        session: Session,
        job: JobRow,
        held: JobRow | JobPartRow,
        lease_s: float,
        max_attempts: int,
    ) -> Claim:
        """Explain a failed claim of ``held`` (the job, or a part of batch ``job``)."""
        if held.status not in UNFINISHED:
            return Claim(None)
        if (held.attempts or 0) >= max_attempts:
            self._give_up(session, job, f"it was started {held.attempts} times")
            return Claim(None)
        late = dt.timedelta(seconds=lease_s)
        if job.deadline_at is not None and _aware(job.deadline_at) + late < _now():
            self._give_up(session, job, "it ran past its deadline")
            return Claim(None)
        return Claim(None, busy=held.status == RUNNING)

    def _give_up(self, session: Session, row: JobRow, why: str) -> None:
        row.status = FAILED
        row.error = {
            "error": "job_abandoned",
            "detail": f"The job was not run to its end: {why}.",
            "field": None,
        }
        row.updated_at = _now()
        self._event(session, row.id, "abandoned", attempt=row.attempts or 0)

    def start(self, job_id: str) -> bool:
        """Move a queued job to ``running``; False when it is not queued (e.g. cancelled)."""
        return self._move(job_id, (QUEUED,), event="started", status=RUNNING, progress=0.0)

    def heartbeat(self, job_id: str, attempt: int) -> bool:
        """Say the holder of ``attempt`` is alive; False when it no longer holds the job."""
        return self._move(job_id, (RUNNING,), attempt=attempt, heartbeat_at=_now())

    def set_progress(
        self,
        job_id: str,
        fraction: float,
        *,
        best_cost: float | None = None,
        attempt: int | None = None,
    ) -> None:
        """Record progress (0..1) and the best cost so far of a running job."""
        values: dict[str, Any] = {"progress": min(max(float(fraction), 0.0), 1.0)}
        if best_cost is not None:
            values["best_cost"] = float(best_cost)
        if attempt is not None:
            values["heartbeat_at"] = _now()
        self._move(job_id, (RUNNING,), attempt=attempt, **values)

    def succeed(self, job_id: str, result: dict[str, Any], *, attempt: int | None = None) -> bool:
        """Store the result of a running job; False when it was cancelled or taken over."""
        return self._move(
            job_id,
            (RUNNING,),
            attempt=attempt,
            event="succeeded",
            status=SUCCEEDED,
            progress=1.0,
            result=result,
        )

    def fail(self, job_id: str, error: dict[str, Any], *, attempt: int | None = None) -> bool:
        """Store the error of a job; False when it was cancelled, finished or taken over.

        With ``attempt`` only the holder of that attempt of a running job may fail it;
        without, any unfinished job is failed (its executor could not run it at all).
        """
        from_statuses = (RUNNING,) if attempt is not None else UNFINISHED
        return self._move(
            job_id, from_statuses, attempt=attempt, event="failed", status=FAILED, error=error
        )

    def cancel(self, job_id: str) -> bool:
        """Cancel a queued or running job; False when it had already finished."""
        return self._move(job_id, UNFINISHED, event="cancelled", status=CANCELLED)

    def requeue(self, job_id: str, *, stale_after_s: float | None = None) -> bool:
        """Put an unfinished job back to ``queued`` (resume after a crash).

        With ``stale_after_s``, a running job is requeued only when its heartbeat is
        older than that (its worker is gone); a live worker's job is left alone.
        """
        condition = [JobRow.id == job_id, JobRow.status.in_(UNFINISHED)]
        if stale_after_s is not None:
            stale = _now() - dt.timedelta(seconds=stale_after_s)
            condition.append(
                or_(
                    JobRow.status == QUEUED,
                    JobRow.heartbeat_at.is_(None),
                    JobRow.heartbeat_at < stale,
                )
            )
        with Session(self.engine) as session, session.begin():
            result = session.execute(
                update(JobRow)
                .where(*condition)
                .values(status=QUEUED, progress=0.0, heartbeat_at=None, updated_at=_now())
            )
            if result.rowcount != 1:
                return False
            session.execute(
                update(JobPartRow)
                .where(JobPartRow.job_id == job_id, JobPartRow.status == RUNNING)
                .values(status=QUEUED, heartbeat_at=None, updated_at=_now())
            )
            self._event(session, job_id, "requeued")
            return True

    # ------------------------------------------------------------------ batch parts

    def claim_part(
        self, job_id: str, key: str, *, worker: str, lease_s: float, max_attempts: int
    ) -> Claim:
        """Take one part of a batch job to run it, or say why not (see :meth:`claim`)."""
        now = _now()
        stale = now - dt.timedelta(seconds=lease_s)
        with Session(self.engine) as session, session.begin():
            job = session.get(JobRow, job_id)
            if job is None or job.status not in UNFINISHED:
                return Claim(None)  # cancelled (or finished) batch: skip
            if job.deadline_at is not None and _aware(job.deadline_at) < now:
                self._give_up(session, job, "its deadline passed before all reps were planned")
                return Claim(None)
            result = session.execute(
                update(JobPartRow)
                .where(
                    JobPartRow.job_id == job_id,
                    JobPartRow.key == key,
                    *_takeable(JobPartRow, stale, max_attempts),
                )
                .values(**_taken(JobPartRow, worker, now))
            )
            part = session.get(JobPartRow, (job_id, key))
            if part is None:
                return Claim(None)
            if result.rowcount != 1:
                if part.status in UNFINISHED and part.attempts >= max_attempts:
                    error = {
                        "error": "job_abandoned",
                        "detail": f"Rep '{key}' was started {part.attempts} times.",
                        "field": None,
                    }
                    self._finish_part(session, job, part, FAILED, None, error)
                    return Claim(None)
                return Claim(None, busy=part.status == RUNNING)
            if job.status == QUEUED:
                job.status = RUNNING
                job.updated_at = now
                self._event(session, job_id, "started", worker=worker)
            self._event(
                session,
                job_id,
                "started" if part.attempts == 1 else "taken_over",
                attempt=part.attempts,
                worker=worker,
                part=key,
            )
            return Claim(part.attempts)

    def finish_part(
        self,
        job_id: str,
        key: str,
        attempt: int,
        *,
        result: dict[str, Any] | None = None,
        error: dict[str, Any] | None = None,
        force: bool = False,
    ) -> bool:
        """Store one part's result (or error); the batch succeeds when its last part ends.

        With ``force`` a queued part is finished too (its executor could not run it).

        Returns
        -------
        bool
            False when the part is no longer held by ``attempt`` (taken over, cancelled).
        """
        part_statuses = UNFINISHED if force else (RUNNING,)
        with Session(self.engine) as session, session.begin():
            job = session.get(JobRow, job_id)
            part = session.get(JobPartRow, (job_id, key))
            if (
                job is None
                or part is None
                or job.status not in UNFINISHED
                or part.status not in part_statuses
                or part.attempts != attempt
            ):
                return False
            if job.status == QUEUED:
                job.status = RUNNING
            status = SUCCEEDED if error is None else FAILED
            self._finish_part(session, job, part, status, result, error)
            return True

    def _finish_part(
        self,
        session: Session,
        job: JobRow,
        part: JobPartRow,
        status: str,
        result: dict[str, Any] | None,
        error: dict[str, Any] | None,
    ) -> None:
        part.status = status
        part.result = result
        part.error = error
        part.updated_at = _now()
        self._event(session, job.id, status, attempt=part.attempts, part=part.key)
        session.flush()
        done = session.scalar(
            select(func.count())
            .select_from(JobPartRow)
            .where(JobPartRow.job_id == job.id, JobPartRow.status.in_((SUCCEEDED, FAILED)))
        )
        job.parts_done = done or 0
        job.progress = job.parts_done / max(job.parts_total, 1)
        job.updated_at = _now()
        if job.parts_done >= job.parts_total:
            rows = session.scalars(
                select(JobPartRow).where(JobPartRow.job_id == job.id).order_by(JobPartRow.position)
            ).all()
            job.result = batch_summary(job.id, rows)
            job.status = SUCCEEDED if job.result["succeeded"] else FAILED
            if job.status == FAILED:
                job.error = {
                    "error": "batch_failed",
                    "detail": "No rep of the batch could be planned; see result.reps.",
                    "field": None,
                }
            self._event(session, job.id, job.status)

    def unfinished_parts(self, job_id: str) -> list[str]:
        """Return the keys of a batch job's parts that are not finished."""
        with Session(self.engine) as session:
            return list(
                session.scalars(
                    select(JobPartRow.key)
                    .where(JobPartRow.job_id == job_id, JobPartRow.status.in_(UNFINISHED))
                    .order_by(JobPartRow.position)
                )
            )

    def dispose(self) -> None:
        """Close the store's database connections."""
        self.engine.dispose()


def batch_summary(job_id: str, parts: list[JobPartRow]) -> dict[str, Any]:
    """Return the result body of a finished batch: one line per rep with its status."""
    reps = []
    for part in parts:
        line: dict[str, Any] = {
            "rep_id": part.key,
            "status": part.status,
            "result_url": f"/v1/jobs/{job_id}/results/{part.key}",
        }
        if part.result is not None:
            summary = part.result.get("summary") or {}
            line["visits"] = summary.get("visits")
            line["unassigned"] = summary.get("unassigned")
            line["cost"] = summary.get("cost")
        if part.error is not None:
            line["error"] = part.error
        reps.append(line)
    succeeded = sum(1 for part in parts if part.status == SUCCEEDED)
    return {"reps": reps, "succeeded": succeeded, "failed": len(parts) - succeeded}


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


class _Heartbeat:
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

    def __enter__(self) -> _Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


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
    arrives after a cancel or a take-over is dropped.

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
        return job.status if job else CANCELLED
    job = store.get(job_id)
    assert job is not None
    last = [0.0]

    def on_progress(fraction: float, best_cost: float | None) -> None:
        now = time.monotonic()
        if now - last[0] >= 1.0:
            last[0] = now
            store.set_progress(job_id, fraction, best_cost=best_cost, attempt=attempt)

    try:
        with _Heartbeat(lambda: store.heartbeat(job_id, attempt), config.lease_s / 4):
            result = JOB_KINDS[kind](job.request, config, on_progress)
    except Exception as exc:  # noqa: BLE001 - every failure is recorded on the job
        if error_body(exc)["error"] == "internal_error":
            log.exception("job %s (%s) crashed", job_id, kind)
        store.fail(job_id, error_body(exc), attempt=attempt)
        return FAILED
    if store.succeed(job_id, result, attempt=attempt):
        return SUCCEEDED
    job = store.get(job_id)
    return job.status if job else CANCELLED


def _run_part(store: JobStore, job_id: str, key: str, config: RuntimeConfig, worker: str) -> str:
    from service.runtime import solve_day_plan

    claim = store.claim_part(
        job_id, key, worker=worker, lease_s=config.lease_s, max_attempts=config.max_attempts
    )
    if claim.busy:
        return BUSY
    attempt = claim.attempt
    if attempt is None:
        current = store.part(job_id, key)
        return current.status if current else CANCELLED
    job = store.get(job_id)
    current = store.part(job_id, key)
    assert job is not None and current is not None
    request = job.request["requests"][current.position]
    try:
        with _Heartbeat(lambda: _beat_part(store, job_id, key, attempt), config.lease_s / 4):
            result = solve_day_plan(request, config)
    except Exception as exc:  # noqa: BLE001 - recorded on the part; the batch goes on
        if error_body(exc)["error"] == "internal_error":
            log.exception("job %s part %s crashed", job_id, key)
        store.finish_part(job_id, key, attempt, error=error_body(exc))
        return FAILED
    return SUCCEEDED if store.finish_part(job_id, key, attempt, result=result) else CANCELLED


def _beat_part(store: JobStore, job_id: str, key: str, attempt: int) -> bool:
    with Session(store.engine) as session, session.begin():
        result = session.execute(
            update(JobPartRow)
            .where(
                JobPartRow.job_id == job_id,
                JobPartRow.key == key,
                JobPartRow.status == RUNNING,
                JobPartRow.attempts == attempt,
            )
            .values(heartbeat_at=_now())
        )
        return result.rowcount == 1


class JobExecutor(Protocol):
    """Runs jobs somewhere; the store holds their state."""

    def submit(
        self, job_id: str, kind: str, request_json: dict[str, Any], part: str | None = None
    ) -> None:
        """Start the job, or one part of a batch job (it is already stored as ``queued``)."""

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
        self._futures: dict[tuple[str, str | None], Future] = {}
        self._resubmits: dict[tuple[str, str | None], int] = {}
        self._lock = threading.Lock()

    def submit(
        self, job_id: str, kind: str, request_json: dict[str, Any], part: str | None = None
    ) -> None:
        """Queue :func:`run_job` for the job (or part) in the pool; it reads the store."""
        pool = self._pool()
        try:
            future = pool.submit(run_job, job_id, kind, self.config, part=part)
        except BrokenProcessPool:
            self._broken(pool)
            pool = self._pool()
            future = pool.submit(run_job, job_id, kind, self.config, part=part)
        with self._lock:
            self._futures[(job_id, part)] = future
        future.add_done_callback(lambda f: self._done(job_id, kind, part, pool, f))

    def _broken(self, pool: ProcessPoolExecutor) -> None:
        if self._on_broken is not None:
            self._on_broken(pool)

    def _done(
        self,
        job_id: str,
        kind: str,
        part: str | None,
        pool: ProcessPoolExecutor,
        future: Future,
    ) -> None:
        with self._lock:
            self._futures.pop((job_id, part), None)
        if future.cancelled():
            return  # cancelled, or dropped at shutdown: still queued in the store if so
        exc = future.exception()
        if exc is None:
            return
        log.error("job %s: worker failed: %r", job_id, exc)
        store = store_for(self.config.database_url)
        died = {
            "error": "worker_died",
            "detail": "The worker process running this job stopped unexpectedly.",
            "field": None,
        }
        broken = isinstance(exc, BrokenProcessPool)
        if broken:
            self._broken(pool)
        error = died if broken else error_body(exc)
        with self._lock:
            tries = self._resubmits.get((job_id, part), 0) + 1
            self._resubmits[(job_id, part)] = tries
        retry = broken and tries < self.config.max_attempts  # bounded: a pool that cannot start
        if part is not None:
            current = store.part(job_id, part)
            if current is None:
                return
            if current.status == QUEUED and retry:
                self.submit(job_id, kind, {}, part)  # waiting, not the cause: run it again
            elif current.status in UNFINISHED:
                store.finish_part(job_id, part, current.attempts, error=error, force=True)
            return
        job = store.get(job_id)
        if job is not None and job.status == QUEUED and retry:
            self.submit(job_id, kind, job.request)  # waiting, not the cause: run it again
            return
        store.fail(job_id, error)

    def cancel(self, job_id: str) -> None:
        """Drop the job (every part of a batch) from the pool queue if it has not started."""
        with self._lock:
            futures = [f for (jid, _), f in self._futures.items() if jid == job_id]
        for future in futures:
            future.cancel()


def submit_job(store: JobStore, executor: JobExecutor, job: Job) -> None:
    """Hand a stored job to the executor: a batch as one task per unfinished part."""
    if job.kind == BATCH_KIND:
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
