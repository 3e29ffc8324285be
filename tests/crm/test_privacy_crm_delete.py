"""An erasure the tenant lets reach its CRMs deletes the person's records there, through the same connections the
sync used, against the sandbox's real endpoints: the HubSpot contact and its call, the Salesforce lead and its
task."""

from __future__ import annotations

import pytest

from leadline.privacy import erase_person
from leadline.store.calls import get_call
from tests.crm.conftest import configure_tenant_crms
from tests.crm.conftest import crm_records as records
from tests.crm.test_engagements import post_call


@pytest.fixture
def recording_links(monkeypatch):
    monkeypatch.setenv("LEADLINE_LINK_KEY", "erase-test-key")
    monkeypatch.setenv("LEADLINE_PUBLIC_URL", "http://testserver")


def test_erase_deletes_the_persons_crm_records_where_the_tenant_allows(
        crm_sandbox, seeded_engine, dagbag, store_conn, recordings_server, intake_client, recording_links):
    configure_tenant_crms(seeded_engine)
    post_call(intake_client, recordings_server, "CAL-ERASE-1")
    run = dagbag.get_dag("call_processing").test(run_conf={"tenant_id": "acme", "call_id": "CAL-ERASE-1"})
    assert {ti.state for ti in run.get_task_instances()} == {"success"}
    call = get_call(seeded_engine, "acme", "CAL-ERASE-1")
    before = records(crm_sandbox)
    assert [len(before["hubspot"]["contacts"]), len(before["hubspot"]["calls"])] == [1, 1]
    assert [len(before["salesforce"]["Lead"]), len(before["salesforce"]["Task"])] == [1, 1]

    result = erase_person(seeded_engine, "acme", phone=call.customer_phone or call.caller_phone,
                          requested_by="dpo@acme.test", delete_in_crm=True)

    deleted = {(r["crm"], r["object"], r["id"]) for r in result["crm_records"] if r["deleted"]}
    assert deleted == {("hubspot", "contact", call.hubspot_contact_id), ("hubspot", "call", call.hubspot_call_id),
                       ("salesforce", "lead", call.salesforce_lead_id),
                       ("salesforce", "task", call.salesforce_task_id)}
    after = records(crm_sandbox)
    assert after["hubspot"]["contacts"] == [] and after["hubspot"]["calls"] == []
    assert after["salesforce"].get("Lead", []) == [] and after["salesforce"].get("Task", []) == []
