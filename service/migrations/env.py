"""Alembic's environment: runs the revisions on the connection ``service.migrations`` opens.

Not run by hand: ``fieldroute db upgrade`` (or the automatic upgrade of an embedded
SQLite store) calls Alembic with the connection in ``config.attributes``. The metadata
of the models is given for ``alembic revision --autogenerate`` (see ``docs/``).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

import service.jobs.callbacks  # noqa: F401 - registers the webhook tables on Base.metadata
from service.jobs.tables import Base

#: Key of the PostgreSQL advisory lock held while revisions run (two upgrades at once wait).
LOCK_KEY = 0x6669656C64  # "field"

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copy
)
with context.begin_transaction():
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
    context.run_migrations()
