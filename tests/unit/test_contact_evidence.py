"""Confidence for each contact value, and the gate between what reaches a CRM as fact and what a person confirms."""

from __future__ import annotations

import pytest

from leadline.domain.contact_evidence import (
    DEFAULT_THRESHOLD,
    assess_contact,
    email_evidence,
    gate,
    name_evidence,
    phone_evidence,
)


def seg(speaker, text, confidence=0.9, start=0.0, end=1.0):
    return {"speaker": speaker, "text": text, "confidence": confidence, "start": start, "end": end}


def test_a_phone_read_back_by_the_agent_is_sure_and_carries_where_it_was_said():
    segments = [seg("agent", "Best number?"), seg("caller", "It's 415-555-0188.", 0.7, 12.0, 14.5),
                seg("agent", "415-555-0188, got it.")]
    found = phone_evidence("+14155550188", segments, None)
    assert found.confidence >= 0.95 and "read back by the agent" in found.checks
    assert (found.speaker, found.start, found.end, found.words) == ("caller", 12.0, 14.5, "It's 415-555-0188.")


def test_a_phone_said_once_at_low_recogniser_confidence_is_unsure_and_an_invalid_one_never_sure():
    pieces = [seg("caller", "four one five, five five five", 0.6), seg("caller", "oh one eight eight", 0.6)]
    assert phone_evidence("+14155550188", pieces, None).confidence < DEFAULT_THRESHOLD
    said = [seg("caller", "four one five five five five oh one eight eight", 0.6)]
    whole = phone_evidence("+14155550188", said, None)  # ten digits that parse are no confirmation
    assert whole.confidence < DEFAULT_THRESHOLD and whole.checks == ("valid number",)
    twice = phone_evidence("+14155550188", [*said, seg("caller", "again, 415 555 0188", 0.6)], None)
    assert twice.confidence >= 0.95 and "said twice" in twice.checks
    assert phone_evidence("+14155550188", [seg("caller", "415 555 0188", 0.6)], "+14155550188").confidence >= 0.95
    invalid = phone_evidence("+11235550188", [seg("caller", "123 555 0188", 0.99)], None)  # area code 123
    assert invalid.confidence < DEFAULT_THRESHOLD and invalid.checks == ("not a valid number",)


def test_an_email_needs_its_local_part_spelled_or_read_back():
    heard = [seg("caller", "It's tran dot k eighty seven at gmail dot com.", 0.85)]
    unsure = email_evidence("tran.k87@gmail.com", heard)
    assert unsure.confidence < DEFAULT_THRESHOLD and unsure.checks == ("known mail provider",)
    echo = seg("agent", "Tran dot k, eight seven, at gmail dot com?")
    read_back = email_evidence("tran.k87@gmail.com", [*heard, echo])
    assert read_back.confidence >= 0.95 and "read back by the agent" in read_back.checks
    spelled = email_evidence("priya.r@gmail.com", [seg("caller", "It's P-R-I-Y-A dot R at gmail dot com.", 0.7)])
    assert spelled.confidence >= 0.95 and "local part spelled" in spelled.checks
    piece = email_evidence("kasia_w@outlook.com", [seg("caller", "kasia, K-A-S, underscore w at outlook", 0.7)])
    assert piece.confidence < DEFAULT_THRESHOLD  # "kas" is spelled, "kasia" is not


def test_an_unknown_domain_heard_once_is_never_sure_even_at_full_confidence():
    found = email_evidence("dana@brightlane.co", [seg("caller", "dana at brightlane dot co", 1.0)])
    assert found.confidence <= 0.6


def test_a_name_spelled_or_read_back_is_sure_a_mumbled_one_is_not():
    half = name_evidence("Khoa Tran", [seg("caller", "Khoa Tran. Tran is T-R-A-N.", 0.6)])
    assert half.confidence < DEFAULT_THRESHOLD and half.checks == ("spelled", "not every word confirmed")
    said = [seg("caller", "Khoa Tran. Tran is T-R-A-N.", 0.6), seg("agent", "Thanks, Khoa.")]
    spelled = name_evidence("Khoa Tran", said)
    assert spelled.confidence >= 0.95 and spelled.checks == ("spelled", "read back by the agent")
    read_back = name_evidence("Dana Hill", [seg("caller", "Dana Hill.", 0.6), seg("agent", "Thanks, Dana Hill.")])
    assert read_back.checks == ("read back by the agent",) and read_back.confidence >= 0.95
    assert name_evidence("Fatima Hadid", [seg("caller", "Fatima Hadid.", 0.62)]).confidence < DEFAULT_THRESHOLD


def test_written_transcripts_start_from_full_confidence():
    found = name_evidence("Maria Lopez", [{"speaker": "caller", "text": "This is Maria Lopez."}])
    assert found.confidence >= DEFAULT_THRESHOLD and found.start is None


@pytest.mark.parametrize("threshold", [0.5, 0.8, 0.99])
def test_the_gate_writes_only_sure_values_and_falls_back_to_the_caller_id(threshold):
    segments = [seg("caller", "Hi, I'm Fatima Hadid, it's 415 555 0188, email fatima at gmail dot com", 0.7)]
    evidence = assess_contact("Fatima Hadid", "+14155550188", "fatima@gmail.com", segments, "+15105550100")
    gated = gate(evidence, threshold, "+15105550100")
    sure = {e.field for e in evidence if e.confidence >= threshold}
    assert gated.name == ("Fatima Hadid" if "customer_name" in sure else None)
    assert gated.email == ("fatima@gmail.com" if "customer_email" in sure else None)
    assert gated.phone == ("+14155550188" if "customer_phone" in sure else "+15105550100")
    assert gated.phone_from_caller_id == ("customer_phone" not in sure)
    assert {e.field for e in gated.review} == {"customer_name", "customer_phone", "customer_email"} - sure
    assert gated.needs_review == bool(gated.review)


def test_nothing_found_nothing_to_review():
    gated = gate(assess_contact(None, None, None, [], None), DEFAULT_THRESHOLD, None)
    assert (gated.name, gated.phone, gated.email, gated.review) == (None, None, None, ())


def test_a_reviewers_correction_is_normalised_or_refused_with_the_reason():
    from leadline.domain.contact_evidence import corrected_value

    assert corrected_value("customer_phone", "(415) 555-0188") == "+14155550188"
    assert corrected_value("customer_email", " Jane.Doe@Gmail.com ") == "Jane.Doe@gmail.com"
    assert corrected_value("customer_name", "Siobhan O'Malley") == "Siobhan O'Malley"
    for field, bad, reason in (("customer_phone", "555", "phone"), ("customer_email", "jane at gmail", "email"),
                               ("customer_name", "<script>", "letters"), ("customer_name", "", "needs a value"),
                               ("lead_score", "90", "not a contact field")):
        with pytest.raises(ValueError, match=reason):
            corrected_value(field, bad)
