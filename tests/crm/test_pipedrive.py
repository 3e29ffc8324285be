"""Pipedrive, the third CRM, added as a plug-in (its hook, its sandbox handlers, one registry line, its connection
form): synced, logged, backfilled and erased through the same code paths as HubSpot and Salesforce, against the
sandbox's real endpoints."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from leadline.domain.crm import Lead
from leadline.domain.engagement import Engagement
from leadline.store.schema import call_crm_links
from leadline_dev.sandbox.app import DEFAULT_TOKENS
from tests.crm.conftest import crm_records, journal


@pytest.fixture
def pipedrive(crm_sandbox, monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_PIPEDRIVE_ACME", json.dumps({
        "conn_type": "pipedrive", "password": DEFAULT_TOKENS["pipedrive"],
        "extra": {"host": crm_sandbox.http_url, "retry_base_s": 0.01}}))
    return crm_sandbox


def use_crms(engine, primary: str, secondary: str | None, tenant_id: str = "acme") -> None:
    from leadline.store.schema import tenants
    from leadline.store.tenants import set_crm_integration

    with engine.begin() as conn:
        conn.execute(tenants.update().where(tenants.c.tenant_id == tenant_id)
                     .values(primary_crm=primary, secondary_crm=secondary))
        for crm in filter(None, (primary, secondary)):
            assert set_crm_integration(conn, tenant_id, crm, f"{crm}_{tenant_id}")


def persons(sandbox) -> list[dict]:
    return crm_records(sandbox).get("pipedrive", {}).get("persons", [])


def activities(sandbox) -> list[dict]:
    return crm_records(sandbox).get("pipedrive", {}).get("activities", [])


def test_the_registry_serves_pipedrive_through_the_one_crm_interface():
    from leadline.hooks.crm import CrmHook, crm_hook_class
    from leadline.hooks.pipedrive import PipedriveHook
    from leadline.provider import connection_type

    assert crm_hook_class("pipedrive") is PipedriveHook
    assert isinstance(PipedriveHook("pipedrive_acme"), CrmHook)
    assert connection_type("pipedrive")["hook-class-name"] == "leadline.hooks.pipedrive.PipedriveHook"


def test_hook_finds_updates_logs_and_deletes_without_duplicates(pipedrive, monkeypatch):
    from leadline.hooks.pipedrive import PipedriveHook

    hook = PipedriveHook("pipedrive_acme")
    assert hook.test_connection() == (True, "Pipedrive reachable")
    lead = Lead("acme", "PD-1", "Ada Caller", "+14155550100", "ada@example.com", 81, "Water heater, this week.")
    person_id, _ = hook.upsert_lead(lead, "hs-42")
    assert hook.upsert_lead(lead)[0] == person_id  # found by email, updated in place
    assert hook.find_contact("+14155550100", None)[0] == person_id
    [person] = persons(pipedrive)
    assert (person["name"], person["leadline_call_id"], person["leadline_score"], person["leadline_primary_crm_id"]
            ) == ("Ada Caller", "PD-1", 81, "hs-42")

    started = (datetime.now(UTC) - timedelta(days=1)).replace(hour=15, minute=4, second=0, microsecond=0)
    call = Engagement("acme", "PD-1", started, 185, True, "new_lead", 81,
                      "Inbound call: water heater (score 81)", "Needs a new water heater.", None)
    activity_id, _ = hook.upsert_engagement(call, person_id)
    assert hook.upsert_engagement(call, person_id)[0] == activity_id  # idempotent by the call id in the note
    [activity] = activities(pipedrive)
    assert (activity["type"], activity["person_id"], activity["duration"], activity["due_date"]) == (
        "call", int(person_id), "00:03", started.date().isoformat())
    assert activity["due_time"] == "15:04"

    assert hook.delete_record("engagement", activity_id) and hook.delete_record("record", person_id)
    assert persons(pipedrive) == [] and activities(pipedrive) == []
    assert hook.delete_record("Opportunity", "1") is False  # not an object Pipedrive's erasure knows

    monkeypatch.setenv("AIRFLOW_CONN_PIPEDRIVE_BAD", json.dumps({
        "conn_type": "pipedrive", "password": "wrong", "extra": {"host": pipedrive.http_url}}))
    ok, message = PipedriveHook("pipedrive_bad").test_connection()
    assert not ok and "HTTP 401" in message


def test_a_missing_person_fails_at_once_and_a_lead_without_contact_is_refused(pipedrive):
    from leadline.hooks.pipedrive import PipedriveHook
    from leadline.hooks.retry import CrmError

    hook = PipedriveHook("pipedrive_acme")
    with pytest.raises(CrmError, match="neither email nor phone"):
        hook.upsert_lead(Lead("acme", "PD-2", "Bo", None, None, 70, "Deck."))
    with pytest.raises(CrmError, match="HTTP 404") as rejected:
        hook.upsert_engagement(Engagement("acme", "PD-2", datetime.now(UTC), 60, True, "new_lead", 70, "Call",
                                          "Deck.", None), "999999")  # no such person
    assert rejected.value.attempts == 1 and not rejected.value.retryable
    assert len(journal(pipedrive, "pipedrive")) == 1  # the missing person's activities: no retry, no POST


def test_pipeline_syncs_a_call_to_pipedrive_beside_hubspot_and_erasure_deletes_it(
        pipedrive, seeded_engine, dagbag, store_conn, recordings_server, intake_client, monkeypatch):
    from leadline.privacy import erase_person
    from leadline.store.calls import get_call
    from tests.crm.test_engagements import post_call

    monkeypatch.setenv("LEADLINE_LINK_KEY", "pipedrive-test-key")
    monkeypatch.setenv("LEADLINE_PUBLIC_URL", "http://testserver")
    use_crms(seeded_engine, "hubspot", "pipedrive")
    post_call(intake_client, recordings_server, "CAL-PD-1")
    run = dagbag.get_dag("call_processing").test(run_conf={"tenant_id": "acme", "call_id": "CAL-PD-1"})
    assert {ti.task_id: ti.state for ti in run.get_task_instances()}["sync_secondary_crm"] == "success"

    call = get_call(seeded_engine, "acme", "CAL-PD-1")
    person_id, activity_id = call.crm_record_id("pipedrive"), call.crm_engagement_id("pipedrive")
    assert person_id and activity_id and call.hubspot_contact_id
    [person], [activity] = persons(pipedrive), activities(pipedrive)
    assert (str(person["id"]), person["leadline_primary_crm_id"]) == (person_id, call.hubspot_contact_id)
    assert (str(activity["id"]), str(activity["person_id"])) == (activity_id, person_id)
    from leadline.domain.engagement import crm_record_links

    assert crm_record_links({"pipedrive_company_domain": "acme"}, call) == {  # what the hot-lead alert links
        "HubSpot contact": call.hubspot_contact_id, "HubSpot call": call.hubspot_call_id,
        "Pipedrive person": f"https://acme.pipedrive.com/person/{person_id}", "Pipedrive activity": activity_id}

    result = erase_person(seeded_engine, "acme", phone=call.customer_phone or call.caller_phone,
                          requested_by="dpo@acme.test", delete_in_crm=True)
    deleted = {(r["crm"], r["object"], r["id"]) for r in result["crm_records"] if r["deleted"]}
    assert {("pipedrive", "record", person_id), ("pipedrive", "engagement", activity_id)} <= deleted
    assert persons(pipedrive) == [] and activities(pipedrive) == []
    with seeded_engine.connect() as conn:
        assert conn.execute(select(call_crm_links)).all() == []


def test_backfill_to_pipedrive_as_primary_is_idempotent(pipedrive, seeded_engine, dagbag, store_conn):
    from leadline_dev.sandbox.seed import insert_scored_calls

    use_crms(seeded_engine, "pipedrive", None)
    insert_scored_calls(seeded_engine, "acme", 12, prefix="PDB", phone_only=3)
    today = datetime.now(UTC).date()
    conf = {"tenant_id": "acme", "start_date": str(today), "end_date": str(today + timedelta(days=1))}
    run = dagbag.get_dag("crm_backfill").test(run_conf=conf)
    assert {ti.task_id: ti.state for ti in run.get_task_instances()} == {"backfill_crm": "success"}
    assert len(persons(pipedrive)) == 12 and len(activities(pipedrive)) == 12
    with seeded_engine.connect() as conn:
        links = conn.execute(select(call_crm_links)).mappings().all()
    assert len(links) == 12 and all(link["record_id"] and link["engagement_id"] for link in links)
    requests = len(journal(pipedrive, "pipedrive"))
    dagbag.get_dag("crm_backfill").test(run_conf=conf)  # nothing left to sync: no API calls
    assert len(journal(pipedrive, "pipedrive")) == requests
