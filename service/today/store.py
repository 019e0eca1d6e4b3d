"""Check-ins in the job database: the ``checkins`` table and its store.

A check-in is keyed by its job and a client-generated id, so a phone that retries a
check-in (lost answer, queue sent twice) stores it once: the second identical post gets
the stored row back. The table lives on the job tables' metadata and engine
(:class:`service.jobs.store.JobStore`); the migration ``0003_checkins`` creates it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from fastapi import Request
from sqlalchemy import DateTime, Integer, String, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from service.jobs.deps import jobs_of
from service.jobs.tables import Base, aware, utc_now

#: A check-in of a job without dates (a day plan) is stored under this date key.
NO_DATE = ""


class CheckinRow(Base):
    """The ``checkins`` table: one row per check-in, keyed by ``(job_id, id)``.

    Columns: ``job_id``, ``id`` (the client's check-in id), ``rep_id``, ``day`` (ISO
    date of a visit-schedule day, ``""`` for a day plan), ``account_id``, ``status``
    (``done`` or ``skipped``), ``reason`` (of a skip), ``arrival_s`` and ``departure_s``
    (seconds since midnight), ``seq`` (order of receipt within the job), ``received_at``.
    """

    __tablename__ = "checkins"

    job_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    rep_id: Mapped[str] = mapped_column(String(200), index=True)
    day: Mapped[str] = mapped_column(String(10))
    account_id: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(16), nullable=True)
    arrival_s: Mapped[int] = mapped_column(Integer)
    departure_s: Mapped[int | None] = mapped_column(Integer, nullable=True)
    seq: Mapped[int] = mapped_column(Integer)
    received_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


@dataclass(frozen=True)
class Checkin:
    """One stored check-in (see :class:`CheckinRow` for the fields)."""

    job_id: str
    id: str
    rep_id: str
    day: str
    account_id: str
    status: str
    reason: str | None
    arrival_s: int
    departure_s: int | None
    seq: int
    received_at: dt.datetime

    def same_as(self, other: Checkin) -> bool:
        """Return True when ``other`` records the same event (a retry), whatever its receipt."""
        keys = ("rep_id", "day", "account_id", "status", "reason", "arrival_s", "departure_s")
        return all(getattr(self, k) == getattr(other, k) for k in keys)


def _snapshot(row: CheckinRow) -> Checkin:
    return Checkin(
        row.job_id,
        row.id,
        row.rep_id,
        row.day,
        row.account_id,
        row.status,
        row.reason,
        row.arrival_s,
        row.departure_s,
        row.seq,
        aware(row.received_at),
    )


class CheckinStore:
    """Check-ins of jobs, in the job database.

    Parameters
    ----------
    engine
        The job store's engine (its schema is current: the job store checked it).
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def list(self, job_id: str, rep_id: str | None = None, day: str | None = None) -> list[Checkin]:
        """Return a job's check-ins (one rep's, one day's), in order of receipt."""
        query = select(CheckinRow).where(CheckinRow.job_id == job_id)
        if rep_id is not None:
            query = query.where(CheckinRow.rep_id == rep_id)
        if day is not None:
            query = query.where(CheckinRow.day == day)
        with Session(self.engine) as session:
            return [_snapshot(r) for r in session.scalars(query.order_by(CheckinRow.seq))]

    def get(self, job_id: str, checkin_id: str) -> Checkin | None:
        """Return one check-in, or None."""
        with Session(self.engine) as session:
            row = session.get(CheckinRow, (job_id, checkin_id))
            return None if row is None else _snapshot(row)

    def add(self, checkin: Checkin) -> tuple[Checkin, bool]:
        """Store a check-in once; return the stored one and whether it is new.

        ``seq`` and ``received_at`` of ``checkin`` are ignored (set here). Two posts of
        the same id race safely: the primary key keeps one, the other reads it back.
        """
        with Session(self.engine) as session:
            seq = session.scalar(
                select(func.coalesce(func.max(CheckinRow.seq), 0)).where(
                    CheckinRow.job_id == checkin.job_id
                )
            )
            row = CheckinRow(
                job_id=checkin.job_id,
                id=checkin.id,
                rep_id=checkin.rep_id,
                day=checkin.day,
                account_id=checkin.account_id,
                status=checkin.status,
                reason=checkin.reason,
                arrival_s=checkin.arrival_s,
                departure_s=checkin.departure_s,
                seq=int(seq or 0) + 1,
                received_at=utc_now(),
            )
            session.add(row)
            try:
                session.commit()
            except IntegrityError:
                session.rollback()
                stored = self.get(checkin.job_id, checkin.id)
                assert stored is not None
                return stored, False
            return _snapshot(row), True

    def day_status(
        self, job_id: str, rep_id: str, date: dt.date | None
    ) -> tuple[list[str], dict[str, str]]:
        """Return the accounts a rep checked in done, and those skipped with the reason."""
        rows = self.list(job_id, rep_id, date.isoformat() if date else NO_DATE)
        done = [c.account_id for c in rows if c.status == "done"]
        skipped = {c.account_id: c.reason or "closed" for c in rows if c.status == "skipped"}
        return done, skipped


def checkins_of(request: Request) -> CheckinStore:
    """Return the app's check-in store (on the job store's engine, made on first use)."""
    state = request.app.state
    store = getattr(state, "checkins", None)
    engine = jobs_of(request).store.engine
    if store is None or store.engine is not engine:
        store = CheckinStore(engine)
        state.checkins = store
    return store
