"""A live Airflow API server (with the Leadline plugin) and dag-processor on a seeded store, with
three Airflow users: ops (admin: every tenant), alice (tenant acme) and bob (tenant globex)."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime

import httpx
import pytest

from leadline.sandbox.seed import insert_call_history
from leadline.stack import ROOT, EmbeddedStack
from leadline.store import crm as crm_store
from leadline.store.engine import create_store_engine
from leadline.store.members import grant
from leadline.store.migrate import upgrade
from leadline.store.tenants import Tenant, add_tenant

PASSWORDS = {"ops": "ops-password-1", "alice": "alice-password-1", "bob": "bob-password-1"}
ARTIFACTS = ROOT / "test-artifacts" / "dashboard"


class DashboardStack(EmbeddedStack):
    @property
    def env(self) -> dict[str, str]:
        return {
            **super().env,
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "False",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "ops:admin,alice:user,bob:user",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(self.home / "passwords.json"),
        }

    def services(self) -> dict[str, tuple[str, ...]]:
        # No scheduler: a triggered run must show up queued, and SQLite metadata takes one writer at a time.
        keep = ("api-server", "dag-processor")
        return {name: args for name, args in super().services().items() if name in keep}


def seed_store(url: str, now: datetime) -> None:
    engine = create_store_engine(url)
    upgrade(engine)
    with engine.begin() as conn:
        for tenant_id in ("acme", "globex"):
            add_tenant(conn, Tenant(tenant_id=tenant_id, name=tenant_id.title(), status="active",
                                    webhook_secret_ref=f"env:LEADLINE_SECRET_{tenant_id.upper()}",
                                    config={"crm_config": {"hubspot_portal_id": "4242"}}))
        grant(conn, "acme", "alice")
        grant(conn, "globex", "bob")
    insert_call_history(engine, "acme", 360, days=7, now=now, prefix="AC")
    insert_call_history(engine, "globex", 120, days=7, now=now, prefix="GX")
    crm_store.record_sync(engine, tenant_id="acme", call_id="AC0000355", crm_type="hubspot", role="primary",
                          status="synced", record_id="9001", cross_ref_id=None, attempts=1, error=None)
    engine.dispose()


@pytest.fixture(scope="session")
def dashboard():
    home = ROOT / ".leadline" / "dashboard-test"
    shutil.rmtree(home, ignore_errors=True)
    stack = DashboardStack(home, api_port=18280, intake_port=18281, recordings_port=18282)
    home.mkdir(parents=True)
    (home / "passwords.json").write_text(json.dumps(PASSWORDS))
    seed_store(stack.store_url, datetime.now(UTC))
    stack.prepare()
    stack.start()
    try:
        yield stack
    finally:
        stack.stop()


def token(stack: EmbeddedStack, user: str) -> str:
    response = httpx.post(f"http://127.0.0.1:{stack.api_port}/auth/token",
                          json={"username": user, "password": PASSWORDS[user]}, timeout=30)
    response.raise_for_status()
    return response.json()["access_token"]
