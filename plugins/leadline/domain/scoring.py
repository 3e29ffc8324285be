"""Lead scoring with the runbooks' weights and thresholds (troubleshooting guide, deployment guide)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from leadline.domain.analysis import LeadAnalysis
from leadline.domain.context import Qualification

WEIGHTS = {
    "project_intent": 0.30,
    "timeline": 0.25,
    "budget": 0.20,
    "duration": 0.15,
    "engagement": 0.10,
}
MIN_CALL_DURATION_S = 60
MIN_CONFIDENCE = 0.7
MIN_CLASS_CONFIDENCE = 0.5  # below it the analyzer was unsure what kind of call this was: a person looks
HIGH_VALUE_SCORE = 90  # business alert: lead_score > 90
FULL_CREDIT_DURATION_S = 300

INTENT_FACTOR = {"high": 1.0, "medium": 0.6, "low": 0.2, "none": 0.0}
TIMELINE_FACTOR = {"immediate": 1.0, "within_month": 0.8, "1-3_months": 0.5, "exploring": 0.2, None: 0.0}


@dataclass(frozen=True)
class LeadScore:
    status: str  # "scored", "skipped" (too short, or not a lead) or "existing_customer" (an activity, not a lead)
    score: int | None
    qualified: bool
    needs_review: bool
    high_value: bool
    factors: dict[str, float]
    reason: str = ""
    disqualified_by: tuple[str, ...] = ()


def factors(analysis: LeadAnalysis, duration_s: int) -> dict[str, float]:
    contact_fields = (analysis.customer_name, analysis.customer_phone, analysis.customer_email)
    return {
        "project_intent": INTENT_FACTOR[analysis.intent],
        "timeline": TIMELINE_FACTOR[analysis.timeline],
        "budget": 1.0 if analysis.budget_max else 0.0,
        "duration": min(1.0, duration_s / FULL_CREDIT_DURATION_S),
        "engagement": sum(1 for f in contact_fields if f) / len(contact_fields),
    }


def disqualifications(analysis: LeadAnalysis, qualification: Qualification | None) -> tuple[str, ...]:
    """The tenant's own bar for a qualified lead, beyond the score (deployment guide: ai_config)."""
    if qualification is None:
        return ()
    reasons = []
    stated = analysis.budget_max if analysis.budget_max is not None else analysis.budget_min
    if qualification.min_budget and stated is not None and stated < qualification.min_budget:
        reasons.append(f"budget ${stated:,} is below the minimum ${qualification.min_budget:,}")
    if qualification.require_service_area and analysis.in_service_area is False:
        reasons.append("caller is outside the service area")
    return tuple(reasons)


def score_lead(analysis: LeadAnalysis, duration_s: int | None, confidence: float | None, threshold: int,
               qualification: Qualification | None = None) -> LeadScore:
    if not analysis.is_lead:
        return LeadScore("skipped", None, False, False, False, {},
                         reason=f"not a lead ({analysis.call_class}): {analysis.class_reason}".rstrip(": "))
    if duration_s is None or duration_s < MIN_CALL_DURATION_S:
        return LeadScore("skipped", None, False, False, False, {},
                         reason=f"call shorter than {MIN_CALL_DURATION_S} s")
    needs_review = (confidence is None or confidence < MIN_CONFIDENCE
                    or 0 < analysis.confidence.call_class < MIN_CLASS_CONFIDENCE)
    if analysis.call_class == "existing_customer":
        return LeadScore("existing_customer", None, False, needs_review, False, {},
                         reason=f"existing customer: {analysis.class_reason}".rstrip(": "))
    parts = factors(analysis, duration_s)
    # Half-up, not Python's banker's rounding: 92.5 is a 93.
    score = math.floor(100 * sum(WEIGHTS[name] * value for name, value in parts.items()) + 0.5 + 1e-9)
    blocked = disqualifications(analysis, qualification)
    return LeadScore(
        status="scored",
        score=score,
        qualified=score >= threshold and not blocked,
        needs_review=needs_review,
        high_value=score > HIGH_VALUE_SCORE and not blocked,
        factors=parts,
        disqualified_by=blocked,
    )
