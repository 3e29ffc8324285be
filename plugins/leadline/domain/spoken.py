"""Spoken-number normalisation for speech transcripts ("five five five" -> "555", "forty thousand" -> 40000).

Hand-written rather than a library: the small word-to-number packages on PyPI are unmaintained and
none handles digit-by-digit phone numbers ("oh", "double five") together with cardinals.
"""

from __future__ import annotations

import re

DIGITS = {"zero": "0", "oh": "0", "o": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5",
          "six": "6", "seven": "7", "eight": "8", "nine": "9"}
MULTIPLIERS = {"double": 2, "triple": 3}
UNITS = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
         "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
         "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "a": 1}
TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
        "ninety": 90}
SCALES = {"hundred": 100, "thousand": 1_000, "k": 1_000, "grand": 1_000, "million": 1_000_000}

_WORD = re.compile(r"[a-z']+|\d[\d,]*\d|\d")


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def digit_runs(tokens: list[str]) -> list[str]:
    """Every maximal run of digits spoken one by one (or written as digit groups), joined."""
    runs, current, i = [], "", 0
    while i < len(tokens):
        token = tokens[i]
        if token in MULTIPLIERS and i + 1 < len(tokens) and tokens[i + 1] in DIGITS:
            current += DIGITS[tokens[i + 1]] * MULTIPLIERS[token]
            i += 2
            continue
        if token in DIGITS and token not in ("o", "oh") or (token in ("o", "oh") and current):
            current += DIGITS[token]
        elif token.isdigit():
            current += token
        elif current:
            runs.append(current)
            current = ""
        i += 1
    if current:
        runs.append(current)
    return runs


def parse_cardinal(tokens: list[str]) -> tuple[int | None, int]:
    """Parse a cardinal number at the start of `tokens`; return (value, tokens consumed)."""
    total, current, used, seen = 0, 0, 0, False
    for i, word in enumerate(tokens):
        following = tokens[i + 1] if i + 1 < len(tokens) else ""
        if word.replace(",", "").isdigit():
            current += int(word.replace(",", ""))
        elif word == "a":
            if seen or following not in SCALES:
                break
            current += 1
        elif word in UNITS:
            current += UNITS[word]
        elif word in TENS:
            current += TENS[word]
        elif word in SCALES and seen:
            if SCALES[word] == 100:
                current *= 100
            else:
                total += max(current, 1) * SCALES[word]
                current = 0
        elif word == "and" and seen and tokens[i - 1] in SCALES and (following in UNITS or following in TENS):
            used += 1
            continue
        else:
            break
        seen = True
        used += 1
    return (total + current, used) if seen else (None, 0)
