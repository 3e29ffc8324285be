"""The runbook's manual ETL triggers (004, Common Operations > 1. Manual ETL Trigger) as the sync DAGs' params:
sync_type (incremental | full), object_type (Salesforce, HubSpot) and mailbox (Gmail), validated before a run
starts and honoured by the operators, against the sandbox."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select

from leadline.store.schema import (
    etl_runs,
    gmail_messages,
    hubspot_companies,
    hubspot_contacts,
    sf_accounts,
    sf_contacts,
    sf_opportunities,
    tenants,
)
from tests.crm.conftest import configure_tenant_crms
from tests.crm.test_intelligence_dags import DAY, gmail_message, seed_salesforce


def states(run) -> set[str]:
    return {ti.state for ti in run.get_task_instances()}


def test_salesforce_full_sync_of_one_object_takes_all_its_records_whatever_the_interval(
        crm_sandbox, seeded_engine, dagbag, store_conn):
    configure_tenant_crms(seeded_engine)
    seed_salesforce(crm_sandbox)  # modified at 03:00-05:00 on three days
    sync = dagbag.get_dag("sync_salesforce")
    quiet_hour = DAY + timedelta(hours=1)  # [00:00, 01:00): nothing changed then
    assert states(sync.test(logical_date=quiet_hour)) == {"success"}
    with seeded_engine.connect() as conn:
        assert conn.execute(select(sf_accounts)).all() == []

    run = sync.test(logical_date=quiet_hour, run_conf={"object_type": "Account", "sync_type": "full"})
    assert states(run) == {"success"}
    with seeded_engine.connect() as conn:
        accounts = conn.execute(select(sf_accounts.c.account_id, sf_accounts.c.account_name)
                                .order_by(sf_accounts.c.account_id)).all()
        assert conn.execute(select(sf_contacts)).all() == [] and conn.execute(select(sf_opportunities)).all() == []
        processed = conn.execute(select(etl_runs.c.rows_processed).order_by(etl_runs.c.started_at)).scalars().all()
    assert [tuple(a) for a in accounts] == [("001A0", "Acme 0"), ("001A1", "Acme 1"), ("001A2", "Acme 2")]
    assert processed == [0, 3]  # the quiet hour's run, then the full one

    # incremental again, one object: only the contact modified in [04:00, 05:00) of the first day (sync_type
    # named: in one process dag.test keeps the last run's conf as the params' values)
    sync.test(logical_date=DAY + timedelta(hours=5), run_conf={"object_type": "Contact", "sync_type": "incremental"})
    with seeded_engine.connect() as conn:
        assert conn.execute(select(sf_contacts.c.contact_id)).scalars().all() == ["003C0"]
        assert conn.execute(select(sf_opportunities)).all() == []


def test_hubspot_full_sync_per_object_reads_hubspots_whole_list(crm_sandbox, seeded_engine, dagbag, store_conn):
    from leadline.domain.crm import Lead
    from leadline.hooks.hubspot import HubSpotHook

    configure_tenant_crms(seeded_engine)
    HubSpotHook("hubspot_acme").upsert_lead(Lead("acme", "HSX", "Ann Lee", None, "ann@acme2.io", 50, ""))
    old = (datetime.now(UTC) - timedelta(days=30)).isoformat()
    httpx.post(f"{crm_sandbox.http_url}/_sandbox/hubspot/companies", json=[
        {"id": "9001", "properties": {"name": "Acme 2", "domain": "ACME2.io"}, "updatedAt": old},
        {"id": "9002", "properties": {"name": "Old Co", "domain": "old.io"}, "updatedAt": old}]).raise_for_status()
    sync = dagbag.get_dag("sync_hubspot")
    early = datetime(2026, 2, 1, tzinfo=UTC)  # an hour in which nothing changed

    assert states(sync.test(logical_date=early, run_conf={"object_type": "companies", "sync_type": "full"})) == {
        "success"}
    with seeded_engine.connect() as conn:
        companies = conn.execute(select(hubspot_companies.c.company_id, hubspot_companies.c.domain)
                                 .order_by(hubspot_companies.c.company_id)).all()
        assert conn.execute(select(hubspot_contacts)).all() == []
    assert [tuple(c) for c in companies] == [("9001", "acme2.io"), ("9002", "old.io")]

    sync.test(logical_date=early, run_conf={"object_type": "contacts", "sync_type": "full"})
    with seeded_engine.connect() as conn:
        assert conn.execute(select(hubspot_contacts.c.email)).scalars().all() == ["ann@acme2.io"]


def test_gmail_sync_of_one_mailbox_and_a_mailbox_no_tenant_has(crm_sandbox, seeded_engine, dagbag, store_conn,
                                                                monkeypatch):
    from leadline_dev.sandbox.app import DEFAULT_TOKENS

    monkeypatch.setenv("AIRFLOW_CONN_GMAIL_ACME", json.dumps({
        "conn_type": "gmail", "password": DEFAULT_TOKENS["gmail"], "extra": {"host": crm_sandbox.http_url}}))
    with seeded_engine.begin() as conn:
        conn.execute(tenants.update().where(tenants.c.tenant_id == "acme").values(config={
            "gmail_mailboxes": ["rep@acme.io", "boss@acme.io"], "gmail_conn_id": "gmail_acme"}))
    for mailbox, message_id, sent in (("rep@acme.io", "M1", DAY + timedelta(hours=3)),
                                      ("rep@acme.io", "M2", DAY + timedelta(days=2)),
                                      ("boss@acme.io", "M3", DAY + timedelta(hours=3))):
        httpx.post(f"{crm_sandbox.http_url}/_sandbox/gmail/{mailbox}/messages", json=[
            gmail_message(message_id, sent, "x@other.org", mailbox, "Quote", "body")]).raise_for_status()
    sync = dagbag.get_dag("sync_gmail")

    run = sync.test(logical_date=DAY + timedelta(hours=1), run_conf={"mailbox": "Rep@acme.io", "sync_type": "full"})
    assert states(run) == {"success"}
    with seeded_engine.connect() as conn:
        synced = conn.execute(select(gmail_messages.c.message_id, gmail_messages.c.mailbox)
                              .order_by(gmail_messages.c.message_id)).all()
    assert [tuple(m) for m in synced] == [("M1", "rep@acme.io"), ("M2", "rep@acme.io")]

    assert states(sync.test(logical_date=DAY + timedelta(hours=1), run_conf={"mailbox": "nobody@acme.io"})) == {
        "failed"}  # a clear failure, not a quiet run over nothing


@pytest.mark.parametrize(("dag_id", "conf"), [
    ("sync_salesforce", {"object_type": "Lead"}),
    ("sync_hubspot", {"object_type": "deals"}),
    ("sync_hubspot", {"sync_type": "partial"}),
    ("sync_gmail", {"mailbox": "not an address"}),
])
def test_params_outside_the_runbooks_choices_are_refused_before_a_run_starts(dagbag, dag_id, conf):
    from airflow.sdk.definitions.param import ParamValidationError

    with pytest.raises(ParamValidationError):
        dagbag.get_dag(dag_id).test(run_conf=conf)
