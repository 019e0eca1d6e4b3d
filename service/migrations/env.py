"""Alembic's environment: runs the revisions on the connection ``service.migrations`` opens.

Not run by hand: ``fieldroute db upgrade`` (or the automatic upgrade of an embedded
SQLite store) calls Alembic with the connection in ``config.attributes``. The metadata
of the models is given for ``alembic revision --autogenerate`` (see ``docs/``).
"""

from __future__ import annotations

from alembic import context

import service.jobs.callbacks  # noqa: F401 - registers the webhook tables on Base.metadata
from service.jobs.tables import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copy
)
with context.begin_transaction():  # within upgrade_database's, which holds the lock
    context.run_migrations()
