"""Recording consent: the caller's state from the webhook or the area code, the tenant's policy, the reason."""

from __future__ import annotations

import pytest

from leadline.domain.consent import ConsentPolicy, ConsentPolicyError, decide, state_code, state_from_phone

POLICY = ConsentPolicy.from_tenant_config({"recording_consent": {}})


@pytest.mark.parametrize(("phone", "state"), [("+14155550188", "CA"), ("+15125550142", "TX"),
                                              ("(312) 555-0100", "IL"), ("+16175550100", "MA"),
                                              ("+18005550100", None), ("+442071838750", None), (None, None)])
def test_state_from_the_area_code(phone, state):
    assert state_from_phone(phone) == state


def test_state_names_and_codes():
    assert [state_code(v) for v in ("ca", "California", "San Francisco, CA", "new york", "Atlantis", None)] == [
        "CA", "CA", "CA", "NY", None, None]


def test_no_policy_allows_every_call():
    assert decide(None, {}, "+14155550188").allowed


def test_two_party_state_without_disclosure_is_refused_with_the_reason():
    decision = decide(POLICY, {}, "+14155550188")
    assert not decision.allowed and (decision.caller_state, decision.state_source) == ("CA", "area_code")
    assert decision.reason == ("no recording consent: caller in CA (two-party consent state, from the area code); "
                               "no recording disclosure on record")
    assert "415" not in decision.reason
    refused = decide(POLICY, {"recording_disclosure_played": False}, "+14155550188")
    assert not refused.allowed and refused.reason.endswith("recording disclosure not played")


@pytest.mark.parametrize("value", [True, "true", "yes", 1])
def test_disclosure_played_allows_a_two_party_call(value):
    decision = decide(POLICY, {"recording_disclosure_played": value}, "+14155550188")
    assert decision.allowed and decision.reason.endswith("recording disclosure played")


def test_one_party_state_needs_no_disclosure_and_the_webhook_state_wins():
    assert decide(POLICY, {}, "+15125550142").allowed  # Texas
    decision = decide(POLICY, {"customer_state": "FL"}, "+15125550142")
    assert not decision.allowed and (decision.caller_state, decision.state_source) == ("FL", "webhook")


def test_unknown_state_and_policy_modes():
    assert not decide(POLICY, {}, "+18005550100").allowed  # toll-free: state unknown, the safe side
    lenient = ConsentPolicy.from_tenant_config({"recording_consent": {"unknown_state": "one_party"}})
    assert decide(lenient, {}, "+18005550100").allowed
    always = ConsentPolicy.from_tenant_config({"recording_consent": {"require_disclosure": "always"}})
    assert not decide(always, {}, "+15125550142").allowed
    assert decide(always, {"disclosure_played": "yes"}, "+15125550142").allowed
    custom = ConsentPolicy.from_tenant_config({"recording_consent": {"two_party_states": ["Texas"],
                                                                     "disclosure_fields": ["rec_notice"]}})
    assert not decide(custom, {}, "+15125550142").allowed and decide(custom, {}, "+14155550188").allowed
    assert decide(custom, {"rec_notice": True}, "+15125550142").allowed


@pytest.mark.parametrize("section", [[], {"two_party_states": ["Atlantis"]}, {"require_disclosure": "sometimes"}])
def test_bad_policy_is_refused(section):
    with pytest.raises(ConsentPolicyError):
        ConsentPolicy.from_tenant_config({"recording_consent": section})
