"""Lead scoring boundaries and the rule-based analyzer, without Airflow."""

from __future__ import annotations

import pytest

from leadline.domain.analysis import LeadAnalysis
from leadline.domain.rules import analyze_transcript
from leadline.domain.scoring import WEIGHTS, score_lead
from leadline.domain.spoken import digit_runs, parse_cardinal, words

HOT = LeadAnalysis(customer_name="Marcus Whitfield", customer_phone="+15550142678",
                   customer_email="marcus@outlook.com", project_type="roof replacement", timeline="immediate",
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
    ninety = LeadAnalysis(intent="high", timeline="immediate", budget_max=1, customer_phone="+15550142678",
                          customer_email="a@b.co", customer_name="A B")
    assert score_lead(ninety, 150, 0.9, 70).score == 93  # 30+25+20+7.5+10 = 92.5, rounded half up
    boundary = score_lead(ninety.model_copy(update={"customer_email": None}), 200, 0.9, 70)
    assert boundary.score == 92 and boundary.high_value  # 30+25+20+10+6.67 = 91.67
    no_contact = score_lead(ninety.model_copy(update={"customer_email": None, "customer_name": None,
                                                      "customer_phone": None}), 300, 0.9, 70)
    assert (no_contact.score, no_contact.high_value) == (90, False)


def test_spoken_numbers():
    assert digit_runs(words("five five five oh one four two six seven eight")) == ["5550142678"]
    assert digit_runs(words("double five triple two")) == ["55222"]
    assert parse_cardinal(words("one hundred and fifty thousand")) == (150000, 5)
    assert parse_cardinal(words("a hundred grand")) == (100000, 3)
    assert parse_cardinal(words("a concern")) == (None, 0)


def test_rules_extract_everything_from_speech_style_text():
    text = ("hi my name is marcus whitfield i am calling about a roof replacement my number is five five five "
            "zero one four two six seven eight and my email is marcus dot whitfield at outlook dot com we would "
            "like to start as soon as possible our budget is between forty and fifty thousand dollars")
    analysis = analyze_transcript(text)
    assert analysis.model_dump(exclude={"summary"}) == {
        "customer_name": "Marcus Whitfield", "customer_phone": "+15550142678",
        "customer_email": "marcus.whitfield@outlook.com", "project_type": "roof replacement",
        "timeline": "immediate", "budget_min": 40000, "budget_max": 50000, "intent": "high", "analyzer": "rules"}
    assert "5550142678" not in analysis.summary and "marcus" not in analysis.summary.lower()


def test_rules_on_punctuated_text():
    analysis = analyze_transcript("Hello, this is Jane Doe. Call me at (555) 201-3344 or Jane.Doe@Gmail.com. "
                                  "We need a kitchen remodel next month, budget about $25,000.")
    assert (analysis.customer_name, analysis.customer_phone, analysis.customer_email) == (
        "Jane Doe", "+15552013344", "jane.doe@gmail.com")
    assert (analysis.project_type, analysis.timeline, analysis.budget_min, analysis.intent) == (
        "kitchen remodel", "1-3_months", 25000, "high")


def test_rules_do_not_guess():
    analysis = analyze_transcript("yeah i was just wondering what your hours are on saturday thanks bye")
    assert analysis.customer_name is None and analysis.customer_phone is None and analysis.customer_email is None
    assert analysis.project_type is None and analysis.budget_max is None
    assert analysis.intent == "low"
    assert analyze_transcript("").intent == "none"


def test_analysis_model_rejects_bad_llm_output():
    from pydantic import ValidationError

    for bad in ({"customer_phone": "555-1234"}, {"customer_email": "not an email"}, {"intent": "maybe"},
                {"timeline": "someday"}, {"unexpected": 1}, {"budget_min": -5}):
        with pytest.raises(ValidationError):
            LeadAnalysis.model_validate(bad)
