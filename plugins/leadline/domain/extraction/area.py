"""Where the caller is, against the tenant's service area: a named service city is inside; a place the
caller says they are in ("we're out in Boulder") that is not one of the service cities is outside;
otherwise unknown (never a guess)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from leadline.domain.context import ServiceArea
from leadline.domain.extraction.turns import Turn
from leadline.domain.extraction.vocabulary import MONTHS, SEASON_STARTS

_PLACE = re.compile(r"\b(?:i'm|i am|we're|we are|we live|i live|located|live|house is|home is|property is|"
                    r"out|over|up|down|here)\s+in\s+((?:[A-Z][a-z]+\.?)(?:\s+[A-Z][a-z]+){0,2})")
_NOT_PLACES = {"The", "A", "My", "Our", *(word.capitalize() for word in (*MONTHS, *SEASON_STARTS))}


@dataclass(frozen=True)
class AreaMatch:
    place: str
    inside: bool


def locate(turns: list[Turn], area: ServiceArea) -> AreaMatch | None:
    cities = {c.lower(): c for c in area.cities}
    text = " ".join(t.text for t in turns)
    lowered = text.lower()
    for key, city in cities.items():
        if re.search(rf"\b{re.escape(key)}\b", lowered):
            return AreaMatch(city, True)
    for match in _PLACE.finditer(text):
        place = match.group(1)
        if place.split()[0] not in _NOT_PLACES and cities:
            return AreaMatch(place, False)
    return None
