"""Schema migrations of the fieldroute database (Alembic), shipped inside the package.

The revisions live in ``service/migrations/versions``, so an installed wheel can upgrade
its database without the source tree. :func:`upgrade_database` brings a database to the
newest revision (``fieldroute db upgrade``); :func:`require_current_schema` is what every
process opening the database calls first: it refuses a database whose schema is behind
(or ahead of) this fieldroute, with the command to run, and upgrades the embedded SQLite
store on its own when asked to (the default for SQLite, see
:func:`upgrades_automatically`).

A database created before migrations existed (its tables made by SQLAlchemy's
``create_all``) holds exactly the base revision's tables: it is stamped with that
revision, then upgraded like any other.
"""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.script.revision import RevisionError
from alembic.util import CommandError
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

log = logging.getLogger(__name__)

#: The revision of the schema that predates migrations (``versions/0001_base.py``).
BASE_REVISION = "0001_base"
#: Its tables: a database holding all of them and no revision was made by ``create_all``.
BASE_TABLES = ("jobs", "job_parts", "job_events", "job_callbacks", "webhook_deliveries")
#: What to run to upgrade, in every message that asks for it.
UPGRADE_COMMAND = "fieldroute db upgrade"


class SchemaMismatchError(RuntimeError):
    """The database's schema is not the one this fieldroute needs (behind or ahead)."""


def alembic_config(connection: Connection | None = None) -> Config:
    """Return the Alembic configuration of the packaged revisions.

    Parameters
    ----------
    connection
        The connection revisions run on (handed to ``env.py``).
    """
    config = Config()
    config.set_main_option("script_location", str(Path(__file__).resolve().parent))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """Return the newest revision of this fieldroute's schema."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "no revision in service/migrations/versions"
    return head


def current_revision(engine: Engine) -> str | None:
    """Return the revision the database is at; None for a database never upgraded."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def _predates_migrations(connection: Connection) -> bool:
    tables = set(inspect(connection).get_table_names())
    return "alembic_version" not in tables and tables.issuperset(BASE_TABLES)


def upgrade_database(engine: Engine) -> tuple[str | None, str]:
    """Bring the database to the newest revision; return ``(before, after)`` revisions.

    Safe to run again (at the head it does nothing) and, on PostgreSQL, from two
    processes at once (the revisions run under an advisory lock, one after the other).

    Parameters
    ----------
    engine
        The database (any SQLAlchemy engine: SQLite file, PostgreSQL server).
    """
    before = current_revision(engine)
    with engine.begin() as connection:
        _lock(connection)
        config = alembic_config(connection)
        if before is None and _predates_migrations(connection):
            log.warning("stamping a database made before migrations at %s", BASE_REVISION)
            command.stamp(config, BASE_REVISION)
        command.upgrade(config, "head")
    after = current_revision(engine)
    assert after is not None
    return before, after


#: Key of the PostgreSQL advisory lock held while revisions run.
LOCK_KEY = 0x6669656C64  # "field"


def _lock(connection: Connection) -> None:
    """Hold the database for this upgrade: a second one waits, then finds it done.

    PostgreSQL: a transaction-scoped advisory lock. SQLite: an exclusive transaction
    begun by hand (the driver would run each DDL statement outside any transaction),
    which also makes the revisions all-or-nothing there.
    """
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
    elif connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN EXCLUSIVE")


def upgrades_automatically(engine: Engine, setting: bool | None) -> bool:
    """Return whether opening ``engine`` upgrades its schema on its own.

    ``setting`` is ``FIELDROUTE_DATABASE_AUTO_UPGRADE``; when unset, an embedded SQLite
    file upgrades itself (one service owns it: the set-up stays one command) and a
    server database never does (several services and workers share it: an operator
    runs ``fieldroute db upgrade`` once, before starting the new version).
    """
    return engine.dialect.name == "sqlite" if setting is None else setting


def require_current_schema(engine: Engine, *, auto_upgrade: bool | None = None) -> str:
    """Check that the database is at this fieldroute's schema; upgrade it if allowed.

    Parameters
    ----------
    engine
        The database.
    auto_upgrade
        Upgrade a database that is behind instead of refusing it; None: the default of
        :func:`upgrades_automatically` (SQLite yes, a server database no).

    Returns
    -------
    str
        The database's revision (the head).

    Raises
    ------
    SchemaMismatchError
        When the schema is behind (and not upgraded) or ahead of this fieldroute; the
        message names both revisions and what to run.
    """
    head = head_revision()
    current = current_revision(engine)
    if current == head:
        return head
    where = engine.url.render_as_string(hide_password=True)
    if current is not None and not _known(current):
        raise SchemaMismatchError(
            f"The database {where} is at schema revision {current}, which this fieldroute "
            f"does not know (its newest is {head}): it was upgraded by a newer fieldroute; "
            f"run that version, or restore a backup made before the upgrade."
        )
    if upgrades_automatically(engine, auto_upgrade):
        try:
            upgrade_database(engine)
        except SQLAlchemyError:  # another process upgraded the same file at the same time
            if current_revision(engine) != head:
                raise
        return head
    raise SchemaMismatchError(
        f"The database {where} is at schema revision {current or 'none (empty)'} but this "
        f"fieldroute needs {head}: run `{UPGRADE_COMMAND}` with FIELDROUTE_DATABASE_URL set "
        f"to it, then start the service again."
    )


def _known(revision: str) -> bool:
    try:
        return ScriptDirectory.from_config(alembic_config()).get_revision(revision) is not None
    except (CommandError, RevisionError):
        return False
