"""Recording download and normalisation to 16 kHz mono 16-bit WAV (what both recognisers want)."""

from __future__ import annotations

import io
import subprocess
import wave

MAX_RECORDING_BYTES = 200 * 1024 * 1024
DOWNLOAD_TIMEOUT_S = 60


class RecordingUnavailable(Exception):
    """The recording could not be fetched now; worth retrying (it may not be ready yet)."""


class UnsupportedAudio(Exception):
    """The bytes are not audio that ffmpeg can decode; retrying will not help."""


def download(url: str) -> bytes:
    import httpx

    try:
        with httpx.stream("GET", url, timeout=DOWNLOAD_TIMEOUT_S, follow_redirects=True) as response:
            if response.status_code != 200:
                raise RecordingUnavailable(f"recording download failed: HTTP {response.status_code}")
            chunks, size = [], 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > MAX_RECORDING_BYTES:
                    raise UnsupportedAudio(f"recording is larger than {MAX_RECORDING_BYTES // 2**20} MiB")
                chunks.append(chunk)
    except httpx.HTTPError as exc:
        raise RecordingUnavailable(f"recording unreachable: {type(exc).__name__}") from exc
    return b"".join(chunks)


def to_wav16k(data: bytes) -> bytes:
    if not data:
        raise UnsupportedAudio("recording is empty")
    result = subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-i", "pipe:0", "-ar", "16000", "-ac", "1",
         "-sample_fmt", "s16", "-f", "wav", "pipe:1"],
        input=data, capture_output=True, check=False,
    )
    if result.returncode != 0 or len(result.stdout) <= 44:
        raise UnsupportedAudio("unsupported audio: ffmpeg could not decode the recording")
    return _fix_header(result.stdout)


def _fix_header(wav_bytes: bytes) -> bytes:
    """ffmpeg writing to a pipe cannot seek back to fill in sizes; rewrite a clean header."""
    pcm = pcm16(wav_bytes)
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(pcm)
    return out.getvalue()


def pcm16(wav_bytes: bytes) -> bytes:
    """Samples of a 16 kHz mono WAV (tolerates the unknown-length header ffmpeg writes to pipes)."""
    data_at = wav_bytes.find(b"data")
    if data_at < 0:
        raise UnsupportedAudio("WAV has no data chunk")
    samples = wav_bytes[data_at + 8:]
    return samples[: len(samples) - len(samples) % 2]


def duration_s(wav_bytes: bytes) -> float:
    return len(pcm16(wav_bytes)) / 2 / 16000
