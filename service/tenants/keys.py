"""API keys stored hashed: create, list, revoke, and find the tenant of a presented key.

A key reads ``fr_<id>_<secret>``: ``id`` is public (listed, used to revoke), ``secret``
is 256 random bits. Only the SHA-256 digest of the whole key is stored. A fast digest
is enough here: the key is a random token, not a password a person chose, so it cannot
be guessed from its digest; a slow password hash would only slow every request.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from service.jobs.tables import aware, utc_now
from service.tenants.tables import ApiKeyRow, TenantRow

#: Prefix of every key the service creates.
KEY_PREFIX = "fr_"
_KEY = re.compile(r"^fr_([0-9a-f]{12})_[A-Za-z0-9_-]{20,}$")
#: What a tenant name may be (it is written in logs and in the database).
TENANT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def key_digest(key: str) -> str:
    """Return the hex SHA-256 digest of a key (what the database keeps)."""
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True)
class KeyInfo:
    """What is known of a stored key (never the key itself)."""

    id: str
    tenant_id: str
    created_at: str
    revoked_at: str | None


def _iso(value: dt.datetime | None) -> str | None:
    return None if value is None else aware(value).isoformat(timespec="seconds")


def _info(row: ApiKeyRow) -> KeyInfo:
    return KeyInfo(row.id, row.tenant_id, _iso(row.created_at) or "", _iso(row.revoked_at))


class KeyStore:
    """The ``tenants`` and ``api_keys`` tables of a job database.

    Parameters
    ----------
    engine
        The job store's engine (its tables are created by :class:`~service.jobs.store.JobStore`).
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def create(self, tenant_id: str) -> tuple[KeyInfo, str]:
        """Create a key for ``tenant_id`` (the tenant too, when new).

        Returns
        -------
        tuple of KeyInfo and str
            The stored key's description and the key itself, which is never stored and
            cannot be shown again.

        Raises
        ------
        ValueError
            When the tenant name is not 1-64 letters, digits, ``.``, ``_`` or ``-``.
        """
        if not TENANT_NAME.match(tenant_id):
            raise ValueError(
                f"tenant: {tenant_id!r} is not a tenant name (1-64 letters, digits, '.', '_', "
                "'-', starting with a letter or digit)."
            )
        key_id = secrets.token_hex(6)
        key = f"{KEY_PREFIX}{key_id}_{secrets.token_urlsafe(32)}"
        now = utc_now()
        row = ApiKeyRow(
            id=key_id, tenant_id=tenant_id, digest=key_digest(key), created_at=now, revoked_at=None
        )
        with Session(self.engine) as session, session.begin():
            if session.get(TenantRow, tenant_id) is None:
                session.add(TenantRow(id=tenant_id, created_at=now))
            session.add(row)
            session.flush()
            return _info(row), key

    def list(self, tenant_id: str | None = None) -> list[KeyInfo]:
        """Return the stored keys (of one tenant, or all), oldest first."""
        query = select(ApiKeyRow).order_by(ApiKeyRow.created_at, ApiKeyRow.id)
        if tenant_id is not None:
            query = query.where(ApiKeyRow.tenant_id == tenant_id)
        with Session(self.engine) as session:
            return [_info(row) for row in session.scalars(query)]

    def revoke(self, key_id: str) -> bool:
        """Revoke a key by its id; False when there is no such unrevoked key."""
        with Session(self.engine) as session, session.begin():
            result = session.execute(
                update(ApiKeyRow)
                .where(ApiKeyRow.id == key_id, ApiKeyRow.revoked_at.is_(None))
                .values(revoked_at=utc_now())
            )
            return result.rowcount == 1

    def tenant_of(self, key: str) -> str | None:
        """Return the tenant of a presented key, or None when it is unknown or revoked."""
        match = _KEY.match(key)
        if match is None:
            return None
        with Session(self.engine) as session:
            row = session.get(ApiKeyRow, match.group(1))
            if row is None or row.revoked_at is not None:
                return None
            return row.tenant_id if secrets.compare_digest(row.digest, key_digest(key)) else None
