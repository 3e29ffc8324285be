"""HubSpotHook (`hubspot_default`): CRM v3 contacts through hubspot-api-client.

Connection: password = private-app access token; extra `host` (default https://api.hubapi.com),
optional `retry_base_s`, `max_attempts`, `timeout_s`."""

from __future__ import annotations

from typing import Any

from airflow.sdk.bases.hook import BaseHook

from leadline.domain.crm import Lead, hubspot_properties
from leadline.hooks.retry import CrmError, RetryPolicy, Verdict, retry_after_seconds

BATCH_LIMIT = 100


def classify(exc: BaseException) -> Verdict:
    status = getattr(exc, "status", None)
    if isinstance(status, int) and status:
        if status == 429:
            return Verdict(True, retry_after_seconds(getattr(exc, "headers", None)), "HTTP 429 rate limited")
        return Verdict(status >= 500, 0.0, f"HTTP {status}")
    import urllib3

    if isinstance(exc, urllib3.exceptions.HTTPError | ConnectionError | TimeoutError):
        return Verdict(True, 0.0, f"transport error {type(exc).__name__}")
    return Verdict(False, 0.0, f"unexpected response ({type(exc).__name__})")


class HubSpotHook(BaseHook):
    conn_name_attr = "hubspot_conn_id"
    default_conn_name = "hubspot_default"
    conn_type = "hubspot"
    hook_name = "HubSpot"

    def __init__(self, hubspot_conn_id: str = default_conn_name, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.hubspot_conn_id = hubspot_conn_id
        self._client = None

    @property
    def _extra(self) -> dict:
        return self.get_connection(self.hubspot_conn_id).extra_dejson

    @property
    def policy(self) -> RetryPolicy:
        extra = self._extra
        return RetryPolicy(max_attempts=int(extra.get("max_attempts", 8)),
                           base_s=float(extra.get("retry_base_s", 0.5)))

    def get_conn(self):
        if self._client is None:
            from hubspot import HubSpot

            conn = self.get_connection(self.hubspot_conn_id)
            self._client = HubSpot(access_token=conn.password, host=self._extra.get("host", "https://api.hubapi.com"))
        return self._client

    @property
    def _timeout(self) -> float:
        return float(self._extra.get("timeout_s", 10))

    def _call(self, fn) -> tuple[Any, int]:
        return self.policy.call(fn, classify, "hubspot")

    def batch_upsert_by_email(self, items: list[tuple[str, dict]]) -> tuple[dict[str, str], int]:
        """Upsert up to 100 contacts keyed by email; returns ({email: contact id}, attempts)."""
        from hubspot.crm.contacts import BatchInputSimplePublicObjectBatchInputUpsert

        if len(items) > BATCH_LIMIT:
            raise ValueError(f"HubSpot batch upsert takes at most {BATCH_LIMIT} inputs")
        body = BatchInputSimplePublicObjectBatchInputUpsert(
            inputs=[{"id": email, "idProperty": "email", "properties": props} for email, props in items])
        response, attempts = self._call(lambda: self.get_conn().crm.contacts.batch_api.upsert(
            batch_input_simple_public_object_batch_input_upsert=body, _request_timeout=self._timeout))
        try:
            ids = {r.properties["email"].lower(): r.id for r in response.results}
        except (AttributeError, KeyError, TypeError) as exc:
            raise CrmError("hubspot: batch upsert response has an unexpected shape", attempts, True) from exc
        missing = [email for email, _ in items if email.lower() not in ids]
        if missing:
            raise CrmError(f"hubspot: batch upsert returned no id for {len(missing)} inputs", attempts, True)
        return ids, attempts

    def find_by_phone(self, phone: str) -> tuple[str | None, int]:
        from hubspot.crm.contacts import PublicObjectSearchRequest

        request = PublicObjectSearchRequest(
            filter_groups=[{"filters": [{"propertyName": "phone", "operator": "EQ", "value": phone}]}],
            properties=["phone"], limit=1)
        response, attempts = self._call(lambda: self.get_conn().crm.contacts.search_api.do_search(
            public_object_search_request=request, _request_timeout=self._timeout))
        return (response.results[0].id if response.results else None), attempts

    def _modified(self, api, search_request_cls, modified_property: str, properties: list[str],
                  start_iso: str, end_iso: str) -> list[dict]:
        found, after = [], None
        while True:
            request = search_request_cls(
                filter_groups=[{"filters": [
                    {"propertyName": modified_property, "operator": "GTE", "value": start_iso},
                    {"propertyName": modified_property, "operator": "LT", "value": end_iso}]}],
                properties=[*properties, modified_property], limit=100, after=after)
            page, _ = self._call(lambda request=request: api.do_search(
                public_object_search_request=request, _request_timeout=self._timeout))
            found += [{"id": r.id, **r.properties} for r in page.results]
            after = page.paging.next.after if page.paging and page.paging.next else None
            if not after:
                return found

    def modified_contacts(self, start_iso: str, end_iso: str) -> list[dict]:
        """Contacts whose lastmodifieddate falls in [start, end), following the search pages."""
        from hubspot.crm.contacts import PublicObjectSearchRequest

        return self._modified(self.get_conn().crm.contacts.search_api, PublicObjectSearchRequest,
                              "lastmodifieddate", ["email", "phone", "firstname", "lastname", "company"],
                              start_iso, end_iso)

    def modified_companies(self, start_iso: str, end_iso: str) -> list[dict]:
        """Companies whose hs_lastmodifieddate falls in [start, end)."""
        from hubspot.crm.companies import PublicObjectSearchRequest

        return self._modified(self.get_conn().crm.companies.search_api, PublicObjectSearchRequest,
                              "hs_lastmodifieddate", ["name", "domain"], start_iso, end_iso)

    def upsert_lead(self, lead: Lead, salesforce_id: str | None = None) -> tuple[str, int]:
        """Email is the identity; without one, the E.164 phone. Returns (contact id, HTTP attempts)."""
        from hubspot.crm.contacts import SimplePublicObjectInput, SimplePublicObjectInputForCreate

        properties = hubspot_properties(lead, salesforce_id)
        if lead.email:
            ids, attempts = self.batch_upsert_by_email([(lead.email, properties)])
            return ids[lead.email.lower()], attempts
        if not lead.phone:
            raise CrmError("hubspot: lead has neither email nor phone to identify the contact", 1, False)
        contact_id, attempts = self.find_by_phone(lead.phone)
        contacts = self.get_conn().crm.contacts.basic_api
        if contact_id:
            _, more = self._call(lambda: contacts.update(
                contact_id, simple_public_object_input=SimplePublicObjectInput(properties=properties),
                _request_timeout=self._timeout))
        else:
            created, more = self._call(lambda: contacts.create(
                simple_public_object_input_for_create=SimplePublicObjectInputForCreate(properties=properties),
                _request_timeout=self._timeout))
            contact_id = created.id
        return contact_id, attempts + more

    def test_connection(self) -> tuple[bool, str]:
        try:
            self.get_conn().crm.contacts.basic_api.get_page(limit=1)
        except Exception as exc:
            return False, f"HubSpot: {type(exc).__name__}"
        return True, "HubSpot reachable"
