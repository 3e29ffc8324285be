"""Salesforce Leads through the provider's SalesforceHook (simple-salesforce underneath).

Extends it with: a requests session that trusts an extra CA bundle (extra `ca_bundle`, for the local
sandbox), a pre-issued session token (extra `session_auth`: the password is the token), retries with
full jitter, and Lead upserts by the external id Leadline_Call_Id__c with the duplicate-rule header."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cached_property
from typing import Any
from urllib.parse import quote

from airflow.providers.salesforce.hooks.salesforce import SalesforceHook

from leadline.domain.crm import SALESFORCE_EXTERNAL_ID, Lead, salesforce_fields
from leadline.domain.engagement import SALESFORCE_TASK_EXTERNAL_ID, Engagement, salesforce_task_fields
from leadline.hooks.crm import BulkResult, chunks
from leadline.hooks.retry import CrmError, RetryPolicy, Verdict

COMPOSITE_LIMIT = 200
# the objects sales intelligence mirrors -> the fields it keeps
MIRRORED_FIELDS = {"Account": "Id, Name, Website, Industry, SystemModstamp",
                   "Contact": "Id, AccountId, FirstName, LastName, Email, Phone, SystemModstamp",
                   "Opportunity": "Id, AccountId, Name, StageName, Amount, IsClosed, CloseDate, SystemModstamp"}
# what an erasure plan names (store.privacy) -> the sObject
ERASABLE_OBJECTS = {"lead": "Lead", "Contact": "Contact", "task": "Task"}
DUPLICATE_RULE_HEADER = {"Sforce-Duplicate-Rule-Header": "allowSave=true, includeRecordDetails=false, "
                                                         "runAsCurrentUser=true"}


def _soql_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


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


def _record_answers(result: BulkResult, call_ids: list[str], answers: list[dict], what: str) -> None:
    """A composite request's per-record answers, in request order, into `result`: ids of the synced, error codes
    of the rejected."""
    for call_id, answer in zip(call_ids, answers, strict=True):
        if answer.get("success"):
            result.synced[call_id] = answer["id"]
        else:
            codes = ",".join(e.get("statusCode", "?") for e in answer.get("errors", []))
            result.failed[call_id] = f"salesforce: {codes or what + ' rejected'}"


class LeadlineSalesforceHook(SalesforceHook):
    """Salesforce as a CRM (`CrmHook`): Leads keyed by the external id Leadline_Call_Id__c. The connection
    is read once per hook instance and the simple-salesforce client built once (the provider's `conn`)."""

    crm_type = "salesforce"
    batch_limit = COMPOSITE_LIMIT

    def __init__(self, salesforce_conn_id: str = "salesforce_default", **kwargs: Any) -> None:
        super().__init__(salesforce_conn_id=salesforce_conn_id, **kwargs)

    @cached_property
    def connection(self):
        return SalesforceHook.get_connection(self.conn_id)

    def get_connection(self, conn_id: str):  # type: ignore[override]
        """This hook's own connection from the per-instance cache (the provider's client asks for it)."""
        return self.connection if conn_id == self.conn_id else SalesforceHook.get_connection(conn_id)

    @cached_property
    def conn(self):
        """The provider's simple-salesforce client, on a requests session that trusts the extra CA bundle
        and with the pre-issued session token when `session_auth` is set."""
        import requests

        extra = self.connection.extra_dejson
        if self.session is None:
            self.session = requests.Session()
            if extra.get("ca_bundle"):
                self.session.verify = extra["ca_bundle"]
                self.session.trust_env = False  # else REQUESTS_CA_BUNDLE from the environment overrides `verify`
        if self.session_id is None and extra.get("session_auth"):
            self.session_id = self.connection.password
        return SalesforceHook.conn.func(self)

    @cached_property
    def policy(self) -> RetryPolicy:
        extra = self.connection.extra_dejson
        return RetryPolicy(max_attempts=int(extra.get("max_attempts", 8)),
                           base_s=float(extra.get("retry_base_s", 0.5)))

    @cached_property
    def timeout_s(self) -> float:
        return float(self.connection.extra_dejson.get("timeout_s", 10))

    def _call(self, path: str, method: str, body: Any) -> tuple[Any, int]:
        return self.policy.call(
            lambda: self.get_conn().restful(path, method=method, json=body, headers=DUPLICATE_RULE_HEADER,
                                            timeout=self.timeout_s),
            classify, "salesforce")

    def upsert_lead(self, lead: Lead, hubspot_id: str | None = None, *, known_id: str | None = None
                    ) -> tuple[str, int]:
        # keyed by the call's external id: the same Lead whatever changed, so `known_id` adds nothing here
        path = f"sobjects/Lead/{SALESFORCE_EXTERNAL_ID}/{quote(lead.call_id, safe='')}"
        result, attempts = self._call(path, "PATCH", salesforce_fields(lead, hubspot_id))
        if not isinstance(result, dict) or not result.get("id"):
            raise CrmError("salesforce: upsert response has no record id", attempts, True)
        return result["id"], attempts

    def bulk_upsert_leads(self, leads: list[tuple[Lead, str | None]]) -> tuple[list[dict], int]:
        """Up to 200 Leads in one composite request (allOrNone false): per-record results, in order."""
        if len(leads) > self.batch_limit:
            raise ValueError(f"composite upsert takes at most {self.batch_limit} records")
        records = [{"attributes": {"type": "Lead"}, SALESFORCE_EXTERNAL_ID: lead.call_id,
                    **salesforce_fields(lead, hubspot_id)} for lead, hubspot_id in leads]
        results, attempts = self._call(f"composite/sobjects/Lead/{SALESFORCE_EXTERNAL_ID}", "PATCH",
                                       {"allOrNone": False, "records": records})
        if not isinstance(results, list) or len(results) != len(leads):
            raise CrmError("salesforce: composite response does not match the request", attempts, True)
        return results, attempts

    def mirror_records(self, object_name: str, start: datetime | None = None, end: datetime | None = None
                       ) -> list[dict]:
        """The `object_name` records (MIRRORED_FIELDS) whose SystemModstamp falls in [start, end), or every one
        without a window (a full sync)."""
        soql = f"SELECT {MIRRORED_FIELDS[object_name]} FROM {object_name}"
        if start is not None and end is not None:
            soql += f" WHERE SystemModstamp >= {_soql_time(start)} AND SystemModstamp < {_soql_time(end)}"
        return self.query_all(soql)

    def query_all(self, soql: str) -> list[dict]:
        """Every record of a SOQL query (following nextRecordsUrl), with the same retries as writes."""
        result, _ = self.policy.call(lambda: self.get_conn().query_all(soql), classify, "salesforce")
        return result["records"]

    def bulk_upsert(self, leads: list[Lead], cross_refs: dict[str, str | None]) -> BulkResult:
        """Composite upserts of up to 200 Leads; a record Salesforce rejects is recorded in `failed`."""
        result = BulkResult()
        for chunk in chunks(leads, self.batch_limit):
            records, used = self.bulk_upsert_leads([(lead, cross_refs.get(lead.call_id)) for lead in chunk])
            result.attempts += used
            _record_answers(result, [lead.call_id for lead in chunk], records, "record")
        return result

    def find_contact(self, phone: str | None, email: str | None) -> tuple[str | None, int]:
        """The Contact with this email, else this phone (an existing customer's record)."""
        from simple_salesforce.format import format_soql

        attempts = 0
        for field_name, value in (("Email", email), ("Phone", phone)):
            if not value:
                continue
            soql = format_soql(f"SELECT Id FROM Contact WHERE {field_name} = {{}} LIMIT 1", value)
            result, used = self.policy.call(lambda soql=soql: self.get_conn().query(soql), classify, "salesforce")
            attempts += used
            if result.get("records"):
                return result["records"][0]["Id"], attempts
        return None, attempts

    def upsert_engagement(self, engagement: Engagement, who_id: str) -> tuple[str, int]:
        """The call as a Task (TaskSubtype Call) on the Lead or Contact, upserted by Leadline_Call_Id__c."""
        path = f"sobjects/Task/{SALESFORCE_TASK_EXTERNAL_ID}/{quote(engagement.call_id, safe='')}"
        result, attempts = self._call(path, "PATCH", salesforce_task_fields(engagement, who_id))
        if not isinstance(result, dict) or not result.get("id"):
            raise CrmError("salesforce: task upsert response has no record id", attempts, True)
        return result["id"], attempts

    def bulk_upsert_engagements(self, items: list[tuple[Engagement, str]]) -> BulkResult:
        """Composite upserts of up to 200 Tasks by Leadline_Call_Id__c; rejected ones land in `failed`."""
        result = BulkResult()
        for chunk in chunks(items, self.batch_limit):
            records = [{"attributes": {"type": "Task"}, SALESFORCE_TASK_EXTERNAL_ID: e.call_id,
                        **salesforce_task_fields(e, who_id)} for e, who_id in chunk]
            answers, used = self._call(f"composite/sobjects/Task/{SALESFORCE_TASK_EXTERNAL_ID}", "PATCH",
                                       {"allOrNone": False, "records": records})
            if not isinstance(answers, list) or len(answers) != len(chunk):
                raise CrmError("salesforce: composite response does not match the request", used, True)
            result.attempts += used
            _record_answers(result, [engagement.call_id for engagement, _ in chunk], answers, "task")
        return result

    def delete_record(self, object_name: str, record_id: str) -> bool:
        sobject = ERASABLE_OBJECTS.get(object_name)
        if sobject is None:
            return False
        self.policy.call(lambda: getattr(self.get_conn(), sobject).delete(record_id), classify, "salesforce")
        return True

    def test_connection(self) -> tuple[bool, str]:
        """One SOQL query on Lead (LIMIT 1): authentication, instance and read access to Leads."""
        try:
            self.policy.call(lambda: self.get_conn().query("SELECT Id FROM Lead LIMIT 1"), classify, "salesforce")
        except Exception as exc:
            return False, f"Salesforce: {exc}"
        return True, "Salesforce reachable"
