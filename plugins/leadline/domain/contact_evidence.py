"""Where each contact value came from and how sure Leadline is of it: wrong is worse than missing.

A name, phone or email found by an analyzer is located in the transcript (the segment, its speaker and time
span, the words), then given a confidence from the recogniser's own probability for those words and from
checks that a listener would make:

- phone: a valid number (else never sure); the caller ID (sure); the agent read it back; said twice;
- email: a known mail provider's domain or a spelled one; every word of the local part spelled, or the whole
  address read back by the agent;
- name: every word of it spelled letter by letter or read back by the agent.

A written transcript (no recogniser probability) starts from 1.0: the checks alone decide. Spoken email local
parts and names that nobody spelled or read back are where recognisers go wrong, so they start below the line.

`gate` splits the values into what may be written to a CRM as fact and what a person must confirm; the caller
ID fills the phone when no spoken number is sure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers

from leadline.domain.extraction.emails import PROVIDER_TLDS, extract_email
from leadline.domain.extraction.numbers import spoken_digits
from leadline.domain.extraction.spelling import spelled_words
from leadline.domain.extraction.turns import AGENT, CALLER, Turn

CONTACT_FIELDS = ("customer_name", "customer_phone", "customer_email")
DEFAULT_THRESHOLD = 0.8
KNOWN_EMAIL_DOMAINS = frozenset(f"{label}.{tld}" for label, tld in PROVIDER_TLDS.items())
CONFIRMED = 0.95  # spelled, read back, or the caller ID: what a careful human would also accept
UNCONFIRMED_PENALTY = 0.8  # a spoken value nobody confirmed: the recogniser's probability, discounted
INVALID_PHONE = 0.2


@dataclass(frozen=True)
class FieldEvidence:
    field: str
    value: str
    confidence: float
    checks: tuple[str, ...]
    speaker: str | None = None
    start: float | None = None
    end: float | None = None
    words: str = ""  # what was heard there: PII, stored with the call, never logged

    def as_dict(self) -> dict:
        return {"field": self.field, "value": self.value, "confidence": round(self.confidence, 3),
                "checks": list(self.checks), "speaker": self.speaker,
                "start": None if self.start is None else round(self.start, 2),
                "end": None if self.end is None else round(self.end, 2), "words": self.words}


@dataclass(frozen=True)
class GatedContact:
    name: str | None
    phone: str | None
    email: str | None
    phone_from_caller_id: bool
    review: tuple[FieldEvidence, ...]  # uncertain values: shown as "heard: … (please confirm)", never as fact

    @property
    def needs_review(self) -> bool:
        return bool(self.review)


def _digits(text: str) -> str:
    return re.sub(r"\D", "", spoken_digits(text))


def _letters(text: str) -> str:
    return re.sub(r"[^a-z]", "", text.lower())


def _recogniser_confidence(found: list[dict]) -> float:
    """The best hearing of the value: a name said twice is as sure as its clearer saying."""
    scores = [s["confidence"] for s in found if s.get("confidence") is not None]
    return max(scores) if scores else 1.0


def _evidence(field: str, value: str, found: list[dict], confidence: float, checks: list[str]) -> FieldEvidence:
    first = found[0] if found else {}
    return FieldEvidence(field, value, round(max(0.0, min(confidence, 1.0)), 3), tuple(checks), first.get("speaker"),
                         first.get("start"), found[-1].get("end") if found else None,
                         " … ".join(s.get("text", "") for s in found)[:300])


def phone_evidence(e164: str, segments: list[dict], caller_id: str | None) -> FieldEvidence:
    national = e164[-10:]
    heard = [(s, _digits(s.get("text", ""))) for s in segments]  # each segment's digits, read once
    said = [(s, d) for s, d in heard if s.get("speaker") != AGENT and national[-4:] in d]
    found = [s for s, _ in said]
    checks = []
    try:
        valid = phonenumbers.is_valid_number(phonenumbers.parse(e164, "US"))
    except phonenumbers.NumberParseException:
        valid = False
    asr = _recogniser_confidence(found)
    if not valid:
        return _evidence("customer_phone", e164, found, INVALID_PHONE, ["not a valid number"])
    checks.append("valid number")
    if caller_id and caller_id == e164:
        checks.append("matches caller ID")
    if any(national[-7:] in d for s, d in heard if s.get("speaker") == AGENT):
        checks.append("read back by the agent")
    if sum(national[-7:] in d for _, d in said) >= 2:
        checks.append("said twice")
    confirmed = len(checks) > 1
    # Ten digits that parse as a real number are not a confirmation: on held-out phone audio the recogniser
    # bent a digit of a whole, valid number in about one call in seven. Only a second hearing or the caller ID
    # makes a spoken number sure.
    confidence = max(asr, CONFIRMED) if confirmed else asr * UNCONFIRMED_PENALTY
    return _evidence("customer_phone", e164, found, confidence, checks)


def _spelled(found: list[dict]) -> set[str]:
    """The words spelled letter by letter in these segments, lowercased."""
    return {w.lower() for s in found for w in spelled_words(s.get("text", ""))}


def email_evidence(address: str, segments: list[dict]) -> FieldEvidence:
    local, _, domain = address.partition("@")
    key = _letters(local)[:4] or local[:2]
    said = [s for s in segments if s.get("speaker") != AGENT and key and key in _letters(s.get("text", ""))]
    asr = _recogniser_confidence(said)
    checks = []
    spelled = _spelled(said)
    if domain in KNOWN_EMAIL_DOMAINS:
        checks.append("known mail provider")
    elif _letters(domain.split(".")[0]) in spelled:
        checks.append("domain spelled")
    local_checks = []
    runs = [r for r in re.split(r"[^a-z]+", local.lower()) if len(r) > 1]  # a lone letter is already spelled
    if runs and set(runs) <= spelled:
        local_checks.append("local part spelled")  # every word of it, not a piece
    if any(extract_email([Turn(CALLER, s.get("text", ""))]) == address for s in segments if s.get("speaker") == AGENT):
        local_checks.append("read back by the agent")
    checks += local_checks
    confidence = max(asr, CONFIRMED) if local_checks else asr * UNCONFIRMED_PENALTY
    if not (set(checks) & {"known mail provider", "domain spelled", "read back by the agent"}):
        confidence = min(confidence, 0.6)  # an unknown domain heard once: "bright lane dot co"?
    return _evidence("customer_email", address, said, confidence, checks)


def name_evidence(name: str, segments: list[dict]) -> FieldEvidence:
    """Sure when every word of the name was spelled or read back by the agent: a first name said back ("Thanks,
    Fatima") confirms the first name, not a surname the recogniser may have bent."""
    tokens = [t for t in re.findall(r"[A-Za-z][A-Za-z'’-]*", name) if len(t) > 1]
    pattern = re.compile(r"\b(?:" + "|".join(map(re.escape, tokens)) + r")\b", re.I) if tokens else None
    said = [s for s in segments if s.get("speaker") != AGENT and pattern and pattern.search(s.get("text", ""))]
    asr = _recogniser_confidence(said)
    spelled = _spelled([s for s in segments if s.get("speaker") != AGENT])
    agent = " ".join(s.get("text", "") for s in segments if s.get("speaker") == AGENT)
    by_spelling = {t for t in tokens if _letters(t) in spelled}
    by_read_back = {t for t in tokens if re.search(rf"\b{re.escape(t)}\b", agent, re.I)}
    checks = (["spelled"] if by_spelling else []) + (["read back by the agent"] if by_read_back else [])
    every_word = bool(tokens) and by_spelling | by_read_back == set(tokens)
    if checks and not every_word:
        checks.append("not every word confirmed")
    confidence = max(asr, CONFIRMED) if every_word else asr * UNCONFIRMED_PENALTY
    return _evidence("customer_name", name, said, confidence, checks)


def assess_contact(name: str | None, phone: str | None, email: str | None, segments: list[dict],
                   caller_id: str | None) -> list[FieldEvidence]:
    """Evidence for each value found. `segments`: the transcript's segments (speaker, start, end, text and the
    recogniser's confidence); a written transcript is one unlabelled segment without a confidence."""
    found = []
    if name:
        found.append(name_evidence(name, segments))
    if phone:
        found.append(phone_evidence(phone, segments, caller_id))
    if email:
        found.append(email_evidence(email, segments))
    return found


def gate(evidence: list[FieldEvidence], threshold: float, caller_id: str | None) -> GatedContact:
    sure = {e.field: e.value for e in evidence if e.confidence >= threshold}
    review = tuple(e for e in evidence if e.confidence < threshold)
    phone = sure.get("customer_phone")
    fallback = phone is None and bool(caller_id)
    return GatedContact(sure.get("customer_name"), phone or caller_id, sure.get("customer_email"), fallback, review)


def corrected_value(field: str, value: str | None) -> str:
    """A value typed by a reviewer, normalised as the pipeline writes it (E.164 phone, normalised email, a name
    of letters); ValueError with the reason otherwise."""
    from email_validator import EmailNotValidError, validate_email

    text = (value or "").strip()
    if not text:
        raise ValueError("a correction needs a value")
    if field == "customer_phone":
        try:
            number = phonenumbers.parse(text, "US")
        except phonenumbers.NumberParseException as exc:
            raise ValueError(f"not a phone number: {exc}") from exc
        if not phonenumbers.is_valid_number(number):
            raise ValueError("not a valid phone number")
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if field == "customer_email":
        try:
            return validate_email(text, check_deliverability=False).normalized
        except EmailNotValidError as exc:
            raise ValueError(f"not an email address: {exc}") from exc
    if field == "customer_name":
        if len(text) > 120 or not re.fullmatch(r"[^\W\d_]+(?:[ '’.-][^\W\d_]+)*\.?", text):
            raise ValueError("a name is letters, spaces, apostrophes, dots and hyphens, up to 120 characters")
        return text
    raise ValueError(f"not a contact field: {field}")
