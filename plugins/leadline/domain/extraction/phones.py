"""The callback number the caller states, in any form: digit words, "double five", "oh", grouped digits,
dashes and brackets, with or without +1/1, split across the agent's questions, corrected mid-way.
domain/normalize.py's e164 (phonenumbers) reads the digits as a number; the caller ID from the webhook is the
fallback, not the answer."""

from __future__ import annotations

import re
from dataclasses import dataclass

from leadline.domain.extraction.numbers import spoken_digits
from leadline.domain.extraction.turns import AGENT, Turn
from leadline.domain.extraction.vocabulary import FILLERS
from leadline.domain.normalize import e164
from leadline.domain.spoken_digits import tokens

# Words that may sit between the groups of one number ("area code 303, then 555, 01 77").
_GLUE = {"and", "then", "area", "code", "is", "it's", "its", "that's", "so", "ok", "okay", "yeah", "yes", "the",
         "rest", "last", "dash", "hyphen", "like", "plus", "number", "prefix", *FILLERS}
_SEPARATORS = {",", "-", ".", "(", ")", "/", "+", ":"}
_CORRECTION = {"sorry", "actually", "mean", "correction", "wait", "no", "make", "rather", "oops", "last"}
_TURN_BREAK = "|turn|"
_OBJECTION = re.compile(r"^\W*(?:no\b|nope|not quite|actually|that's not|sorry,? (?:no|it's))|\d", re.I)
_MAX_GLUE = 4
_OTHER_PERSON = {"wife", "husband", "partner", "son", "daughter", "mom", "mother", "dad", "father", "brother",
                 "sister", "spouse", "boss", "neighbor", "neighbour", "assistant", "roommate", "landlord", "tenant"}


@dataclass(frozen=True)
class PhoneMatch:
    e164: str
    corrected: bool


def _stream(turns: list[Turn]) -> list[str]:
    out: list[str] = []
    for turn in turns:
        out.extend(t.text for t in tokens(spoken_digits(turn.text)))
        out.append(_TURN_BREAK)
    return out


def _chains(stream: list[str]) -> list[tuple[list[str], list[str]]]:
    """Runs of digit groups joined only by separators, glue words and turn breaks; each with the words
    that came just before it (to see "not 0171" or "sorry, 0177")."""
    chains: list[tuple[list[str], list[str]]] = []
    groups: list[str] = []
    before: list[str] = []
    glue = 0
    for i, token in enumerate(stream):
        if token.isdigit():
            if not groups:
                before = [t for t in stream[max(0, i - 5):i] if t != _TURN_BREAK]
            groups.append(token)
            glue = 0
        elif token == _TURN_BREAK and not _could_begin_number("".join(groups)):
            chains.append((groups, before))  # "policy 4471 0928" | "The 2016 Civic": no phone's start
            groups, glue = [], 0
        elif groups and (token in _SEPARATORS or token == _TURN_BREAK or token in _GLUE) and glue < _MAX_GLUE:
            glue += token not in _SEPARATORS
        elif groups:
            chains.append((groups, before))
            groups, glue = [], 0
    if groups:
        chains.append((groups, before))
    return chains


def _could_begin_number(digits: str) -> bool:
    """Whether these digits, said before a turn break, can be a number whose rest comes next (an area code and
    an exchange never start with 0 or 1; short runs can be anything yet)."""
    if len(digits) < 7 or _number_in([digits]):
        return True
    starts = (digits, digits[1:]) if digits[0] == "1" else (digits,)
    return any(_north_american_shape(d) and len(d) < 10 for d in starts)


def _north_american_shape(digits: str) -> bool:
    """An area code and an exchange never start with 0 or 1."""
    return digits[0] not in "01" and digits[3] not in "01"


def _valid(digits: str) -> str | None:
    """Ten digits, or eleven with the country code 1, as a North American number in E.164."""
    national = digits[1:] if len(digits) == 11 and digits.startswith("1") else digits
    if len(national) != 10 or not _north_american_shape(national):
        return None
    return e164("+1" + national)


def _number_in(groups: list[str]) -> str | None:
    """The last whole number in a chain (a repeated or corrected number comes last)."""
    for start in range(len(groups) - 1, -1, -1):
        digits = ""
        for group in groups[start:]:
            digits += group
            if len(digits) >= 10:
                break
        found = _valid(digits)
        if found:
            return found
    return None


def _dropped_oh(groups: list[str]) -> str | None:
    """ "512-555-192" for "five one two, five five five, oh one nine two": a recogniser writing a number in
    groups drops a spoken "oh" at the start of the line number more than any other digit."""
    if len(groups) < 3 or [len(g) for g in groups[-3:]] != [3, 3, 3]:
        return None
    return _valid(groups[-3] + groups[-2] + "0" + groups[-1])


def extract_phone(turns: list[Turn]) -> PhoneMatch | None:
    """The number the caller states (agent turns are not the caller's). A whole number the agent reads back
    right after the caller's, and that the caller then lets stand, is what was agreed: a recogniser that drops
    a spoken "oh" from the caller's digits usually hears the agent's careful read-back right."""
    said = [t for t in turns if t.speaker != AGENT]
    found = _stated(said)
    if found is None:
        return _read_back_of_partial_digits(turns)
    last = max((i for i, t in enumerate(turns) if t.speaker != AGENT and _stated([t])), default=None)
    reply = turns[last + 1] if last is not None and last + 1 < len(turns) else None
    if reply is None or reply.speaker != AGENT:
        return found
    echoed = _stated([reply])
    following = turns[last + 2].text if last + 2 < len(turns) else ""
    if echoed is None or echoed.e164 == found.e164 or _OBJECTION.search(following):
        return found
    return PhoneMatch(echoed.e164, corrected=True)


def _read_back_of_partial_digits(turns: list[Turn]) -> PhoneMatch | None:
    """The caller's digits did not make a whole number (misheard, or said in pieces): the agent's read-back
    right after them, if it is one and the caller does not object."""
    for i, turn in enumerate(turns[1:], start=1):
        before = turns[i - 1]
        if turn.speaker == AGENT and before.speaker != AGENT and re.search(r"\d", spoken_digits(before.text)):
            echoed = _stated([turn])
            following = turns[i + 1].text if i + 1 < len(turns) else ""
            if echoed and not _OBJECTION.search(following):
                return PhoneMatch(echoed.e164, corrected=True)
    return None


def _stated(turns: list[Turn]) -> PhoneMatch | None:
    found: PhoneMatch | None = None
    for groups, before in _chains(_stream(turns)):
        if before and before[-1] == "not":
            continue  # "0177, not 0171": the rejected digits
        if found and _OTHER_PERSON & set(before):
            continue  # "... or my wife, Aoife, at 650 555 0184": a second number, someone else's
        number = _number_in(groups)
        guessed = None if number else _dropped_oh(groups)
        if number or guessed:
            found = PhoneMatch(number or guessed, corrected=not number)
            continue
        tail = "".join(groups)
        if found and len(tail) >= 3 and _CORRECTION & set(before):
            tail = tail if len(tail) in (3, 4, 7) else tail[-4:]  # "no, three one. Zero one three one."
            found = PhoneMatch(found.e164[: len(found.e164) - len(tail)] + tail, corrected=True)
    return found
