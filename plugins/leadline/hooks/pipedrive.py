"""Pipedrive as a CRM (the troubleshooting runbook's third CRM), over its REST API v1: a lead is a Person, the call
an Activity of type "call" on that person. Everything Pipedrive-specific is in this module: the field mapping, the
lookups, the idempotency and the deletes; Leadline's sync, erasure and health only see `hooks.crm.CrmHook`.

Pipedrive has no upsert by external id, so a person is found the way HubSpot finds a contact (the record an
earlier sync of the call made, else email, else phone) and an activity by the call id written in its note. Custom
fields have 40-character keys per company: the connection's `person_fields` extra names them."""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

from leadline.domain.crm import UNKNOWN, Lead
from leadline.domain.engagement import Engagement
from leadline.hooks.crm import BulkResult
from leadline.hooks.rest import RestApiHook
from leadline.hooks.retry import CrmError

# Leadline's values -> the person custom field keys used when the connection names none
DEFAULT_PERSON_FIELDS = {"call_id": "leadline_call_id", "score": "leadline_score", "summary": "leadline_summary",
                         "cross_ref": "leadline_primary_crm_id"}
# what an erasure plan names (store.privacy) -> Pipedrive's collection
ERASABLE_OBJECTS = {"record": "persons", "engagement": "activities"}
CALL_MARKER = "Leadline call id: "


def person_fields(lead: Lead, keys: dict[str, str], cross_ref: str | None = None) -> dict[str, Any]:
    """The lead as a Pipedrive person: a value not heard for sure stays out rather than going in blank."""
    fields: dict[str, Any] = {"name": lead.name or UNKNOWN, keys["call_id"]: lead.call_id,
                              keys["summary"]: lead.summary[:1000]}
    if lead.phone:
        fields["phone"] = [{"value": lead.phone, "primary": True, "label": "work"}]
    if lead.email:
        fields["email"] = [{"value": lead.email, "primary": True, "label": "work"}]
    if lead.score is not None:
        fields[keys["score"]] = lead.score
    if cross_ref:
        fields[keys["cross_ref"]] = cross_ref
    return fields


def activity_fields(engagement: Engagement, person_id: str) -> dict[str, Any]:
    started = engagement.started_at.astimezone(UTC)
    minutes, seconds = divmod(engagement.duration_s or 0, 60)
    note = html.escape(engagement.body[:60000]).replace("\n", "<br>")
    return {"subject": engagement.title, "type": "call", "done": 1, "person_id": int(person_id),
            "due_date": started.date().isoformat(), "due_time": started.strftime("%H:%M"),
            "duration": f"{minutes // 60:02d}:{minutes % 60:02d}" if minutes or seconds else "",
            "note": f"{note}<br><br>{CALL_MARKER}{html.escape(engagement.call_id)}"}


def _one_by_one(requests: list[tuple[str, Callable[[], tuple[str, int]]]]) -> BulkResult:
    """Pipedrive has no batch endpoint: each (call id, upsert) in turn, a rejected record into `failed`; a request
    that failed for good (retries spent on a rate limit or an outage) stops the run."""
    result = BulkResult()
    for call_id, upsert in requests:
        try:
            result.synced[call_id], used = upsert()
        except CrmError as exc:
            if exc.retryable:
                raise
            result.failed[call_id], used = str(exc), exc.attempts
        result.attempts += used
    return result


class PipedriveHook(RestApiHook):
    """Pipedrive persons and call activities (`CrmHook`); `test_connection()` reads the token's own user."""

    conn_name_attr = "conn_id"
    default_conn_name = "pipedrive_default"
    conn_type = "pipedrive"
    hook_name = "Pipedrive"
    default_host = "https://api.pipedrive.com"
    service = "pipedrive"
    probe_path = "/v1/users/me"
    crm_type = "pipedrive"
    batch_limit = 100  # no batch endpoint: a bulk upsert is this many single requests per chunk

    @cached_property
    def person_keys(self) -> dict[str, str]:
        return {**DEFAULT_PERSON_FIELDS, **(self.connection.extra_dejson.get("person_fields") or {})}

    def _data(self, method: str, path: str, **kwargs: Any) -> tuple[Any, int]:
        body, attempts = self.request_json(method, path, **kwargs)
        if not isinstance(body, dict) or not body.get("success"):
            raise CrmError(f"pipedrive: {method} {path.split('?')[0]} answered without success", attempts, False)
        return body.get("data"), attempts

    def _search_person(self, term: str, field: str) -> tuple[str | None, int]:
        data, attempts = self._data("GET", "/v1/persons/search",
                                    params={"term": term, "fields": field, "exact_match": "true", "limit": 1})
        items = (data or {}).get("items") or []
        return (str(items[0]["item"]["id"]) if items else None), attempts

    def find_contact(self, phone: str | None, email: str | None, /) -> tuple[str | None, int]:
        attempts = 0
        for term, field in ((email, "email"), (phone, "phone")):
            if term:
                found, used = self._search_person(term, field)
                attempts += used
                if found:
                    return found, attempts
        return None, attempts

    def upsert_lead(self, lead: Lead, cross_ref: str | None = None, /, *, known_id: str | None = None
                    ) -> tuple[str, int]:
        if not known_id and not lead.email and not lead.phone:
            raise CrmError("pipedrive: lead has neither email nor phone to identify the person", 1, False)
        person_id, attempts = (known_id, 0) if known_id else self.find_contact(lead.phone, lead.email)
        fields = person_fields(lead, self.person_keys, cross_ref)
        if person_id:
            _, more = self._data("PUT", f"/v1/persons/{person_id}", json=fields)
            return person_id, attempts + more
        created, more = self._data("POST", "/v1/persons", json=fields)
        return str(created["id"]), attempts + more

    def bulk_upsert(self, leads: list[Lead], cross_refs: dict[str, str | None]) -> BulkResult:
        return _one_by_one([(lead.call_id, lambda lead=lead: self.upsert_lead(lead, cross_refs.get(lead.call_id)))
                            for lead in leads])

    def _logged_activity(self, person_id: str, call_id: str) -> tuple[str | None, int]:
        """The activity this call was already logged as on the person, found by the call id in its note."""
        marker = f"{CALL_MARKER}{html.escape(call_id)}"
        data, attempts = self._data("GET", f"/v1/persons/{person_id}/activities", params={"limit": 500})
        for activity in data or []:
            if (activity.get("note") or "").endswith(marker):
                return str(activity["id"]), attempts
        return None, attempts

    def upsert_engagement(self, engagement: Engagement, record_id: str, /) -> tuple[str, int]:
        fields = activity_fields(engagement, record_id)
        activity_id, attempts = self._logged_activity(record_id, engagement.call_id)
        if activity_id:
            _, more = self._data("PUT", f"/v1/activities/{activity_id}", json=fields)
            return activity_id, attempts + more
        created, more = self._data("POST", "/v1/activities", json=fields)
        return str(created["id"]), attempts + more

    def bulk_upsert_engagements(self, items: list[tuple[Engagement, str]]) -> BulkResult:
        return _one_by_one([(engagement.call_id, lambda e=engagement, r=record_id: self.upsert_engagement(e, r))
                            for engagement, record_id in items])

    def mirror_records(self, object_name: str, start: datetime | None = None, end: datetime | None = None, /
                       ) -> list[dict]:
        """Sales intelligence mirrors the runbook's HubSpot and Salesforce objects only; Pipedrive has none."""
        raise LookupError(f"pipedrive: no mirror of {object_name!r} (sales intelligence reads HubSpot and "
                          "Salesforce)")

    def delete_record(self, object_name: str, record_id: str, /) -> bool:
        collection = ERASABLE_OBJECTS.get(object_name)
        if collection is None:
            return False
        self._data("DELETE", f"/v1/{collection}/{record_id}")
        return True
