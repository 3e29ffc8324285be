"""Numbers as speech-to-text writes them: "4111 1111", "4-1-1-1", "four one one one", "double five", "oh". The
text is read as tokens with their offsets; digit words and digits separated only by spaces, dashes, commas or
fillers form one *digit run*, whose digits can be judged while its span still points at the original words."""

from __future__ import annotations

import re
from dataclasses import dataclass

TOKEN_PATTERN = re.compile(r"\d+(?:st|nd|rd|th)\b|\d+|[A-Za-z]+(?:'[A-Za-z]+)?|\S")
DIGIT_WORDS = {"zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6",
               "seven": "7", "eight": "8", "nine": "9"}
ZERO_WORDS = {"oh", "o"}
REPEAT_WORDS = {"double": 2, "triple": 3}
JOINERS = {"-", ",", ".", "uh", "um", "er", "erm", "hmm"}


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


def digit_value(toks: list[Token], i: int) -> str | None:
    """The digits token i stands for inside a digit run, or None."""
    word = toks[i].text
    if word.isdigit():
        return word
    if word in DIGIT_WORDS:
        return DIGIT_WORDS[word]
    if word in ZERO_WORDS and (digitish(toks, i - 1, -1) or digitish(toks, i + 1, 1)):
        return "0"
    if word in REPEAT_WORDS and i + 1 < len(toks):
        following = toks[i + 1].text
        digit = following if following.isdigit() and len(following) == 1 else DIGIT_WORDS.get(following)
        if digit is None and following in ZERO_WORDS:
            digit = "0"
        if digit is not None:
            return digit * (REPEAT_WORDS[word] - 1)
    return None


def digitish(toks: list[Token], j: int, step: int) -> bool:
    while 0 <= j < len(toks) and toks[j].text in ("-", ","):
        j += step
    if not 0 <= j < len(toks):
        return False
    word = toks[j].text
    return word.isdigit() or word in DIGIT_WORDS or word in REPEAT_WORDS


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
