"""Speech-to-text backends behind one interface: Google Speech-to-Text and PocketSphinx."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Transcript:
    text: str
    confidence: float
    backend: str
