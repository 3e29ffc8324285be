"""Synthetic two-party call recordings for the demo and the extraction benchmark (dev tooling, not deployed):
each turn is spoken by espeak-ng in its party's voice on its own channel, CallRail-style (agent on channel 0,
caller on channel 1), 16 kHz 16-bit stereo WAV; or both on one channel (mono).

People read digits one by one and say "at"/"dot" for an address: the text is prepared that way first."""

from __future__ import annotations

import re
import subprocess
import tempfile
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

RATE = 16_000
TURN_GAP_S = 0.45


@dataclass(frozen=True)
class Voices:
    agent: str = "en-us+f3"
    caller: str = "en-us"
    words_per_minute: int = 160


# Two voices (each party takes each) x two speeds: what bench/extraction.py renders each call with.
VARIANTS = (Voices("en-us+f3", "en-us", 150), Voices("en-us", "en-us+f3", 150),
            Voices("en-us+f3", "en-us", 175), Voices("en-us", "en-us+f3", 175))


def speakable(text: str) -> str:
    """Digits in groups read one by one ("415-555-0188" -> "4 1 5, 5 5 5, 0 1 8 8"), addresses with "at"
    and "dot", spelled names letter by letter, as callers say them."""
    text = re.sub(r"([\w.+-]+)@([\w-]+(?:\.[\w-]+)+)",
                  lambda m: f"{m.group(1).replace('.', ' dot ')} at {m.group(2).replace('.', ' dot ')}", text)
    text = re.sub(r"\((\d{3})\)", r"\1", text)
    text = re.sub(r"\b\d{3}[-. ]\d{3}[-. ]\d{4}\b|\b\d{10}\b|(?<![\d,$])\b0\d{2,3}\b",
                  lambda m: ", ".join(" ".join(g) for g in re.findall(r"\d+", m.group(0))), text)
    return re.sub(r"\b([A-Za-z])-(?=[A-Za-z]\b)", r"\1, ", text)


def _speak(text: str, voice: str, wpm: int, workdir: Path) -> np.ndarray:
    raw, resampled = workdir / "turn.raw.wav", workdir / "turn.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(wpm), "-w", str(raw), speakable(text)], check=True,
                   capture_output=True)
    subprocess.run(["sox", "-D", str(raw), "-r", str(RATE), "-c", "1", "-b", "16", str(resampled)], check=True,
                   capture_output=True)
    with wave.open(str(resampled)) as w:
        return np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)


def render_call(turns: list[dict], target: Path, voices: Voices = Voices(), stereo: bool = True) -> float:
    """Writes the call to `target`; returns its length in seconds. `turns`: [{"speaker", "text"}]."""
    pieces: list[tuple[int, np.ndarray]] = []
    with tempfile.TemporaryDirectory(prefix="leadline-synth-") as tmp:
        for turn in turns:
            channel = 0 if turn["speaker"] == "agent" else 1
            voice = voices.agent if channel == 0 else voices.caller
            pieces.append((channel, _speak(turn["text"], voice, voices.words_per_minute, Path(tmp))))
    gap = int(TURN_GAP_S * RATE)
    frames = gap + sum(len(audio) + gap for _, audio in pieces)
    signal = np.zeros((frames, 2 if stereo else 1), dtype=np.int16)
    at = gap
    for channel, audio in pieces:
        signal[at:at + len(audio), channel if stereo else 0] = audio
        at += len(audio) + gap
    target.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(target), "wb") as w:
        w.setnchannels(signal.shape[1])
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(signal.tobytes())
    return frames / RATE
