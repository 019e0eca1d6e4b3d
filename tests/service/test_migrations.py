"""Schema migrations: the packaged Alembic revisions, ``fieldroute db``, and the refusal to
start on a database whose schema is behind."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.orm import Session

import service.jobs.callbacks  # noqa: F401 - the webhook tables belong to the metadata
from service.app import create_app
from service.cli import main
from service.config import get_settings
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


@pytest.fixture(params=DATABASES)
def empty_url(request, tmp_path):
    """The URL of an empty database (no table, no revision) of each kind."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'jobs.sqlite'}"
        return
    with postgres_database(upgrade=False) as url:
        yield url


@pytest.fixture
def fieldroute(monkeypatch, capsys):
    """Run ``fieldroute ARGS`` in this process with FIELDROUTE_* variables; return
    ``(status, stdout, stderr)``."""

    def run(*args: str, **env: str) -> tuple[int, str, str]:
        for name, value in env.items():
            monkeypatch.setenv(f"FIELDROUTE_{name.upper()}", value)
        get_settings.cache_clear()
        try:
            status = main(list(args))
        finally:
            get_settings.cache_clear()
        out, err = capsys.readouterr()
        return status, out, err

    return run


def test_the_revisions_make_exactly_the_tables_of_the_models(empty_url):
    engine = make_engine(empty_url)
    assert upgrade_database(engine) == (None, head_revision())
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert differences == []


def test_db_upgrade_upgrades_once_then_says_it_is_current(empty_url, fieldroute):
    status, out, _ = fieldroute("db", "upgrade", database_url=empty_url)
    assert status == 0 and f"upgraded from revision none to {head_revision()}" in out
    status, out, _ = fieldroute("db", "upgrade", database_url=empty_url)
    assert status == 0 and f"already at revision {head_revision()}" in out
    status, out, _ = fieldroute("db", "current", database_url=empty_url)
    assert status == 0
    assert out.split() == ["database:", head_revision(), "this", "version:", head_revision()]


def test_db_current_on_a_database_behind_says_to_upgrade(tmp_path, fieldroute):
    url = f"sqlite:///{tmp_path / 'jobs.sqlite'}"
    status, out, err = fieldroute("db", "current", "--database-url", url)
    assert status == 1 and out.split()[:2] == ["database:", "none"]
    assert "fieldroute db upgrade" in err


def test_three_upgrades_at_once_all_succeed_and_leave_one_revision(empty_url):
    engines = [make_engine(empty_url) for _ in range(3)]
    with ThreadPoolExecutor(3) as pool:  # three connections: three services starting
        results = list(pool.map(upgrade_database, engines))
    assert {after for _, after in results} == {head_revision()}
    with engines[0].connect() as connection:
        versions = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    for engine in engines:
        engine.dispose()
    assert versions == [(head_revision(),)]


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


def test_serve_refuses_to_start_on_a_database_behind_and_says_what_to_run(tmp_path, fieldroute):
    url = f"sqlite:///{tmp_path / 'jobs.sqlite'}"
    status, _, err = fieldroute(
        "serve", "--no-prepare", database_url=url, database_auto_upgrade="false"
    )
    assert status == 1
    assert err.startswith("fieldroute serve: The database sqlite:///")
    assert "run `fieldroute db upgrade`" in err


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


def test_a_worker_refuses_to_start_on_a_database_behind(tmp_path, fieldroute):
    url = f"sqlite:///{tmp_path / 'jobs.sqlite'}"
    status, _, err = fieldroute("worker", database_url=url, database_auto_upgrade="false")
    assert status == 1
    assert err.startswith("fieldroute worker: The database sqlite:///")
    assert "run `fieldroute db upgrade`" in err
