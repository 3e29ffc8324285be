"""Bulk CRM sync of a 5,000-lead backlog into the sandbox (HubSpot primary, Salesforce secondary).

    python bench/crm_sync.py [--leads 5000]

Prints one JSON line: leads, api_calls (requests the sandbox received), calls_per_lead, seconds,
duplicates (contacts or Leads beyond one per lead). Target: calls_per_lead <= 0.02.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "plugins"), str(ROOT / "devtools")]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--leads", type=int, default=5000)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="leadline-crm-bench-"))
    os.environ["AIRFLOW_HOME"] = str(workdir / "airflow")

    import httpx

    from leadline import crm_sync
    from leadline.store.engine import create_store_engine
    from leadline.store.migrate import upgrade
    from leadline.store.schema import crm_integrations
    from leadline.store.tenants import Tenant, add_tenant, get_tenant
    from leadline_dev.sandbox.app import DEFAULT_TOKENS
    from leadline_dev.sandbox.seed import insert_scored_calls
    from leadline_dev.sandbox.server import SandboxServer

    sandbox = SandboxServer(workdir / "certs").start()
    os.environ["AIRFLOW_CONN_HUBSPOT_BENCH"] = json.dumps({
        "conn_type": "hubspot", "password": DEFAULT_TOKENS["hubspot"], "extra": {"host": sandbox.http_url}})
    os.environ["AIRFLOW_CONN_SALESFORCE_BENCH"] = json.dumps({
        "conn_type": "salesforce", "password": DEFAULT_TOKENS["salesforce"],
        "extra": {"instance_url": sandbox.https_url, "session_auth": True, "ca_bundle": sandbox.ca_bundle}})
    engine = create_store_engine(f"sqlite:///{workdir / 'leadline.db'}")
    upgrade(engine)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        add_tenant(conn, Tenant("bench", "Bench", "active", "env:UNUSED", primary_crm="hubspot",
                                secondary_crm="salesforce"))
        for priority, crm in enumerate(("hubspot", "salesforce"), start=1):
            conn.execute(crm_integrations.insert().values(tenant_id="bench", crm_type=crm, status="active",
                                                          priority=priority, connection_id=f"{crm}_bench",
                                                          created_at=now, updated_at=now))
    insert_scored_calls(engine, "bench", args.leads, prefix="CB")
    with engine.connect() as conn:
        tenant = get_tenant(conn, "bench")
    started = time.perf_counter()
    summary = crm_sync.backfill(engine, tenant, now - timedelta(days=1), now + timedelta(days=1))
    seconds = time.perf_counter() - started
    api_calls = len(httpx.get(f"{sandbox.http_url}/_sandbox/journal").json())
    contacts = httpx.get(f"{sandbox.http_url}/_sandbox/hubspot/contacts").json()
    leads = httpx.get(f"{sandbox.http_url}/_sandbox/salesforce/Lead").json()
    sandbox.stop()
    duplicates = (len(contacts) - len({c["properties"]["leadline_call_id"] for c in contacts})
                  + len(leads) - len({r["Leadline_Call_Id__c"] for r in leads}))
    print(json.dumps({
        "leads": args.leads, "synced_hubspot": len(contacts), "synced_salesforce": len(leads),
        "api_calls": api_calls, "calls_per_lead": round(api_calls / args.leads, 4), "seconds": round(seconds, 2),
        "duplicates": duplicates, "failed": summary["failed"],
    }))


if __name__ == "__main__":
    main()
