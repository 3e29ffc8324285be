"""The caller's budget: amounts, ranges, "about"/"under"/"at least", "k", "grand", spelled numbers
(text2num turns "twelve thousand five hundred" into 12500). An amount counts only with a money marker
or a budget word near it, and never when it is a monthly bill, a year, a size or part of a phone number."""

from __future__ import annotations

import re
from dataclasses import dataclass

from text_to_num import alpha2digit

from leadline.domain.extraction.turns import Turn
from leadline.domain.extraction.vocabulary import DIGIT_WORDS, SCALE_WORDS

_SCALE = {**SCALE_WORDS, "k": 1_000, "grand": 1_000, "mil": 1_000_000}
_SAID_SCALE = "|".join(SCALE_WORDS)
_SMALL_NUMBER = "|".join(word for word, digit in DIGIT_WORDS.items() if digit != "0")
_AMOUNT = re.compile(
    r"(?P<dollar>\$\s?)?(?P<num>\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)\s?(?P<scale>k\b|grand\b|thousand\b|million\b|mil\b)?"
    r"(?P<unit>\s?(?:dollars|bucks|usd)\b)?", re.I)
_RANGE_JOIN = re.compile(r"^\s*(?:to|-|–|and|or)\s*(?:maybe\s+|like\s+)?$", re.I)
_BUDGET_CUE = re.compile(r"\b(budget(?:ed)?|spend|afford|stay|keep it|more than|go over|price range|pre-?approved|"
                         r"approved for|looking at|range|"
                         r"willing to pay|set aside|saved|cost us|invest|allocated|around|about|roughly|under|"
                         r"up to|no more than|at least|between|max|maximum|tops|ceiling|somewhere)\b", re.I)
_AT_MOST = re.compile(r"\b(under|less than|below|up to|no more than|not more than|max(?:imum)?|at most|"
                      r"not over|ceiling|cap|no higher than|keep it under|"
                      r"(?:can'?t|cannot|don'?t|do not|won'?t|not|if it'?s|if it is)\b[\w' ]{0,25}?\b"
                      r"(?:more than|over|above))"
                      r"\W*(?:of\s+|about\s+|around\s+|like\s+|a\s+)?$", re.I)
# "fifteen thousand or under", "sixteen thousand, and I don't want to go over that"
_AT_MOST_AFTER = re.compile(r"^\s*(?:dollars|bucks)?,?\s*(?:or (?:under|less|below|lower)|max(?:imum)?\b|tops\b|"
                            r"at (?:the )?most|,?\s*and (?:i|we)(?:'m| am| are)? (?:don't|do not|won't|will not|not|"
                            r"aren't|am not) (?:want to |going to |gonna )?go(?:ing)? over)", re.I)
# A period amount is a budget only when the caller says so ("under four thousand a year" for a premium).
_STRONG_CUE = re.compile(r"\b(budget(?:ed)?|under|no more than|max|between|afford|spend|stay|keep it|set aside|"
                         r"saved|pre-?approved|approved for|willing to pay)\b", re.I)
_PERIOD_AFTER = re.compile(r"^\s*(?:a|per|/|each|every)\s*(?:month|year|mo\b|yr)", re.I)
# "our bill last August was 412 dollars", "she paid like five grand", "my deductible's a thousand bucks"
_SPENT_BEFORE = re.compile(r"\b(bill|bills|premium|deductible|payment|mortgage|paid|pays|paying|offered|"
                           r"offering)\b(?:'s)?"
                           r"(?:\W+[\w']+){0,6}?\W*$", re.I)
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
    text = re.sub(r"(?<=[a-z])-(?=[a-z])", " ", text, flags=re.I)  # "forty-five hundred" is one number
    # "50 thousand": a recogniser's digits with a scale word; alpha2digit would read "thousand" alone as 1000
    text = re.sub(rf"\b(\d+(?:\.\d+)?)\s+({_SAID_SCALE})\b",
                  lambda m: str(int(float(m.group(1)) * _SCALE[m.group(2).lower()])), text, flags=re.I)
    # alpha2digit leaves a lone small number as a word: "two grand", "three and four grand"
    text = re.sub(rf"(?<!ty )(?<!ty-)\b({_SMALL_NUMBER})(?=(?: and \w+)? grand\b)",
                  lambda m: DIGIT_WORDS[m.group(1).lower()], text, flags=re.I)
    return alpha2digit(text.replace("-", " - "), "en")


def _from_turn(text: str) -> Budget | None:
    text = _normalised(text)
    amounts = _amounts(text)
    i = 0
    while i < len(amounts):
        amount = amounts[i]
        before, after = text[max(0, amount.start - 40):amount.start], text[amount.end:amount.end + 30]
        cue = _BUDGET_CUE.search(before) or _AT_MOST_AFTER.match(after)
        strong = _STRONG_CUE.search(before) is not None
        if (_VAGUE.search(before) or _not_budget_after(after, strong)
                or _NOT_BUDGET_BEFORE.search(before) or _SPENT_BEFORE.search(before)):
            i += 1
            continue
        nxt = amounts[i + 1] if i + 1 < len(amounts) else None
        is_range = nxt is not None and _RANGE_JOIN.match(text[amount.end:nxt.start]) is not None \
            and not _not_budget_after(text[nxt.end:nxt.end + 30], strong)
        if not (amount.money or cue or (is_range and nxt.money)):
            i += 1
            continue
        if is_range:
            low, high = amount.value, nxt.value
            if not amount.scaled and low < 1000 <= high:  # "15 to 20 grand", "8 and 12000", "14 to 1600"
                low *= 1000 if low * 1000 <= high else 100 if low < 100 and low * 100 <= high else 1
            if low < _MONEY_SIZE_MIN or high < low:
                i += 2
                continue
            return Budget(int(low), int(high), 0.9)
        value = amount.value
        year_like = not amount.money and 1900 <= value <= 2099 and not (_AT_MOST.search(before) or strong)
        if value < _MONEY_SIZE_MIN or year_like:  # "a 2019 Honda", but "can't do more than two thousand"
            i += 1
            continue
        if _AT_MOST.search(before) or _AT_MOST_AFTER.match(after):
            return Budget(None, int(value), 0.85)
        if _AT_LEAST.search(before):
            return Budget(int(value), None, 0.85)
        return Budget(int(value), int(value), 0.85 if strong else 0.7 if cue else 0.6)
    return None


def _not_budget_after(after: str, strong_cue: bool) -> bool:
    """What follows makes the amount no budget ("a month", "square feet"), unless it is a period the caller
    budgets ("under four thousand a year")."""
    return bool(_NOT_BUDGET_AFTER.match(after)) and not (strong_cue and _PERIOD_AFTER.match(after))


def extract_budget(turns: list[Turn], phone_digits: str | None = None) -> Budget | None:
    """The caller's most explicit budget ("I don't want to spend more than 600" over "about 118 thousand"
    miles said earlier); the first one said among equals."""
    best: Budget | None = None
    for turn in turns:
        text = turn.text
        if phone_digits:
            text = _without_phone(text, phone_digits)
        found = _from_turn(text)
        if found and (best is None or found.confidence > best.confidence):
            best = found
    return best


def _without_phone(text: str, phone_digits: str) -> str:
    """Blank out the digit groups of the stated phone number so they never read as money."""
    tail = phone_digits[-10:]
    for group in (tail[:3], tail[3:6], tail[6:], tail[3:], tail):
        text = re.sub(rf"(?<![\d$]){group}(?![\d,]|\s?(?:k|grand|thousand|dollars)\b)", " ", text)
    return text
