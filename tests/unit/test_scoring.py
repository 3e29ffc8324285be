"""Lead scoring: the runbook's weights and boundaries, call classes, the tenant's qualification."""

from __future__ import annotations

import pytest

from leadline.domain.analysis import LeadAnalysis
from leadline.domain.context import Qualification
from leadline.domain.scoring import WEIGHTS, score_lead

HOT = LeadAnalysis(customer_name="Marcus Whitfield", customer_phone="+15125550142",
                   customer_email="marcus@outlook.com", project_category="roof replacement", timeline="immediate",
                   budget_min=40000, budget_max=50000, intent="high")


def test_weights_are_the_runbooks():
    assert WEIGHTS == {"project_intent": .30, "timeline": .25, "budget": .20, "duration": .15, "engagement": .10}
    assert sum(WEIGHTS.values()) == pytest.approx(1.0)


def test_hot_lead_scores_by_hand():
    result = score_lead(HOT, duration_s=180, confidence=0.9, threshold=70)
    # .30*1 + .25*1 + .20*1 + .15*(180/300) + .10*1 = 0.94
    assert (result.score, result.qualified, result.high_value, result.needs_review) == (94, True, True, False)


@pytest.mark.parametrize(("duration", "status"), [(None, "skipped"), (0, "skipped"), (59, "skipped"),
                                                  (60, "scored"), (61, "scored")])
def test_calls_under_sixty_seconds_are_skipped(duration, status):
    result = score_lead(HOT, duration, 0.9, 70)
    assert result.status == status
    if status == "skipped":
        assert result.score is None and "60 s" in result.reason


@pytest.mark.parametrize(("confidence", "review"), [(0.69, True), (0.7, False), (None, True)])
def test_low_confidence_flags_review(confidence, review):
    assert score_lead(HOT, 300, confidence, 70).needs_review is review


def test_threshold_boundary_and_high_value_is_strictly_above_ninety():
    partial = HOT.model_copy(update={"customer_email": None, "customer_name": None})
    # 30 + 25*0.8 + 20 + 15 + 10/3 = 88.33 -> 88
    result = score_lead(partial.model_copy(update={"timeline": "within_month"}), 300, 0.9, 88)
    assert (result.score, result.qualified, result.high_value) == (88, True, False)
    assert score_lead(partial.model_copy(update={"timeline": "within_month"}), 300, 0.9, 89).qualified is False
    ninety = LeadAnalysis(intent="high", timeline="immediate", budget_max=1, customer_phone="+15125550142",
                          customer_email="a@b.co", customer_name="A B")
    assert score_lead(ninety, 150, 0.9, 70).score == 93  # 30+25+20+7.5+10 = 92.5, rounded half up
    boundary = score_lead(ninety.model_copy(update={"customer_email": None}), 200, 0.9, 70)
    assert boundary.score == 92 and boundary.high_value  # 30+25+20+10+6.67 = 91.67
    no_contact = score_lead(ninety.model_copy(update={"customer_email": None, "customer_name": None,
                                                      "customer_phone": None}), 300, 0.9, 70)
    assert (no_contact.score, no_contact.high_value) == (90, False)


@pytest.mark.parametrize("call_class", ["spam_or_robocall", "wrong_number", "vendor_or_solicitation", "incomplete"])
def test_non_leads_never_score(call_class):
    analysis = HOT.model_copy(update={"call_class": call_class, "class_reason": "why"})
    result = score_lead(analysis, 300, 0.9, 70)
    assert (result.status, result.score, result.qualified, result.high_value) == ("skipped", None, False, False)
    assert result.reason == f"not a lead ({call_class}): why"


def test_existing_customer_is_not_scored_as_a_new_lead():
    result = score_lead(HOT.model_copy(update={"call_class": "existing_customer"}), 300, 0.9, 70)
    assert (result.status, result.score, result.high_value) == ("existing_customer", None, False)


def test_tenant_qualification_blocks_a_high_score():
    small_budget = HOT.model_copy(update={"budget_min": 3000, "budget_max": 3000})
    result = score_lead(small_budget, 300, 0.9, 70, Qualification(min_budget=5000))
    assert result.score == 100 and not result.qualified and not result.high_value
    assert result.disqualified_by == ("budget $3,000 is below the minimum $5,000",)
    outside = HOT.model_copy(update={"in_service_area": False})
    assert score_lead(outside, 300, 0.9, 70, Qualification(require_service_area=True)).disqualified_by == (
        "caller is outside the service area",)
    unknown_area = HOT.model_copy(update={"in_service_area": None})  # not said: never held against the lead
    assert score_lead(unknown_area, 300, 0.9, 70, Qualification(require_service_area=True)).qualified


def test_analysis_model_rejects_bad_llm_output_and_reads_stored_v1():
    from pydantic import ValidationError

    for bad in ({"customer_phone": "555-1234"}, {"customer_email": "not an email"}, {"intent": "maybe"},
                {"timeline": "someday"}, {"unexpected": 1}, {"budget_min": -5}, {"call_class": "maybe_lead"},
                {"confidence": {"customer_name": 1.5}}):
        with pytest.raises(ValidationError):
            LeadAnalysis.model_validate(bad)
    stored = LeadAnalysis.model_validate({"project_type": "roof repair", "timeline": "immediate", "intent": "high"})
    assert (stored.project_category, stored.call_class) == ("roof repair", "new_lead")
