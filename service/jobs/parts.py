"""The batch-job half of the job store: one row per part (a rep), claimed and finished alone.

:class:`PartStore` is mixed into :class:`~service.jobs.store.JobStore`; like the rest of
the store it opens every database session it needs.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from service.jobs.tables import (
    UNFINISHED,
    Claim,
    JobPart,
    JobPartRow,
    JobRow,
    JobStatus,
    aware,
    snapshot,
    takeable,
    taken,
    utc_now,
)

#: What the store takes as a request or a result: a model (dumped to JSON here) or JSON.
Body = BaseModel | dict[str, Any]


def as_json(body: Body | None) -> dict[str, Any] | None:
    """Return the JSON of a request or result model (a dict is stored as it is)."""
    if isinstance(body, BaseModel):
        return body.model_dump(mode="json", by_alias=True)
    return body


class PartStore:
    """Parts of batch jobs (see :class:`~service.jobs.store.JobStore`)."""

    engine: Engine

    def _event(self, session: Session, job_id: str, event: str, **kwargs: Any) -> None:
        raise NotImplementedError  # JobStore's

    def _give_up(self, session: Session, row: JobRow, why: str) -> None:
        raise NotImplementedError  # JobStore's

    def part(self, job_id: str, key: str) -> JobPart | None:
        """Return one part of a batch job, or None when there is no such part."""
        with Session(self.engine) as session:
            row = session.get(JobPartRow, (job_id, key))
            if row is None:
                return None
            return snapshot(JobPart, row)

    def parts(self, job_id: str) -> list[JobPart]:
        """Return every part of a batch job in request order."""
        with Session(self.engine) as session:
            keys = session.scalars(
                select(JobPartRow.key)
                .where(JobPartRow.job_id == job_id)
                .order_by(JobPartRow.position)
            ).all()
        return [part for key in keys if (part := self.part(job_id, key)) is not None]

    # ------------------------------------------------------------------ batch parts

    def claim_part(
        self, job_id: str, key: str, *, worker: str, lease_s: float, max_attempts: int
    ) -> Claim:
        """Take one part of a batch job to run it, or say why not (see :meth:`claim`)."""
        now = utc_now()
        stale = now - dt.timedelta(seconds=lease_s)
        with Session(self.engine) as session, session.begin():
            job = session.get(JobRow, job_id)
            if job is None or job.status not in UNFINISHED:
                return Claim(None)  # cancelled (or finished) batch: skip
            if job.deadline_at is not None and aware(job.deadline_at) < now:
                self._give_up(session, job, "its deadline passed before all reps were planned")
                return Claim(None)
            result = session.execute(
                update(JobPartRow)
                .where(
                    JobPartRow.job_id == job_id,
                    JobPartRow.key == key,
                    *takeable(JobPartRow, stale, max_attempts),
                )
                .values(**taken(JobPartRow, worker, now))
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
                    self._finish_part(session, job, part, JobStatus.FAILED, None, error)
                    return Claim(None)
                return Claim(None, busy=part.status == JobStatus.RUNNING)
            if job.status == JobStatus.QUEUED:
                # Conditional, so that of two reps claimed at once only one starts the job
                # (the other's UPDATE waits for the row and then finds it running).
                started = session.execute(
                    update(JobRow)
                    .where(JobRow.id == job_id, JobRow.status == JobStatus.QUEUED)
                    .values(status=JobStatus.RUNNING, updated_at=now)
                )
                if started.rowcount == 1:
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
        result: Body | None = None,
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
        part_statuses = UNFINISHED if force else (JobStatus.RUNNING,)
        with Session(self.engine) as session, session.begin():
            # Lock the batch's row: two reps finishing at once must not both count the
            # other as unfinished (PostgreSQL's read committed; SQLite locks the file anyway).
            job = session.get(JobRow, job_id, with_for_update=True)
            part = session.get(JobPartRow, (job_id, key))
            if (
                job is None
                or part is None
                or job.status not in UNFINISHED
                or part.status not in part_statuses
                or part.attempts != attempt
            ):
                return False
            if job.status == JobStatus.QUEUED:
                job.status = JobStatus.RUNNING
            status = JobStatus.SUCCEEDED if error is None else JobStatus.FAILED
            self._finish_part(session, job, part, status, as_json(result), error)
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
        part.updated_at = utc_now()
        self._event(session, job.id, status, attempt=part.attempts, part=part.key)
        session.flush()
        done = session.scalar(
            select(func.count())
            .select_from(JobPartRow)
            .where(
                JobPartRow.job_id == job.id,
                JobPartRow.status.in_((JobStatus.SUCCEEDED, JobStatus.FAILED)),
            )
        )
        job.parts_done = done or 0
        job.progress = job.parts_done / max(job.parts_total, 1)
        job.updated_at = utc_now()
        if job.parts_done >= job.parts_total:
            rows = session.scalars(
                select(JobPartRow).where(JobPartRow.job_id == job.id).order_by(JobPartRow.position)
            ).all()
            job.result = batch_summary(rows)
            job.status = JobStatus.SUCCEEDED if job.result["succeeded"] else JobStatus.FAILED
            if job.status == JobStatus.FAILED:
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

    def heartbeat_part(self, job_id: str, key: str, attempt: int) -> bool:
        """Say the holder of ``attempt`` of a part is alive; False when it no longer holds it."""
        with Session(self.engine) as session, session.begin():
            result = session.execute(
                update(JobPartRow)
                .where(
                    JobPartRow.job_id == job_id,
                    JobPartRow.key == key,
                    JobPartRow.status == JobStatus.RUNNING,
                    JobPartRow.attempts == attempt,
                )
                .values(heartbeat_at=utc_now())
            )
            return result.rowcount == 1


def batch_summary(parts: list[JobPartRow]) -> dict[str, Any]:
    """Return the result body of a finished batch: one line per rep with its status.

    The URL of each rep's plan is added by the endpoints (URLs are theirs to build).
    """
    reps = []
    for part in parts:
        line: dict[str, Any] = {
            "rep_id": part.key,
            "status": part.status,
        }
        if part.result is not None:
            summary = part.result.get("summary") or {}
            line["visits"] = summary.get("visits")
            line["unassigned"] = summary.get("unassigned")
            line["cost"] = summary.get("cost")
        if part.error is not None:
            line["error"] = part.error
        reps.append(line)
    succeeded = sum(1 for part in parts if part.status == JobStatus.SUCCEEDED)
    return {"reps": reps, "succeeded": succeeded, "failed": len(parts) - succeeded}
