"""The job store: every database session of the job tables is opened here.

Who runs a job is decided by :meth:`JobStore.claim`, an atomic conditional update;
progress and results are written only by the holder of the current attempt, so a
job's result is stored once even when a message was delivered twice. This module reads
and creates jobs; the moves between statuses are in :mod:`service.jobs.lifecycle`, the
parts of batch jobs in :mod:`service.jobs.parts`, webhooks in :mod:`service.jobs.callbacks`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from functools import lru_cache

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.orm import Session

import service.tenants.tables  # noqa: F401 - its tables are created with the job tables
from service.jobs.callbacks import Callback, CallbackStore, JobCallbackRow
from service.jobs.lifecycle import LifecycleStore
from service.jobs.parts import Body, PartStore, as_json
from service.jobs.quota import hold_tenant_room
from service.jobs.tables import (
    DEFAULT_TENANT,
    UNFINISHED,
    Job,
    JobEvent,
    JobEventRow,
    JobPartRow,
    JobRow,
    JobStatus,
    aware,
    make_engine,
    snapshot,
    utc_now,
)
from service.migrations import require_current_schema


class JobStore(LifecycleStore, PartStore, CallbackStore):
    """Jobs in a database.

    Parameters
    ----------
    database_url
        Any SQLAlchemy URL, e.g. ``sqlite:////var/lib/fieldroute/jobs.sqlite`` or
        ``postgresql+psycopg://user@host/db``.
    auto_upgrade
        Upgrade a schema that is behind instead of refusing it; None: SQLite yes, a
        server database no (see :func:`service.migrations.require_current_schema`).

    Raises
    ------
    SchemaMismatchError
        When the database's schema is not this fieldroute's and is not upgraded: the
        message says to run ``fieldroute db upgrade``.
    """

    def __init__(self, database_url: str, *, auto_upgrade: bool | None = None) -> None:
        self.database_url = database_url
        self.engine = make_engine(database_url)
        try:
            require_current_schema(self.engine, auto_upgrade=auto_upgrade)
        except BaseException:
            self.engine.dispose()
            raise

    # ------------------------------------------------------------------ reading

    def get(self, job_id: str, *, tenant_id: str | None = None) -> Job | None:
        """Return the job, or None when there is no job with that id.

        With ``tenant_id``, another tenant's job is None too (the caller cannot tell it
        from an unknown id).
        """
        with Session(self.engine) as session:
            row = session.get(JobRow, job_id)
            if row is None or (tenant_id is not None and row.tenant_id != tenant_id):
                return None
            return snapshot(Job, row)

    def status(self, job_id: str) -> JobStatus | None:
        """Return the job's status alone (cheap: a solving job polls it), None if unknown."""
        with Session(self.engine) as session:
            value = session.scalar(select(JobRow.status).where(JobRow.id == job_id))
            return None if value is None else JobStatus(value)

    def count_unfinished(self, tenant_id: str) -> int:
        """Return how many of the tenant's jobs are ``queued`` or ``running``."""
        query = select(func.count()).where(
            JobRow.tenant_id == tenant_id, JobRow.status.in_(UNFINISHED)
        )
        with Session(self.engine) as session:
            return int(session.scalar(query) or 0)

    def events(self, job_id: str) -> list[JobEvent]:
        """Return the job's audit trail, oldest first."""
        with Session(self.engine) as session:
            rows = session.scalars(
                select(JobEventRow).where(JobEventRow.job_id == job_id).order_by(JobEventRow.id)
            )
            return [JobEvent(r.event, r.attempt, r.worker, r.part, aware(r.at)) for r in rows]

    def unfinished(self) -> list[Job]:
        """Return every job still ``queued`` or ``running``, oldest first."""
        with Session(self.engine) as session:
            rows = session.scalars(
                select(JobRow).where(JobRow.status.in_(UNFINISHED)).order_by(JobRow.created_at)
            )
            return [snapshot(Job, row) for row in rows]

    def list_jobs(
        self,
        *,
        statuses: Sequence[str] = (),
        kinds: Sequence[str] = (),
        since: dt.datetime | None = None,
        before: tuple[dt.datetime, str] | None = None,
        limit: int = 50,
        tenant_id: str | None = None,
    ) -> list[Job]:
        """Return jobs, newest first, in a stable order (creation time, then id).

        Parameters
        ----------
        statuses, kinds
            Keep only jobs with one of these statuses / kinds (empty: all).
        since
            Keep only jobs created at or after this instant.
        before
            ``(created_at, id)`` of the last job of the previous page: keep only the
            jobs that come after it in this order (keyset pagination, so that jobs
            created meanwhile neither repeat nor shift a page).
        limit
            Most jobs returned.
        tenant_id
            Keep only this tenant's jobs (None: every tenant's).
        """
        query = select(JobRow)
        if tenant_id is not None:
            query = query.where(JobRow.tenant_id == tenant_id)
        if statuses:
            query = query.where(JobRow.status.in_(list(statuses)))
        if kinds:
            query = query.where(JobRow.kind.in_(list(kinds)))
        if since is not None:
            query = query.where(JobRow.created_at >= since)
        if before is not None:
            at, job_id = before
            query = query.where(
                or_(JobRow.created_at < at, and_(JobRow.created_at == at, JobRow.id < job_id))
            )
        query = query.order_by(JobRow.created_at.desc(), JobRow.id.desc()).limit(limit)
        with Session(self.engine) as session:
            return [snapshot(Job, row) for row in session.scalars(query)]

    # ------------------------------------------------------------------ writing

    def create(
        self,
        kind: str,
        request: Body,
        *,
        deadline_s: float | None = None,
        parts: list[str] | None = None,
        callback: Callback | None = None,
        tenant_id: str = DEFAULT_TENANT,
        max_unfinished: int | None = None,
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
        callback
            Where to POST the job's summary when it finishes (a signed webhook).
        tenant_id
            The tenant that owns the job (only it can read, list or cancel it).
        max_unfinished
            Refuse the job when the tenant already has this many ``queued`` or
            ``running`` jobs. The count and the insert are one atomic step: concurrent
            submissions (threads, API processes) cannot pass the limit together.

        Raises
        ------
        service.jobs.quota.TenantFullError
            When the tenant has ``max_unfinished`` unfinished jobs already.
        """
        now = utc_now()
        row = JobRow(
            id=uuid.uuid4().hex,
            tenant_id=tenant_id,
            kind=kind,
            status=JobStatus.QUEUED,
            progress=0.0,
            request=as_json(request),
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
            if max_unfinished is not None:
                hold_tenant_room(session, tenant_id, max_unfinished)
            session.add(row)
            for position, key in enumerate(parts or ()):
                session.add(
                    JobPartRow(
                        job_id=row.id,
                        key=key,
                        position=position,
                        status=JobStatus.QUEUED,
                        attempts=0,
                        updated_at=now,
                    )
                )
            if callback is not None:
                self._add_callback(session, row.id, callback)
            self._event(session, row.id, "queued")
            session.flush()
            return snapshot(Job, row)

    def discard(self, job_id: str) -> bool:
        """Delete a job that never started (its executor refused it); False if it had.

        The submission was answered with an error: the job was never accepted, so
        nothing of it stays (parts, audit trail, webhook).
        """
        with Session(self.engine) as session, session.begin():
            gone = session.execute(
                delete(JobRow).where(JobRow.id == job_id, JobRow.status == JobStatus.QUEUED)
            )
            if gone.rowcount != 1:
                return False
            for table in (JobPartRow, JobEventRow, JobCallbackRow):
                session.execute(delete(table).where(table.job_id == job_id))
            return True

    def dispose(self) -> None:
        """Close the store's database connections."""
        self.engine.dispose()


@lru_cache(maxsize=4)
def store_for(database_url: str) -> JobStore:
    """Return the job store of ``database_url``, opened once per process."""
    return JobStore(database_url)
