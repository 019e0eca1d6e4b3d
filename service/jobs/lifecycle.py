"""The lifecycle half of the job store: claim, progress, finish, cancel and requeue.

Who runs a job is decided by :meth:`LifecycleStore.claim`, an atomic conditional update;
progress and results are written only by the holder of the current attempt, so a
job's result is stored once even when a message was delivered twice.
:class:`LifecycleStore` is mixed into :class:`~service.jobs.store.JobStore`; like the
rest of the store it opens every database session it needs.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import case, or_, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from service.jobs.parts import Body, as_json
from service.jobs.tables import (
    UNFINISHED,
    Claim,
    JobEventRow,
    JobPartRow,
    JobRow,
    JobStatus,
    aware,
    takeable,
    taken,
    utc_now,
)


class LifecycleStore:
    """Moves of a job between statuses (see :class:`~service.jobs.store.JobStore`)."""

    engine: Engine

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
