"""Recording normalisation (ffmpeg, file to file) and the windowed WAV reads the recognisers stream from."""

from __future__ import annotations

import subprocess
import tracemalloc
import wave
from pathlib import Path

import numpy as np
import pytest

from leadline import audio
from leadline.domain.recording_policy import RecordingPolicy
from tests.conftest import FIXTURES


def _write_wav(path: Path, samples: np.ndarray, rate: int = 16000) -> Path:
    """`samples`: int16 shaped [channels, n]."""
    with wave.open(str(path), "wb") as out:
        out.setnchannels(samples.shape[0])
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(samples.T.astype("<i2").tobytes())
    return path


def _ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", *args], check=True)


@pytest.mark.parametrize(("source", "channels"), [("hot_lead.wav", 1), ("no_contact.mp3", 1), ("stereo_call.wav", 2)])
def test_normalize_keeps_stereo_and_makes_16k_16bit(tmp_path, source, channels):
    info = audio.normalize(FIXTURES / source, tmp_path / "out.wav")
    assert (info.channels, info.sample_rate) == (channels, 16000)
    with wave.open(str(tmp_path / "out.wav")) as stored:
        assert (stored.getnchannels(), stored.getsampwidth(), stored.getframerate()) == (channels, 2, 16000)
        assert stored.getnframes() == info.frames
    assert abs(info.duration_s - float(subprocess.run(
        ["soxi", "-D", str(FIXTURES / source)], capture_output=True, text=True).stdout or info.duration_s)) < 0.1


def test_normalize_resamples_a_44k_stereo_call_and_keeps_its_channels_apart(tmp_path):
    _ffmpeg("-i", str(FIXTURES / "stereo_call.wav"), "-ar", "44100", str(tmp_path / "cd.wav"))
    info = audio.normalize(tmp_path / "cd.wav", tmp_path / "out.wav")
    assert (info.channels, info.sample_rate) == (2, 16000)
    assert abs(info.duration_s - 36.7) < 0.05
    _, first = next(audio.iter_windows(tmp_path / "out.wav"))
    agent_turn, caller_turn = slice(16000, 5 * 16000), slice(8 * 16000, 12 * 16000)  # see stereo_call.json
    assert np.abs(first[0, agent_turn]).max() > 0.05 and np.abs(first[1, agent_turn]).max() == 0
    assert np.abs(first[1, caller_turn]).max() > 0.05 and np.abs(first[0, caller_turn]).max() == 0


def test_dual_mono_and_multichannel_sources_are_stored_mono(tmp_path):
    _ffmpeg("-i", str(FIXTURES / "short_call.wav"), "-ac", "2", str(tmp_path / "dual.wav"))
    assert audio.normalize(tmp_path / "dual.wav", tmp_path / "out.wav").channels == 1
    _ffmpeg("-i", str(FIXTURES / "short_call.wav"), "-ac", "6", str(tmp_path / "six.wav"))
    assert audio.normalize(tmp_path / "six.wav", tmp_path / "out.wav").channels == 1


def test_undecodable_and_empty_recordings_are_unsupported(tmp_path):
    with pytest.raises(audio.UnsupportedAudio, match="unsupported audio"):
        audio.normalize(FIXTURES / "hot_lead.txt", tmp_path / "out.wav")
    (tmp_path / "empty").write_bytes(b"")
    with pytest.raises(audio.UnsupportedAudio, match="recording is empty"):
        audio.normalize(tmp_path / "empty", tmp_path / "out.wav")


LOCAL = RecordingPolicy(("127.0.0.1",), allow_http=True)  # the test's own recordings server


def test_fetched_downloads_and_normalises_then_cleans_up(recordings_server):
    with audio.fetched(f"{recordings_server}/no_contact.mp3", LOCAL) as (local, info):
        assert local.exists() and info.channels == 1 and 60 < info.duration_s < 61
        assert sorted(p.name for p in local.parent.iterdir()) == ["recording.wav"]
    assert not local.parent.exists()


def test_download_errors_keep_their_reasons(recordings_server, monkeypatch, tmp_path):
    with pytest.raises(audio.RecordingUnavailable, match="recording download failed: HTTP 404"):
        with audio.fetched(f"{recordings_server}/no_such_recording.wav", LOCAL):
            pass
    with pytest.raises(audio.RecordingUnavailable, match="recording unreachable: ConnectError"):
        with audio.fetched("http://127.0.0.1:9/recording.wav", LOCAL):
            pass
    monkeypatch.setattr(audio, "MAX_RECORDING_BYTES", 1024 * 1024)
    with pytest.raises(audio.UnsupportedAudio, match="larger than 1 MiB"):
        with audio.fetched(f"{recordings_server}/hot_lead.wav", LOCAL):
            pass


def test_windows_cover_the_recording_exactly_and_cut_in_silence(tmp_path):
    rate = 16000
    rng = np.random.default_rng(1)
    # 50 s of "speech" (noise bursts of 3.7 s) with 0.5 s of silence between them, stereo, different per channel.
    pattern = np.concatenate([np.ones(int(3.7 * rate)), np.zeros(rate // 2)])
    mask = np.tile(pattern, 12)[: 50 * rate]
    samples = (rng.normal(0, 3000, (2, len(mask))) * mask).astype(np.int16)
    path = _write_wav(tmp_path / "long.wav", samples)

    windows = list(audio.iter_windows(path, window_s=9.0, search_s=4.0))
    joined = np.concatenate([w for _, w in windows], axis=1)
    assert np.array_equal(joined, samples / np.float32(32768.0))
    assert [round(start * rate) for start, _ in windows] == list(np.cumsum([0] + [w.shape[1] for _, w in windows[:-1]]))
    for start, window in windows[:-1]:
        cut = round(start * rate) + window.shape[1]
        assert mask[cut] == 0 and 5.0 * rate <= window.shape[1] <= 9.0 * rate


def test_windows_of_a_short_or_empty_recording(tmp_path):
    short = _write_wav(tmp_path / "short.wav", np.ones((1, 800), dtype=np.int16))
    [(start, window)] = audio.iter_windows(short)
    assert start == 0 and window.shape == (1, 800)
    empty = _write_wav(tmp_path / "empty.wav", np.zeros((2, 0), dtype=np.int16))
    assert list(audio.iter_windows(empty)) == []
    assert audio.wav_info(empty) == audio.WavInfo(2, 16000, 0)


def test_windowed_reading_holds_one_window_not_the_recording(tmp_path):
    """Ten minutes of stereo audio (77 MB as float32) read in 60 s windows (7.7 MB each): the peak of Python-side
    allocations stays at a few windows (the one the caller holds, the next one, the raw frames read for it)."""
    rng = np.random.default_rng(2)
    path = _write_wav(tmp_path / "ten_minutes.wav", rng.integers(-2000, 2000, (2, 600 * 16000), dtype=np.int16))
    window_bytes = 60 * 16000 * 2 * 4
    tracemalloc.start()
    try:
        frames = sum(window.shape[1] for _, window in audio.iter_windows(path, window_s=60.0))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert frames == 600 * 16000
    assert peak < 4 * window_bytes


def test_wav_info_and_copy_through_object_storage(tmp_path):
    from airflow.sdk import ObjectStoragePath

    target = ObjectStoragePath((tmp_path / "acme" / "recordings" / "C1.wav").as_uri())
    target.parent.mkdir(parents=True, exist_ok=True)
    audio.copy_file(FIXTURES / "stereo_call.wav", target)
    assert target.read_bytes() == (FIXTURES / "stereo_call.wav").read_bytes()
    assert [p.name for p in target.parent.iterdir()] == ["C1.wav"]
    assert audio.wav_info(target) == audio.WavInfo(2, 16000, 587144)


def test_a_non_wav_stored_recording_is_unsupported():
    with pytest.raises(audio.UnsupportedAudio, match="not a PCM WAV"):
        audio.wav_info(FIXTURES / "no_contact.mp3")


def test_a_decoder_that_hangs_is_refused_not_waited_on(tmp_path, monkeypatch):
    import os
    import shutil as _shutil

    from leadline import audio

    slow = tmp_path / "bin"
    slow.mkdir()
    for tool in ("ffprobe", "ffmpeg"):  # stand-ins that never finish, found first on PATH
        (slow / tool).write_text("#!/bin/sh\nsleep 30\n")
        (slow / tool).chmod(0o755)
    monkeypatch.setenv("PATH", f"{slow}:{os.environ['PATH']}")
    monkeypatch.setattr(audio, "PROBE_TIMEOUT_S", 0.5)
    assert _shutil.which("ffprobe") == str(slow / "ffprobe")
    recording = tmp_path / "call.mp3"
    recording.write_bytes(b"ID3" + b"\0" * 100)
    with pytest.raises(audio.UnsupportedAudio, match="ffprobe took over 0.5 s"):
        audio.normalize(recording, tmp_path / "out.wav")
