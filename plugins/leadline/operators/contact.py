"""How sure the analysis is of the caller's contact details, and what of it may reach a CRM as fact."""

from __future__ import annotations

from typing import Any

from leadline.domain.analysis import LeadAnalysis
from leadline.domain.call import CallRecord
from leadline.domain.contact_evidence import DEFAULT_THRESHOLD, assess_contact, gate
from leadline.domain.context import BusinessContext
from leadline.domain.extraction import turns as conversation
from leadline.domain.normalize import e164


def contact_threshold(config: dict[str, Any]) -> float:
    """The tenant's `ai_config.contact_confidence_threshold` (0..1), default 0.8."""
    value = (config.get("ai_config") or {}).get("contact_confidence_threshold", DEFAULT_THRESHOLD)
    return float(value) if isinstance(value, int | float) and 0 <= value <= 1 else DEFAULT_THRESHOLD


def transcript_segments(call: CallRecord, context: BusinessContext) -> list[dict]:
    """The recogniser's segments; a written transcript's utterances (no recogniser confidence) otherwise."""
    if call.transcript_segments:
        return call.transcript_segments
    return [{"speaker": turn.speaker, "text": turn.text}
            for turn in conversation.from_text(call.transcript or "", context.business_name)]


def weigh_contact(analysis: LeadAnalysis, call: CallRecord, config: dict[str, Any],
                  context: BusinessContext) -> dict[str, Any]:
    """{"threshold", "evidence": [...], "needs_review": [field, ...], "sure": {field: value}, "phone_from_caller_id"}:
    stored with the analysis; `sure` is what the call's contact columns (and so the CRMs) receive."""
    caller_id = e164(call.caller_phone)
    threshold = contact_threshold(config)
    evidence = assess_contact(analysis.customer_name, analysis.customer_phone, analysis.customer_email,
                              transcript_segments(call, context), caller_id)
    gated = gate(evidence, threshold, caller_id)
    return {"threshold": threshold, "evidence": [e.as_dict() for e in evidence],
            "needs_review": [e.field for e in gated.review],
            "sure": {"customer_name": gated.name, "customer_phone": gated.phone, "customer_email": gated.email},
            "phone_from_caller_id": gated.phone_from_caller_id}
