"""Call engagements: the call itself logged in each CRM (a HubSpot Calls object associated to the contact, a
Salesforce Task on the Lead or Contact), idempotent by call id, with a signed, expiring recording link."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from leadline import crm_sync
from leadline.domain.engagement import engagement_from_call, link_problem, recording_link
from leadline.store.calls import get_call
from leadline.store.schema import tenants
from leadline_dev.sandbox.app import DEFAULT_TOKENS
from tests.crm.conftest import configure_tenant_crms, journal, set_faults
from tests.crm.conftest import crm_records as records
from tests.helpers import SECRETS, call_payload, encode, make_call_record, signed_headers

LINK_KEY = "test-link-key"


@pytest.fixture
def links(monkeypatch):
    monkeypatch.setenv("LEADLINE_LINK_KEY", LINK_KEY)
    monkeypatch.setenv("LEADLINE_PUBLIC_URL", "http://testserver")


def post_call(client, server: str, call_id: str, recording: str = "hot_lead.wav", duration: str = "71") -> None:
    body = encode(call_payload(call_id=call_id, recording_url=f"{server}/{recording}", duration=duration))
    assert client.post("/v1/callrail/webhook", content=body, headers=signed_headers(SECRETS["acme"], body)
                       ).status_code == 200


def test_a_call_synced_to_both_crms_leaves_one_engagement_each_after_three_runs(
        crm_sandbox, seeded_engine, dagbag, store_conn, recordings_server, intake_client, links):
    configure_tenant_crms(seeded_engine)
    post_call(intake_client, recordings_server, "CAL-ENG-1")
    for force in (False, True, True):  # the run, then two forced re-runs of the whole call
        run = dagbag.get_dag("call_processing").test(
            run_conf={"tenant_id": "acme", "call_id": "CAL-ENG-1", "force": force})
        states = {ti.task_id: ti.state for ti in run.get_task_instances()}
        assert set(states.values()) == {"success"}, states

    call = get_call(seeded_engine, "acme", "CAL-ENG-1")
    crm = records(crm_sandbox)
    [contact], [hs_call] = crm["hubspot"]["contacts"], crm["hubspot"]["calls"]
    [sf_lead], [task] = crm["salesforce"]["Lead"], crm["salesforce"]["Task"]
    assert (call.hubspot_call_id, call.salesforce_task_id) == (hs_call["id"], task["Id"])

    # HubSpot: the call, on the contact
    props = hs_call["properties"]
    assert hs_call["associations"]["contacts"] == [contact["id"]]
    assert props["leadline_call_id"] == "CAL-ENG-1"
    assert (props["hs_call_direction"], props["hs_call_status"], props["hs_call_duration"]) == (
        "INBOUND", "COMPLETED", "71000")
    assert props["hs_call_disposition"] == "f240bbac-87c9-4f6e-bf70-924b57d47db7"  # Connected
    assert props["hs_timestamp"].endswith("Z") and props["hs_call_title"].startswith("Inbound call")
    body = props["hs_call_body"]
    assert call.ai_analysis["lead"]["summary"] in body and "Call class: new_lead" in body
    assert f"Lead score: {call.lead_score}/100" in body and "Key facts:" in body
    assert "Transcript:" not in body  # default: summary and link only
    # Salesforce: a call Task on the Lead, keyed by the call id
    assert (task["TaskSubtype"], task["CallType"], task["Status"], task["WhoId"]) == (
        "Call", "Inbound", "Completed", sf_lead["Id"])
    assert (task["CallDurationInSeconds"], task["CallDisposition"]) == (71, "Connected")
    assert task["Leadline_Call_Id__c"] == "CAL-ENG-1"
    assert task["Description"].split("Recording")[0] == body.split("Recording")[0]
    assert task["ActivityDate"] == props["hs_timestamp"][:10]

    # the recording link resolves to our stored recording (no bucket URL), and only while it is valid
    link = props["hs_call_recording_url"]
    assert link.startswith("http://testserver/v1/recordings/acme/CAL-ENG-1?") and link in body
    parts = urlsplit(link)
    response = intake_client.get(f"{parts.path}?{parts.query}")
    assert response.status_code == 200 and response.content[:4] == b"RIFF"
    assert response.content == Path(call.recording_path.removeprefix("file://")).read_bytes()
    expired = recording_link("http://testserver", LINK_KEY, "acme", "CAL-ENG-1",
                             datetime.now(UTC) - timedelta(days=8))
    assert intake_client.get(expired.removeprefix("http://testserver")).status_code == 410
    tampered = f"{parts.path}?{parts.query[:-4]}0000"
    assert intake_client.get(tampered).status_code == 403
    other_tenant = parts.path.replace("/acme/", "/globex/") + "?" + parts.query
    assert intake_client.get(other_tenant).status_code == 403


def test_link_signature_and_expiry():
    now = datetime(2026, 11, 24, tzinfo=UTC)
    link = recording_link("https://leads.example.com/leadline/", "k", "acme", "C 1", now, ttl_s=60)
    assert link == recording_link("https://leads.example.com/leadline", "k", "acme", "C 1", now, ttl_s=60)
    query = dict(p.split("=") for p in urlsplit(link).query.split("&"))
    assert link.startswith("https://leads.example.com/leadline/v1/recordings/acme/C%201?")
    assert link_problem("k", "acme", "C 1", query["expires"], query["sig"], now) is None
    assert int(query["expires"]) == now.timestamp() + 3600  # rounded up to the hour
    assert link_problem("k", "acme", "C 1", query["expires"], query["sig"], now + timedelta(seconds=3601)) == (
        "link expired")
    assert link_problem("other", "acme", "C 1", query["expires"], query["sig"], now) == "bad signature"
    assert link_problem("k", "acme", "C 1", str(int(query["expires"]) + 3600), query["sig"], now) == (
        "bad signature")
    assert link_problem("k", "acme", "C 1", None, query["sig"], now) == "missing or malformed expiry"


def test_transcript_goes_in_only_where_the_tenant_chose_it(seeded_engine):
    from leadline.store.tenants import get_tenant

    with seeded_engine.begin() as conn:
        conn.execute(tenants.update().where(tenants.c.tenant_id == "acme").values(
            config={"crm_config": {"salesforce_include_transcript": True}}))
        tenant = get_tenant(conn, "acme")
    call = make_call_record("acme", "C1", started_at=datetime(2026, 11, 1, 15, tzinfo=UTC), duration_s=90,
                            answered=True, call_class="new_lead", lead_score=88, transcript="Hi, I need a new roof.",
                            ai_analysis={"lead": {"summary": "Roof."}})
    assert "Transcript:\nHi, I need a new roof." in crm_sync.engagement_for(tenant, "salesforce", call).body
    assert "Transcript:" not in crm_sync.engagement_for(tenant, "hubspot", call).body


def test_existing_customer_call_is_logged_on_the_existing_contact(
        crm_sandbox, seeded_engine, dagbag, store_conn, recordings_server, intake_client, links):
    """The existing-customer recording (espeak-ng through Whisper) is not made a lead: its call is logged on the
    customer's contact in both CRMs, found by phone."""
    import json
    from pathlib import Path

    from hubspot.crm.contacts import SimplePublicObjectInputForCreate

    from leadline.domain.normalize import e164
    from leadline.hooks.hubspot import HubSpotHook
    from leadline.store.tenants import set_config_section
    from leadline_dev.synthetic_calls import render_call

    samples = json.loads((Path(__file__).resolve().parents[2] / "devtools/leadline_dev/sample_calls.json")
                         .read_text())
    customer = next(c for c in samples["calls"] if c["name"] == "existing_customer")
    configure_tenant_crms(seeded_engine)
    with seeded_engine.begin() as conn:
        set_config_section(conn, "acme", "business_context", samples["business_context"])
    wav = Path(store_conn.removeprefix("sqlite:///")).parent / "existing_customer.wav"
    render_call(customer["turns"], wav)
    httpx.put(f"{crm_sandbox.http_url}/_sandbox/recordings/CAL-ENG-CUST", content=wav.read_bytes())
    body = encode(call_payload(call_id="CAL-ENG-CUST", duration=customer["duration"], caller_id=customer["caller_id"],
                               recording_url=f"{crm_sandbox.http_url}/_sandbox/recordings/CAL-ENG-CUST"))
    assert intake_client.post("/v1/callrail/webhook", content=body,
                              headers=signed_headers(SECRETS["acme"], body)).status_code == 200
    # the customer is already in both CRMs, under the number they call from
    phone = e164(customer["caller_id"])
    hubspot_contact = HubSpotHook("hubspot_acme").client.crm.contacts.basic_api.create(
        simple_public_object_input_for_create=SimplePublicObjectInputForCreate(
            properties={"phone": phone, "lifecyclestage": "customer", "lastname": "Customer"})).id
    httpx.post(f"{crm_sandbox.http_url}/_sandbox/salesforce/Contact",
               json=[{"Id": "003000000000AAA", "LastName": "Customer", "Phone": phone}]).raise_for_status()

    run = dagbag.get_dag("call_processing").test(run_conf={"tenant_id": "acme", "call_id": "CAL-ENG-CUST"})
    states = {ti.task_id: ti.state for ti in run.get_task_instances()}
    call = get_call(seeded_engine, "acme", "CAL-ENG-CUST")
    assert call.call_class == "existing_customer", call.call_class_reason
    assert states["sync_primary_crm"] == states["sync_secondary_crm"] == "success", states
    crm = records(crm_sandbox)
    assert [c["id"] for c in crm["hubspot"]["contacts"]] == [hubspot_contact]  # no new lead contact
    assert "Lead" not in crm["salesforce"] or crm["salesforce"]["Lead"] == []
    [hs_call], [task] = crm["hubspot"]["calls"], crm["salesforce"]["Task"]
    assert hs_call["associations"]["contacts"] == [hubspot_contact] and task["WhoId"] == "003000000000AAA"
    assert "Call class: existing_customer" in task["Description"]
    assert (call.hubspot_contact_id, call.salesforce_lead_id) == (None, None)


def test_sandbox_refuses_engagements_missing_required_fields(crm_sandbox, seeded_engine):
    from leadline.hooks.retry import CrmError
    from leadline.hooks.salesforce import LeadlineSalesforceHook

    hubspot = f"{crm_sandbox.http_url}/crm/v3/objects/calls/batch/upsert"
    headers = {"authorization": f"Bearer {DEFAULT_TOKENS['hubspot']}"}
    no_time = httpx.post(hubspot, headers=headers, json={"inputs": [
        {"id": "X1", "idProperty": "leadline_call_id", "properties": {"hs_call_title": "t"}}]})
    assert no_time.status_code == 400 and "hs_timestamp" in no_time.json()["message"]
    not_unique = httpx.post(hubspot, headers=headers, json={"inputs": [
        {"id": "X1", "idProperty": "hs_call_title", "properties": {"hs_timestamp": "2026-11-01T00:00:00Z"}}]})
    assert not_unique.status_code == 400
    dangling = httpx.post(f"{crm_sandbox.http_url}/crm/v4/associations/calls/contacts/batch/associate/default",
                          headers=headers, json={"inputs": [{"from": {"id": "1"}, "to": {"id": "404"}}]})
    assert dangling.status_code == 400

    engagement = engagement_from_call(make_call_record("acme", "X2", duration_s=61, answered=True,
                                                        started_at=datetime.now(UTC)), None, False)
    salesforce = LeadlineSalesforceHook("salesforce_acme")
    with pytest.raises(CrmError, match="INVALID_CROSS_REFERENCE_KEY"):
        salesforce.upsert_engagement(engagement, "00Q000000000404")  # no such Lead
    assert records(crm_sandbox)["salesforce"].get("Task", []) == []


def test_engagements_survive_injected_faults_without_duplicates(crm_sandbox, seeded_engine):
    from leadline.hooks.hubspot import HubSpotHook
    from leadline.hooks.salesforce import LeadlineSalesforceHook
    from tests.crm.test_crm_sync import HUBSPOT, SALESFORCE, make_leads

    leads = make_leads(seeded_engine, 5, prefix="EF")
    hubspot, salesforce = HubSpotHook("hubspot_acme"), LeadlineSalesforceHook("salesforce_acme")
    for service in ("hubspot", "salesforce"):
        set_faults(crm_sandbox, service, rate_429=0.3, rate_5xx=0.1, retry_after_s=0.05)
    for _ in range(2):
        for lead in leads:
            hubspot_id, _ = crm_sync.sync_lead(seeded_engine, HUBSPOT, hubspot, lead, None)
            sf_id, _ = crm_sync.sync_lead(seeded_engine, SALESFORCE, salesforce, lead, hubspot_id)
            engagement = engagement_from_call(make_call_record("acme", lead.call_id, duration_s=90, answered=True,
                                                                started_at=datetime.now(UTC)), None, False)
            crm_sync.sync_engagement(seeded_engine, HUBSPOT, hubspot, engagement, hubspot_id)
            crm_sync.sync_engagement(seeded_engine, SALESFORCE, salesforce, engagement, sf_id)
    crm = records(crm_sandbox)
    assert len(crm["hubspot"]["calls"]) == 5 and len(crm["salesforce"]["Task"]) == 5
    assert all(len(c["associations"]["contacts"]) == 1 for c in crm["hubspot"]["calls"])
    assert any(e["path"].startswith("/crm/v3/objects/calls") for e in journal(crm_sandbox, "hubspot"))


def test_backfill_logs_engagements_in_batches(crm_sandbox, seeded_engine, store_conn):
    from leadline.store.tenants import get_tenant
    from leadline_dev.sandbox.seed import insert_scored_calls

    configure_tenant_crms(seeded_engine)
    insert_scored_calls(seeded_engine, "acme", 150, prefix="BE")
    with seeded_engine.connect() as conn:
        tenant = get_tenant(conn, "acme")
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    summary = crm_sync.backfill(seeded_engine, tenant, today, today + timedelta(days=1))
    assert (summary["synced"], summary["engagements"], summary["failed"]) == (300, 300, 0)
    crm = records(crm_sandbox)
    assert len(crm["hubspot"]["calls"]) == 150 and len(crm["salesforce"]["Task"]) == 150
    paths = [e["path"] for e in journal(crm_sandbox, "hubspot")]
    assert paths.count("/crm/v3/objects/calls/batch/upsert") == 2  # 100 + 50
    assert paths.count("/crm/v4/associations/calls/contacts/batch/associate/default") == 2
    assert sum(e["path"].endswith("/composite/sobjects/Task/Leadline_Call_Id__c")
               for e in journal(crm_sandbox, "salesforce")) == 1  # 150 tasks: one composite of <= 200
    before = len(journal(crm_sandbox, "hubspot")) + len(journal(crm_sandbox, "salesforce"))
    again = crm_sync.backfill(seeded_engine, tenant, today, today + timedelta(days=1))
    assert again["engagements"] == 0  # nothing left: no API calls
    assert len(journal(crm_sandbox, "hubspot")) + len(journal(crm_sandbox, "salesforce")) == before


def test_unknown_customer_is_not_found_and_links_need_a_key(crm_sandbox, seeded_engine, intake_client,
                                                            monkeypatch):
    from leadline.hooks.hubspot import HubSpotHook
    from leadline.hooks.salesforce import LeadlineSalesforceHook

    for hook in (HubSpotHook("hubspot_acme"), LeadlineSalesforceHook("salesforce_acme")):
        found, attempts = hook.find_contact("+14155550999", "nobody@example.com")
        assert (found, attempts) == (None, 2)  # searched by email, then by phone
    monkeypatch.delenv("LEADLINE_LINK_KEY", raising=False)
    assert crm_sync.signed_recording_link(make_call_record("acme", "X", recording_path="file:///x")) is None
    assert intake_client.get("/v1/recordings/acme/X?expires=1&sig=x").status_code == 503
