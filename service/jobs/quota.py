"""A tenant's limit of jobs at once, counted and enforced inside the job's insert.

Counting a tenant's unfinished jobs and then inserting one are two statements: two
submissions at the same moment (API threads, or several API processes) would both see
room and both insert. :func:`hold_tenant_room` runs inside the insert's transaction and
first takes a lock that every job creation of the tenant takes, so the count it reads
stays true until the insert commits.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from service.jobs.tables import UNFINISHED, JobRow


class TenantFullError(Exception):
    """A new job would pass the tenant's limit of queued or running jobs.

    Parameters
    ----------
    limit
        The limit (``tenant_max_jobs``).
    """

    def __init__(self, limit: int) -> None:
        super().__init__(f"the tenant already has {limit} queued or running jobs")
        self.limit = limit


def _lock_tenant(session: Session, tenant_id: str) -> None:
    """Hold the tenant's job count until the transaction ends (one creator at a time).

    PostgreSQL: a transaction-level advisory lock on the tenant (other tenants go on).
    SQLite: the database's write lock, taken by an update that changes no row (SQLite
    has one writer at a time anyway).
    """
    if session.get_bind().dialect.name == "postgresql":
        digest = hashlib.sha256(f"fieldroute-tenant:{tenant_id}".encode()).digest()
        key = int.from_bytes(digest[:8], "big", signed=True)
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
    else:
        session.execute(update(JobRow).where(JobRow.id == "").values(id=JobRow.id))


def hold_tenant_room(session: Session, tenant_id: str, limit: int) -> None:
    """Lock the tenant's job count for this transaction; raise if it has no room left.

    Call it first in the transaction that inserts the job.

    Raises
    ------
    TenantFullError
        When the tenant already has ``limit`` queued or running jobs.
    """
    _lock_tenant(session, tenant_id)
    unfinished = session.scalar(
        select(func.count()).where(JobRow.tenant_id == tenant_id, JobRow.status.in_(UNFINISHED))
    )
    if (unfinished or 0) >= limit:
        raise TenantFullError(limit)
