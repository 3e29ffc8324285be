"""The sandbox behaves like the real APIs where Leadline depends on it."""

from __future__ import annotations

import ssl

import httpx
import pytest

from leadline_dev.sandbox.app import DEFAULT_TOKENS
from tests.crm.conftest import set_faults

HUBSPOT_AUTH = {"authorization": f"Bearer {DEFAULT_TOKENS['hubspot']}"}
SF_AUTH = {"authorization": f"Bearer {DEFAULT_TOKENS['salesforce']}"}
SF = "/services/data/v59.0"


def trusting(sandbox) -> ssl.SSLContext:
    """The sandbox's CA, as httpx takes it (a path for `verify` is deprecated there)."""
    return ssl.create_default_context(cafile=sandbox.ca_bundle)


def test_hubspot_batch_limit_auth_and_required_lifecyclestage(crm_sandbox):
    url = f"{crm_sandbox.http_url}/crm/v3/objects/contacts/batch/upsert"
    too_many = {"inputs": [{"id": f"a{i}@x.io", "idProperty": "email", "properties": {"lifecyclestage": "lead"}}
                           for i in range(101)]}
    assert httpx.post(url, json=too_many, headers=HUBSPOT_AUTH).status_code == 400
    assert httpx.post(url, json=too_many).json()["category"] == "INVALID_AUTHENTICATION"
    missing = {"inputs": [{"id": "a@x.io", "idProperty": "email", "properties": {}}]}
    assert "lifecyclestage" in httpx.post(url, json=missing, headers=HUBSPOT_AUTH).json()["message"]


def test_hubspot_429_carries_rate_limit_headers(crm_sandbox):
    set_faults(crm_sandbox, "hubspot", rate_429=1.0, retry_after_s=2)
    response = httpx.post(f"{crm_sandbox.http_url}/crm/v3/objects/contacts/search", json={}, headers=HUBSPOT_AUTH)
    assert response.status_code == 429 and response.json()["errorType"] == "RATE_LIMIT"
    assert response.headers["retry-after"] == "2" and response.headers["x-hubspot-ratelimit-remaining"] == "0"


def test_salesforce_duplicate_rule_header_and_composite_all_or_none(crm_sandbox):
    with httpx.Client(base_url=crm_sandbox.https_url, verify=trusting(crm_sandbox), headers=SF_AUTH) as client:
        _duplicate_rule_and_composite_all_or_none(client)


def _duplicate_rule_and_composite_all_or_none(client: httpx.Client) -> None:
    lead = {"LastName": "Doe", "Company": "Acme", "Email": "jane@x.io"}
    assert client.patch(f"{SF}/sobjects/Lead/Leadline_Call_Id__c/C1", json=lead).status_code == 201
    duplicate = client.patch(f"{SF}/sobjects/Lead/Leadline_Call_Id__c/C2", json=lead)
    assert duplicate.status_code == 400 and duplicate.json()[0]["errorCode"] == "DUPLICATES_DETECTED"
    allowed = client.patch(f"{SF}/sobjects/Lead/Leadline_Call_Id__c/C2", json=lead,
                           headers={"Sforce-Duplicate-Rule-Header": "allowSave=true"})
    assert allowed.status_code == 201
    records = [{"attributes": {"type": "Lead"}, "Leadline_Call_Id__c": "C3", "LastName": "X", "Company": "Y"},
               {"attributes": {"type": "Lead"}, "Leadline_Call_Id__c": "C4"}]  # missing required fields
    results = client.patch(f"{SF}/composite/sobjects/Lead/Leadline_Call_Id__c",
                           json={"allOrNone": True, "records": records}).json()
    assert [r["success"] for r in results] == [False, False]
    query = client.get(f"{SF}/query", params={"q": "SELECT Id, Email FROM Lead WHERE Leadline_Call_Id__c = 'C3'"})
    assert query.json()["totalSize"] == 0  # rolled back
    too_many = {"allOrNone": False, "records": [records[0]] * 201}
    assert client.patch(f"{SF}/composite/sobjects/Lead/Leadline_Call_Id__c", json=too_many).status_code == 400


@pytest.mark.parametrize("fault", [{"rate_429": 1.0}, {"down": True}])
def test_salesforce_faults_look_like_salesforce(crm_sandbox, fault):
    set_faults(crm_sandbox, "salesforce", **fault)
    response = httpx.get(f"{crm_sandbox.https_url}{SF}/query", params={"q": "SELECT Id FROM Lead"},
                         headers=SF_AUTH, verify=trusting(crm_sandbox))
    if "rate_429" in fault:
        assert response.status_code == 403 and response.json()[0]["errorCode"] == "REQUEST_LIMIT_EXCEEDED"
    else:
        assert response.status_code == 503


def test_callrail_pagination_and_date_filter(crm_sandbox):
    calls = [{"id": f"CAL{i}", "start_time": f"2026-11-{10 + i % 5:02d}T10:00:00Z"} for i in range(30)]
    httpx.post(f"{crm_sandbox.http_url}/_sandbox/callrail/ACC1/calls", json=calls).raise_for_status()
    auth = {"authorization": f'Token token="{DEFAULT_TOKENS["callrail"]}"'}
    url = f"{crm_sandbox.http_url}/v3/a/ACC1/calls.json"
    page = httpx.get(url, params={"per_page": 10, "page": 2, "start_date": "2026-11-11", "end_date": "2026-11-13"},
                     headers=auth).json()
    assert (page["total_records"], page["total_pages"], len(page["calls"])) == (12, 2, 2)
    assert httpx.get(url).status_code == 401
