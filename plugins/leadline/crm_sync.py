"""Syncing scored leads to a tenant's CRMs: primary first, then secondary carrying the primary's id.

Used by the per-call `sync_*_crm` tasks and by the bulk `crm_backfill` DAG; every outcome is written
to `crm_sync_log`, and repeated failures open the (tenant, CRM) circuit breaker."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine

from leadline.domain.call import CallRecord
from leadline.domain.crm import Lead
from leadline.domain.engagement import Engagement, engagement_from_call, recording_link
from leadline.hooks.crm import CrmHook, crm_hook
from leadline.hooks.retry import CrmError
from leadline.store import calls as call_store
from leadline.store import crm as crm_store

log = logging.getLogger(__name__)


class CircuitOpen(Exception):
    def __init__(self, crm_type: str, wait_s: float):
        super().__init__(f"{crm_type} circuit breaker is open for another {wait_s:.0f} s")
        self.wait_s = wait_s


@dataclass(frozen=True)
class Target:
    crm_type: str
    role: str
    connection_id: str


def lead_from_call(call: CallRecord) -> Lead:
    lead = call.lead
    return Lead(tenant_id=call.tenant_id, call_id=call.call_id, name=call.customer_name, phone=call.customer_phone,
                email=call.customer_email, score=call.lead_score, summary=lead.get("summary", ""),
                project_type=lead.get("project_category") or lead.get("project_type"))


def target(engine: Engine, tenant, role: str) -> Target | None:
    crm_type = tenant.primary_crm if role == "primary" else tenant.secondary_crm
    if crm_type is None:
        return None
    connection_id = crm_store.active_integration(engine, tenant.tenant_id, crm_type)
    if connection_id is None:
        raise LookupError(f"tenant has no active {crm_type} integration (crm_integrations)")
    return Target(crm_type, role, connection_id)


def hook_for(target: Target) -> CrmHook:
    """The CRM hook of the target's type on its connection."""
    return crm_hook(target.crm_type, target.connection_id)


def _require_closed_circuit(engine: Engine, tenant_id: str, crm_type: str) -> None:
    wait = crm_store.circuit(engine, tenant_id, crm_type).wait_s(datetime.now(UTC))
    if wait > 0:
        raise CircuitOpen(crm_type, wait)


def _count_failure(engine: Engine, tenant_id: str, crm_type: str, exc: CrmError) -> None:
    """Count a failed call towards the breaker. A transient failure that leaves the breaker open (it opened it,
    or it was a failed half-open trial) raises CircuitOpen: the caller waits for the cool-down instead of
    spending one of its retries on an outage the breaker already knows about."""
    circuit = crm_store.record_failure(engine, tenant_id, crm_type)
    wait = circuit.wait_s(datetime.now(UTC))
    if exc.retryable and wait > 0:
        raise CircuitOpen(crm_type, wait) from exc


def sync_lead(engine: Engine, target: Target, client: CrmHook, lead: Lead, cross_ref: str | None,
              known_id: str | None = None) -> tuple[str, int]:
    """Upsert one lead into one CRM; returns (record id, HTTP attempts). Raises CircuitOpen or CrmError.
    `known_id`: the record an earlier sync of this call made there."""
    _require_closed_circuit(engine, lead.tenant_id, target.crm_type)
    log = {"tenant_id": lead.tenant_id, "call_id": lead.call_id, "crm_type": target.crm_type, "role": target.role,
           "cross_ref_id": cross_ref}
    try:
        record_id, attempts = client.upsert_lead(lead, cross_ref, known_id=known_id)
    except CrmError as exc:
        crm_store.record_sync(engine, **log, status="failed", record_id=None, attempts=exc.attempts, error=str(exc))
        _count_failure(engine, lead.tenant_id, target.crm_type, exc)
        raise
    crm_store.record_synced_lead(engine, **log, record_id=record_id, attempts=attempts)
    # the breaker is the (tenant, CRM)'s, shared by every call: closed in its own short transaction
    crm_store.record_success(engine, lead.tenant_id, target.crm_type)
    return record_id, attempts


def signed_recording_link(call: CallRecord, now: datetime | None = None) -> str | None:
    """A signed, expiring link to the call's stored recording, served by Leadline's app (None when the call
    has no stored recording or no link key is configured)."""
    from leadline.config import link_key_ref, public_base_url
    from leadline.secrets import SecretNotFound, resolve_secret

    if not call.recording_path:
        return None
    try:
        key = resolve_secret(link_key_ref())
    except SecretNotFound:
        log.warning("no recording link key (%s): engagements go without a recording link", link_key_ref())
        return None
    return recording_link(public_base_url(), key, call.tenant_id, call.call_id, now or datetime.now(UTC))


def engagement_for(tenant, crm_type: str, call: CallRecord) -> Engagement:
    """The call as `crm_type` logs it; the transcript goes in only when the tenant's crm_config says so for
    this CRM (`<crm>_include_transcript`), else the summary and the recording link."""
    crm_config = (tenant.config or {}).get("crm_config") or {}
    return engagement_from_call(call, signed_recording_link(call),
                                bool(crm_config.get(f"{crm_type}_include_transcript", False)))


def sync_engagement(engine: Engine, target: Target, client: CrmHook, engagement: Engagement, record_id: str
                    ) -> tuple[str, int]:
    """Log the call on `record_id` in one CRM (idempotent by call id) and keep the engagement id on the call.
    Raises CircuitOpen or CrmError; failures count towards the circuit breaker."""
    _require_closed_circuit(engine, engagement.tenant_id, target.crm_type)
    try:
        engagement_id, attempts = client.upsert_engagement(engagement, record_id)
    except CrmError as exc:
        _count_failure(engine, engagement.tenant_id, target.crm_type, exc)
        raise
    call_store.record_crm_engagement(engine, engagement.tenant_id, engagement.call_id, target.crm_type,
                                     engagement_id)
    return engagement_id, attempts


class NothingToSync(Exception):
    """The call has nothing to sync to this CRM: the tenant has none in that role, or the call is an existing
    customer's with no contact there to log it on."""


@dataclass(frozen=True)
class CallSynced:
    crm_type: str
    record_id: str
    engagement_id: str
    attempts: int


def _existing_contact(engine: Engine, target: Target, client: CrmHook, call: CallRecord) -> tuple[str, int]:
    """An existing customer's contact, looked up behind the breaker; a failed lookup is logged like a failed
    sync and counts towards the breaker."""
    _require_closed_circuit(engine, call.tenant_id, target.crm_type)
    try:
        record_id, attempts = client.find_contact(call.phone, call.customer_email)
    except CrmError as exc:
        crm_store.record_sync(engine, tenant_id=call.tenant_id, call_id=call.call_id, crm_type=target.crm_type,
                              role=target.role, status="failed", record_id=None, cross_ref_id=None,
                              attempts=exc.attempts, error=str(exc))
        _count_failure(engine, call.tenant_id, target.crm_type, exc)
        raise
    if record_id is None:
        raise NothingToSync(f"existing customer's call: no {target.crm_type} contact matches the caller's email "
                            "or phone, so nothing to log it on")
    return record_id, attempts


def sync_call(engine: Engine, tenant, role: str, call: CallRecord) -> CallSynced:
    """One call to the tenant's `role` CRM: its lead upserted (an existing customer's contact found instead),
    then the call logged on that record. Raises NothingToSync, LookupError (no active integration),
    CircuitOpen or CrmError."""
    chosen = target(engine, tenant, role)
    if chosen is None:
        raise NothingToSync(f"tenant has no {role} CRM")
    client = hook_for(chosen)
    if call.call_class == "existing_customer":
        record_id, attempts = _existing_contact(engine, chosen, client, call)
    else:
        cross_ref = call.crm_record_id(tenant.primary_crm) if role == "secondary" and tenant.primary_crm else None
        record_id, attempts = sync_lead(engine, chosen, client, lead_from_call(call), cross_ref,
                                        call.crm_record_id(chosen.crm_type))
    engagement_id, more = sync_engagement(engine, chosen, client, engagement_for(tenant, chosen.crm_type, call),
                                          record_id)
    return CallSynced(chosen.crm_type, record_id, engagement_id, attempts + more)


def _backfill_engagements(engine: Engine, tenant, crm_type: str, client: CrmHook, start: datetime,
                          end: datetime) -> tuple[int, int, int]:
    """Calls synced to this CRM (record id set) without their engagement yet: logged in batches.
    Returns (synced, failed, attempts)."""
    calls = crm_store.calls_without_engagement(engine, tenant.tenant_id, crm_type, start, end)
    if not calls:
        return 0, 0, 0
    items = [(engagement_for(tenant, crm_type, call), call.crm_record_id(crm_type)) for call in calls]
    result = client.bulk_upsert_engagements(items)
    call_store.record_crm_engagements(engine, tenant.tenant_id, crm_type, result.synced)
    return len(result.synced), len(result.failed), result.attempts


def backfill(engine: Engine, tenant, start: datetime, end: datetime) -> dict[str, int]:
    """Bulk path for backlogs: every scored call of the tenant created in [start, end) that is missing a
    CRM record goes out in batches, primary CRM first, then the secondary with the primary's ids; then every
    synced call without its call engagement in that CRM is logged, in batches too."""
    summary = {"leads": 0, "api_calls": 0, "synced": 0, "failed": 0, "engagements": 0}
    for role in ("primary", "secondary"):
        chosen = target(engine, tenant, role)
        if chosen is None:
            continue
        client = hook_for(chosen)
        calls = crm_store.scored_calls_without_record(engine, tenant.tenant_id, chosen.crm_type, start, end)
        _require_closed_circuit(engine, tenant.tenant_id, chosen.crm_type)
        if not calls:
            synced, failed, used = _backfill_engagements(engine, tenant, chosen.crm_type, client, start, end)
            summary["engagements"] += synced
            summary["failed"] += failed
            summary["api_calls"] += used
            continue
        leads = [lead_from_call(call) for call in calls]
        cross_refs = ({call.call_id: call.crm_record_id(tenant.primary_crm) for call in calls}
                      if role == "secondary" and tenant.primary_crm else {})
        result = client.bulk_upsert(leads, cross_refs)
        crm_store.record_sync_many(engine, tenant.tenant_id, chosen.crm_type, role, result.synced, result.failed,
                                   cross_refs)
        (crm_store.record_success if result.synced else crm_store.record_failure)(engine, tenant.tenant_id,
                                                                                  chosen.crm_type)
        summary["leads"] = max(summary["leads"], len(leads))
        summary["api_calls"] += result.attempts
        summary["synced"] += len(result.synced)
        summary["failed"] += len(result.failed)
        synced, failed, used = _backfill_engagements(engine, tenant, chosen.crm_type, client, start, end)
        summary["engagements"] += synced
        summary["failed"] += failed
        summary["api_calls"] += used
    return summary
