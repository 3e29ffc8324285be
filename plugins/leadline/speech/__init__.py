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


DEFAULT_CHANNEL_SPEAKERS = (AGENT, CALLER)
PAUSE_SPLIT_S = 1.0  # a silence this long ends a segment, even within one speaker's speech


class SpeechConfigError(ValueError):
    """The speech connection names something unusable (a model directory, a channel mapping); retrying
    will not help."""


def channel_speakers(value: object = None) -> tuple[str, ...]:
    """The speaker label of each channel of a dual-channel recording (connection extra `channel_speakers`,
    default channel 0 = agent, channel 1 = caller)."""
    if value is None:
        return DEFAULT_CHANNEL_SPEAKERS
    if (not isinstance(value, list | tuple) or len(value) != 2
            or not all(isinstance(v, str) and v.strip() for v in value) or value[0] == value[1]):
        raise SpeechConfigError("channel_speakers must be two different labels, e.g. [\"agent\", \"caller\"]")
    return tuple(v.strip() for v in value)


def assemble(segments: list[Segment], backend: str, language: str | None = None,
             language_probability: float | None = None) -> Transcript:
    """One transcript from the segments of every channel: segments in time order, the text is theirs joined,
    the confidence their duration-weighted mean (0 when nothing was recognised)."""
    ordered = tuple(sorted((s for s in segments if s.text), key=lambda s: (s.start, s.end)))
    if not ordered:
        return Transcript("", 0.0, backend, (), None, None)
    weights = [max(s.end - s.start, 0.01) for s in ordered]
    scored = [(w, s.confidence) for w, s in zip(weights, ordered, strict=True) if s.confidence is not None]
    confidence = sum(w * c for w, c in scored) / sum(w for w, _ in scored) if scored else 0.0
    return Transcript(" ".join(s.text for s in ordered), round(confidence, 4), backend, ordered, language,
                      None if language_probability is None else round(language_probability, 4))
