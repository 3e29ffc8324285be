"""Embedded speech recognition: PocketSphinx with its bundled en-us acoustic model and the call-domain LM."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from leadline.speech import Transcript
from leadline.speech.domain_lm import build_lm

_NON_WORDS = ("<", "[")
_decoders: dict[str, object] = {}
_lock = threading.Lock()


def _decoder(lm_path: Path):
    from pocketsphinx import Decoder, get_model_path

    key = str(lm_path)
    with _lock:
        if key not in _decoders:
            model = get_model_path()
            _decoders[key] = Decoder(
                hmm=os.path.join(model, "en-us", "en-us"),
                dict=os.path.join(model, "en-us", "cmudict-en-us.dict"),
                lm=key,
                loglevel="FATAL",
            )
        return _decoders[key]


def transcribe_pcm16(pcm: bytes, model_dir: Path, phrase_hints: list[str]) -> Transcript:
    """`pcm`: 16 kHz mono signed 16-bit little-endian samples."""
    decoder = _decoder(build_lm(model_dir, phrase_hints))
    with _lock:  # a decoder holds one utterance at a time
        decoder.start_utt()
        decoder.process_raw(pcm, full_utt=True)
        decoder.end_utt()
        hypothesis = decoder.hyp()
        if hypothesis is None or not hypothesis.hypstr.strip():
            return Transcript("", 0.0, "pocketsphinx")
        decoder.get_lattice()  # computes the word posteriors that seg() then reports
        posteriors = [min(1.0, max(0.0, s.prob)) for s in decoder.seg() if not s.word.startswith(_NON_WORDS)]
    confidence = sum(posteriors) / len(posteriors) if posteriors else 0.0
    return Transcript(hypothesis.hypstr, round(confidence, 4), "pocketsphinx")
