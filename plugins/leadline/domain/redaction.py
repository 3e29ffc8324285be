"""PII redaction of call transcripts: card numbers, card security codes and expiry dates, US Social Security
numbers and dates of birth are replaced by labels before a transcript is stored, sent to an LLM or pushed to a CRM.

Speech-to-text writes numbers in many shapes ("4111 1111 1111 1111", "4111-1111-...", "four one one one ...",
"double five", "oh"), so the text is read as tokens with their offsets: digit words and digits separated only by
spaces, dashes, commas or fillers form one *digit run*. The numbers themselves are judged by presidio-analyzer's
pattern recognizers (CreditCardRecognizer: issuer prefixes and the Luhn check; UsSsnRecognizer: the SSA's
never-issued areas, groups and published sample numbers) on the run's digits; what is redacted is the run's span
in the original text, spoken words included. Context decides the rest: a card-length run that fails the Luhn
check (speech-to-text got a digit wrong) or has the CVV run on, a 9-digit SSN not written as 3-2-4, a CVV, an
expiry date or a date of birth need their cue words ("card", "social", "CVV", "expires", "date of birth", ...),
and a cue speaks for the first number after it only. A phone number (10/11 digits) is never a card (13-19
digits) and never an SSN; budgets and addresses have no cue and no Luhn-valid card length, so they stay.

Pure logic: no Airflow, no I/O. Not handled: compound spoken groups ("forty-one eleven ...").
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from dataclasses import dataclass, field

from leadline.domain.extraction.vocabulary import (
    CARDINAL_WORDS,
    FILLERS,
    MONTH_ABBREVIATIONS,
    MONTHS,
    ORDINAL_WORDS,
    ZERO_WORDS,
)
from leadline.domain.spoken_digits import DigitRun, Token, digit_runs, tokens, windows

LABELS = {"CREDIT_CARD": "[CREDIT_CARD]", "CVV": "[CVV]", "CARD_EXPIRY": "[CARD_EXPIRY]", "SSN": "[SSN]",
          "DATE_OF_BIRTH": "[DATE_OF_BIRTH]"}

_MONTHS = {*MONTHS, *MONTH_ABBREVIATIONS}
_NUMBER_WORDS = {*CARDINAL_WORDS, *ZERO_WORDS, *ORDINAL_WORDS}
_DATE_CONNECTORS = {"/", "-", ",", ".", "of", "and"}
_LEAD_IN = {"is", "it's", "its", "it", "was", ":", "my", "the", "on", "of", "'s", "date", "be", "would", "that's",
            "thats", "which", "in", *FILLERS}
# cue phrases (lowercased token sequences) and how far after them the value may start (in tokens)
_CARD_CUES = (("card",), ("visa",), ("mastercard",), ("amex",), ("american", "express"), ("discover",),
              ("credit",), ("debit",))
_SSN_CUES = (("social",), ("ssn",), ("security", "number"), ("ss", "number"))
_CVV_CUES = (("cvv",), ("cvc",), ("cvv2",), ("cid",), ("security", "code"), ("verification", "code"),
             ("code", "on", "the", "back"), ("digits", "on", "the", "back"))
_EXPIRY_CUES = (("expiration",), ("expiry",), ("expires",), ("expire",), ("expiring",), ("exp",),
                ("valid", "thru"), ("valid", "through"), ("good", "thru"), ("good", "through"))
_DOB_CUES = (("date", "of", "birth"), ("birth", "date"), ("birthdate",), ("birthday",), ("dob",), ("d", ".", "o",
             ".", "b"), ("born", "on"), ("born", "in"), ("born",))
_CUE_WINDOW = 12  # tokens between a card/SSN cue and the number
_VALUE_WINDOW = 8  # tokens between a CVV/expiry/DOB cue and its value


@dataclass(frozen=True)
class Finding:
    kind: str  # a key of LABELS
    start: int
    end: int


@dataclass(frozen=True)
class Redacted:
    text: str
    counts: dict[str, int] = field(default_factory=dict)  # kind -> how many were replaced

    @property
    def changed(self) -> bool:
        return bool(self.counts)


def _cue_before(toks: list[Token], index: int, cues, window: int) -> int | None:
    """The token index just after the nearest cue ending within `window` tokens before `index`, or None."""
    for end in range(index, max(index - window, 0) - 1, -1):
        for cue in cues:
            start = end - len(cue)
            if start >= 0 and tuple(t.text for t in toks[start:end]) == cue:
                return end
    return None


@functools.cache
def _card_recognizer():
    from presidio_analyzer.predefined_recognizers import CreditCardRecognizer

    return CreditCardRecognizer()


@functools.cache
def _ssn_recognizer():
    from presidio_analyzer.predefined_recognizers import UsSsnRecognizer

    return UsSsnRecognizer()


def is_card_number(digits: str) -> bool:
    """presidio's credit-card pattern (issuer prefixes, 13-19 digits) with its Luhn validation."""
    return bool(_card_recognizer().analyze(digits, ["CREDIT_CARD"], None))


def is_ssn(digits: str) -> bool:
    """presidio's US SSN pattern and invalidation (areas 000/666, zero groups, repeated digits, sample numbers),
    on the digits written as 3-2-4."""
    if len(digits) != 9:
        return False
    return bool(_ssn_recognizer().analyze(f"{digits[:3]}-{digits[3:5]}-{digits[5:]}", ["US_SSN"], None))


def find_pii(text: str) -> list[Finding]:
    """Every span of `text` to redact, in order, not overlapping."""
    toks = tokens(text)
    findings: list[Finding] = []
    runs = digit_runs(toks)
    claimed: set[int] = set()  # token indexes already part of a finding

    def add(kind: str, first_tok: int, last_tok: int) -> None:
        findings.append(Finding(kind, toks[first_tok].start, toks[last_tok].end))
        claimed.update(range(first_tok, last_tok + 1))

    for k, run in enumerate(runs):
        # a cue speaks for the first number after it only ("my social is ..., call me at ..." keeps the phone)
        previous_end = runs[k - 1].last if k else -1
        card_cue = (_cue_before(toks, run.first, _CARD_CUES, _CUE_WINDOW) or -1) > previous_end
        ssn_cue = (_cue_before(toks, run.first, _SSN_CUES, _CUE_WINDOW) or -1) > previous_end
        whole = run.digits
        if 13 <= len(whole) <= 19 and is_card_number(whole):
            add("CREDIT_CARD", run.first, run.last)
            continue
        if len(whole) == 9 and is_ssn(whole) and (ssn_cue or _written_3_2_4(run)):
            add("SSN", run.first, run.last)
            continue
        if card_cue and 13 <= len(whole) <= 23:  # a card, perhaps with its CVV run on
            # a card is being read out: a Luhn-valid card inside the run, or a card-length run that speech-to-text
            # got a digit wrong in ("4-1-1-1-...-1" with one 1 too many), is the card; the whole run goes
            add("CREDIT_CARD", run.first, run.last)
            continue
        if ssn_cue:
            for a, b, digits in windows(run, range(9, 10)):
                if is_ssn(digits) and not claimed & set(range(run.pieces[a][0], run.pieces[b][0] + 1)):
                    add("SSN", run.pieces[a][0], run.pieces[b][0])
                    break

    for kind, cues in (("CVV", _CVV_CUES), ("CARD_EXPIRY", _EXPIRY_CUES), ("DATE_OF_BIRTH", _DOB_CUES)):
        for cue_end in _cue_ends(toks, cues):
            span = (_cvv_after if kind == "CVV" else _date_after)(toks, runs, cue_end)
            if span and not claimed & set(range(span[0], span[1] + 1)):
                add(kind, *span)
    return _without_overlaps(findings)


def _written_3_2_4(run: DigitRun) -> bool:
    return [len(d) for _, d in run.pieces] == [3, 2, 4]


def _cue_ends(toks: list[Token], cues) -> list[int]:
    words = [t.text for t in toks]
    ends = []
    for i in range(len(words)):
        for cue in cues:
            if tuple(words[i:i + len(cue)]) == cue:
                ends.append(i + len(cue))
                break
    return ends


def _skip_lead_in(toks: list[Token], i: int) -> int:
    steps = 0
    while i < len(toks) and toks[i].text in _LEAD_IN and steps < _VALUE_WINDOW:
        i, steps = i + 1, steps + 1
    return i


def _cvv_after(toks: list[Token], runs: list[DigitRun], cue_end: int) -> tuple[int, int] | None:
    """The first 3-4 digit run starting within the window after a CVV cue (a longer run: its first 3-4 digits
    that are whole tokens)."""
    for run in runs:
        if cue_end <= run.first <= cue_end + _VALUE_WINDOW:
            if 3 <= len(run.digits) <= 4:
                return run.first, run.last
            digits = ""
            for index, piece in run.pieces:
                digits += piece
                if len(digits) in (3, 4):
                    return run.first, index
                if len(digits) > 4:
                    return None
            return None
    return None


def _is_date_token(word: str) -> bool:
    return word[:1].isdigit() or word in _NUMBER_WORDS or word in _MONTHS


def _date_after(toks: list[Token], digit_runs: list[DigitRun], cue_end: int) -> tuple[int, int] | None:
    """The stretch of date words (month names, digits, number and ordinal words, '/', '-', 'of', 'the') that
    starts right after a cue and its lead-in ("is", "it's", "on", ...)."""
    i = _skip_lead_in(toks, cue_end)
    if i >= len(toks) or not _is_date_token(toks[i].text):
        return None
    first = last = i
    j = i + 1
    while j < len(toks) and j - first < 12:
        word = toks[j].text
        if _is_date_token(word):
            last = j
        elif word not in _DATE_CONNECTORS:
            break
        elif word in (",", "and") and not (j + 1 < len(toks) and (toks[j + 1].text[:1].isdigit()
                                                                  or toks[j + 1].text in _MONTHS)):
            break  # "March 5th, 1985" goes on; "September 2027, the three digits ..." ends
        j += 1
    words = [t.text for t in toks[first:last + 1] if _is_date_token(t.text)]
    if len(words) < 2 and not any(w in _MONTHS or (w.isdigit() and len(w) >= 3) for w in words):
        return None  # "expires in two weeks": one bare number word is not a date
    return first, last


def _without_overlaps(findings: list[Finding]) -> list[Finding]:
    kept: list[Finding] = []
    for f in sorted(findings, key=lambda f: (f.start, -(f.end - f.start))):
        if kept and f.start < kept[-1].end:
            continue
        kept.append(f)
    return kept


def _apply(text: str, findings: list[Finding]) -> str:
    out, at = [], 0
    for f in findings:
        out.append(text[at:f.start])
        out.append(LABELS[f.kind])
        at = f.end
    out.append(text[at:])
    return "".join(out)


def redact(text: str | None) -> Redacted:
    """The text with every finding replaced by its label, and how many of each kind."""
    if not text:
        return Redacted(text or "", {})
    findings = find_pii(text)
    return Redacted(_apply(text, findings), dict(Counter(f.kind for f in findings)))


def redact_segments(texts: list[str]) -> tuple[list[str], dict[str, int]]:
    """Each segment's text redacted, with numbers read across segment boundaries (speech-to-text splits a card
    number between two segments): the label goes where the number starts, the rest of it is dropped."""
    joined, bounds, at = [], [], 0
    for text in texts:
        bounds.append((at, at + len(text)))
        joined.append(text)
        at += len(text) + 1
    findings = find_pii(" ".join(joined))
    result = []
    for text, (start, end) in zip(texts, bounds, strict=True):
        out, cursor = [], start
        for f in findings:
            if f.end <= start or f.start >= end:
                continue
            out.append(text[cursor - start:max(f.start, start) - start])
            if f.start >= start:
                out.append(LABELS[f.kind])
            cursor = min(f.end, end)
        out.append(text[cursor - start:])
        result.append(re.sub(r"  +", " ", "".join(out)).strip() if any(
            f.start < end and f.end > start for f in findings) else text)
    return result, dict(Counter(f.kind for f in findings))


def redact_payload(value):
    """A webhook payload with every free-text string (one with whitespace: a transcription, a note) redacted;
    identifiers, numbers and phone fields are left as they are."""
    if isinstance(value, dict):
        return {k: redact_payload(v) for k, v in value.items()}
    if isinstance(value, list):
        return [redact_payload(v) for v in value]
    if isinstance(value, str) and any(ch.isspace() for ch in value.strip()):
        return redact(value).text
    return value
