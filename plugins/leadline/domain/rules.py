"""Rule-based call analyzer: the embedded default and the fallback when the LLM fails.

Works on raw speech-recogniser output (lowercase words, numbers spoken) and on punctuated text alike.
"""

from __future__ import annotations

import re

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from leadline.domain.analysis import LeadAnalysis
from leadline.domain.spoken import digit_runs, parse_cardinal, words

PROJECT_TYPES = [
    ("roof replacement", "roof replacement"), ("roof repair", "roof repair"), ("new roof", "roof replacement"),
    ("roofing", "roofing"), ("kitchen remodel", "kitchen remodel"), ("kitchen renovation", "kitchen remodel"),
    ("bathroom remodel", "bathroom remodel"), ("bathroom renovation", "bathroom remodel"),
    ("air conditioning", "hvac"), ("furnace", "hvac"), ("hvac", "hvac"), ("heat pump", "hvac"),
    ("solar panels", "solar"), ("solar", "solar"), ("window replacement", "windows"), ("new windows", "windows"),
    ("siding", "siding"), ("plumbing", "plumbing"), ("water heater", "plumbing"), ("flooring", "flooring"),
    ("deck", "deck"), ("addition", "home addition"), ("basement", "basement finishing"),
]
TIMELINES = [
    ("immediate", ("as soon as possible", "asap", "right away", "immediately", "this week", "urgent",
                   "emergency", "right now", "tomorrow")),
    ("within_month", ("next week", "this month", "within a month", "in a few weeks", "couple of weeks",
                      "two weeks", "few weeks")),
    ("1-3_months", ("next month", "couple of months", "few months", "two months", "three months",
                    "this spring", "this summer", "this fall", "this winter")),
    ("exploring", ("next year", "just looking", "no rush", "not sure when", "just getting quotes",
                   "just exploring", "sometime")),
]
LOW_INTENT = ("wrong number", "not interested", "just calling to ask", "stop calling", "solicitor")
NAME_STOPWORDS = {"calling", "looking", "interested", "just", "not", "sure", "here", "the", "a", "with", "from",
                  "about", "trying", "in", "on", "at", "so", "and", "um", "uh", "well", "going", "having"}
EMAIL_PROVIDERS_TLDS = ("com", "net", "org", "io", "co", "us", "edu", "biz", "info")
SPOKEN_EMAIL = re.compile(
    r"\b([a-z0-9]+(?: (?:dot|underscore|dash|hyphen) [a-z0-9]+)*) at "
    r"([a-z0-9]+(?: dot [a-z0-9]+)*? dot (?:" + "|".join(EMAIL_PROVIDERS_TLDS) + r"))\b"
)
WRITTEN_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
NAME_INTRO = re.compile(r"\b(?:my name is|my name's|this is|i am|i'm|name is)\s+([a-z]+)(?:\s+([a-z]+))?")
_SEPARATORS = {"dot": ".", "underscore": "_", "dash": "-", "hyphen": "-"}


def _phone(text: str, tokens: list[str]) -> str | None:
    candidates = [m.number for m in phonenumbers.PhoneNumberMatcher(text, "US")]
    for run in digit_runs(tokens):
        if len(run) in (10, 11):
            try:
                candidates.append(phonenumbers.parse(run, "US"))
            except phonenumbers.NumberParseException:
                continue
    for number in candidates:
        if number.country_code == 1 and phonenumbers.is_possible_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return None


def _email(text: str) -> str | None:
    lowered = text.lower()
    found = [m.group(0) for m in WRITTEN_EMAIL.finditer(lowered)]
    for match in SPOKEN_EMAIL.finditer(" ".join(words(lowered))):
        local = match.group(1)
        for spoken, symbol in _SEPARATORS.items():
            local = local.replace(f" {spoken} ", symbol)
        found.append(f"{local}@{match.group(2).replace(' dot ', '.')}")
    for candidate in found:
        try:
            return validate_email(candidate, check_deliverability=False).normalized
        except EmailNotValidError:
            continue
    return None


def _name(text: str) -> str | None:
    match = NAME_INTRO.search(" ".join(words(text)))
    if not match or match.group(1) in NAME_STOPWORDS:
        return None
    parts = [match.group(1)]
    if match.group(2) and match.group(2) not in NAME_STOPWORDS:
        parts.append(match.group(2))
    return " ".join(p.title() for p in parts)


def _first(phrases, joined: str):
    for phrase, value in phrases:
        if re.search(rf"\b{re.escape(phrase)}\b", joined):
            return value
    return None


def _timeline(joined: str) -> str | None:
    return _first(((p, label) for label, ps in TIMELINES for p in ps), joined)


def _budget(tokens: list[str]) -> tuple[int | None, int | None]:
    for anchor in ("budget", "spend", "afford", "between", "around", "about", "under", "up to"):
        for i in (i for i, t in enumerate(tokens) if t == anchor):
            window = tokens[i + 1: i + 14]
            amounts = []
            j = 0
            while j < len(window) and len(amounts) < 2:
                value, used = parse_cardinal(window[j:])
                if value is not None:
                    amounts.append(value)
                    j += used
                else:
                    j += 1
            if len(amounts) == 2:
                low, high = sorted(amounts)
                if low < 1000 <= high and low * 1000 <= high:  # "between forty and fifty thousand"
                    low *= 1000
                amounts = [low, high]
            amounts = [a for a in amounts if a >= 100]
            if amounts:
                return min(amounts), max(amounts)
    return None, None


def analyze_transcript(transcript: str) -> LeadAnalysis:
    tokens = words(transcript)
    joined = " ".join(tokens)
    project = _first(PROJECT_TYPES, joined)
    timeline = _timeline(joined)
    budget_min, budget_max = _budget(tokens)
    name, phone, email = _name(transcript), _phone(transcript, tokens), _email(transcript)
    if any(re.search(rf"\b{p}\b", joined) for p in LOW_INTENT):
        intent = "low"
    elif project and (timeline in ("immediate", "within_month") or budget_max):
        intent = "high"
    elif project:
        intent = "medium"
    elif tokens:
        intent = "low"
    else:
        intent = "none"
    parts = [f"Caller asked about {project}" if project else "No project identified"]
    if timeline:
        parts.append(f"timeline {timeline.replace('_', ' ')}")
    if budget_max:
        parts.append(f"budget ${budget_min:,}" + (f"-${budget_max:,}" if budget_max != budget_min else ""))
    return LeadAnalysis(
        customer_name=name, customer_phone=phone, customer_email=email, project_type=project,
        timeline=timeline, budget_min=budget_min, budget_max=budget_max, intent=intent,
        summary="; ".join(parts) + ".", analyzer="rules",
    )
