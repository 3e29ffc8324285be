"""A live Airflow API server (with the Leadline plugin) and dag-processor on a seeded store, with
three Airflow users: ops (admin: every tenant), alice (tenant acme) and bob (tenant globex)."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime

import pytest

from leadline.store import crm as crm_store
from leadline.store.engine import create_store_engine
from leadline.store.migrate import upgrade
from leadline_dev.sandbox.seed import add_tenants_with_members, insert_call_history
from leadline_dev.stack import ROOT, EmbeddedStack

USERS = {"ops": ("admin", "ops-password-1"), "alice": ("user", "alice-password-1"), "bob": ("user", "bob-password-1")}
ARTIFACTS = ROOT / "test-artifacts" / "dashboard"


def seed_store(url: str, now: datetime) -> None:
    engine = create_store_engine(url)
    upgrade(engine)
    add_tenants_with_members(engine, {"acme": "alice", "globex": "bob"},
                             config={"crm_config": {"hubspot_portal_id": "4242"}})
    insert_call_history(engine, "acme", 360, days=7, now=now, prefix="AC")
    insert_call_history(engine, "globex", 120, days=7, now=now, prefix="GX")
    crm_store.record_sync(engine, tenant_id="acme", call_id="AC0000355", crm_type="hubspot", role="primary",
                          status="synced", record_id="9001", cross_ref_id=None, attempts=1, error=None)
    engine.dispose()


@pytest.fixture(scope="session")
def dashboard():
    home = ROOT / ".leadline" / "dashboard-test"
    shutil.rmtree(home, ignore_errors=True)
    # No scheduler: a triggered run must show up queued, and SQLite metadata takes one writer at a time.
    stack = EmbeddedStack(home, api_port=18280, intake_port=18281, recordings_port=18282, users=USERS,
                          only=("api-server", "dag-processor"))
    home.mkdir(parents=True)
    seed_store(stack.store_url, datetime.now(UTC))
    stack.prepare()
    stack.start()
    try:
        yield stack
    finally:
        stack.stop()

