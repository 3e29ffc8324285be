"""Spoken numbers are read by one tokenizer over one word table (domain/spoken_digits.py, extraction/
vocabulary.py): the redaction's digit runs and the extraction rules' digits agree on every form a caller says."""

from __future__ import annotations

import pytest

from leadline.domain.extraction.numbers import spoken_digits
from leadline.domain.spoken_digits import digit_runs, tokens


@pytest.mark.parametrize(("text", "digits"), [
    ("four one five, five five five, zero one eight eight", "4155550188"),
    ("six oh two, double five five, one nine three four", "6025551934"),
    ("5-1-O, triple 5, 0 1 7 7", "5105550177"),
    ("four one five, um, double-five five, oh one eight eight", "4155550188"),
    ("four one five, double, five five, oh one eight eight", "4155550188"),
])
def test_redaction_and_extraction_read_the_same_digits(text, digits):
    assert "".join(run.digits for run in digit_runs(tokens(text))) == digits
    assert "".join(ch for ch in spoken_digits(text) if ch.isdigit()) == digits


def test_an_ordinal_is_a_day_not_digits_of_a_number():
    assert spoken_digits("before the 4th, five five five") == "before the 4th, 5 5 5"
    assert [run.digits for run in digit_runs(tokens("on the 21st, 4111"))] == ["4111"]

