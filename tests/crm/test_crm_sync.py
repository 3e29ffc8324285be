"""CRM sync against the sandbox with the real hubspot-api-client and simple-salesforce."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from leadline import crm_sync
from leadline.domain.crm import Lead
from leadline.hooks.retry import CrmError
from leadline.store.crm import circuit, sync_success_rate
from leadline.store.intake import IncomingCall, record_calls
from leadline.store.schema import crm_circuits, crm_sync_log
from tests.crm.conftest import (
    configure_tenant_crms,
    hubspot_contacts,
    journal,
    salesforce_leads,
    set_faults,
)
from tests.crm.conftest import (
    crm_records as records,
)

HUBSPOT = crm_sync.Target("hubspot", "primary", "hubspot_acme")
SALESFORCE = crm_sync.Target("salesforce", "secondary", "salesforce_acme")


def make_leads(engine, count: int, prefix: str = "L") -> list[Lead]:
    calls = [IncomingCall("acme", f"{prefix}{i:04d}", None, None, None, 120, True, None, None, {"i": i})
             for i in range(count)]
    record_calls(engine, calls)
    return [Lead("acme", c.call_id, f"Pat Lead{i}", f"+1555{i:07d}", f"pat.{prefix.lower()}{i}@example.com", 80,
                 "Roof replacement, this month.") for i, c in enumerate(calls)]


def sync_both(engine, lead: Lead) -> tuple[str, str]:
    from leadline.hooks.hubspot import HubSpotHook
    from leadline.hooks.salesforce import LeadlineSalesforceHook

    hubspot_id, _ = crm_sync.sync_lead(engine, HUBSPOT, HubSpotHook("hubspot_acme"), lead, None)
    sf_id, _ = crm_sync.sync_lead(engine, SALESFORCE, LeadlineSalesforceHook("salesforce_acme"), lead, hubspot_id)
    return hubspot_id, sf_id


def test_primary_then_secondary_with_cross_reference(crm_sandbox, seeded_engine):
    [lead] = make_leads(seeded_engine, 1)
    hubspot_id, sf_id = sync_both(seeded_engine, lead)
    again = sync_both(seeded_engine, lead)  # idempotent: same records, nothing new
    assert again == (hubspot_id, sf_id)
    [contact] = hubspot_contacts(crm_sandbox)
    assert contact["id"] == hubspot_id
    assert contact["properties"]["lifecyclestage"] == "lead"
    assert contact["properties"]["leadline_call_id"] == lead.call_id
    [sf_lead] = salesforce_leads(crm_sandbox)
    assert (sf_lead["Id"], sf_lead["HubSpot_Contact_Id__c"], sf_lead["Leadline_Call_Id__c"]) == (
        sf_id, hubspot_id, lead.call_id)
    with seeded_engine.connect() as conn:
        rows = conn.execute(select(crm_sync_log)).mappings().all()
    assert {(r["crm_type"], r["status"], r["record_id"]) for r in rows} == {
        ("hubspot", "synced", hubspot_id), ("salesforce", "synced", sf_id)}


def test_phone_only_lead_is_found_by_phone_not_duplicated(crm_sandbox, seeded_engine):
    from leadline.hooks.hubspot import HubSpotHook

    [lead] = make_leads(seeded_engine, 1)
    phone_only = Lead(lead.tenant_id, lead.call_id, "Sam Caller", "+15550001111", None, 75, "Deck.")
    first, _ = crm_sync.sync_lead(seeded_engine, HUBSPOT, HubSpotHook("hubspot_acme"), phone_only, None)
    second, _ = crm_sync.sync_lead(seeded_engine, HUBSPOT, HubSpotHook("hubspot_acme"), phone_only, None)
    assert first == second
    assert len(hubspot_contacts(crm_sandbox)) == 1


def test_200_leads_under_injected_429_and_5xx_all_sync_without_duplicates(crm_sandbox, seeded_engine):
    leads = make_leads(seeded_engine, 200)
    for service in ("hubspot", "salesforce"):
        set_faults(crm_sandbox, service, rate_429=0.20, rate_5xx=0.05, retry_after_s=0.2)
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda lead: sync_both(seeded_engine, lead), leads))
    assert len(results) == 200
    contacts, sf_leads = hubspot_contacts(crm_sandbox), salesforce_leads(crm_sandbox)
    assert len(contacts) == 200 and len({c["properties"]["email"] for c in contacts}) == 200
    assert len(sf_leads) == 200 and len({r["Leadline_Call_Id__c"] for r in sf_leads}) == 200
    with seeded_engine.connect() as conn:
        rows = conn.execute(select(crm_sync_log)).mappings().all()
    assert len(rows) == 400 and all(r["status"] == "synced" for r in rows)
    retried = [r for r in rows if r["attempts"] > 1]
    assert len(retried) > 40  # ~25 % of first attempts fail: retries are visible per lead
    assert len(journal(crm_sandbox, "hubspot")) == sum(r["attempts"] for r in rows if r["crm_type"] == "hubspot")
    since = datetime.now(UTC) - timedelta(hours=1)
    assert sync_success_rate(seeded_engine, "acme", "hubspot", since) == 1.0


def test_breaker_opens_under_total_failure_and_closes_after_recovery(crm_sandbox, seeded_engine):
    from leadline.hooks.hubspot import HubSpotHook

    leads = make_leads(seeded_engine, 7)
    set_faults(crm_sandbox, "hubspot", down=True)
    for lead in leads[:4]:
        with pytest.raises(CrmError) as err:
            crm_sync.sync_lead(seeded_engine, HUBSPOT, HubSpotHook("hubspot_acme"), lead, None)
        assert err.value.retryable and err.value.attempts == 8
        assert "HTTP 502" in str(err.value)
    # the fifth failure opens the breaker: the caller is told to wait for it rather than spend a retry
    with pytest.raises(crm_sync.CircuitOpen) as opened:
        crm_sync.sync_lead(seeded_engine, HUBSPOT, HubSpotHook("hubspot_acme"), leads[4], None)
    assert isinstance(opened.value.__cause__, CrmError) and "HTTP 502" in str(opened.value.__cause__)
    assert 55 < opened.value.wait_s <= 60
    assert circuit(seeded_engine, "acme", "hubspot").state == "open"
    calls_before = len(journal(crm_sandbox, "hubspot"))
    with pytest.raises(crm_sync.CircuitOpen):
        crm_sync.sync_lead(seeded_engine, HUBSPOT, HubSpotHook("hubspot_acme"), leads[5], None)
    assert len(journal(crm_sandbox, "hubspot")) == calls_before  # no hammering while open
    assert sync_success_rate(seeded_engine, "acme", "hubspot", datetime.now(UTC) - timedelta(hours=1)) == 0.0

    with seeded_engine.begin() as conn:  # the cool-down passes while the CRM is still down
        conn.execute(update(crm_circuits).values(opened_until=datetime.now(UTC) - timedelta(seconds=1)))
    with pytest.raises(crm_sync.CircuitOpen):  # the failed half-open trial re-opens it and waits again
        crm_sync.sync_lead(seeded_engine, HUBSPOT, HubSpotHook("hubspot_acme"), leads[5], None)
    assert circuit(seeded_engine, "acme", "hubspot").wait_s(datetime.now(UTC)) > 55

    set_faults(crm_sandbox, "hubspot")  # the CRM recovers and the cool-down passes
    with seeded_engine.begin() as conn:
        conn.execute(update(crm_circuits).values(opened_until=datetime.now(UTC) - timedelta(seconds=1)))
    crm_sync.sync_lead(seeded_engine, HUBSPOT, HubSpotHook("hubspot_acme"), leads[6], None)
    assert circuit(seeded_engine, "acme", "hubspot").state == "closed"


def test_validation_errors_fail_at_once_and_tokens_never_logged(crm_sandbox, seeded_engine, caplog):
    from leadline.hooks.hubspot import HubSpotHook

    caplog.set_level("DEBUG")
    [lead] = make_leads(seeded_engine, 1)
    nobody = Lead(lead.tenant_id, lead.call_id, None, None, None, 10, "")
    with pytest.raises(CrmError) as err:
        crm_sync.sync_lead(seeded_engine, HUBSPOT, HubSpotHook("hubspot_acme"), nobody, None)
    assert not err.value.retryable and "neither email nor phone" in str(err.value)
    assert "sandbox-hubspot-token" not in caplog.text and "sandbox-salesforce-session" not in caplog.text


def test_unexpected_crm_response_is_a_clear_retryable_failure(crm_sandbox, seeded_engine, monkeypatch):
    from leadline.hooks.salesforce import LeadlineSalesforceHook

    [lead] = make_leads(seeded_engine, 1)
    hook = LeadlineSalesforceHook("salesforce_acme")
    monkeypatch.setattr(hook.get_conn(), "restful", lambda *a, **k: {"unexpected": "shape"})
    with pytest.raises(CrmError) as err:
        crm_sync.sync_lead(seeded_engine, SALESFORCE, hook, lead, None)
    assert err.value.retryable and str(err.value) == "salesforce: upsert response has no record id"


def test_pipeline_syncs_the_call_to_both_crms(crm_sandbox, seeded_engine, dagbag, store_conn, recordings_server,
                                              intake_client):
    from tests.helpers import SECRETS, call_payload, encode, signed_headers

    configure_tenant_crms(seeded_engine)
    body = encode(call_payload(call_id="CAL-CRM-1", recording_url=f"{recordings_server}/hot_lead.wav",
                               duration="71"))
    assert intake_client.post("/v1/callrail/webhook", content=body,
                              headers=signed_headers(SECRETS["acme"], body)).status_code == 200
    run = dagbag.get_dag("call_processing").test(run_conf={"tenant_id": "acme", "call_id": "CAL-CRM-1"})
    states = {ti.task_id: ti.state for ti in run.get_task_instances()}
    assert set(states.values()) == {"success"}, states
    [contact], [sf_lead] = hubspot_contacts(crm_sandbox), salesforce_leads(crm_sandbox)
    assert sf_lead["HubSpot_Contact_Id__c"] == contact["id"]
    assert contact["properties"]["leadline_call_id"] == "CAL-CRM-1"
    # reprocessing the call updates the same records
    dagbag.get_dag("call_processing").test(run_conf={"tenant_id": "acme", "call_id": "CAL-CRM-1", "force": True})
    assert len(hubspot_contacts(crm_sandbox)) == 1 and len(salesforce_leads(crm_sandbox)) == 1


def test_backfill_dag_batches_and_is_idempotent(crm_sandbox, seeded_engine, dagbag, store_conn):
    from leadline_dev.sandbox.seed import insert_scored_calls

    configure_tenant_crms(seeded_engine)
    insert_scored_calls(seeded_engine, "acme", 255, prefix="BF", phone_only=5)
    today = datetime.now(UTC).date()
    conf = {"tenant_id": "acme", "start_date": str(today), "end_date": str(today + timedelta(days=1))}
    run = dagbag.get_dag("crm_backfill").test(run_conf=conf)
    assert {ti.task_id: ti.state for ti in run.get_task_instances()} == {"backfill_crm": "success"}
    contacts, sf_leads = hubspot_contacts(crm_sandbox), salesforce_leads(crm_sandbox)
    assert len(contacts) == 255 and len(sf_leads) == 255
    by_call = {c["properties"]["leadline_call_id"]: c["id"] for c in contacts}
    assert all(r["HubSpot_Contact_Id__c"] == by_call[r["Leadline_Call_Id__c"]] for r in sf_leads)
    # 3 HubSpot batches of <=100, 5 phone-only leads x (search + create), 2 Salesforce composites of <=200;
    # then the call engagements: 3 HubSpot calls batches + 3 association batches, 2 Salesforce Task composites
    assert len(journal(crm_sandbox, "hubspot")) == 3 + 10 + 6
    assert len(journal(crm_sandbox, "salesforce")) == 2 + 2
    crm = records(crm_sandbox)
    assert len(crm["hubspot"]["calls"]) == 255 and len(crm["salesforce"]["Task"]) == 255
    dagbag.get_dag("crm_backfill").test(run_conf=conf)  # nothing left to sync: no API calls
    assert len(journal(crm_sandbox, "hubspot")) == 19 and len(journal(crm_sandbox, "salesforce")) == 4


def test_recording_fetched_through_the_callrail_api_when_the_webhook_has_no_url(
        crm_sandbox, seeded_engine, dagbag, store_conn, monkeypatch):
    import json

    import httpx

    from leadline.store.processing import get_request
    from leadline.store.schema import tenants
    from leadline_dev.sandbox.app import DEFAULT_TOKENS
    from tests.conftest import FIXTURES

    monkeypatch.setenv("AIRFLOW_CONN_CALLRAIL_ACME", json.dumps({
        "conn_type": "callrail", "password": DEFAULT_TOKENS["callrail"], "extra": {"host": crm_sandbox.http_url}}))
    with seeded_engine.begin() as conn:
        conn.execute(tenants.update().where(tenants.c.tenant_id == "acme").values(
            config={"callrail_account_id": "ACC1", "callrail_conn_id": "callrail_acme"}))
    httpx.put(f"{crm_sandbox.http_url}/_sandbox/recordings/CALAPI1",
              content=(FIXTURES / "hot_lead.wav").read_bytes()).raise_for_status()
    record_calls(seeded_engine, [IncomingCall("acme", "CALAPI1", "CALAPI1", None, None, 71, True, None, None, {})])
    run = dagbag.get_dag("call_processing").test(run_conf={"tenant_id": "acme", "call_id": "CALAPI1"})
    assert {ti.task_id: ti.state for ti in run.get_task_instances()}["fetch_recording"] == "success"
    assert get_request(seeded_engine, "acme", "CALAPI1")["status"] == "completed"
    assert any(e["path"] == "/v3/a/ACC1/calls/CALAPI1/recording.json" for e in journal(crm_sandbox, "callrail"))
