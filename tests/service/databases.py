"""Job databases for the tests: an SQLite file, or a fresh database on a PostgreSQL server.

PostgreSQL tests need a server: ``.ci/run`` starts one and sets
``FIELDROUTE_TEST_POSTGRES_URL`` (a role that may create databases, e.g.
``postgresql+psycopg://fieldroute@127.0.0.1:5439/postgres``); without it they are
skipped. Each test (or module) gets its own database, created and dropped here and
brought to the schema with :func:`service.migrations.upgrade_database`, as an operator
runs ``fieldroute db upgrade``.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from service.jobs.tables import make_engine
from service.migrations import upgrade_database

POSTGRES_ENV = "FIELDROUTE_TEST_POSTGRES_URL"
#: The job databases the store, scale-out and worker-kill tests run on.
DATABASES = ("sqlite", "postgresql")


def postgres_admin_url() -> str:
    """Return the test server's URL, or skip the test when there is none."""
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        pytest.skip(f"no PostgreSQL: set {POSTGRES_ENV} (.ci/run starts a server)")
    return url


@contextmanager
def postgres_database(*, upgrade: bool = True) -> Iterator[str]:
    """Create an empty database on the test server; yield its URL; drop it afterwards."""
    admin_url = postgres_admin_url()
    name = f"fieldroute_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    try:
        if upgrade:
            engine = make_engine(url)
            upgrade_database(engine)
            engine.dispose()
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def job_database(kind: str, tmp_path: Path) -> Iterator[str]:
    """Yield the URL of a new job database of ``kind`` (``sqlite`` or ``postgresql``)."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'jobs.sqlite'}"
        return
    with postgres_database() as url:
        yield url
