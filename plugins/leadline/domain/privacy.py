"""Who an erasure is about: one phone number or one email address, and whether a stored value mentions it.

A value mentions the person when it contains the email address (case-insensitive) or a phone number that is the
same number (phonenumbers reads every written form: "+14155550188", "(415) 555-0188", "415.555.0188", inside
free text or JSON too). Pure logic: no Airflow, no I/O."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import phonenumbers

from leadline.domain.normalize import e164


class InvalidIdentifier(ValueError):
    """The phone number or email address given for an erasure is not one."""


@dataclass(frozen=True)
class Person:
    kind: str  # "phone" | "email"
    value: str  # E.164 phone or lowercased email

    @classmethod
    def from_identifier(cls, phone: str | None = None, email: str | None = None) -> Person:
        if bool(phone) == bool(email):
            raise InvalidIdentifier("give exactly one of a phone number or an email address")
        if phone:
            number = e164(phone)
            if number is None:
                raise InvalidIdentifier("not a phone number")
            return cls("phone", number)
        address = email.strip().lower()
        if address.count("@") != 1 or not all(address.split("@")):
            raise InvalidIdentifier("not an email address")
        return cls("email", address)

    @property
    def national_digits(self) -> str:
        return str(phonenumbers.parse(self.value).national_number) if self.kind == "phone" else ""

    def mentions(self, value: Any) -> bool:
        """Whether a stored value (text, number, JSON) holds this person's phone or email."""
        if value is None:
            return False
        text = value if isinstance(value, str) else json.dumps(value, default=str)
        if self.kind == "email":
            return self.value in text.lower()
        tail = self.national_digits[-4:]
        if tail not in text:
            return False  # the cheap test first: the number's last four digits are written somewhere
        if self.national_digits in "".join(ch for ch in text if ch.isdigit()):
            for match in phonenumbers.PhoneNumberMatcher(text, "US", leniency=phonenumbers.Leniency.POSSIBLE):
                if phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164) == self.value:
                    return True
        return False
