"""Erasure of one person's data (`leadline privacy erase --tenant T --phone X | --email X`): the store rows
(store.privacy), the stored recordings of their calls, and the CRM records that hold them: listed for deletion in
the CRM, or deleted there when the tenant allows (config `privacy: {"delete_in_crm": true}`) or the command asks.
The result names no phone or email; only masked forms reach the output."""

from __future__ import annotations

import logging

from leadline.domain.crm import CRM_TYPES
from leadline.domain.privacy import Person

log = logging.getLogger(__name__)


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
    """Deletes each record through the tenant's CRM connection and its hook (retries included); what could not be
    deleted stays listed."""
    from leadline.hooks.crm import crm_hook
    from leadline.store.crm import active_integration

    deleted: set[tuple[str, str, str]] = set()
    for crm in CRM_TYPES:
        mine = [r for r in records if r["crm"] == crm]
        conn_id = active_integration(engine, tenant_id, crm) if mine else None
        if not conn_id:
            continue
        client = crm_hook(crm, conn_id)
        for record in mine:
            try:
                if client.delete_record(record["object"], record["id"]):
                    deleted.add((crm, record["object"], record["id"]))
            except Exception as exc:  # noqa: BLE001 - a record left in the CRM stays listed, with the reason logged
                log.warning("could not delete %s %s %s in the CRM: %s", crm, record["object"], record["id"],
                            type(exc).__name__)
    return deleted
