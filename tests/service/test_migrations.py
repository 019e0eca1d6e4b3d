"""Schema migrations: the packaged Alembic revisions, ``fieldroute db``, and the refusal to
start on a database whose schema is behind."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.orm import Session

import service.jobs.callbacks  # noqa: F401 - the webhook tables belong to the metadata
from service.app import create_app
from service.jobs.store import JobStore
from service.jobs.tables import Base, make_engine
from service.migrations import (
    BASE_REVISION,
    SchemaMismatchError,
    alembic_config,
    current_revision,
    head_revision,
    upgrade_database,
)
from tests.service.conftest import make_settings
from tests.service.databases import DATABASES, job_database, postgres_database

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(params=DATABASES)
def empty_url(request, tmp_path):
    """The URL of an empty database (no table, no revision) of each kind."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'jobs.sqlite'}"
        return
    with postgres_database(upgrade=False) as url:
        yield url


def fieldroute(*args: str, database_url: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "FIELDROUTE_DATABASE_URL": database_url, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "service.cli", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_revisions_make_exactly_the_tables_of_the_models(empty_url):
    engine = make_engine(empty_url)
    assert upgrade_database(engine) == (None, head_revision())
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert differences == []


def test_db_upgrade_upgrades_once_then_says_it_is_current(empty_url):
    first = fieldroute("db", "upgrade", database_url=empty_url)
    assert first.returncode == 0, first.stderr
    assert f"upgraded from revision none to {head_revision()}" in first.stdout
    again = fieldroute("db", "upgrade", database_url=empty_url)
    assert again.returncode == 0 and f"already at revision {head_revision()}" in again.stdout
    current = fieldroute("db", "current", database_url=empty_url)
    assert current.returncode == 0
    assert current.stdout.split() == ["database:", head_revision(), "this", "version:"] + [
        head_revision()
    ]


def test_an_empty_postgresql_database_is_refused_with_the_command_to_run(tmp_path):
    with postgres_database(upgrade=False) as url:
        with pytest.raises(SchemaMismatchError, match="run `fieldroute db upgrade`"):
            create_app(make_settings(tmp_path, database_url=url))
        engine = make_engine(url)
        assert current_revision(engine) is None  # refused, not upgraded behind our back
        engine.dispose()
        upgrade_database(make_engine(url))
        JobStore(url).dispose()  # upgraded: the service opens it


def test_a_sqlite_store_behind_is_refused_when_auto_upgrade_is_off(tmp_path):
    url = f"sqlite:///{tmp_path / 'jobs.sqlite'}"
    settings = make_settings(tmp_path, database_url=url, database_auto_upgrade=False)
    with pytest.raises(SchemaMismatchError) as refused:
        create_app(settings)
    message = str(refused.value)
    assert "none (empty)" in message and head_revision() in message
    assert "fieldroute db upgrade" in message


def test_serve_refuses_to_start_on_a_database_behind_and_says_what_to_run(tmp_path):
    url = f"sqlite:///{tmp_path / 'jobs.sqlite'}"
    env_url = {"FIELDROUTE_DATABASE_AUTO_UPGRADE": "false"}
    os.environ.update(env_url)
    try:
        done = fieldroute("serve", "--no-prepare", "--port", "1", database_url=url)
    finally:
        os.environ.pop("FIELDROUTE_DATABASE_AUTO_UPGRADE")
    assert done.returncode == 1
    assert "fieldroute serve: The database sqlite:///" in done.stderr
    assert "run `fieldroute db upgrade`" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_embedded_sqlite_store_upgrades_itself_on_first_start(tmp_path):
    url = f"sqlite:///{tmp_path / 'new' / 'jobs.sqlite'}"
    create_app(make_settings(tmp_path, database_url=url)).state.jobs.store.dispose()
    engine = make_engine(url)
    assert current_revision(engine) == head_revision()
    engine.dispose()


def test_a_database_made_before_migrations_keeps_its_jobs_and_is_stamped(tmp_path):
    url = f"sqlite:///{tmp_path / 'jobs.sqlite'}"
    engine = make_engine(url)
    with engine.begin() as connection:  # the tables create_all made before migrations
        command.upgrade(alembic_config(connection), BASE_REVISION)
        connection.execute(text("DROP TABLE alembic_version"))
    with Session(engine) as session, session.begin():
        session.execute(
            text(
                "INSERT INTO jobs (id, kind, status, progress, request, created_at, updated_at,"
                " attempts, parts_total, parts_done) VALUES ('old', 'day-plan', 'succeeded',"
                " 1.0, '{}', '2026-01-01 00:00:00', '2026-01-01 00:00:00', 1, 0, 0)"
            )
        )
    assert upgrade_database(engine)[1] == head_revision()
    with engine.connect() as connection:
        versions = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    engine.dispose()
    assert versions == [(head_revision(),)]
    store = JobStore(url)
    old = store.get("old")
    assert old.status == "succeeded" and old.tenant_id == "default"  # 0002_tenants
    store.dispose()


def test_a_database_upgraded_by_a_newer_fieldroute_is_refused(tmp_path):
    with job_database("sqlite", tmp_path) as url:
        engine = make_engine(url)
        upgrade_database(engine)
        with engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
        engine.dispose()
        with pytest.raises(SchemaMismatchError, match="9999_future.*newer fieldroute"):
            JobStore(url)
