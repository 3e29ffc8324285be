"""Identity normalisation shared by intake, analysis and (later) entity resolution."""

from __future__ import annotations

import phonenumbers


def e164(phone: str | None, region: str = "US") -> str | None:
    if not phone:
        return None
    try:
        number = phonenumbers.parse(phone, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
