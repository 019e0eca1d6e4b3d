"""The job tables, their status enum, and the frozen snapshots the store hands out.

A job is a row of ``jobs`` (id, tenant, kind, status, progress, best cost, request, result,
error, attempts, lease, created/updated times); a batch job has one ``job_parts`` row
per rep; ``job_events`` is the audit trail. Requests and results are JSON columns: JSON
exists here, at the HTTP edge and on the Celery wire only.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import socket
import sqlite3
import time
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import JSON, DateTime, Float, Integer, String, and_, create_engine, event, or_
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class JobStatus(StrEnum):
    """Where a job (or a part of a batch job) stands."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


#: The tenant of jobs created with a key of ``FIELDROUTE_API_KEYS`` (or in dev mode).
DEFAULT_TENANT = "default"

#: Statuses a job can still leave.
UNFINISHED = (JobStatus.QUEUED, JobStatus.RUNNING)


class Base(DeclarativeBase):
    """Declarative base of the job tables."""


class JobRow(Base):
    """The ``jobs`` table."""

    __tablename__ = "jobs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), index=True)
    tenant_id: Mapped[str] = mapped_column(
        String(64), index=True, default=DEFAULT_TENANT, server_default=DEFAULT_TENANT
    )
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


class JobPartRow(Base):
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


class JobEventRow(Base):
    """The ``job_events`` table: what happened to a job, in order (an audit trail)."""

    __tablename__ = "job_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job_id: Mapped[str] = mapped_column(String(32), index=True)
    part: Mapped[str | None] = mapped_column(String(200), nullable=True)
    event: Mapped[str] = mapped_column(String(32))
    attempt: Mapped[int] = mapped_column(Integer, default=0)
    worker: Mapped[str | None] = mapped_column(String(200), nullable=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


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
    status: JobStatus
    attempts: int
    worker: str | None
    result: dict[str, Any] | None
    error: dict[str, Any] | None


@dataclass(frozen=True)
class Job:
    """A snapshot of one job."""

    id: str
    kind: str
    status: JobStatus
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
    tenant_id: str = DEFAULT_TENANT

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
    return aware(value).isoformat(timespec="seconds")


def aware(value: dt.datetime) -> dt.datetime:
    """Return ``value`` with UTC as its zone when it has none (SQLite stores naive times)."""
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value


def utc_now() -> dt.datetime:
    """Return the current UTC time."""
    return dt.datetime.now(dt.UTC)


def make_engine(database_url: str) -> Engine:
    """Return the SQLAlchemy engine of ``database_url`` (SQLite: its directory is created)."""
    url = make_url(database_url)
    kwargs: dict[str, Any] = {}
    file_db = url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:")
    if url.get_backend_name() == "sqlite":
        kwargs["connect_args"] = {"timeout": 30, "check_same_thread": False}
        if file_db:
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    else:
        kwargs["pool_pre_ping"] = True  # a server-side database may drop idle connections
    engine = create_engine(url, **kwargs)
    if file_db:
        event.listen(engine, "connect", _write_ahead_log)
    return engine


#: Tries of the switch of a new SQLite file to WAL mode, the n-th after n x this many s.
WAL_ATTEMPTS = 20
WAL_RETRY_S = 0.05


def _write_ahead_log(dbapi_connection: Any, _: Any) -> None:
    """Put an SQLite file in WAL mode: its readers never wait for a writer.

    In the default (rollback journal) mode every commit of a worker (progress,
    heartbeats, results) locks readers out while it syncs to disk, so each API request,
    which reads its key and jobs, can wait behind it. WAL is a property of the file
    (set once, kept); it needs the file's processes on one machine, as SQLite does.

    A file already in WAL mode is left as it is. Processes starting together on a new
    file (an API and its workers) can find it locked while another one switches it or
    creates its tables, a case where SQLite does not wait for the lock: the switch is
    tried again, up to :data:`WAL_ATTEMPTS` times.
    """
    for attempt in range(WAL_ATTEMPTS):
        try:
            mode = dbapi_connection.execute("PRAGMA journal_mode").fetchone()[0]
            if str(mode).lower() != "wal":
                dbapi_connection.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == WAL_ATTEMPTS - 1:
                raise
            time.sleep(WAL_RETRY_S * (attempt + 1))


def takeable(table: type[JobRow] | type[JobPartRow], stale: dt.datetime, max_attempts: int) -> list:
    """Return the conditions under which a job (or part) row may be claimed.

    Queued, or running with a heartbeat older than ``stale`` (its worker died); and
    fewer than ``max_attempts`` attempts so far.
    """
    return [
        or_(
            table.status == JobStatus.QUEUED,
            and_(
                table.status == JobStatus.RUNNING,
                or_(table.heartbeat_at.is_(None), table.heartbeat_at < stale),
            ),
        ),
        table.attempts < max_attempts,
    ]


def taken(table: type[JobRow] | type[JobPartRow], worker: str, at: dt.datetime) -> dict[str, Any]:
    """Return the column values of a row just claimed by ``worker``."""
    return {
        "status": JobStatus.RUNNING,
        "attempts": table.attempts + 1,
        "worker": worker,
        "heartbeat_at": at,
        "updated_at": at,
    }


def default_worker_name() -> str:
    """Return ``pid@host`` of this process (who runs a job, for the audit trail)."""
    return f"{os.getpid()}@{socket.gethostname()}"


Snapshot = TypeVar("Snapshot", "Job", "JobPart")


def snapshot(record: type[Snapshot], row: Any) -> Snapshot:
    """Return the frozen snapshot ``record`` (Job, JobPart) of a table row.

    Every field of the record is read from the row's column of the same name; a
    status becomes a :class:`JobStatus`, a missing count its default.
    """
    values = {}
    for item in dataclasses.fields(record):
        value = getattr(row, item.name)
        if value is None and item.default not in (dataclasses.MISSING, None):
            value = item.default
        values[item.name] = JobStatus(value) if item.name == "status" else value
    return record(**values)
