"""The caller's budget: amounts, ranges, "about"/"under"/"at least", "k", "grand", spelled numbers
(text2num turns "twelve thousand five hundred" into 12500). An amount counts only with a money marker
or a budget word near it, and never when it is a monthly bill, a year, a size or part of a phone number."""

from __future__ import annotations

import re
from dataclasses import dataclass

from text_to_num import alpha2digit

from leadline.domain.extraction.turns import Turn

_SCALE = {"k": 1_000, "grand": 1_000, "thousand": 1_000, "million": 1_000_000, "mil": 1_000_000}
_AMOUNT = re.compile(
    r"(?P<dollar>\$\s?)?(?P<num>\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)\s?(?P<scale>k\b|grand\b|thousand\b|million\b|mil\b)?"
    r"(?P<unit>\s?(?:dollars|bucks|usd)\b)?", re.I)
_RANGE_JOIN = re.compile(r"^\s*(?:to|-|–|and|or)\s*(?:maybe\s+|like\s+)?$", re.I)
_BUDGET_CUE = re.compile(r"\b(budget|spend|afford|price range|pre-?approved|approved for|looking at|range|"
                         r"willing to pay|set aside|saved|cost us|invest|allocated|around|about|roughly|under|"
                         r"up to|no more than|at least|between|max|maximum|tops|ceiling|somewhere)\b", re.I)
_AT_MOST = re.compile(r"\b(under|less than|below|up to|no more than|not more than|max(?:imum)?|at most|"
                      r"not over|ceiling|cap|no higher than|keep it under)\W*(?:of\s+|about\s+|around\s+)?$", re.I)
_AT_LEAST = re.compile(r"\b(at least|over|more than|minimum|starting at|upwards of|north of)\W*$", re.I)
_VAGUE = re.compile(r"\b(couple|few|several|some)\s*$", re.I)
_NOT_BUDGET_AFTER = re.compile(
    r"^\s*(?:a|per|/|each|every)?\s*(month|mo\b|year|yr|week|hour|day|night|visit|square|sq|sf|feet|foot|ft|"
    r"miles|mile|years? old|percent|%|kids|people|units|bedroom|bathroom|bed|bath|kw|kilowatt|am\b|pm\b|"
    r"o'clock|minutes|deductible|down\b|in (?:equity|savings))", re.I)
_NOT_BUDGET_BEFORE = re.compile(r"\b(premium|bill|bills|payment|deductible|paying|pay|rent|mortgage|invoice|"
                                r"quoted|quote(?:d)? (?:me|us)|charged|estimate(?:d)? (?:at|of)|electric|"
                                r"policy|claim|account|number|zip|code|unit|suite|apartment|built in|model|year)"
                                r"\W*(?:is|was|of|at|about|around|like|for|runs?|been)?\W*(?:about|around|like)?\W*$",
                                re.I)
_MONEY_SIZE_MIN = 100


@dataclass(frozen=True)
class Budget:
    low: int | None
    high: int | None
    confidence: float


@dataclass
class _Amount:
    value: float
    start: int
    end: int
    money: bool
    scaled: bool


def _amounts(text: str) -> list[_Amount]:
    found = []
    for m in _AMOUNT.finditer(text):
        value = float(m.group("num").replace(",", ""))
        scale = (m.group("scale") or "").lower()
        if scale:
            value *= _SCALE[scale]
        money = bool(m.group("dollar") or scale or m.group("unit"))
        found.append(_Amount(value, m.start(), m.end(), money, bool(scale)))
    return found


def _normalised(text: str) -> str:
    text = re.sub(r"(?<=\d)\s?k\b", "k", text)
    # "50 thousand": a recogniser's digits with a scale word; alpha2digit would read "thousand" alone as 1000
    text = re.sub(r"\b(\d+(?:\.\d+)?)\s+(thousand|million)\b",
                  lambda m: str(int(float(m.group(1)) * _SCALE[m.group(2).lower()])), text, flags=re.I)
    return alpha2digit(text.replace("-", " - "), "en")


def _from_turn(text: str) -> Budget | None:
    text = _normalised(text)
    amounts = _amounts(text)
    i = 0
    while i < len(amounts):
        amount = amounts[i]
        before, after = text[max(0, amount.start - 40):amount.start], text[amount.end:amount.end + 30]
        cue = _BUDGET_CUE.search(before)
        if _VAGUE.search(before) or _NOT_BUDGET_AFTER.match(after) or _NOT_BUDGET_BEFORE.search(before):
            i += 1
            continue
        nxt = amounts[i + 1] if i + 1 < len(amounts) else None
        is_range = nxt is not None and _RANGE_JOIN.match(text[amount.end:nxt.start]) is not None \
            and not _NOT_BUDGET_AFTER.match(text[nxt.end:nxt.end + 30])
        if not (amount.money or cue or (is_range and nxt.money)):
            i += 1
            continue
        if is_range:
            low, high = amount.value, nxt.value
            if not amount.scaled and low < 1000 <= high:  # "15 to 20 grand", "8 and 12000"
                low *= 1000 if low * 1000 <= high else 1
            if low < _MONEY_SIZE_MIN or high < low:
                i += 2
                continue
            return Budget(int(low), int(high), 0.9)
        value = amount.value
        if value < _MONEY_SIZE_MIN or (not amount.money and 1900 <= value <= 2099):
            i += 1
            continue
        if _AT_MOST.search(before):
            return Budget(None, int(value), 0.85)
        if _AT_LEAST.search(before):
            return Budget(int(value), None, 0.85)
        return Budget(int(value), int(value), 0.85 if cue else 0.7)
    return None


def extract_budget(turns: list[Turn], phone_digits: str | None = None) -> Budget | None:
    for turn in turns:
        text = turn.text
        if phone_digits:
            text = _without_phone(text, phone_digits)
        found = _from_turn(text)
        if found:
            return found
    return None


def _without_phone(text: str, phone_digits: str) -> str:
    """Blank out the digit groups of the stated phone number so they never read as money."""
    tail = phone_digits[-10:]
    for group in (tail[:3], tail[3:6], tail[6:], tail[3:], tail):
        text = re.sub(rf"(?<![\d$]){group}(?![\d,]|\s?(?:k|grand|thousand|dollars)\b)", " ", text)
    return text
