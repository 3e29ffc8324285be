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
                summary=lead.get("summary", ""), project_type=lead.get("project_type"))


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
