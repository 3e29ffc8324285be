"""Recording download and normalisation, and streaming reads of the stored WAV.

What the pipeline stores and both recognisers read: 16 kHz signed 16-bit PCM WAV with 2 channels when the
source is a dual-channel call recording (CallRail records one party per channel) and 1 channel otherwise.
Recordings go through temporary files (download -> ffmpeg -> storage), never through whole-recording
buffers, and are read back window by window.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import tempfile
import wave
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urljoin, urlsplit, urlunsplit

import numpy as np

from leadline.domain.recording_policy import RecordingPolicy, RecordingUrlRefused, check_addresses, check_url

SAMPLE_RATE = 16000
MAX_RECORDING_BYTES = 200 * 1024 * 1024
DOWNLOAD_TIMEOUT_S = 60
PROBE_TIMEOUT_S = 30
DECODE_TIMEOUT_S = 600
MAX_DURATION_S = 4 * 3600  # nothing past four hours is decoded: a call, not a stream
COPY_CHUNK_BYTES = 1024 * 1024
# Dual-mono (the same signal on both channels) carries no speaker separation: stored as mono.
DUAL_MONO_RESIDUAL = 1e-3


class RecordingUnavailable(Exception):
    """The recording could not be fetched now; worth retrying (it may not be ready yet)."""


class UnsupportedAudio(Exception):
    """The bytes are not audio that ffmpeg can decode; retrying will not help."""


@dataclass(frozen=True)
class WavInfo:
    channels: int
    sample_rate: int
    frames: int

    @property
    def duration_s(self) -> float:
        return self.frames / self.sample_rate if self.sample_rate else 0.0


MAX_REDIRECTS = 5


class RecordingRefused(Exception):
    """The recording URL, a redirect or an address it resolves to is outside the tenant's recording policy."""


def download(url: str, dest: BinaryIO, policy: RecordingPolicy) -> int:
    """Streams the recording at `url` into `dest`; returns the number of bytes written. Each hop (the URL and
    every redirect) is checked against `policy` after DNS resolution, and the connection goes to the address
    that was checked, so a name cannot resolve differently between the check and the fetch."""
    import httpx

    size = 0
    try:
        with httpx.Client(timeout=DOWNLOAD_TIMEOUT_S, follow_redirects=False) as client:
            for _ in range(MAX_REDIRECTS + 1):
                request_url, headers, extensions = _pinned(url, policy)
                response = client.send(client.build_request("GET", request_url, headers=headers,
                                                            extensions=extensions), stream=True)
                try:
                    if response.is_redirect:
                        url = urljoin(url, response.headers.get("location", ""))
                        continue
                    if response.status_code != 200:
                        raise RecordingUnavailable(f"recording download failed: HTTP {response.status_code}")
                    for chunk in response.iter_bytes():
                        size += len(chunk)
                        if size > MAX_RECORDING_BYTES:
                            raise UnsupportedAudio(f"recording is larger than {MAX_RECORDING_BYTES // 2**20} MiB")
                        dest.write(chunk)
                    return size
                finally:
                    response.close()
    except httpx.HTTPError as exc:
        raise RecordingUnavailable(f"recording unreachable: {type(exc).__name__}") from exc
    raise RecordingRefused(f"recording fetch refused: more than {MAX_REDIRECTS} redirects")


def _pinned(url: str, policy: RecordingPolicy) -> tuple[str, dict[str, str], dict[str, str]]:
    """The URL rewritten to the checked address, with the Host header (and TLS server name) of the original."""
    import socket

    try:
        target = check_url(url, policy)
        try:
            infos = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
        except OSError as exc:
            raise RecordingUnavailable(f"recording host {target.host} does not resolve now") from exc
        address = check_addresses(target, [info[4][0] for info in infos], policy)
    except RecordingUrlRefused as exc:
        raise RecordingRefused(f"recording fetch refused: {exc}") from exc
    parts = urlsplit(url)
    literal = f"[{address}]" if ":" in address else address
    pinned = urlunsplit((parts.scheme, f"{literal}:{target.port}", parts.path or "/", parts.query, ""))
    host_header = target.host if parts.port is None else f"{target.host}:{parts.port}"
    extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
    return pinned, {"host": host_header}, extensions


def _run(command: list[str], timeout_s: float, text: bool = False) -> subprocess.CompletedProcess:
    """A decoder run that cannot hang the task: a crafted file that keeps ffmpeg busy is refused, not waited on."""
    try:
        return subprocess.run(command, capture_output=True, text=text, check=False, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        raise UnsupportedAudio(f"unsupported audio: {command[0]} took over {timeout_s:g} s") from None


def source_channels(path: Path) -> int:
    result = _run(["ffprobe", "-v", "error", "-select_streams", "a:0", "-show_entries", "stream=channels",
                   "-of", "csv=p=0", str(path)], PROBE_TIMEOUT_S, text=True)
    try:
        return int(result.stdout.strip().splitlines()[0].strip(","))
    except (IndexError, ValueError):
        raise UnsupportedAudio("unsupported audio: ffmpeg could not decode the recording") from None


def normalize(src: Path, dest: Path) -> WavInfo:
    """Decodes any audio ffmpeg reads into the stored form (see the module doc), file to file."""
    if src.stat().st_size == 0:
        raise UnsupportedAudio("recording is empty")
    channels = 2 if source_channels(src) == 2 else 1
    _ffmpeg(src, dest, channels)
    info = wav_info(dest)
    if info.frames == 0:
        raise UnsupportedAudio("unsupported audio: ffmpeg could not decode the recording")
    if channels == 2 and _dual_mono(dest):
        with tempfile.TemporaryDirectory(prefix="leadline-audio-") as tmp:
            mono = Path(tmp) / "mono.wav"
            _ffmpeg(dest, mono, 1)
            shutil.move(mono, dest)
        info = wav_info(dest)
    return info


def _ffmpeg(src: Path, dest: Path, channels: int) -> None:
    # Writing to a file (not a pipe) lets ffmpeg fill in the header sizes; -bitexact keeps the header plain.
    result = _run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-i", str(src), "-map", "0:a:0", "-vn",
         "-t", str(MAX_DURATION_S), "-ar", str(SAMPLE_RATE), "-ac", str(channels), "-sample_fmt", "s16",
         "-map_metadata", "-1", "-bitexact", "-f", "wav", str(dest)], DECODE_TIMEOUT_S)
    if result.returncode != 0:
        raise UnsupportedAudio("unsupported audio: ffmpeg could not decode the recording")


def _dual_mono(path: Path) -> bool:
    """Both channels carry the same signal (a mono recording stored as stereo), or the file is silent."""
    difference = total = 0.0
    for _, block in iter_windows(path, window_s=30.0):
        left, right = block[0].astype(np.float64), block[1].astype(np.float64)
        difference += float(np.sum((left - right) ** 2))
        total += float(np.sum(left**2) + np.sum(right**2))
    return difference <= DUAL_MONO_RESIDUAL * total


@contextlib.contextmanager
def fetched(url: str, policy: RecordingPolicy) -> Iterator[tuple[Path, WavInfo]]:
    """Downloads (within `policy`) and normalises the recording into a temporary WAV file, removed on exit."""
    with tempfile.TemporaryDirectory(prefix="leadline-audio-") as tmp:
        raw, wav = Path(tmp) / "source", Path(tmp) / "recording.wav"
        with raw.open("wb") as out:
            download(url, out, policy)
        info = normalize(raw, wav)
        raw.unlink()
        yield wav, info


def copy_file(src: Path, target: Any) -> None:
    """Copies a local file to `target` (a local path or an ObjectStoragePath) in chunks, through a partial
    name renamed at the end, so that a stored recording is never half-written."""
    partial = target.with_name(f"{target.name}.partial")
    with src.open("rb") as reader, partial.open("wb") as writer:
        shutil.copyfileobj(reader, writer, COPY_CHUNK_BYTES)
    partial.rename(target)


@contextlib.contextmanager
def open_recording(recording: Any) -> Iterator[BinaryIO]:
    """A binary reader for a local path (str or Path), an ObjectStoragePath or an already open file."""
    if hasattr(recording, "read"):
        yield recording
    elif hasattr(recording, "open"):
        with recording.open("rb") as reader:
            yield reader
    else:
        with open(recording, "rb") as reader:
            yield reader


@contextlib.contextmanager
def open_wav(recording: Any) -> Iterator[wave.Wave_read]:
    with open_recording(recording) as reader:
        try:
            wav = wave.open(reader, "rb")
        except (wave.Error, EOFError) as exc:
            raise UnsupportedAudio(f"unsupported audio: not a PCM WAV file ({exc})") from exc
        with contextlib.closing(wav):
            if wav.getsampwidth() != 2:
                raise UnsupportedAudio("unsupported audio: the stored WAV is not 16-bit PCM")
            yield wav


def wav_info(recording: Any) -> WavInfo:
    """Channels, rate and length from the WAV header (reads a few bytes, not the samples)."""
    with open_wav(recording) as wav:
        return WavInfo(wav.getnchannels(), wav.getframerate(), wav.getnframes())


def _samples(frames: bytes, channels: int, head: np.ndarray | None = None) -> np.ndarray:
    """Interleaved 16-bit frames as float32 in [-1, 1], one row per channel, after `head` (carried samples).
    Filled in place: no float64 or concatenated copies of a window."""
    data = np.frombuffer(frames, dtype="<i2")
    count = len(data) // channels
    kept = 0 if head is None else head.shape[1]
    out = np.empty((channels, kept + count), dtype=np.float32)
    if kept:
        out[:, :kept] = head
    for channel in range(channels):
        out[channel, kept:] = data[channel: count * channels: channels]
    out[:, kept:] *= np.float32(1 / 32768)
    return out


def iter_windows(recording: Any, window_s: float = 240.0, search_s: float = 20.0,
                 quiet_s: float = 0.1) -> Iterator[tuple[float, np.ndarray]]:
    """The recording as consecutive windows of about `window_s` seconds: yields (start in seconds,
    float32 samples shaped [channels, n]). Each window but the last ends at the quietest `quiet_s` stretch
    (over all channels) of its last `search_s` seconds, so a word is never cut in two; the rest carries over.
    Only one window (plus the carry) is in memory at a time."""
    with open_wav(recording) as wav:
        channels, rate = wav.getnchannels(), wav.getframerate()
        window, search, quiet = int(window_s * rate), int(search_s * rate), max(1, int(quiet_s * rate))
        carry = None
        start = 0
        while True:
            wanted = window - (0 if carry is None else carry.shape[1])
            frames = wav.readframes(wanted)
            block = _samples(frames, channels, carry)
            if len(frames) < wanted * channels * 2:  # end of the recording
                if block.shape[1]:
                    yield start / rate, block
                return
            cut = _quietest_cut(block, search, quiet)
            carry = block[:, cut:].copy()
            yield start / rate, block[:, :cut]
            start += cut


def _quietest_cut(block: np.ndarray, search: int, quiet: int) -> int:
    tail_from = max(quiet, block.shape[1] - search)
    tail = np.abs(block[:, tail_from:]).max(axis=0)  # loudest channel at each sample
    stretches = len(tail) // quiet
    if stretches == 0:
        return block.shape[1]
    energy = (tail[: stretches * quiet].reshape(stretches, quiet) ** 2).mean(axis=1)
    return tail_from + int(np.argmin(energy)) * quiet + quiet // 2
