"""Speech-to-text backends behind one interface: Google Speech-to-Text and Whisper (faster-whisper)."""

from __future__ import annotations

from dataclasses import dataclass, field

AGENT, CALLER = "agent", "caller"


@dataclass(frozen=True)
class Segment:
    """A stretch of speech with its time in the recording; `speaker` is "agent"/"caller" when the channel
    tells (stereo), "speaker_N" from diarization, or None for a mono stream without diarization."""

    start: float
    end: float
    text: str
    speaker: str | None = None
    confidence: float | None = None

    def as_dict(self) -> dict:
        return {"start": round(self.start, 2), "end": round(self.end, 2), "text": self.text,
                "speaker": self.speaker, "confidence": None if self.confidence is None else round(self.confidence, 4)}


@dataclass(frozen=True)
class Transcript:
    text: str
    confidence: float
    backend: str
    segments: tuple[Segment, ...] = field(default=())
    language: str | None = None
    language_probability: float | None = None
