"""The webhook half of the job store: each job's callback and every delivery attempt.

Two tables beside the job tables (created when missing, so an existing database
gains them): ``job_callbacks`` (the URL and signing secret a job was submitted with,
and whether its webhook is ``pending``, ``sending`` or ``done``) and
``webhook_deliveries`` (one row per attempt). :class:`CallbackStore` is mixed into
:class:`~service.jobs.store.JobStore`, which stays the only owner of database sessions.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Boolean, DateTime, Integer, String, Text, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Mapped, Session, mapped_column

from service.jobs.tables import UNFINISHED, Base, JobRow, aware, utc_now


class JobCallbackRow(Base):
    """The ``job_callbacks`` table: where to announce a job's end, and how to sign it."""

    __tablename__ = "job_callbacks"

    job_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    secret: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(16), default="pending")
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class WebhookDeliveryRow(Base):
    """The ``webhook_deliveries`` table: one row per delivery attempt."""

    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job_id: Mapped[str] = mapped_column(String(32), index=True)
    webhook_id: Mapped[str] = mapped_column(String(64))
    attempt: Mapped[int] = mapped_column(Integer)
    url: Mapped[str] = mapped_column(String(2000))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    ok: Mapped[bool] = mapped_column(Boolean)
    status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)


@dataclass(frozen=True)
class Callback:
    """Where and how a job's end is announced."""

    url: str
    secret: str


@dataclass(frozen=True)
class Delivery:
    """One delivery attempt of a job's webhook."""

    webhook_id: str
    attempt: int
    url: str
    at: dt.datetime
    ok: bool
    status_code: int | None
    error: str | None
    duration_ms: int

    def to_dict(self) -> dict:
        """Return the attempt as ``GET /v1/jobs/{id}/deliveries`` lists it."""
        return {
            "webhook_id": self.webhook_id,
            "attempt": self.attempt,
            "url": self.url,
            "at": aware(self.at).isoformat(timespec="milliseconds"),
            "ok": self.ok,
            "status_code": self.status_code,
            "error": self.error,
            "duration_ms": self.duration_ms,
        }


class CallbackStore:
    """Job callbacks and their deliveries (see :class:`~service.jobs.store.JobStore`)."""

    engine: Engine

    @staticmethod
    def _add_callback(session: Session, job_id: str, callback: Callback) -> None:
        session.add(
            JobCallbackRow(
                job_id=job_id,
                url=callback.url,
                secret=callback.secret,
                state="pending",
                updated_at=utc_now(),
            )
        )

    def callback_pending(self, job_id: str) -> bool:
        """Whether the job has a webhook not yet sent and has finished (cheap check)."""
        with Session(self.engine) as session:
            row = session.get(JobCallbackRow, job_id)
            job = session.get(JobRow, job_id)
            return (
                row is not None
                and row.state == "pending"
                and job is not None
                and job.status not in UNFINISHED
            )

    def claim_callback(self, job_id: str) -> Callback | None:
        """Take the job's webhook to send it: once, and only after the job has finished.

        Returns
        -------
        Callback or None
            The callback to deliver; None when the job has none, has not finished, or
            another process already took it.
        """
        with Session(self.engine) as session, session.begin():
            job = session.get(JobRow, job_id)
            if job is None or job.status in UNFINISHED:
                return None
            result = session.execute(
                update(JobCallbackRow)
                .where(JobCallbackRow.job_id == job_id, JobCallbackRow.state == "pending")
                .values(state="sending", updated_at=utc_now())
            )
            if result.rowcount != 1:
                return None
            row = session.get(JobCallbackRow, job_id)
            return Callback(row.url, row.secret)

    def callback_of(self, job_id: str) -> Callback | None:
        """Return the job's callback (URL and secret), or None when it has none."""
        with Session(self.engine) as session:
            row = session.get(JobCallbackRow, job_id)
            return None if row is None else Callback(row.url, row.secret)

    def finish_callback(self, job_id: str, *, delivered: bool) -> None:
        """Mark the job's webhook ``done`` (delivered) or ``failed`` (retries spent)."""
        with Session(self.engine) as session, session.begin():
            session.execute(
                update(JobCallbackRow)
                .where(JobCallbackRow.job_id == job_id)
                .values(state="done" if delivered else "failed", updated_at=utc_now())
            )

    def record_delivery(self, job_id: str, delivery: Delivery) -> None:
        """Store one delivery attempt."""
        with Session(self.engine) as session, session.begin():
            session.add(
                WebhookDeliveryRow(
                    job_id=job_id,
                    webhook_id=delivery.webhook_id,
                    attempt=delivery.attempt,
                    url=delivery.url,
                    at=delivery.at,
                    ok=delivery.ok,
                    status_code=delivery.status_code,
                    error=delivery.error,
                    duration_ms=delivery.duration_ms,
                )
            )

    def deliveries(self, job_id: str) -> list[Delivery]:
        """Return every delivery attempt of the job's webhook, oldest first."""
        with Session(self.engine) as session:
            rows = session.scalars(
                select(WebhookDeliveryRow)
                .where(WebhookDeliveryRow.job_id == job_id)
                .order_by(WebhookDeliveryRow.id)
            )
            return [
                Delivery(
                    r.webhook_id,
                    r.attempt,
                    r.url,
                    aware(r.at),
                    r.ok,
                    r.status_code,
                    r.error,
                    r.duration_ms,
                )
                for r in rows
            ]

    def callback_state(self, job_id: str) -> str | None:
        """Return ``pending``, ``sending``, ``done`` or ``failed``; None without a callback."""
        with Session(self.engine) as session:
            row = session.get(JobCallbackRow, job_id)
            return None if row is None else row.state
