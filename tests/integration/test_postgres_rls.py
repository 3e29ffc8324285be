"""PostgreSQL's row-level security (migration 0014) behind the store API: a statement that forgets its tenant
filter sees and changes only its own tenant's rows, a session that names no scope sees nothing, and the
cross-tenant work of an unscoped engine still sees every tenant. The store logs in as an ordinary role, as it
must in production: superusers skip row-level security."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import psycopg
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import ProgrammingError

from leadline.hooks.database_dump import create_backup, drop_scratch, latest_backup, restore_to_scratch
from leadline.store.backups import restored_counts, runbook_counts
from leadline.store.engine import create_store_engine
from leadline.store.intake import IncomingCall, record_calls
from leadline.store.migrate import upgrade
from leadline.store.tenant_scope import for_tenant
from tests.conftest import PG_ADMIN_URL, seed_tenants

pytestmark = pytest.mark.postgres
STORE_ROLE = "leadline_rls_store"


@pytest.fixture
def store_as_ordinary_role(monkeypatch):
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"leadline_rls_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f"DO $$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{STORE_ROLE}') "
                             f"THEN CREATE ROLE {STORE_ROLE}; END IF; END$$")
        # what a store role may be: log in, create the scratch database a backup is restored into, no more
        conn.exec_driver_sql(f"ALTER ROLE {STORE_ROLE} LOGIN CREATEDB NOSUPERUSER NOBYPASSRLS")
        conn.exec_driver_sql(f'CREATE DATABASE "{name}" OWNER {STORE_ROLE}')
    url = f"postgresql://{STORE_ROLE}@127.0.0.1:5432/{name}"
    engine = create_store_engine(url)
    upgrade(engine)
    seed_tenants(engine, monkeypatch)
    started = datetime(2026, 1, 5, 15, tzinfo=UTC)
    record_calls(engine, [IncomingCall(tenant_id=tenant, call_id=f"{tenant}-{n}", resource_id=None,
                                       caller_phone="+15555550100", customer_name=None, duration_s=90,
                                       answered=True, started_at=started, recording_url=None, raw_payload={})
                          for tenant in ("acme", "globex") for n in range(3)])
    yield url, engine
    engine.dispose()
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
    admin.dispose()


def unfiltered_calls(engine) -> list[str]:
    with engine.connect() as conn:
        return sorted(conn.execute(text("SELECT call_id FROM call_records")).scalars())


def test_a_query_that_forgets_its_tenant_filter_sees_only_its_tenant(store_as_ordinary_role):
    _, engine = store_as_ordinary_role
    assert unfiltered_calls(for_tenant(engine, "dormant")) == []
    assert unfiltered_calls(for_tenant(engine, "acme")) == ["acme-0", "acme-1", "acme-2"]
    with for_tenant(engine, "globex").connect() as conn:
        assert conn.execute(text("SELECT tenant_id FROM tenants")).scalars().all() == ["globex"]


def test_an_unfiltered_write_changes_only_its_tenant_and_cannot_write_another(store_as_ordinary_role):
    _, engine = store_as_ordinary_role
    with for_tenant(engine, "acme").begin() as conn:
        assert conn.execute(text("UPDATE call_records SET lead_score = 0")).rowcount == 3
        assert conn.execute(text("DELETE FROM processing_requests")).rowcount == 3
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT tenant_id, lead_score FROM call_records ORDER BY tenant_id")).all()
        kept = conn.execute(text("SELECT count(*) FROM processing_requests")).scalar_one()
    assert {tenant for tenant, score in rows if score == 0} == {"acme"} and kept == 3
    with pytest.raises(ProgrammingError, match="row-level security"), for_tenant(engine, "acme").begin() as conn:
        conn.execute(text("UPDATE call_records SET tenant_id = 'globex' WHERE call_id = 'acme-0'"))


def test_a_session_that_names_no_scope_sees_nothing(store_as_ordinary_role):
    url, _ = store_as_ordinary_role
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT count(*) FROM call_records").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM tenants").fetchone() == (0,)


def test_cross_tenant_work_still_sees_every_tenant(store_as_ordinary_role):
    _, engine = store_as_ordinary_role
    assert len(unfiltered_calls(engine)) == 6


def test_a_scope_must_name_a_tenant(store_as_ordinary_role):
    _, engine = store_as_ordinary_role
    for bad in ("", "*"):
        with pytest.raises(ValueError, match="not a tenant id"):
            for_tenant(engine, bad)


def test_a_backup_of_the_row_secured_store_restores_every_tenant(store_as_ordinary_role, tmp_path):
    _, engine = store_as_ordinary_role
    create_backup(engine, tmp_path, retention_days=7)
    restored = restore_to_scratch(engine, latest_backup(engine, tmp_path), "rls")
    try:
        live = runbook_counts(engine)
        assert live["call_records"] == 6 and restored_counts(engine, restored) == live
    finally:
        drop_scratch(engine, restored)
