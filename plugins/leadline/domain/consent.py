"""Recording consent: may this call's recording be downloaded and transcribed?

The tenant's policy is the `recording_consent` section of its config (absent: no policy, every call is processed):

    {"two_party_states": ["CA", "FL", ...],   # default: the all-party consent states below
     "require_disclosure": "two_party",       # "two_party" (default) | "always" | "never"
     "unknown_state": "two_party",            # state unknown: "two_party" (default, safe side) | "one_party"
     "disclosure_fields": [...]}              # webhook fields that say a recording disclosure was played

The caller's state comes from the webhook (`customer_state`, CallRail's field, or `caller_state`), else from the
caller number's area code (phonenumbers' geocoder: "San Francisco, CA", "Texas"). A call that needs consent and
has no disclosure on record is not recorded: no download, no transcript, and the reason is stored.
Pure logic: no Airflow, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import phonenumbers
from phonenumbers import geocoder

# All-party (two-party) consent states for recording phone calls.
TWO_PARTY_STATES = ("CA", "CT", "DE", "FL", "IL", "MD", "MA", "MI", "MT", "NV", "NH", "OR", "PA", "WA")
DISCLOSURE_FIELDS = ("recording_disclosure_played", "recording_disclosure", "disclosure_played",
                     "call_recording_disclosure")
STATE_FIELDS = ("customer_state", "caller_state")
_STATE_NAMES = {
    "alabama": "AL", "alaska": "AK", "arizona": "AZ", "arkansas": "AR", "california": "CA", "colorado": "CO",
    "connecticut": "CT", "delaware": "DE", "district of columbia": "DC", "washington d.c.": "DC", "florida": "FL",
    "georgia": "GA", "hawaii": "HI", "idaho": "ID", "illinois": "IL", "indiana": "IN", "iowa": "IA",
    "kansas": "KS", "kentucky": "KY", "louisiana": "LA", "maine": "ME", "maryland": "MD", "massachusetts": "MA",
    "michigan": "MI", "minnesota": "MN", "mississippi": "MS", "missouri": "MO", "montana": "MT", "nebraska": "NE",
    "nevada": "NV", "new hampshire": "NH", "new jersey": "NJ", "new mexico": "NM", "new york": "NY",
    "north carolina": "NC", "north dakota": "ND", "ohio": "OH", "oklahoma": "OK", "oregon": "OR",
    "pennsylvania": "PA", "rhode island": "RI", "south carolina": "SC", "south dakota": "SD", "tennessee": "TN",
    "texas": "TX", "utah": "UT", "vermont": "VT", "virginia": "VA", "washington": "WA", "west virginia": "WV",
    "wisconsin": "WI", "wyoming": "WY", "puerto rico": "PR",
}
_CODES = set(_STATE_NAMES.values())
_MODES = ("two_party", "always", "never")


class ConsentPolicyError(ValueError):
    """The tenant's recording_consent section is not usable."""


@dataclass(frozen=True)
class ConsentPolicy:
    two_party_states: frozenset[str] = frozenset(TWO_PARTY_STATES)
    require_disclosure: str = "two_party"
    unknown_state: str = "two_party"
    disclosure_fields: tuple[str, ...] = DISCLOSURE_FIELDS

    @classmethod
    def from_tenant_config(cls, config: dict | None) -> ConsentPolicy | None:
        section = (config or {}).get("recording_consent")
        if section is None:
            return None
        if not isinstance(section, dict):
            raise ConsentPolicyError("recording_consent must be an object")
        states = section.get("two_party_states", TWO_PARTY_STATES)
        codes = {state_code(s) for s in states} if isinstance(states, list | tuple) else {None}
        if None in codes:
            raise ConsentPolicyError(f"recording_consent.two_party_states has an unknown state: {states!r}")
        require = section.get("require_disclosure", "two_party")
        unknown = section.get("unknown_state", "two_party")
        if require not in _MODES or unknown not in ("two_party", "one_party"):
            raise ConsentPolicyError("recording_consent: require_disclosure is two_party|always|never, "
                                     "unknown_state is two_party|one_party")
        fields = section.get("disclosure_fields", DISCLOSURE_FIELDS)
        if isinstance(fields, str) or not all(isinstance(f, str) for f in fields):
            raise ConsentPolicyError("recording_consent.disclosure_fields is a list of webhook field names")
        return cls(frozenset(codes), require, unknown, tuple(fields))


@dataclass(frozen=True)
class ConsentDecision:
    allowed: bool
    reason: str
    caller_state: str | None
    state_source: str | None  # "webhook" | "area_code" | None


def state_code(value: Any) -> str | None:
    """"CA", "ca", "California", "San Francisco, CA" -> "CA"."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if text.upper() in _CODES:
        return text.upper()
    if text.lower() in _STATE_NAMES:
        return _STATE_NAMES[text.lower()]
    tail = text.rsplit(",", 1)[-1].strip()
    if tail.upper() in _CODES:
        return tail.upper()
    return _STATE_NAMES.get(tail.lower())


def state_from_phone(phone: str | None) -> str | None:
    """The US state of a number's area code (phonenumbers' offline geocoding data), or None."""
    if not phone:
        return None
    try:
        number = phonenumbers.parse(phone, "US")
    except phonenumbers.NumberParseException:
        return None
    if phonenumbers.region_code_for_number(number) not in ("US", "PR"):
        return None
    return state_code(geocoder.description_for_number(number, "en"))


def _truthy(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "yes", "1", "played", "y"):
        return True
    if isinstance(value, str) and value.strip().lower() in ("false", "no", "0", "n", "not_played", ""):
        return False
    return None


def decide(policy: ConsentPolicy | None, payload: dict | None, caller_phone: str | None) -> ConsentDecision:
    """Whether the call may be recorded and transcribed, and why (the reason is stored; it names no number)."""
    payload = payload or {}
    state, source = None, None
    for name in STATE_FIELDS:
        if state_code(payload.get(name)):
            state, source = state_code(payload.get(name)), "webhook"
            break
    if state is None:
        state = state_from_phone(caller_phone or payload.get("customer_phone_number") or payload.get("caller_id"))
        source = "area_code" if state else None
    if policy is None:
        return ConsentDecision(True, "no recording-consent policy", state, source)
    disclosed = next((_truthy(payload[f]) for f in policy.disclosure_fields if f in payload), None)
    if policy.require_disclosure == "never":
        needed, why = False, "the tenant's policy requires no disclosure"
    elif policy.require_disclosure == "always":
        needed, why = True, "the tenant's policy requires a recording disclosure on every call"
    elif state is None:
        needed = policy.unknown_state == "two_party"
        why = "caller's state unknown, treated as two-party consent" if needed else "caller's state unknown"
    elif state in policy.two_party_states:
        needed, why = True, f"caller in {state} (two-party consent state, from the {source.replace('_', ' ')})"
    else:
        needed, why = False, f"caller in {state} (one-party consent state)"
    if not needed:
        return ConsentDecision(True, why, state, source)
    if disclosed:
        return ConsentDecision(True, f"{why}; recording disclosure played", state, source)
    missing = "no recording disclosure on record" if disclosed is None else "recording disclosure not played"
    return ConsentDecision(False, f"no recording consent: {why}; {missing}", state, source)
