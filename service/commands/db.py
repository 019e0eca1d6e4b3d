"""``fieldroute db upgrade`` / ``db current``: the job database's schema (Alembic revisions)."""

from __future__ import annotations

import argparse
import sys

from sqlalchemy.engine import Engine

from service.config import get_settings
from service.jobs.tables import make_engine


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``db`` subcommands."""
    parser = subparsers.add_parser(
        "db",
        help="upgrade or show the job database's schema (FIELDROUTE_DATABASE_URL)",
        description=(
            "The job database's schema is versioned with Alembic revisions shipped in the "
            "package. Run `fieldroute db upgrade` once after installing a new version, "
            "before starting its service and workers (an embedded SQLite store upgrades "
            "itself; a PostgreSQL database never does)."
        ),
    )
    verbs = parser.add_subparsers(dest="db_command", required=True, metavar="VERB")
    upgrade = verbs.add_parser("upgrade", help="bring the database to this version's schema")
    upgrade.add_argument(
        "--database-url", default=None, help="SQLAlchemy URL (default FIELDROUTE_DATABASE_URL)"
    )
    upgrade.set_defaults(handler=run_upgrade)
    current = verbs.add_parser("current", help="print the database's and this version's revision")
    current.add_argument(
        "--database-url", default=None, help="SQLAlchemy URL (default FIELDROUTE_DATABASE_URL)"
    )
    current.set_defaults(handler=run_current)


def _engine(args: argparse.Namespace) -> Engine:
    return make_engine(args.database_url or get_settings().database_url)


def run_upgrade(args: argparse.Namespace) -> int:
    """Upgrade the database to the newest revision and say from which."""
    from service.migrations import upgrade_database

    engine = _engine(args)
    try:
        before, after = upgrade_database(engine)
    finally:
        engine.dispose()
    where = engine.url.render_as_string(hide_password=True)
    if before == after:
        print(f"{where}: already at revision {after}")
    else:
        print(f"{where}: upgraded from revision {before or 'none'} to {after}")
    return 0


def run_current(args: argparse.Namespace) -> int:
    """Print the database's revision and this version's; status 1 when they differ."""
    from service.migrations import current_revision, head_revision

    engine = _engine(args)
    try:
        current = current_revision(engine)
    finally:
        engine.dispose()
    head = head_revision()
    print(f"database: {current or 'none'}\nthis version: {head}")
    if current != head:
        print("run `fieldroute db upgrade`", file=sys.stderr)
        return 1
    return 0
