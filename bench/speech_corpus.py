"""End-to-end part of bench/extraction.py: a labeled call rendered as a stereo recording by espeak-ng (one of
four voice pairings x speeds), recognised by the embedded Whisper recogniser, analysed from its segments."""

from __future__ import annotations

import tempfile
import time
from datetime import date
from pathlib import Path


def recognise_call(call: dict, context, variant: int) -> tuple[dict, float, float]:
    """Returns (the analysis as JSON, audio seconds, recognition seconds)."""
    from leadline.domain.rules import analyze_transcript
    from leadline.speech import whisper_backend
    from leadline_dev.synthetic_calls import VARIANTS, render_call

    with tempfile.TemporaryDirectory(prefix="leadline-e2e-") as tmp:
        recording = Path(tmp) / "call.wav"
        seconds = render_call(call["turns"], recording, VARIANTS[variant % len(VARIANTS)])
        whisper_backend.load_model()  # loading once is not recognition time
        started = time.perf_counter()
        transcript = whisper_backend.transcribe(recording, phrase_hints=context_hints(context))
        elapsed = time.perf_counter() - started
    lead = analyze_transcript(transcript.text, segments=[s.as_dict() for s in transcript.segments], context=context,
                              call_date=date.fromisoformat(call["call_date"]), language=transcript.language)
    return lead.model_dump(mode="json"), seconds, elapsed


def context_hints(context) -> list[str]:
    """What a tenant would put in its phrase hints: its service names."""
    return [service.name for service in context.services]
