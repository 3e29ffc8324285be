"""An unsure email never reaches the CRM's contact fields; after a reviewer corrects it, contact_review_sync
upserts the same contact and call record with it (no duplicates), against the CRM sandbox."""

from __future__ import annotations

from datetime import UTC, datetime

from leadline.store.reviews import record_review
from tests.crm.conftest import configure_tenant_crms, crm_records
from tests.helpers_reviews import HEARD_EMAIL, call_waiting_for_review


def _resync(dagbag) -> None:
    run = dagbag.get_dag("contact_review_sync").test(run_conf={"tenant_id": "acme", "call_id": "REV-1"})
    assert {ti.task_id: ti.state for ti in run.get_task_instances()} == {
        "sync_primary_crm": "success", "sync_secondary_crm": "success"}


def test_the_corrected_email_reaches_both_crms_on_the_same_records(crm_sandbox, seeded_engine, dagbag, store_conn):
    configure_tenant_crms(seeded_engine)
    call_waiting_for_review(seeded_engine, "acme", "REV-1")
    _resync(dagbag)
    crm = crm_records(crm_sandbox)
    [contact], [hs_call] = crm["hubspot"]["contacts"], crm["hubspot"]["calls"]
    [lead] = crm["salesforce"]["Lead"]
    assert "email" not in contact["properties"] and lead["Email"] is None  # unsure: not a fact
    body = hs_call["properties"]["hs_call_body"]
    assert f'Email: heard "{HEARD_EMAIL}" (please confirm; confidence 0.55)' in body

    record_review(seeded_engine, "acme", "REV-1", "customer_email", "corrected", "priya.r@gmail.com", "alice",
                  datetime.now(UTC))
    _resync(dagbag)
    _resync(dagbag)  # a repeat changes nothing more
    crm = crm_records(crm_sandbox)
    [again], [hs_call_again] = crm["hubspot"]["contacts"], crm["hubspot"]["calls"]
    [lead_again], [_task] = crm["salesforce"]["Lead"], crm["salesforce"]["Task"]
    assert again["id"] == contact["id"] and hs_call_again["id"] == hs_call["id"] and lead_again["Id"] == lead["Id"]
    assert again["properties"]["email"] == lead_again["Email"] == "priya.r@gmail.com"
    assert "please confirm" not in hs_call_again["properties"]["hs_call_body"]
