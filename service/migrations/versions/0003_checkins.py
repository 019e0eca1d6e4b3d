"""Check-ins: the ``checkins`` table of the rep's phone page (one row per check-in).

Keyed by the job and the client-generated check-in id, so a retried post is stored
once (see :mod:`service.today.store`).

Revision ID: 0003_checkins
Revises: 0002_tenants
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_checkins"
down_revision = "0002_tenants"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the check-ins table."""
    op.create_table(
        "checkins",
        sa.Column("job_id", sa.String(32), primary_key=True),
        sa.Column("id", sa.String(200), primary_key=True),
        sa.Column("rep_id", sa.String(200), nullable=False),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("account_id", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(16), nullable=True),
        sa.Column("arrival_s", sa.Integer(), nullable=False),
        sa.Column("departure_s", sa.Integer(), nullable=True),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_checkins_rep_id", "checkins", ["rep_id"])


def downgrade() -> None:
    """Drop the check-ins table."""
    op.drop_index("ix_checkins_rep_id", table_name="checkins")
    op.drop_table("checkins")
