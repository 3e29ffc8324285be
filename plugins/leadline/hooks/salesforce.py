"""Salesforce Leads through the provider's SalesforceHook (simple-salesforce underneath).

Extends it with: a requests session that trusts an extra CA bundle (extra `ca_bundle`, for the local
sandbox), a pre-issued session token (extra `session_auth`: the password is the token), retries with
full jitter, and Lead upserts by the external id Leadline_Call_Id__c with the duplicate-rule header."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from airflow.providers.salesforce.hooks.salesforce import SalesforceHook

from leadline.domain.crm import SALESFORCE_EXTERNAL_ID, Lead, salesforce_fields
from leadline.hooks.retry import CrmError, RetryPolicy, Verdict

COMPOSITE_LIMIT = 200
DUPLICATE_RULE_HEADER = {"Sforce-Duplicate-Rule-Header": "allowSave=true, includeRecordDetails=false, "
                                                         "runAsCurrentUser=true"}


def classify(exc: BaseException) -> Verdict:
    import requests
    from simple_salesforce.exceptions import SalesforceError

    if isinstance(exc, SalesforceError):
        content = exc.content if isinstance(exc.content, list) else []
        codes = {item.get("errorCode") for item in content if isinstance(item, dict)}
        if "REQUEST_LIMIT_EXCEEDED" in codes or exc.status == 429:
            return Verdict(True, 0.0, "REQUEST_LIMIT_EXCEEDED")
        reason = f"HTTP {exc.status} {','.join(sorted(c for c in codes if c)) or ''}".strip()
        return Verdict(exc.status >= 500, 0.0, reason)
    if isinstance(exc, requests.ConnectionError | requests.Timeout):
        return Verdict(True, 0.0, f"transport error {type(exc).__name__}")
    return Verdict(False, 0.0, f"unexpected response ({type(exc).__name__})")


class LeadlineSalesforceHook(SalesforceHook):
    def __init__(self, salesforce_conn_id: str = "salesforce_default", **kwargs: Any) -> None:
        import requests

        conn = self.get_connection(salesforce_conn_id)
        extra = conn.extra_dejson
        session = requests.Session()
        if extra.get("ca_bundle"):
            session.verify = extra["ca_bundle"]
            session.trust_env = False  # else REQUESTS_CA_BUNDLE from the environment overrides `verify`
        session_id = conn.password if extra.get("session_auth") else None
        super().__init__(salesforce_conn_id=salesforce_conn_id, session_id=session_id, session=session, **kwargs)
        self.policy = RetryPolicy(max_attempts=int(extra.get("max_attempts", 8)),
                                  base_s=float(extra.get("retry_base_s", 0.5)))
        self.timeout_s = float(extra.get("timeout_s", 10))

    def _call(self, path: str, method: str, body: Any) -> tuple[Any, int]:
        return self.policy.call(
            lambda: self.get_conn().restful(path, method=method, json=body, headers=DUPLICATE_RULE_HEADER,
                                            timeout=self.timeout_s),
            classify, "salesforce")

    def upsert_lead(self, lead: Lead, hubspot_id: str | None = None) -> tuple[str, int]:
        path = f"sobjects/Lead/{SALESFORCE_EXTERNAL_ID}/{quote(lead.call_id, safe='')}"
        result, attempts = self._call(path, "PATCH", salesforce_fields(lead, hubspot_id))
        if not isinstance(result, dict) or not result.get("id"):
            raise CrmError("salesforce: upsert response has no record id", attempts, True)
        return result["id"], attempts

    def bulk_upsert_leads(self, leads: list[tuple[Lead, str | None]]) -> tuple[list[dict], int]:
        """Up to 200 Leads in one composite request (allOrNone false): per-record results, in order."""
        if len(leads) > COMPOSITE_LIMIT:
            raise ValueError(f"composite upsert takes at most {COMPOSITE_LIMIT} records")
        records = [{"attributes": {"type": "Lead"}, SALESFORCE_EXTERNAL_ID: lead.call_id,
                    **salesforce_fields(lead, hubspot_id)} for lead, hubspot_id in leads]
        results, attempts = self._call(f"composite/sobjects/Lead/{SALESFORCE_EXTERNAL_ID}", "PATCH",
                                       {"allOrNone": False, "records": records})
        if not isinstance(results, list) or len(results) != len(leads):
            raise CrmError("salesforce: composite response does not match the request", attempts, True)
        return results, attempts

    def query_all(self, soql: str) -> list[dict]:
        """Every record of a SOQL query (following nextRecordsUrl), with the same retries as writes."""
        result, _ = self.policy.call(lambda: self.get_conn().query_all(soql), classify, "salesforce")
        return result["records"]
