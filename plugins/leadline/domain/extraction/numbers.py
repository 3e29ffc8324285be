"""Spoken numbers as digits, for phones, emails and budgets. text2num (alpha2digit) does the cardinals
("twelve thousand five hundred" -> 12500, "four fifteen" -> "4 15"); what it leaves alone is read by the digit
tokenizer (domain/spoken_digits.py): "oh" for zero inside a digit run, "double"/"triple", and digit words next to
digits."""

from __future__ import annotations

import re

from text_to_num import alpha2digit

from leadline.domain.extraction.vocabulary import DIGIT_WORDS, REPEAT_WORDS, ZERO_WORDS
from leadline.domain.spoken_digits import Token, digit_value, next_word, tokens

_ACROSS_A_PAUSE = (",", "-", ".")  # "five. Five five": a recogniser's full stop inside a number


def spoken_digits(text: str) -> str:
    """Lowercased text with digit runs as digits: "four one five, double five, oh one" -> "4 1 5, 5 5, 0 1"."""
    said = tokens(re.sub(r"(?<=[a-z])-(?=[a-z])", " ", text.lower()))  # "forty-five"
    converted = tokens(alpha2digit(_rejoin([_zero_or_repeat(said, i) for i in range(len(said))]), "en"))
    # alpha2digit leaves single isolated digit words; inside a run of digits they are digits too.
    return _rejoin([DIGIT_WORDS[t.text] if t.text in DIGIT_WORDS and _beside_a_digit(converted, i) else t.text
                    for i, t in enumerate(converted)])


def _zero_or_repeat(toks: list[Token], i: int) -> str:
    """ "oh" and "double five" as digits, the words alpha2digit does not know; every other word as said."""
    word = toks[i].text
    value = digit_value(toks, i) if word in ZERO_WORDS or word in REPEAT_WORDS else None
    return " ".join(value) if value else word


def _beside_a_digit(toks: list[Token], i: int) -> bool:
    return any(word is not None and (word.isdigit() or word in DIGIT_WORDS)
               for word in (next_word(toks, i, -1, _ACROSS_A_PAUSE), next_word(toks, i, 1, _ACROSS_A_PAUSE)))


def _rejoin(words: list[str]) -> str:
    return re.sub(r" ([,.?!;:])", r"\1", " ".join(words))

