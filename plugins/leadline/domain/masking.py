"""PII masking for anything that leaves the store: logs, XComs, alerts, task names."""

from __future__ import annotations

import re

_DIGIT = re.compile(r"\d")


def mask_phone(phone: str | None) -> str:
    """'+15551234567' -> '+1******4567': country code and the last four digits stay."""
    if not phone:
        return ""
    digits = _DIGIT.findall(phone)
    if len(digits) <= 4:
        return "*" * len(digits)
    country = "+" + digits[0] if phone.strip().startswith("+") else ""
    hidden = len(digits) - 4 - (1 if country else 0)
    return f"{country}{'*' * hidden}{''.join(digits[-4:])}"


def mask_email(email: str | None) -> str:
    if not email or "@" not in email:
        return "***" if email else ""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


def mask_name(name: str | None) -> str:
    if not name:
        return ""
    return " ".join(part[:1] + "." for part in name.split())
