"""HubSpotHook (`hubspot_default`): CRM v3 contacts through hubspot-api-client.

Connection: password = private-app access token; extra `host` (default https://api.hubapi.com),
optional `retry_base_s`, `max_attempts`, `timeout_s`."""

from __future__ import annotations

import importlib
from datetime import datetime
from functools import cached_property
from typing import Any

from airflow.sdk.bases.hook import BaseHook

from leadline.domain.crm import Lead, hubspot_properties
from leadline.domain.engagement import HUBSPOT_CALL_ID_PROPERTY, Engagement, hubspot_call_properties
from leadline.hooks.connections import ConnectionForm
from leadline.hooks.crm import BulkResult, chunks
from leadline.hooks.retry import CrmError, RetryPolicy, Verdict, retry_after_seconds

BATCH_LIMIT = 100
# What the mirrors (hubspot_contacts, hubspot_companies) keep of each object.
CONTACT_PROPERTIES = ["email", "phone", "firstname", "lastname", "company"]
COMPANY_PROPERTIES = ["name", "domain"]
# the objects sales intelligence mirrors -> (the API's name, its modified-time property, the properties kept)
MIRRORED_OBJECTS = {"contacts": ("contacts", "lastmodifieddate", CONTACT_PROPERTIES),
                    "companies": ("companies", "hs_lastmodifieddate", COMPANY_PROPERTIES)}
# what an erasure plan names (store.privacy) -> HubSpot's object type
ERASABLE_OBJECTS = {"contact": "contacts", "call": "calls"}


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


class HubSpotHook(ConnectionForm, BaseHook):
    """HubSpot as a CRM (`CrmHook`): contacts keyed by email, else by phone. The connection and the client
    are read once per hook instance."""

    conn_name_attr = "hubspot_conn_id"
    default_conn_name = "hubspot_default"
    conn_type = "hubspot"
    hook_name = "HubSpot"
    crm_type = "hubspot"
    batch_limit = BATCH_LIMIT

    def __init__(self, hubspot_conn_id: str = default_conn_name, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.hubspot_conn_id = hubspot_conn_id

    @cached_property
    def connection(self):
        return self.get_connection(self.hubspot_conn_id)

    @property
    def _extra(self) -> dict:
        return self.connection.extra_dejson

    @cached_property
    def policy(self) -> RetryPolicy:
        extra = self._extra
        return RetryPolicy(max_attempts=int(extra.get("max_attempts", 8)),
                           base_s=float(extra.get("retry_base_s", 0.5)))

    @cached_property
    def client(self):
        from hubspot import HubSpot

        return HubSpot(access_token=self.connection.password, host=self._extra.get("host", "https://api.hubapi.com"))

    def get_conn(self):
        return self.client

    @cached_property
    def _timeout(self) -> float:
        return float(self._extra.get("timeout_s", 10))

    def _call(self, fn) -> tuple[Any, int]:
        return self.policy.call(fn, classify, "hubspot")

    def batch_upsert_by_email(self, items: list[tuple[str, dict]]) -> tuple[dict[str, str], int]:
        """Upsert up to 100 contacts keyed by email; returns ({email: contact id}, attempts)."""
        from hubspot.crm.contacts import BatchInputSimplePublicObjectBatchInputUpsert

        if len(items) > self.batch_limit:
            raise ValueError(f"HubSpot batch upsert takes at most {self.batch_limit} inputs")
        body = BatchInputSimplePublicObjectBatchInputUpsert(
            inputs=[{"id": email, "idProperty": "email", "properties": props} for email, props in items])
        response, attempts = self._call(lambda: self.client.crm.contacts.batch_api.upsert(
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
        response, attempts = self._call(lambda: self.client.crm.contacts.search_api.do_search(
            public_object_search_request=request, _request_timeout=self._timeout))
        return (response.results[0].id if response.results else None), attempts

    def _all_pages(self, fetch_page) -> list[dict]:
        """Every result of a paged listing: `fetch_page(after)` returns the page after the cursor."""
        found, after = [], None
        while True:
            page, _ = self._call(lambda after=after: fetch_page(after))
            found += [{"id": r.id, **r.properties} for r in page.results]
            after = page.paging.next.after if page.paging and page.paging.next else None
            if not after:
                return found

    def _modified(self, api, search_request_cls, modified_property: str, properties: list[str],
                  start_iso: str, end_iso: str) -> list[dict]:
        def search(after: str | None):
            request = search_request_cls(
                filter_groups=[{"filters": [
                    {"propertyName": modified_property, "operator": "GTE", "value": start_iso},
                    {"propertyName": modified_property, "operator": "LT", "value": end_iso}]}],
                properties=[*properties, modified_property], limit=100, after=after)
            return api.search_api.do_search(public_object_search_request=request, _request_timeout=self._timeout)

        return self._all_pages(search)

    def _every(self, api, modified_property: str, properties: list[str]) -> list[dict]:
        # The list API, not an unfiltered search: HubSpot's search stops at 10,000 results.
        return self._all_pages(lambda after: api.basic_api.get_page(
            limit=100, after=after, properties=[*properties, modified_property], archived=False,
            _request_timeout=self._timeout))

    def mirror_records(self, object_name: str, start: datetime | None = None, end: datetime | None = None
                       ) -> list[dict]:
        """The `object_name` records (MIRRORED_OBJECTS) modified in [start, end), or every one without a window
        (a full sync), with the properties the mirror keeps."""
        api_name, modified_property, properties = MIRRORED_OBJECTS[object_name]
        api = getattr(self.client.crm, api_name)
        if start is None or end is None:
            return self._every(api, modified_property, properties)
        search_request = importlib.import_module(f"hubspot.crm.{api_name}").PublicObjectSearchRequest
        return self._modified(api, search_request, modified_property, properties, start.isoformat(),
                              end.isoformat())

    def upsert_lead(self, lead: Lead, salesforce_id: str | None = None, *, known_id: str | None = None
                    ) -> tuple[str, int]:
        """The contact an earlier sync of this call made, updated in place; else email is the identity and,
        without one, the E.164 phone. Returns (contact id, HTTP attempts)."""
        from hubspot.crm.contacts import SimplePublicObjectInput, SimplePublicObjectInputForCreate

        properties = hubspot_properties(lead, salesforce_id)
        contacts = self.client.crm.contacts.basic_api
        if known_id:
            _, attempts = self._call(lambda: contacts.update(
                known_id, simple_public_object_input=SimplePublicObjectInput(properties=properties),
                _request_timeout=self._timeout))
            return known_id, attempts
        if lead.email:
            ids, attempts = self.batch_upsert_by_email([(lead.email, properties)])
            return ids[lead.email.lower()], attempts
        if not lead.phone:
            raise CrmError("hubspot: lead has neither email nor phone to identify the contact", 1, False)
        contact_id, attempts = self.find_by_phone(lead.phone)
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

    def bulk_upsert(self, leads: list[Lead], cross_refs: dict[str, str | None]) -> BulkResult:
        """Leads with an email in batch upserts of up to 100; the others one by one (search by phone, then
        update or create), a rejected one recorded in `failed`."""
        result = BulkResult()
        with_email = [lead for lead in leads if lead.email]
        for chunk in chunks(with_email, self.batch_limit):
            ids, used = self.batch_upsert_by_email(
                [(lead.email, hubspot_properties(lead, cross_refs.get(lead.call_id))) for lead in chunk])
            result.attempts += used
            result.synced.update({lead.call_id: ids[lead.email.lower()] for lead in chunk})
        for lead in (lead for lead in leads if not lead.email):
            try:
                result.synced[lead.call_id], used = self.upsert_lead(lead, cross_refs.get(lead.call_id))
            except CrmError as exc:
                result.failed[lead.call_id], used = str(exc), exc.attempts
            result.attempts += used
        return result

    def find_contact(self, phone: str | None, email: str | None) -> tuple[str | None, int]:
        """The contact with this email, else this phone (an existing customer's record)."""
        from hubspot.crm.contacts import PublicObjectSearchRequest

        attempts = 0
        for prop, value in (("email", email), ("phone", phone)):
            if not value:
                continue
            request = PublicObjectSearchRequest(
                filter_groups=[{"filters": [{"propertyName": prop, "operator": "EQ", "value": value}]}],
                properties=[prop], limit=1)
            response, used = self._call(lambda request=request: self.client.crm.contacts.search_api.do_search(
                public_object_search_request=request, _request_timeout=self._timeout))
            attempts += used
            if response.results:
                return response.results[0].id, attempts
        return None, attempts

    def batch_upsert_calls(self, items: list[tuple[Engagement, str]]) -> tuple[dict[str, str], int]:
        """Up to 100 Calls objects upserted by the unique property leadline_call_id, then each associated to its
        contact (v4 default association, itself idempotent): ({call id: engagement id}, attempts)."""
        from hubspot.crm.associations.v4 import BatchInputPublicDefaultAssociationMultiPost
        from hubspot.crm.objects.calls import BatchInputSimplePublicObjectBatchInputUpsert

        if len(items) > self.batch_limit:
            raise ValueError(f"HubSpot batch upsert takes at most {self.batch_limit} inputs")
        body = BatchInputSimplePublicObjectBatchInputUpsert(inputs=[
            {"id": e.call_id, "idProperty": HUBSPOT_CALL_ID_PROPERTY, "properties": hubspot_call_properties(e)}
            for e, _ in items])
        response, attempts = self._call(lambda: self.client.crm.objects.calls.batch_api.upsert(
            batch_input_simple_public_object_batch_input_upsert=body, _request_timeout=self._timeout))
        try:
            ids = {r.properties[HUBSPOT_CALL_ID_PROPERTY]: r.id for r in response.results}
        except (AttributeError, KeyError, TypeError) as exc:
            raise CrmError("hubspot: calls upsert response has an unexpected shape", attempts, True) from exc
        if any(e.call_id not in ids for e, _ in items):
            raise CrmError("hubspot: calls upsert returned no id for some inputs", attempts, True)
        links = BatchInputPublicDefaultAssociationMultiPost(inputs=[
            {"from": {"id": ids[e.call_id]}, "to": {"id": contact_id}} for e, contact_id in items])
        _, more = self._call(lambda: self.client.crm.associations.v4.batch_api.create_default(
            "calls", "contacts", batch_input_public_default_association_multi_post=links,
            _request_timeout=self._timeout))
        return ids, attempts + more

    def upsert_engagement(self, engagement: Engagement, contact_id: str) -> tuple[str, int]:
        ids, attempts = self.batch_upsert_calls([(engagement, contact_id)])
        return ids[engagement.call_id], attempts

    def bulk_upsert_engagements(self, items: list[tuple[Engagement, str]]) -> BulkResult:
        result = BulkResult()
        for chunk in chunks(items, self.batch_limit):
            ids, used = self.batch_upsert_calls(chunk)
            result.attempts += used
            result.synced.update(ids)
        return result

    def delete_record(self, object_name: str, record_id: str) -> bool:
        object_type = ERASABLE_OBJECTS.get(object_name)
        if object_type is None:
            return False
        self._call(lambda: self.client.crm.objects.basic_api.archive(
            object_type=object_type, object_id=record_id, _request_timeout=self._timeout))
        return True

    def test_connection(self) -> tuple[bool, str]:
        """One contact search (limit 1): the token, the host and the contacts read scope."""
        from hubspot.crm.contacts import PublicObjectSearchRequest

        try:
            self.client.crm.contacts.search_api.do_search(
                public_object_search_request=PublicObjectSearchRequest(limit=1, properties=["email"]),
                _request_timeout=self._timeout)
        except Exception as exc:
            return False, f"HubSpot: {type(exc).__name__}"
        return True, "HubSpot reachable"
