"""Rule-based call analyzer: the embedded default and the fallback when the LLM fails.

Speaker-aware: the caller's details are what the caller says (segments from stereo channels or
diarization when present, conversational structure otherwise). Works on written transcripts and on
speech-recogniser output alike ("415-555-0100", "four one five...", "jane doe at gmail dot com").
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from leadline.domain.analysis import NON_LEAD_CLASSES, FieldConfidence, LeadAnalysis
from leadline.domain.context import BusinessContext
from leadline.domain.extraction import turns as conversation
from leadline.domain.extraction.area import locate
from leadline.domain.extraction.budget import extract_budget
from leadline.domain.extraction.classify import CallClassMatch, classify
from leadline.domain.extraction.emails import extract_email
from leadline.domain.extraction.names import extract_name
from leadline.domain.extraction.phones import extract_phone
from leadline.domain.extraction.project import extract_project
from leadline.domain.extraction.timeline import extract_timeline

NON_ENGLISH_CONFIDENCE = 0.3  # the rules know English only: anything they find in another language is a guess


def analyze_transcript(text: str, segments: list[dict] | None = None, context: BusinessContext | None = None,
                       call_date: date | None = None, language: str | None = None) -> LeadAnalysis:
    context = context or BusinessContext.from_tenant_config(None)
    call_date = call_date or datetime.now(UTC).date()
    if segments and any(segment.get("speaker") for segment in segments):
        turns = conversation.from_segments(segments)
    else:
        turns = conversation.from_text(text or "", context.business_name)
    said = conversation.caller_turns(turns)
    name, phone, email = extract_name(turns), extract_phone(turns), extract_email(turns)
    project = extract_project(said, context)
    timeline = extract_timeline(turns, call_date)
    budget = extract_budget(said, phone.e164 if phone else None)
    place = locate(said, context.service_area)
    kind = classify(turns, has_need=project is not None, has_contact=bool(phone or email))
    if kind.call_class == "spam_or_robocall":  # a recording or a bot: no person to call back ("I'm Ava, an AI")
        name = phone = email = None
    foreign = bool(language) and not language.lower().startswith("en")
    if foreign and kind.call_class == "incomplete" and turns:  # unread, not empty: a person decides
        kind = CallClassMatch("new_lead", f"call in '{language}', which the rules cannot read: a person should "
                              "review it", 0.3)
    lead = kind.call_class not in NON_LEAD_CLASSES
    if not lead:  # a robocall's "press one" or a vendor's price list is not a project, timeline or budget
        project = timeline = budget = None
    confidence = FieldConfidence(
        customer_name=name.confidence if name else 0.0,
        customer_phone=(0.8 if phone.corrected else 0.9) if phone else 0.0,
        customer_email=0.85 if email else 0.0,
        project=project.confidence if project else 0.0,
        timeline=timeline.confidence if timeline else 0.0,
        budget=budget.confidence if budget else 0.0,
        call_class=kind.confidence,
    )
    if foreign:
        confidence = FieldConfidence(**{k: round(v * NON_ENGLISH_CONFIDENCE, 2)
                                        for k, v in confidence.model_dump().items()})
    intent = _intent(kind.call_class, project is not None, timeline.bucket if timeline else None,
                     budget is not None, bool(turns))
    return LeadAnalysis(
        call_class=kind.call_class, class_reason=kind.reason, intent=intent,
        customer_name=name.name if name else None, customer_phone=phone.e164 if phone else None,
        customer_email=email,
        project_phrase=project.phrase if project else None, project_category=project.category if project else None,
        timeline_phrase=timeline.phrase if timeline else None, timeline=timeline.bucket if timeline else None,
        budget_min=budget.low if budget else None, budget_max=budget.high if budget else None,
        caller_location=place.place if place else None, in_service_area=place.inside if place else None,
        summary=_summary(kind.call_class, kind.reason, project, timeline, budget, language),
        confidence=confidence, analyzer="rules",
    )


def _intent(call_class: str, has_project: bool, bucket: str | None, has_budget: bool, spoke: bool) -> str:
    if not spoke:
        return "none"
    if call_class != "new_lead":
        return "low" if call_class in NON_LEAD_CLASSES or not has_project else "medium"
    if has_project and (bucket in ("immediate", "within_month") or has_budget):
        return "high"
    return "medium" if has_project else "low"


def _summary(call_class, reason, project, timeline, budget, language) -> str:
    """For the sales rep; never the caller's name, phone or email."""
    foreign = f"; call in '{language}': low-confidence analysis, needs review" if (
        language and not language.lower().startswith("en")) else ""
    if call_class in NON_LEAD_CLASSES:
        return f"Not a lead: {reason}{foreign}."
    parts = [("Existing customer" if call_class == "existing_customer" else "Caller") +
             (f" asked about {project.category} ({project.phrase})" if project else " named no specific service")]
    if timeline:
        parts.append(f"timeline {timeline.phrase} ({timeline.bucket.replace('_', ' ')})")
    if budget:
        low, high = budget.low, budget.high
        parts.append("budget " + (f"${low:,}" if low == high else
                                  f"up to ${high:,}" if low is None else f"at least ${low:,}" if high is None
                                  else f"${low:,}-${high:,}"))
    return "; ".join(parts) + foreign + "."
