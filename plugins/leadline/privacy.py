"""Erasure of one person's data (`leadline privacy erase --tenant T --phone X | --email X`): the store rows
(store.privacy), the stored recordings of their calls, and the CRM records that hold them: listed for deletion in
the CRM, or deleted there when the tenant allows (config `privacy: {"delete_in_crm": true}`) or the command asks.
The result names no phone or email; only masked forms reach the output."""

from __future__ import annotations

import logging
from typing import Any

from leadline.domain.privacy import Person

log = logging.getLogger(__name__)

# CRM object names in the erasure record -> how to delete one with the official clients
_HUBSPOT_OBJECTS = {"contact": "contacts", "call": "calls"}
_SALESFORCE_OBJECTS = {"lead": "Lead", "Contact": "Contact", "task": "Task", "record": None}


class ErasureError(ValueError):
    """The erasure cannot run (unknown tenant, bad identifier)."""


def erase_person(engine, tenant_id: str, *, phone: str | None = None, email: str | None = None,
                 requested_by: str, delete_in_crm: bool | None = None, storage_url: str | None = None) -> dict:
    from leadline.config import default_storage_url
    from leadline.domain.privacy import InvalidIdentifier
    from leadline.store.privacy import apply_erasure, plan_erasure
    from leadline.store.tenants import get_tenant

    try:
        person = Person.from_identifier(phone, email)
    except InvalidIdentifier as exc:
        raise ErasureError(str(exc)) from exc
    with engine.connect() as conn:
        tenant = get_tenant(conn, tenant_id)
    if tenant is None:
        raise ErasureError(f"unknown tenant {tenant_id}")
    plan = plan_erasure(engine, tenant_id, person)
    base = (storage_url or default_storage_url()).rstrip("/")
    paths = list(dict.fromkeys([*plan.recordings, *(f"{base}/{tenant_id}/recordings/{c}.wav" for c in plan.calls)]))
    recordings_deleted = _delete_recordings(paths)
    allowed = delete_in_crm if delete_in_crm is not None else bool(
        ((tenant.config or {}).get("privacy") or {}).get("delete_in_crm", False))
    deleted = _delete_in_crm(engine, tenant_id, plan.crm_records) if allowed else set()
    erasure_id = apply_erasure(engine, plan, requested_by, deleted)
    return {"erasure_id": erasure_id, "tenant_id": tenant_id, "kind": person.kind, "calls": len(plan.calls),
            "counts": {**plan.counts, "recordings": len(plan.recordings)}, "recordings_deleted": recordings_deleted,
            "crm_records": [{**r, "deleted": (r["crm"], r["object"], r["id"]) in deleted} for r in plan.crm_records],
            "crm_delete": "deleted where possible" if allowed else "listed: delete these records in the CRM"}


def _delete_recordings(paths: list[str]) -> int:
    from airflow.sdk import ObjectStoragePath

    removed = 0
    for path in paths:
        target = ObjectStoragePath(path)
        if target.exists():
            target.unlink()
            removed += 1
    return removed


def _delete_in_crm(engine, tenant_id: str, records: list[dict]) -> set[tuple[str, str, str]]:
    """Deletes each record through the tenant's CRM connection; what could not be deleted stays listed."""
    from leadline.store.crm import active_integration

    deleted: set[tuple[str, str, str]] = set()
    for crm in ("hubspot", "salesforce"):
        mine = [r for r in records if r["crm"] == crm]
        conn_id = active_integration(engine, tenant_id, crm) if mine else None
        if not conn_id:
            continue
        delete = _hubspot_deleter(conn_id) if crm == "hubspot" else _salesforce_deleter(conn_id)
        for record in mine:
            try:
                if delete(record["object"], record["id"]):
                    deleted.add((crm, record["object"], record["id"]))
            except Exception as exc:  # noqa: BLE001 - a record left in the CRM stays listed, with the reason logged
                log.warning("could not delete %s %s %s in the CRM: %s", crm, record["object"], record["id"],
                            type(exc).__name__)
    return deleted


def _hubspot_deleter(conn_id: str):
    from leadline.hooks.hubspot import HubSpotHook

    client = HubSpotHook(conn_id).client

    def delete(obj: str, record_id: str) -> bool:
        if obj == "contact":
            client.crm.contacts.basic_api.archive(contact_id=record_id)
        elif obj in _HUBSPOT_OBJECTS:
            client.crm.objects.basic_api.archive(object_type=_HUBSPOT_OBJECTS[obj], object_id=record_id)
        else:
            return False
        return True

    return delete


def _salesforce_deleter(conn_id: str):
    from leadline.hooks.salesforce import LeadlineSalesforceHook

    sf: Any = LeadlineSalesforceHook(conn_id).get_conn()

    def delete(obj: str, record_id: str) -> bool:
        name = _SALESFORCE_OBJECTS.get(obj)
        if name is None:
            return False
        getattr(sf, name).delete(record_id)
        return True

    return delete
