"""Syncing scored leads to a tenant's CRMs: primary first, then secondary carrying the primary's id.

Used by the per-call `sync_*_crm` tasks and by the bulk `crm_backfill` DAG; every outcome is written
to `crm_sync_log`, and repeated failures open the (tenant, CRM) circuit breaker."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, and_, select

from leadline.domain.crm import Lead
from leadline.hooks.retry import CrmError
from leadline.store import crm as crm_store
from leadline.store.processing import update_call
from leadline.store.schema import crm_integrations

RECORD_COLUMN = {"hubspot": "hubspot_contact_id", "salesforce": "salesforce_lead_id"}


class CircuitOpen(Exception):
    def __init__(self, crm_type: str, wait_s: float):
        super().__init__(f"{crm_type} circuit breaker is open for another {wait_s:.0f} s")
        self.wait_s = wait_s


@dataclass(frozen=True)
class Target:
    crm_type: str
    role: str
    connection_id: str


def lead_from_call(call: dict[str, Any]) -> Lead:
    lead = (call.get("ai_analysis") or {}).get("lead") or {}
    return Lead(tenant_id=call["tenant_id"], call_id=call["call_id"], name=call.get("customer_name"),
                phone=call.get("customer_phone"), email=call.get("customer_email"), score=call.get("lead_score"),
                summary=lead.get("summary", ""), project_type=lead.get("project_category") or lead.get("project_type"))


def target(engine: Engine, tenant, role: str) -> Target | None:
    crm_type = tenant.primary_crm if role == "primary" else tenant.secondary_crm
    if crm_type is None:
        return None
    with engine.connect() as conn:
        row = conn.execute(select(crm_integrations.c.connection_id, crm_integrations.c.status).where(and_(
            crm_integrations.c.tenant_id == tenant.tenant_id, crm_integrations.c.crm_type == crm_type))).first()
    if row is None or row.status != "active":
        raise LookupError(f"tenant has no active {crm_type} integration (crm_integrations)")
    return Target(crm_type, role, row.connection_id)


def client_for(target: Target):
    if target.crm_type == "hubspot":
        from leadline.hooks.hubspot import HubSpotHook

        return HubSpotHook(target.connection_id)
    from leadline.hooks.salesforce import LeadlineSalesforceHook

    return LeadlineSalesforceHook(target.connection_id)


def sync_lead(engine: Engine, target: Target, client, lead: Lead, cross_ref: str | None) -> tuple[str, int]:
    """Upsert one lead into one CRM; returns (record id, HTTP attempts). Raises CircuitOpen or CrmError."""
    wait = crm_store.circuit(engine, lead.tenant_id, target.crm_type).wait_s(datetime.now(UTC))
    if wait > 0:
        raise CircuitOpen(target.crm_type, wait)
    log = {"tenant_id": lead.tenant_id, "call_id": lead.call_id, "crm_type": target.crm_type, "role": target.role,
           "cross_ref_id": cross_ref}
    try:
        record_id, attempts = client.upsert_lead(lead, cross_ref)
    except CrmError as exc:
        crm_store.record_sync(engine, **log, status="failed", record_id=None, attempts=exc.attempts, error=str(exc))
        crm_store.record_failure(engine, lead.tenant_id, target.crm_type)
        raise
    crm_store.record_sync(engine, **log, status="synced", record_id=record_id, attempts=attempts, error=None)
    crm_store.record_success(engine, lead.tenant_id, target.crm_type)
    update_call(engine, lead.tenant_id, lead.call_id, **{RECORD_COLUMN[target.crm_type]: record_id})
    return record_id, attempts


def _chunks(items: list, size: int) -> list[list]:
    return [items[i:i + size] for i in range(0, len(items), size)]


def _bulk_upsert(target: Target, client, leads: list[Lead], cross_refs: dict[str, str | None]
                 ) -> tuple[dict[str, str], dict[str, str], int]:
    """Returns ({call_id: record id}, {call_id: error}, HTTP attempts) for one CRM, batching 100/200."""
    synced: dict[str, str] = {}
    failed: dict[str, str] = {}
    attempts = 0
    if target.crm_type == "hubspot":
        from leadline.domain.crm import hubspot_properties
        from leadline.hooks.hubspot import BATCH_LIMIT

        with_email = [lead for lead in leads if lead.email]
        for chunk in _chunks(with_email, BATCH_LIMIT):
            ids, used = client.batch_upsert_by_email(
                [(lead.email, hubspot_properties(lead, cross_refs.get(lead.call_id))) for lead in chunk])
            attempts += used
            synced.update({lead.call_id: ids[lead.email.lower()] for lead in chunk})
        for lead in (lead for lead in leads if not lead.email):
            try:
                synced[lead.call_id], used = client.upsert_lead(lead, cross_refs.get(lead.call_id))
            except CrmError as exc:
                failed[lead.call_id], used = str(exc), exc.attempts
            attempts += used
        return synced, failed, attempts
    from leadline.hooks.salesforce import COMPOSITE_LIMIT

    for chunk in _chunks(leads, COMPOSITE_LIMIT):
        results, used = client.bulk_upsert_leads([(lead, cross_refs.get(lead.call_id)) for lead in chunk])
        attempts += used
        for lead, result in zip(chunk, results, strict=True):
            if result.get("success"):
                synced[lead.call_id] = result["id"]
            else:
                codes = ",".join(e.get("statusCode", "?") for e in result.get("errors", []))
                failed[lead.call_id] = f"salesforce: {codes or 'record rejected'}"
    return synced, failed, attempts


def backfill(engine: Engine, tenant, start: datetime, end: datetime) -> dict[str, int]:
    """Bulk path for backlogs: every scored call of the tenant created in [start, end) that is missing a
    CRM record goes out in batches, primary CRM first, then the secondary with the primary's ids."""
    from leadline.store.processing import update_calls
    from leadline.store.schema import call_records

    summary = {"leads": 0, "api_calls": 0, "synced": 0, "failed": 0}
    primary_column = RECORD_COLUMN.get(tenant.primary_crm or "")
    for role in ("primary", "secondary"):
        chosen = target(engine, tenant, role)
        if chosen is None:
            continue
        column = call_records.c[RECORD_COLUMN[chosen.crm_type]]
        with engine.connect() as conn:
            rows = conn.execute(select(call_records).where(
                call_records.c.tenant_id == tenant.tenant_id, call_records.c.lead_score.is_not(None),
                call_records.c.created_at >= start, call_records.c.created_at < end, column.is_(None),
            ).order_by(call_records.c.call_id)).mappings().all()
        if not rows:
            continue
        wait = crm_store.circuit(engine, tenant.tenant_id, chosen.crm_type).wait_s(datetime.now(UTC))
        if wait > 0:
            raise CircuitOpen(chosen.crm_type, wait)
        leads = [lead_from_call(dict(row)) for row in rows]
        cross_refs = {row["call_id"]: row[primary_column] for row in rows} if role == "secondary" else {}
        synced, failed, attempts = _bulk_upsert(chosen, client_for(chosen), leads, cross_refs)
        crm_store.record_sync_many(engine, tenant.tenant_id, chosen.crm_type, role, synced, failed, cross_refs)
        update_calls(engine, tenant.tenant_id, RECORD_COLUMN[chosen.crm_type], synced)
        (crm_store.record_success if synced else crm_store.record_failure)(engine, tenant.tenant_id,
                                                                           chosen.crm_type)
        summary["leads"] = max(summary["leads"], len(leads))
        summary["api_calls"] += attempts
        summary["synced"] += len(synced)
        summary["failed"] += len(failed)
    return summary
