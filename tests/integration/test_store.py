"""The store on each backend: migrations, tenant registry, intake writes, Spanner DDL."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from leadline.store import spanner_ddl
from leadline.store.engine import create_store_engine
from leadline.store.intake import IncomingCall, record_calls
from leadline.store.migrate import current_revision, upgrade
from leadline.store.schema import metadata
from leadline.store.tenants import Tenant, add_tenant, get_tenant, list_tenants, set_tenant_status

ROOT = Path(__file__).resolve().parents[2]


def _call(tenant_id: str, call_id: str) -> IncomingCall:
    return IncomingCall(
        tenant_id=tenant_id, call_id=call_id, resource_id=None, caller_phone="+15551234567",
        customer_name=None, duration_s=120, answered=True, started_at=None, recording_url=None,
        raw_payload={"call_id": call_id, "tenant_id": tenant_id, "nested": {"ü": [1, 2]}},
    )


def _round_trip(engine) -> None:
    upgrade(engine)
    assert current_revision(engine) == "0015"
    upgrade(engine)  # idempotent
    assert set(inspect(engine).get_table_names()) >= set(metadata.tables)
    with engine.begin() as conn:
        add_tenant(conn, Tenant("acme", "Acme", "active", "env:X", primary_crm="hubspot",
                                secondary_crm="salesforce", config={"ai_config": {"analysis_model": "gemini"}}))
        add_tenant(conn, Tenant("globex", "Globex", "active", "env:Y"))
    with engine.connect() as conn:
        acme = get_tenant(conn, "acme")
        assert (acme.lead_scoring_threshold, acme.primary_crm, acme.config["ai_config"]["analysis_model"]) == (
            70, "hubspot", "gemini")
        assert [t.tenant_id for t in list_tenants(conn)] == ["acme", "globex"]
    first = record_calls(engine, [_call("acme", "C1"), _call("acme", "C2"), _call("acme", "C1"),
                                  _call("globex", "C1")])
    assert [r.created for r in first] == [True, True, False, True]
    assert first[0].request_id == first[2].request_id != first[3].request_id
    again = record_calls(engine, [_call("acme", "C2")])
    assert again[0].created is False and again[0].request_id == first[1].request_id
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT tenant_id, call_id, raw_payload FROM call_records "
                                 "ORDER BY tenant_id, call_id")).all()
        assert [(r.tenant_id, r.call_id) for r in rows] == [("acme", "C1"), ("acme", "C2"), ("globex", "C1")]
    with engine.begin() as conn:
        assert set_tenant_status(conn, "acme", "paused")
        assert not set_tenant_status(conn, "nobody", "paused")
        with pytest.raises(ValueError):
            set_tenant_status(conn, "acme", "deleted")


def test_round_trip_sqlite(tmp_path):
    engine = create_store_engine(f"sqlite:///{tmp_path / 'store.db'}")
    _round_trip(engine)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10_000


@pytest.mark.postgres
def test_round_trip_postgres(postgres_url):
    engine = create_store_engine(postgres_url)
    _round_trip(engine)
    engine.dispose()


def test_tenant_validation_rejects_bad_settings(tmp_path):
    engine = create_store_engine(f"sqlite:///{tmp_path / 'store.db'}")
    upgrade(engine)
    for bad in (Tenant("a", "A", "active", "env:X", primary_crm="zoho"),
                Tenant("a", "A", "active", "env:X", primary_crm="hubspot", secondary_crm="hubspot"),
                Tenant("a", "A", "active", "env:X", lead_scoring_threshold=101),
                Tenant("a", "A", "weird", "env:X")):
        with engine.begin() as conn, pytest.raises(ValueError):
            add_tenant(conn, bad)


def test_committed_spanner_ddl_matches_metadata():
    committed = (ROOT / "include/sql/spanner/schema.sql").read_text()
    assert committed == spanner_ddl.render(), "regenerate with: python -m leadline.store.spanner_ddl"


def test_spanner_ddl_interleaves_per_call_tables_after_tenants():
    ddl = spanner_ddl.render()
    assert ddl.index("CREATE TABLE tenants") < ddl.index("CREATE TABLE call_records")
    for table in ("call_records", "processing_requests", "crm_integrations"):
        block = ddl[ddl.index(f"CREATE TABLE {table} ("):]
        block = block[: block.index(";")]
        assert block.startswith(f"CREATE TABLE {table} (\n\ttenant_id STRING(64) NOT NULL")
        assert "INTERLEAVE IN PARENT tenants ON DELETE CASCADE" in block
    assert "JSON" in ddl and "STRING(MAX)" in ddl


def test_claims_are_fair_across_tenants_and_never_double(tmp_path):
    from leadline.store.processing import claim_pending

    engine = create_store_engine(f"sqlite:///{tmp_path / 'store.db'}")
    upgrade(engine)
    noisy = [_call("noisy", f"N{i}") for i in range(40)]
    quiet = [_call("quiet", f"Q{i}") for i in range(3)]
    record_calls(engine, noisy)
    record_calls(engine, quiet)
    first = claim_pending(engine, limit=10, per_tenant=10)
    assert sum(c.tenant_id == "quiet" for c in first) == 3  # the quiet tenant is not starved
    assert [c.tenant_id for c in first[:6]] == ["noisy", "quiet"] * 3  # round-robin
    second = claim_pending(engine, limit=100, per_tenant=100)
    assert {c.call_id for c in first}.isdisjoint({c.call_id for c in second})
    assert len(first) + len(second) == 43
    assert claim_pending(engine, limit=10) == []
    assert first[0].run_id == "call__noisy__N0"


def test_migrations_match_the_schema(tmp_path):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    engine = create_store_engine(f"sqlite:///{tmp_path / 'store.db'}")
    upgrade(engine)
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []
