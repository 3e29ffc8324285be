"""`leadline db upgrade` on Spanner: from an empty emulator (no instance, no database) through every Alembic
migration, to the schema the metadata renders (include/sql/spanner/schema.sql)."""

from __future__ import annotations

import re

import pytest
from google.cloud import spanner
from sqlalchemy import inspect, text

from leadline.cli import main
from leadline.store import spanner_ddl
from leadline.store.engine import create_store_engine
from leadline.store.migrate import current_revision, upgrade
from leadline.store.schema import VIEWS, metadata
from tests.spanner.conftest import INSTANCE, PROJECT, drop_spanner_database, spanner_database_id, spanner_url

pytestmark = pytest.mark.spanner


def _head() -> str:
    from alembic.script import ScriptDirectory

    from leadline.store.migrate import MIGRATIONS_DIR

    return ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()


HEAD = _head()


def _normalised(statement: str) -> str:
    """One DDL statement in a canonical spelling: the emulator echoes DDL in its own layout."""
    sql = re.sub(r"\s+", " ", statement.strip().rstrip(";"))
    sql = re.sub(r"\s*([(),])\s*", r"\1", sql)
    return sql.replace(",)", ")")


def _database_ddl(database_id: str) -> list[str]:
    database = spanner.Client(project=PROJECT).instance(INSTANCE).database(database_id)
    database.reload()
    return list(database.ddl_statements)


def test_db_upgrade_creates_and_migrates_a_spanner_database_from_nothing(spanner_host, capsys):
    instance = spanner.Client(project=PROJECT).instance("fresh-instance")
    assert not instance.exists()
    database_id = spanner_database_id()
    url = f"spanner+spanner:///projects/{PROJECT}/instances/fresh-instance/databases/{database_id}"
    main(["--store-url", url, "db", "upgrade"])
    assert capsys.readouterr().out.strip() == f"store at revision {HEAD}"
    assert instance.exists() and instance.database(database_id).exists()
    main(["--store-url", url, "db", "upgrade"])  # a second run finds nothing to do
    assert capsys.readouterr().out.strip() == f"store at revision {HEAD}"
    instance.database(database_id).drop()
    instance.delete()


def test_migrated_spanner_schema_is_the_metadatas_ddl(spanner_store_url):
    database_id = spanner_store_url.rsplit("/", 1)[1]
    actual = [s for s in _database_ddl(database_id) if "alembic_version" not in s]
    expected = spanner_ddl.statements()
    assert sorted(map(_normalised, actual)) == sorted(map(_normalised, expected))
    assert any(s.startswith("CREATE VIEW v_unmatched_emails SQL SECURITY INVOKER AS") for s in expected)


def test_spanner_migrations_step_by_step_keep_the_version_row(spanner_host):
    database_id = spanner_database_id()
    engine = create_store_engine(spanner_url(database_id))
    try:
        for revision in ("0001", "0003", "0004", "0005", "0008", HEAD):
            upgrade(engine, revision)
            assert current_revision(engine) == revision
        with engine.connect() as conn:
            assert conn.execute(text("SELECT COUNT(*) FROM alembic_version")).scalar_one() == 1
        assert set(inspect(engine).get_table_names()) == set(metadata.tables) | {"alembic_version"}
        assert set(inspect(engine).get_view_names()) == set(VIEWS)
    finally:
        engine.dispose()
        drop_spanner_database(spanner_host, database_id)


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres), "spanner"])
def test_the_view_each_backend_gets_is_the_schemas(backend, request, tmp_path):
    """v_unmatched_emails as migration 0012 creates it on every backend (the columns runbook 004's query reads),
    and as the schema (and so the committed Spanner DDL) declares it."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'store.db'}"
    elif backend == "postgres":
        url = request.getfixturevalue("postgres_url")
    else:
        url = request.getfixturevalue("spanner_store_url")
    engine = create_store_engine(url)
    upgrade(engine)
    with engine.connect() as conn:
        columns = conn.execute(text("SELECT * FROM v_unmatched_emails")).keys()
        definition = inspect(conn).get_view_definition("v_unmatched_emails")
    engine.dispose()
    assert list(columns) == ["tenant_id", "email_address", "source", "source_id", "sent_at"]
    if backend != "postgres":  # PostgreSQL stores its own rewrite of the query
        assert _normalised(VIEWS["v_unmatched_emails"]) in _normalised(definition)


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres), "spanner"])
def test_0012_keeps_every_account_name_under_the_runbooks_column_name(backend, request, tmp_path):
    """sf_accounts.name becomes account_name with its values (on Spanner, which renames no column: added, filled
    by partitioned DML, the old one dropped)."""
    from datetime import UTC, datetime

    from sqlalchemy import insert

    from leadline.store.schema import tenants

    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'store.db'}"
    elif backend == "postgres":
        url = request.getfixturevalue("postgres_url")
    else:
        url = spanner_url(spanner_database_id())
    engine = create_store_engine(url)
    now = datetime.now(UTC)
    try:
        upgrade(engine, "0011")
        with engine.begin() as conn:
            conn.execute(insert(tenants).values(
                tenant_id="acme", name="Acme", status="active", webhook_secret_ref="env:X", lead_scoring_threshold=70,
                retention_days=30, requests_per_minute=60, config={}, created_at=now, updated_at=now))
            conn.execute(text("INSERT INTO sf_accounts (tenant_id, account_id, name, system_modstamp, synced_at) "
                              "VALUES ('acme', 'A1', 'Acme Roofing', :now, :now), ('acme', 'A2', NULL, :now, :now)"),
                         {"now": now})
        upgrade(engine)
        with engine.connect() as conn:
            names = conn.execute(text("SELECT account_id, account_name FROM sf_accounts ORDER BY account_id")).all()
            assert "name" not in {c["name"] for c in inspect(conn).get_columns("sf_accounts")}
    finally:
        engine.dispose()
        if backend == "spanner":
            drop_spanner_database(request.getfixturevalue("spanner_host"), url.rsplit("/", 1)[1])
    assert [tuple(r) for r in names] == [("A1", "Acme Roofing"), ("A2", None)]
