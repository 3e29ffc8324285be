"""A call as the store holds it (call_records): the record every per-call step reads."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from leadline.domain.crm import CRM_CALL_FIELDS


@dataclass(frozen=True)
class CrmLink:
    """A call's ids in a CRM without runbook columns (call_crm_links): its lead/contact, and the call logged there."""

    record_id: str | None
    engagement_id: str | None


@dataclass(frozen=True)
class CallRecord:
    tenant_id: str
    call_id: str
    resource_id: str | None
    caller_phone: str | None
    duration_s: int | None
    answered: bool | None
    started_at: datetime | None
    recording_url: str | None
    recording_path: str | None
    transcript: str | None
    transcript_confidence: float | None
    ai_analysis: dict[str, Any] | None
    lead_score: int | None
    lead_status: str | None
    customer_name: str | None
    customer_phone: str | None
    customer_email: str | None
    hubspot_contact_id: str | None
    salesforce_lead_id: str | None
    raw_payload: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    purged_at: datetime | None
    transcript_embedding: list[float] | None
    transcript_segments: list[dict[str, Any]] | None
    transcript_language: str | None
    call_class: str | None
    call_class_reason: str | None
    hubspot_call_id: str | None
    salesforce_task_id: str | None
    review_status: str | None
    crm_links: Mapping[str, CrmLink] = field(default_factory=dict)  # crm_type -> ids, for CRMs without columns

    @property
    def lead(self) -> dict[str, Any]:
        """The analysis's lead (LeadAnalysis as JSON); empty before the call is analysed."""
        return (self.ai_analysis or {}).get("lead") or {}

    @property
    def phone(self) -> str | None:
        """The number to reach the caller on: the one they gave, else the caller ID."""
        return self.customer_phone or self.caller_phone

    def crm_record_id(self, crm_type: str) -> str | None:
        """The id of this call's lead/contact in `crm_type`, once synced."""
        fields = CRM_CALL_FIELDS.get(crm_type)
        if fields is not None:
            return getattr(self, fields.record)
        link = self.crm_links.get(crm_type)
        return link.record_id if link else None

    def crm_engagement_id(self, crm_type: str) -> str | None:
        """The id of this call as logged in `crm_type` (a HubSpot call, a Salesforce Task), once logged."""
        fields = CRM_CALL_FIELDS.get(crm_type)
        if fields is not None:
            return getattr(self, fields.engagement)
        link = self.crm_links.get(crm_type)
        return link.engagement_id if link else None
