"""Tenants: ``tenants`` and ``api_keys`` (keys as SHA-256 digests), ``jobs.tenant_id``.

Every job existing before this revision belongs to the tenant ``default`` (the tenant
of the keys in ``FIELDROUTE_API_KEYS``), so a single-tenant service sees its jobs as
before.

Revision ID: 0002_tenants
Revises: 0001_base
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_tenants"
down_revision = "0001_base"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the tenant tables and the owner of every job."""
    op.create_table(
        "tenants",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_api_keys_tenant_id", "api_keys", ["tenant_id"])
    with op.batch_alter_table("jobs") as batch:  # SQLite: a table copy
        batch.add_column(
            sa.Column("tenant_id", sa.String(64), nullable=False, server_default="default")
        )
        batch.create_index("ix_jobs_tenant_id", ["tenant_id"])


def downgrade() -> None:
    """Drop the tenant tables and the jobs' owner."""
    with op.batch_alter_table("jobs") as batch:
        batch.drop_index("ix_jobs_tenant_id")
        batch.drop_column("tenant_id")
    op.drop_index("ix_api_keys_tenant_id", table_name="api_keys")
    op.drop_table("api_keys")
    op.drop_table("tenants")
