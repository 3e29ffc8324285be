"""The production-like topology as local processes: Airflow on PostgreSQL with CeleryExecutor over Redis and two
workers, the store on PostgreSQL, the intake and the CRM sandbox (leadline_dev.stack.CeleryStack)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

import httpx
import pytest
from sqlalchemy import Engine, create_engine, select, text

from leadline.domain.signature import sign
from leadline.store.engine import create_store_engine
from leadline.store.processing import TERMINAL
from leadline.store.schema import call_records, processing_requests
from leadline.store.tenants import Tenant, add_tenant, set_crm_integration
from leadline_dev.celery_stack import POSTGRES_SERVER, CeleryStack
from leadline_dev.stack import ROOT, port_open
from tests.tiers import server_missing

TENANT = "acme"
FIGURES: dict[str, dict[str, int]] = {}  # per case: posted, completed, duplicated, lost; printed at the end
HOT_LEAD = ("hot_lead.wav", "71", "+15550142678")


@dataclass
class StackDriver:
    stack: CeleryStack
    store: Engine
    metadata: Engine
    secret: str
    posted: list[str] = field(default_factory=list)

    def post_call(self, call_id: str, recording=HOT_LEAD) -> httpx.Response:
        name, duration, phone = recording
        body = json.dumps({
            "call_id": call_id, "tenant_id": TENANT, "caller_id": phone, "duration": duration, "answered": True,
            "customer_name": "Dana Whitfield",
            "recording_url": f"http://127.0.0.1:{self.stack.recordings_port}/{name}",
        }).encode()
        ts = str(int(time.time()))
        response = httpx.post(f"http://127.0.0.1:{self.stack.intake_port}/v1/callrail/webhook", content=body,
                              headers={"content-type": "application/json", "x-timestamp": ts,
                                       "x-callrail-signature": sign(self.secret, ts, body)}, timeout=30)
        if response.status_code == 200 and call_id not in self.posted:
            self.posted.append(call_id)
        return response

    def requests(self, call_ids: list[str]) -> dict[str, dict]:
        with self.store.connect() as conn:
            rows = conn.execute(select(processing_requests).where(
                processing_requests.c.tenant_id == TENANT, processing_requests.c.call_id.in_(call_ids))).mappings()
            return {row["call_id"]: dict(row) for row in rows}

    def wait_finished(self, call_ids: list[str], timeout_s: float = 600) -> dict[str, dict]:
        deadline = time.monotonic() + timeout_s
        while True:
            found = self.requests(call_ids)
            if len(found) == len(call_ids) and all(r["status"] in TERMINAL for r in found.values()):
                return found
            if time.monotonic() > deadline:
                states = {c: found.get(c, {}).get("status") for c in call_ids}
                raise TimeoutError(f"calls not finished after {timeout_s}s: {states}")
            time.sleep(2)

    def calls(self, call_ids: list[str]) -> dict[str, dict]:
        with self.store.connect() as conn:
            rows = conn.execute(select(call_records).where(
                call_records.c.tenant_id == TENANT, call_records.c.call_id.in_(call_ids))).mappings()
            return {row["call_id"]: dict(row) for row in rows}

    def dag_runs(self, call_id: str) -> int:
        with self.metadata.connect() as conn:
            return conn.execute(text(
                "SELECT count(*) FROM dag_run WHERE dag_id = 'call_processing' AND run_id = :run"),
                {"run": f"call__{TENANT}__{call_id}"}).scalar_one()

    def task_instance(self, call_id: str, task_id: str) -> dict | None:
        with self.metadata.connect() as conn:
            row = conn.execute(text(
                "SELECT state, try_number, pid, hostname FROM task_instance WHERE dag_id = 'call_processing' "
                "AND run_id = :run AND task_id = :task"),
                {"run": f"call__{TENANT}__{call_id}", "task": task_id}).mappings().first()
        return dict(row) if row else None

    def wait_task_running(self, call_id: str, task_id: str, timeout_s: float = 300) -> dict:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            ti = self.task_instance(call_id, task_id)
            if ti and ti["state"] == "running" and ti["pid"]:
                return ti
            time.sleep(0.2)
        raise TimeoutError(f"{task_id} of {call_id} never ran")

    def sandbox(self, path: str, **params) -> list[dict]:
        response = httpx.get(f"{self.stack.sandbox_url}/_sandbox/{path}", params=params, timeout=10)
        response.raise_for_status()
        return response.json()

    def set_faults(self, service: str, **faults) -> None:
        httpx.put(f"{self.stack.sandbox_url}/_sandbox/faults/{service}", json=faults,
                  timeout=10).raise_for_status()

    def crm_records_per_call(self, call_ids: list[str]) -> dict[str, tuple[int, int]]:
        """(HubSpot contacts with the call's identity, Salesforce leads with the call's external id) per call:
        (1, 1) is exactly once. HubSpot's identity is the email, or the phone when no email is sure (an unsure
        email goes to review, not the CRM), so calls from one caller share a contact."""
        identities = {c: ("email", row["customer_email"]) if row["customer_email"] else ("phone", row["customer_phone"])
                      for c, row in self.calls(call_ids).items()}
        contacts = self.sandbox("hubspot/contacts")
        leads = self.sandbox("salesforce/Lead")
        return {
            call_id: (sum(1 for c in contacts if call_id in identities and identities[call_id][1]
                          and c["properties"].get(identities[call_id][0]) == identities[call_id][1]),
                      sum(1 for lead in leads if lead.get("Leadline_Call_Id__c") == call_id))
            for call_id in call_ids
        }

    def summary(self, call_ids: list[str]) -> dict[str, int]:
        requests = self.requests(call_ids)
        runs = {c: self.dag_runs(c) for c in call_ids}
        return {
            "posted": len(call_ids),
            "completed": sum(1 for r in requests.values() if r["status"] == "completed"),
            "duplicated": sum(n - 1 for n in runs.values() if n > 1),
            "lost": sum(1 for c in call_ids if c not in requests or runs[c] == 0),
        }


@pytest.fixture(scope="session")
def celery_stack():
    missing = {name: port for name, port in (("PostgreSQL", 5432), ("Redis", 6379)) if not port_open(port)}
    if missing:
        addresses = ", ".join(f"127.0.0.1:{port}" for port in missing.values())
        server_missing(" and ".join(missing), f"nothing listens on {addresses}")
    home = ROOT / ".leadline" / "stack-test"
    stack = CeleryStack(home, name="leadline_stack_test", api_port=18180, intake_port=18181, recordings_port=18182,
                        sandbox_port=18190, sandbox_tls_port=18191, redis_db=6, heartbeat_timeout_s=20,
                        # chaos cases on espeak-ng recordings: tiny.en, as in the other pipeline tests (conftest)
                        speech_model="tiny.en")
    stack.prepare()
    store = create_store_engine(stack.store_url)
    secret_file = home / "secrets" / "acme-webhook-secret"
    secret_file.parent.mkdir(parents=True, exist_ok=True)
    secret_file.write_text("acme-stack-secret-0123456789abcdef")
    with store.begin() as conn:
        add_tenant(conn, Tenant(tenant_id=TENANT, name="Acme Roofing", status="active",
                                webhook_secret_ref=f"file:{secret_file}", primary_crm="hubspot",
                                secondary_crm="salesforce", requests_per_minute=1000,
                                config={"ai_config": {"lead_scoring_threshold": 70}}))
        for crm in ("hubspot", "salesforce"):
            set_crm_integration(conn, TENANT, crm, f"{crm}_sandbox")
    stack.start()
    metadata = create_engine(stack.metadata_url)
    try:
        yield StackDriver(stack, store, metadata, secret_file.read_text())
    finally:
        stack.stop()
        store.dispose()
        metadata.dispose()


def circuit_state(engine: Engine, crm_type: str) -> str | None:
    from leadline.store.schema import crm_circuits

    with engine.connect() as conn:
        return conn.execute(select(crm_circuits.c.state).where(
            crm_circuits.c.tenant_id == TENANT, crm_circuits.c.crm_type == crm_type)).scalar_one_or_none()


class StoreOutage:
    """The store's PostgreSQL database refuses every connection, and the open ones are cut."""

    def __init__(self, stack: CeleryStack):
        self.database = stack.store_database
        self.admin = create_engine(f"{POSTGRES_SERVER}/postgres", isolation_level="AUTOCOMMIT")

    def __enter__(self) -> StoreOutage:
        with self.admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{self.database}" WITH ALLOW_CONNECTIONS false'))
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :db"),
                         {"db": self.database})
        return self

    def __exit__(self, *exc) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{self.database}" WITH ALLOW_CONNECTIONS true'))
        self.admin.dispose()


def pytest_terminal_summary(terminalreporter) -> None:
    if FIGURES:
        terminalreporter.section("Celery stack: calls posted / completed / duplicated / lost")
        for case, figures in FIGURES.items():
            terminalreporter.write_line(f"{case}: {figures}")
