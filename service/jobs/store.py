"""The job store: every database session of the job tables is opened here.

Who runs a job is decided by :meth:`JobStore.claim`, an atomic conditional update;
progress and results are written only by the holder of the current attempt, so a
job's result is stored once even when a message was delivered twice.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import and_, case, delete, func, or_, select, update
from sqlalchemy.orm import Session

import service.tenants.tables  # noqa: F401 - its tables are created with the job tables
from service.jobs.callbacks import Callback, CallbackStore, JobCallbackRow
from service.jobs.parts import Body, PartStore, as_json
from service.jobs.quota import hold_tenant_room
from service.jobs.tables import (
    DEFAULT_TENANT,
    UNFINISHED,
    Claim,
    Job,
    JobEvent,
    JobEventRow,
    JobPartRow,
    JobRow,
    JobStatus,
    aware,
    make_engine,
    snapshot,
    takeable,
    taken,
    utc_now,
)
from service.migrations import require_current_schema


class JobStore(PartStore, CallbackStore):
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
                job_id=job_id, part=part, event=event, attempt=attempt, worker=worker, at=utc_now()
            )
        )

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
                update(JobRow).where(*condition).values(updated_at=utc_now(), **values)
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
        now = utc_now()
        stale = now - dt.timedelta(seconds=lease_s)
        with Session(self.engine) as session, session.begin():
            result = session.execute(
                update(JobRow)
                .where(JobRow.id == job_id, *takeable(JobRow, stale, max_attempts))
                .values(**taken(JobRow, worker, now))
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
            if row.deadline_at is not None and aware(row.deadline_at) < now:
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
        if job.deadline_at is not None and aware(job.deadline_at) + late < utc_now():
            self._give_up(session, job, "it ran past its deadline")
            return Claim(None)
        return Claim(None, busy=held.status == JobStatus.RUNNING)

    def _give_up(self, session: Session, row: JobRow, why: str) -> None:
        row.status = JobStatus.FAILED
        row.error = {
            "error": "job_abandoned",
            "detail": f"The job was not run to its end: {why}.",
            "field": None,
        }
        row.updated_at = utc_now()
        self._event(session, row.id, "abandoned", attempt=row.attempts or 0)

    def note(
        self,
        job_id: str,
        event: str,
        *,
        attempt: int = 0,
        worker: str | None = None,
        part: str | None = None,
    ) -> None:
        """Add an entry to the job's audit trail (e.g. ``solver_stopped`` after a cancel)."""
        with Session(self.engine) as session, session.begin():
            self._event(session, job_id, event, attempt=attempt, worker=worker, part=part)

    def start(self, job_id: str) -> bool:
        """Move a queued job to ``running``; False when it is not queued (e.g. cancelled)."""
        return self._move(
            job_id, (JobStatus.QUEUED,), event="started", status=JobStatus.RUNNING, progress=0.0
        )

    def heartbeat(self, job_id: str, attempt: int) -> bool:
        """Say the holder of ``attempt`` is alive; False when it no longer holds the job."""
        return self._move(job_id, (JobStatus.RUNNING,), attempt=attempt, heartbeat_at=utc_now())

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
            values["heartbeat_at"] = utc_now()
        self._move(job_id, (JobStatus.RUNNING,), attempt=attempt, **values)

    def succeed(self, job_id: str, result: Body, *, attempt: int | None = None) -> bool:
        """Store the result of a running job; False when it was cancelled or taken over."""
        return self._move(
            job_id,
            (JobStatus.RUNNING,),
            attempt=attempt,
            event="succeeded",
            status=JobStatus.SUCCEEDED,
            progress=1.0,
            result=as_json(result),
        )

    def fail(self, job_id: str, error: dict[str, Any], *, attempt: int | None = None) -> bool:
        """Store the error of a job; False when it was cancelled, finished or taken over.

        With ``attempt`` only the holder of that attempt of a running job may fail it;
        without, any unfinished job is failed (its executor could not run it at all).
        """
        from_statuses = (JobStatus.RUNNING,) if attempt is not None else UNFINISHED
        return self._move(
            job_id,
            from_statuses,
            attempt=attempt,
            event="failed",
            status=JobStatus.FAILED,
            error=error,
        )

    def cancel(self, job_id: str) -> bool:
        """Cancel a queued or running job; False when it had already finished."""
        return self._move(job_id, UNFINISHED, event="cancelled", status=JobStatus.CANCELLED)

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

    def requeue(self, job_id: str, *, stale_after_s: float | None = None) -> bool:
        """Put an unfinished job back to ``queued`` (resume after a crash).

        With ``stale_after_s``, a running job (or running part of a batch) is requeued
        only when its heartbeat is older than that (its worker is gone); a live worker's
        job or part is left alone. A batch keeps its progress (the parts done).
        """
        condition = [JobRow.id == job_id, JobRow.status.in_(UNFINISHED)]
        part_condition = [JobPartRow.job_id == job_id, JobPartRow.status == JobStatus.RUNNING]
        if stale_after_s is not None:
            stale = utc_now() - dt.timedelta(seconds=stale_after_s)
            condition.append(
                or_(
                    JobRow.status == JobStatus.QUEUED,
                    JobRow.heartbeat_at.is_(None),
                    JobRow.heartbeat_at < stale,
                )
            )
            part_condition.append(
                or_(JobPartRow.heartbeat_at.is_(None), JobPartRow.heartbeat_at < stale)
            )
        progress = case((JobRow.parts_total > 0, JobRow.progress), else_=0.0)
        with Session(self.engine) as session, session.begin():
            result = session.execute(
                update(JobRow)
                .where(*condition)
                .values(
                    status=JobStatus.QUEUED,
                    progress=progress,
                    heartbeat_at=None,
                    updated_at=utc_now(),
                )
            )
            if result.rowcount != 1:
                return False
            session.execute(
                update(JobPartRow)
                .where(*part_condition)
                .values(status=JobStatus.QUEUED, heartbeat_at=None, updated_at=utc_now())
            )
            self._event(session, job_id, "requeued")
            return True

    def dispose(self) -> None:
        """Close the store's database connections."""
        self.engine.dispose()


@lru_cache(maxsize=4)
def store_for(database_url: str) -> JobStore:
    """Return the job store of ``database_url``, opened once per process."""
    return JobStore(database_url)
