"""The ``tenants`` and ``api_keys`` tables (in the job tables' metadata, one schema).

A tenant is an organisation calling the service (a CRM); every job row carries the
``tenant_id`` of the key that created it. An API key is stored as its SHA-256 digest
only: the key itself is shown once, when it is created, and never stored or logged.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from service.jobs.tables import Base


class TenantRow(Base):
    """The ``tenants`` table: one row per organisation (its name is its id)."""

    __tablename__ = "tenants"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class ApiKeyRow(Base):
    """The ``api_keys`` table: a key's public id, its tenant and the digest of its secret."""

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(64), index=True)
    digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
