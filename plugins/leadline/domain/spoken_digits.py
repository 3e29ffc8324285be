"""Numbers as speech-to-text writes them: "4111 1111", "4-1-1-1", "four one one one", "double five", "oh". The
one tokenizer of spoken numbers, for the redaction and the extraction rules alike: the text is read as tokens with
their offsets; digit words and digits separated only by spaces, dashes, commas or fillers form one *digit run*,
whose digits can be judged while its span still points at the original words. The words come from
extraction/vocabulary.py."""

from __future__ import annotations

import re
from dataclasses import dataclass

from leadline.domain.extraction.vocabulary import DIGIT_WORDS, FILLERS, REPEAT_WORDS, ZERO_WORDS

# "21st" is one token: an ordinal is a date's day, never two digits of a number.
TOKEN_PATTERN = re.compile(r"\d+(?:st|nd|rd|th)\b|\d+|[A-Za-z]+(?:'[A-Za-z]+)?|\S")
JOINERS = {"-", ",", ".", *FILLERS}
_BETWEEN_DIGITS = ("-", ",")  # "5-1-O", "double, five": still one number


@dataclass(frozen=True)
class Token:
    text: str  # lowercased
    start: int
    end: int


@dataclass
class DigitRun:
    """Consecutive digit tokens: the digits, and for each token index in the run its digits."""

    first: int  # token index of the first digit token
    last: int
    pieces: list[tuple[int, str]]  # (token index, digits it stands for)

    @property
    def digits(self) -> str:
        return "".join(d for _, d in self.pieces)


def tokens(text: str) -> list[Token]:
    return [Token(m.group().lower(), m.start(), m.end()) for m in TOKEN_PATTERN.finditer(text)]


def next_word(toks: list[Token], index: int, step: int, over: tuple[str, ...] = _BETWEEN_DIGITS) -> str | None:
    """The word `step` away from token `index` (-1: before, 1: after), passing over the tokens in `over`."""
    j = index + step
    while 0 <= j < len(toks) and toks[j].text in over:
        j += step
    return toks[j].text if 0 <= j < len(toks) else None


def _digitish(word: str | None) -> bool:
    return word is not None and (word.isdigit() or word in DIGIT_WORDS or word in REPEAT_WORDS)


def _single_digit(word: str | None) -> str | None:
    if word is None:
        return None
    if word.isdigit() and len(word) == 1:
        return word
    return "0" if word in ZERO_WORDS else DIGIT_WORDS.get(word)


def digit_value(toks: list[Token], i: int) -> str | None:
    """The digits token i stands for inside a digit run, or None."""
    word = toks[i].text
    if word.isdigit():
        return word
    if word in DIGIT_WORDS:
        return DIGIT_WORDS[word]
    if word in ZERO_WORDS and (_digitish(next_word(toks, i, -1)) or _digitish(next_word(toks, i, 1))):
        return "0"
    if word in REPEAT_WORDS:
        digit = _single_digit(next_word(toks, i, 1))
        if digit is not None:
            return digit * (REPEAT_WORDS[word] - 1)  # the digit word itself follows and counts once
    return None


def digit_runs(toks: list[Token]) -> list[DigitRun]:
    runs: list[DigitRun] = []
    current: DigitRun | None = None
    for i in range(len(toks)):
        value = digit_value(toks, i)
        if value is not None:
            if current is None:
                current = DigitRun(i, i, [])
            current.pieces.append((i, value))
            current.last = i
        elif current is not None and toks[i].text in JOINERS:
            continue
        elif current is not None:
            runs.append(current)
            current = None
    if current is not None:
        runs.append(current)
    return runs


def windows(run: DigitRun, lengths: range):
    """(first piece, last piece, digits) for every stretch of whole tokens of the run with a length in `lengths`,
    longest first, earliest first."""
    found = []
    for a in range(len(run.pieces)):
        digits = ""
        for b in range(a, len(run.pieces)):
            digits += run.pieces[b][1]
            if len(digits) > lengths.stop:
                break
            if len(digits) in lengths:
                found.append((a, b, digits))
    return sorted(found, key=lambda w: (-len(w[2]), w[0]))
