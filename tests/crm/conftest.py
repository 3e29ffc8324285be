"""A live sandbox (HTTP + HTTPS) and Airflow connections for two CRMs pointing at it."""

from __future__ import annotations

import json

import httpx
import pytest

from leadline_dev.sandbox.app import DEFAULT_TOKENS
from leadline_dev.sandbox.server import SandboxServer


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory):
    server = SandboxServer(tmp_path_factory.mktemp("sandbox-certs")).start()
    yield server
    server.stop()


@pytest.fixture
def crm_sandbox(sandbox, monkeypatch):
    """Fresh sandbox state, and connections `hubspot_acme` / `salesforce_acme` for it."""
    httpx.post(f"{sandbox.http_url}/_sandbox/reset").raise_for_status()
    monkeypatch.setenv("AIRFLOW_CONN_HUBSPOT_ACME", json.dumps({
        "conn_type": "hubspot", "password": DEFAULT_TOKENS["hubspot"],
        "extra": {"host": sandbox.http_url, "retry_base_s": 0.01}}))
    monkeypatch.setenv("AIRFLOW_CONN_SALESFORCE_ACME", json.dumps({
        "conn_type": "salesforce", "password": DEFAULT_TOKENS["salesforce"],
        "extra": {"instance_url": sandbox.https_url, "session_auth": True, "ca_bundle": sandbox.ca_bundle,
                  "retry_base_s": 0.01}}))
    return sandbox


def set_faults(sandbox, service: str, **faults) -> None:
    httpx.put(f"{sandbox.http_url}/_sandbox/faults/{service}", json=faults).raise_for_status()


def journal(sandbox, service: str) -> list[dict]:
    return httpx.get(f"{sandbox.http_url}/_sandbox/journal", params={"service": service}).json()


def hubspot_contacts(sandbox) -> list[dict]:
    return httpx.get(f"{sandbox.http_url}/_sandbox/hubspot/contacts").json()


def crm_records(sandbox) -> dict:
    """The sandbox's read-only listing: HubSpot contacts and calls, Salesforce records by object."""
    return httpx.get(f"{sandbox.http_url}/_sandbox/records").json()


def salesforce_leads(sandbox) -> list[dict]:
    return httpx.get(f"{sandbox.http_url}/_sandbox/salesforce/Lead").json()


def configure_tenant_crms(engine, tenant_id: str = "acme") -> None:
    from leadline.store.schema import tenants
    from leadline.store.tenants import set_crm_integration

    with engine.begin() as conn:
        conn.execute(tenants.update().where(tenants.c.tenant_id == tenant_id)
                     .values(primary_crm="hubspot", secondary_crm="salesforce"))
        for crm in ("hubspot", "salesforce"):
            assert set_crm_integration(conn, tenant_id, crm, f"{crm}_{tenant_id}")
