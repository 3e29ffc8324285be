"""PII redaction of transcripts, on written and spoken forms: what is replaced by which label, and what stays
(phone numbers, budgets, addresses, ordinary dates)."""

from __future__ import annotations

import pytest

from leadline.domain.redaction import redact, redact_segments

CARD = "4111 1111 1111 1111"
SSN = "523-71-4896"


@pytest.mark.parametrize(("text", "expected"), [
    (f"My card number is {CARD}.", "My card number is [CREDIT_CARD]."),
    ("Sure, it's 4111-1111-1111-1111.", "Sure, it's [CREDIT_CARD]."),
    ("It's 4111111111111111 thanks", "It's [CREDIT_CARD] thanks"),
    ("four one one one, one one one one, one one one one, one one one one.", "[CREDIT_CARD]."),
    ("Four triple one, one one one one, uh, one one one one, one one one one", "[CREDIT_CARD]"),
    ("amex 3782 822463 10005 thanks", "amex [CREDIT_CARD] thanks"),
    ("the mastercard is five five five five five five five five five five five five four four four four",
     "the mastercard is [CREDIT_CARD]"),
    # a card number run into its CVV: with a card cue the whole run goes
    ("card number 4111 1111 1111 1111 123", "card number [CREDIT_CARD]"),
    # what Whisper tiny.en wrote for a spoken "four one one one, one one one one, ...": three 1s too many
    ("the card number for the deposit? Sure, it's 4-1-1-1-1-1-1-1-1-1-1-1-1-1-1-1-1-1-1. Thanks",
     "the card number for the deposit? Sure, it's [CREDIT_CARD]. Thanks"),
])
def test_card_numbers_written_and_spoken(text, expected):
    assert redact(text).text == expected


@pytest.mark.parametrize(("text", "expected"), [
    (f"My social is {SSN}.", "My social is [SSN]."),
    (f"It is {SSN}, I think.", "It is [SSN], I think."),  # written 3-2-4 needs no cue
    ("social security number five two three, seven one, four eight nine six",
     "social security number [SSN]"),
    ("my SSN is 523714896", "my SSN is [SSN]"),
])
def test_social_security_numbers(text, expected):
    assert redact(text).text == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("expiration oh nine twenty seven, and the CVV is 123.", "expiration [CARD_EXPIRY], and the CVV is [CVV]."),
    ("exp 09/27 security code 4 5 6", "exp [CARD_EXPIRY] security code [CVV]"),
    ("it expires September 2027, the three digits on the back are seven eight nine",
     "it expires [CARD_EXPIRY], the three digits on the back are [CVV]"),
    ("my date of birth is March 5th, 1985.", "my date of birth is [DATE_OF_BIRTH]."),
    ("I was born on 03/05/1985 in Ohio.", "I was born on [DATE_OF_BIRTH] in Ohio."),
    ("my birthday is the fifth of march nineteen eighty five, ok", "my birthday is the [DATE_OF_BIRTH], ok"),
    ("DOB: 7-14-79", "DOB: [DATE_OF_BIRTH]"),
    # every filler of the shared vocabulary, not only "uh" and "um", sits between a cue and its value
    ("my date of birth is hmm March 5th 1985.", "my date of birth is hmm [DATE_OF_BIRTH]."),
    ("the card expires ah oh nine twenty-seven", "the card expires ah [CARD_EXPIRY]"),
])
def test_card_codes_expiry_and_dates_of_birth(text, expected):
    assert redact(text).text == expected


@pytest.mark.parametrize("text", [
    "Call me at 415-555-0188 or 4155550188, or +1 415 555 0188.",
    "four one five, five five five, oh one eight eight",
    "Our budget is about $8,000, maybe 12,500. The address is 1234 Main Street, unit 5, zip 94110-1234.",
    "We'd like it done by March 5th, and the quote expires in two weeks.",
    "I was born and raised in Oakland; the house was built in 1985.",
    "4111 1111 1111 1112 is not a valid card",  # fails the Luhn check
    "reference 123-45-6789",  # presidio invalidates the published sample SSN
    "My name is Marcus Whitfield, D-O-E, email marcus at gmail dot com",
    "the card is on file, call me at 415-555-0188",
])
def test_phones_budgets_addresses_and_dates_stay(text):
    assert redact(text).text == text and not redact(text).changed


def test_a_card_read_with_double_and_a_filler_is_one_number():
    text = "card number four one one one, ah, double-one one one, one one one one, one one one one"
    assert redact(text).text == "card number [CREDIT_CARD]"


def test_a_cue_speaks_for_the_first_number_after_it_only():
    text = "My social is 5-2-3-7-1-4-8-9-6. You can call me at 4-1-5-5-5-5-0-1-8-8."
    assert redact(text).text == "My social is [SSN]. You can call me at 4-1-5-5-5-5-0-1-8-8."
    text = "my card is 4111 1111 1111 1111 and my other numbers are 415 555 0188 415 555 0100"
    assert redact(text).text == "my card is [CREDIT_CARD] and my other numbers are 415 555 0188 415 555 0100"


def test_counts_by_kind():
    result = redact(f"card {CARD} exp 09/27 cvv 123, social {SSN}, born on 1/2/1980")
    assert result.counts == {"CREDIT_CARD": 1, "CARD_EXPIRY": 1, "CVV": 1, "SSN": 1, "DATE_OF_BIRTH": 1}
    assert "4111" not in result.text and "4896" not in result.text and "1980" not in result.text


def test_segments_are_redacted_across_their_boundaries():
    texts, counts = redact_segments(["My card is 4111 1111", "1111 1111, thanks.", "Sure, call me at 415-555-0188."])
    assert texts == ["My card is [CREDIT_CARD]", ", thanks.", "Sure, call me at 415-555-0188."]
    assert counts == {"CREDIT_CARD": 1}
    assert redact_segments(["nothing here", ""]) == (["nothing here", ""], {})


def test_redaction_is_idempotent():
    once = redact(f"card {CARD}, social {SSN}, date of birth March 5th 1985").text
    assert redact(once).text == once
