"""The embedded recogniser for real: faster-whisper with Whisper base (the default; tiny.en where named) on the
call fixtures (see scripts/make_call_fixtures.sh), offline, through the backend and the SpeechHook."""

from __future__ import annotations

import json
import re
import wave

import numpy as np
import pytest

from leadline.speech import SpeechConfigError, Transcript, whisper_backend
from leadline.speech.models import MODEL_FILES
from tests.conftest import FIXTURES

HINTS = ["roof replacement", "shingles"]
# The espeak-ng fixtures are a formant robot voice: tiny.en reads them near-verbatim, base mishears some of their
# digits ("five five five zero" -> "5500"). They test the recogniser's mechanics (timing, channels, windows) under
# tiny.en; base's reading of speech is tested on the neural-voice phone-line fixture.
ESPEAK_MODEL = "tiny.en"


def _write_wav(path, samples: np.ndarray):
    with wave.open(str(path), "wb") as out:
        out.setnchannels(samples.shape[0])
        out.setsampwidth(2)
        out.setframerate(16000)
        out.writeframes(samples.T.astype("<i2").tobytes())
    return path


@pytest.fixture(scope="module")
def hot_lead() -> Transcript:
    return whisper_backend.transcribe(FIXTURES / "hot_lead.wav", model=ESPEAK_MODEL, phrase_hints=HINTS)


@pytest.fixture(scope="module")
def stereo() -> Transcript:
    return whisper_backend.transcribe(FIXTURES / "stereo_call.wav", model=ESPEAK_MODEL)


def _check_timeline(transcript: Transcript, duration: float) -> None:
    starts = [s.start for s in transcript.segments]
    assert starts == sorted(starts) and len(set(starts)) == len(starts)
    for segment in transcript.segments:
        assert 0 <= segment.start <= segment.end <= duration + 0.05
        assert segment.text and 0 < segment.confidence <= 1
    assert transcript.text == " ".join(s.text for s in transcript.segments)


def test_mono_call_is_transcribed_with_timed_segments(hot_lead):
    assert (hot_lead.backend, hot_lead.language, hot_lead.language_probability) == ("whisper", "en", None)
    text = hot_lead.text.lower()
    assert "roof" in text and "whitfield" in text and "shingles" in text
    assert "5550142678" in re.sub(r"\D", "", hot_lead.text)  # spoken digit by digit, written as digits
    assert 0.6 < hot_lead.confidence <= 1
    _check_timeline(hot_lead, 70.82)
    assert len(hot_lead.segments) >= 10  # utterances, not Whisper's 30 s windows
    assert {s.speaker for s in hot_lead.segments} == {None}
    # the script's order survives: the budget comes after the roof and before the goodbye
    first = {word: next(s.start for s in hot_lead.segments if word in s.text.lower())
             for word in ("roof replacement", "budget", "good day")}
    assert first["roof replacement"] < 15 < first["budget"] < 45 < first["good day"]


def test_stereo_call_is_labelled_per_channel_and_merged_in_time_order(stereo):
    turns = json.loads((FIXTURES / "stereo_call.json").read_text())
    assert stereo.language == "en" and stereo.confidence > 0.6
    _check_timeline(stereo, 36.7)
    for segment in stereo.segments:  # every segment lies in a turn of the party on its channel
        middle = (segment.start + segment.end) / 2
        [turn] = [t for t in turns if t["start"] - 0.5 <= middle <= t["end"] + 0.5]
        assert segment.speaker == turn["speaker"], segment
    spoken = [s.speaker for s in stereo.segments]
    assert [speaker for i, speaker in enumerate(spoken) if i == 0 or spoken[i - 1] != speaker] == \
        [t["speaker"] for t in turns]
    agent = " ".join(s.text for s in stereo.segments if s.speaker == "agent").lower()
    caller = " ".join(s.text for s in stereo.segments if s.speaker == "caller").lower()
    assert "roofing" in agent and "thursday morning" in agent and "whitfield" not in agent
    assert "whitfield" in caller and "roof replacement" in caller and "estimator" not in caller


def test_long_recordings_are_windowed_without_losing_the_clock(monkeypatch, hot_lead):
    """The hour-long path on a short call: 25 s windows (cut at quiet moments) give the same timeline."""
    monkeypatch.setattr(whisper_backend, "WINDOW_S", 25.0)
    windowed = whisper_backend.transcribe(FIXTURES / "hot_lead.wav", model=ESPEAK_MODEL, phrase_hints=HINTS)
    _check_timeline(windowed, 70.82)
    for word in ("roof replacement", "budget", "good day"):
        whole = next(s for s in hot_lead.segments if word in s.text.lower())
        split = next(s for s in windowed.segments if word in s.text.lower())
        assert max(whole.start, split.start) < min(whole.end, split.end), word  # the same stretch of audio
    number = re.search(r"\d{10}", re.sub(r"\D", "", hot_lead.text)).group(0)
    assert number in re.sub(r"\D", "", windowed.text)  # the digits survive the cuts between windows


def test_non_english_speech_is_detected_by_base():
    transcript = whisper_backend.transcribe(FIXTURES / "non_english.wav")
    assert transcript.language == "de" and transcript.language_probability > 0.5


def test_non_english_speech_is_marked_undetermined_with_low_confidence_by_tiny_en():
    """tiny.en cannot detect a language: German comes out as low-probability pseudo-English."""
    transcript = whisper_backend.transcribe(FIXTURES / "non_english.wav", model="tiny.en")
    assert transcript.language == "und" and transcript.language_probability is None
    assert transcript.confidence < whisper_backend.ENGLISH_ONLY_MIN_CONFIDENCE


@pytest.mark.parametrize("channels", [1, 2])
def test_silence_gives_an_empty_transcript(tmp_path, channels):
    silent = _write_wav(tmp_path / "silence.wav", np.zeros((channels, 20 * 16000), dtype=np.int16))
    assert whisper_backend.transcribe(silent) == Transcript("", 0.0, "whisper", (), None, None)
    empty = _write_wav(tmp_path / "empty.wav", np.zeros((channels, 0), dtype=np.int16))
    assert whisper_backend.transcribe(empty) == Transcript("", 0.0, "whisper", (), None, None)


def test_only_16k_mono_or_stereo_wav_is_accepted(tmp_path):
    from leadline.audio import UnsupportedAudio

    with wave.open(str(tmp_path / "8k.wav"), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\0\0" * 8000)
    with pytest.raises(UnsupportedAudio, match="16 kHz"):
        whisper_backend.transcribe(tmp_path / "8k.wav")


def test_hook_uses_whisper_by_default_and_maps_channels_from_the_connection(monkeypatch, stereo):
    from leadline.hooks.speech import SpeechHook

    monkeypatch.delenv("AIRFLOW_CONN_LEADLINE_SPEECH", raising=False)
    hook = SpeechHook()
    assert hook.backend == "whisper"
    assert hook.test_connection() == (True, "whisper ready")
    assert hook.get_conn() is whisper_backend.load_model()  # one model per process and path

    monkeypatch.setenv("AIRFLOW_CONN_LEADLINE_SPEECH", json.dumps({
        "conn_type": "leadline_speech",
        "extra": {"model": ESPEAK_MODEL, "channel_speakers": ["caller", "agent"]}}))
    swapped = SpeechHook().transcribe(FIXTURES / "stereo_call.wav", phrase_hints=[])
    assert [s.speaker for s in swapped.segments] == [
        {"agent": "caller", "caller": "agent"}[s.speaker] for s in stereo.segments]


def test_a_model_path_that_is_not_a_model_fails_clearly(monkeypatch, tmp_path):
    from leadline.hooks.speech import SpeechHook

    def hook_for(path) -> SpeechHook:
        monkeypatch.setenv("AIRFLOW_CONN_LEADLINE_SPEECH",
                           json.dumps({"conn_type": "leadline_speech", "extra": {"model_path": str(path)}}))
        return SpeechHook()

    (tmp_path / "notes.txt").write_text("not a model")
    ok, message = hook_for(tmp_path).test_connection()
    assert not ok
    assert message == (f"SpeechConfigError: {tmp_path} is not a CTranslate2 Whisper model directory: "
                       "missing model.bin, config.json, tokenizer.json")
    ok, message = hook_for(tmp_path / "absent").test_connection()
    assert (ok, message) == (False, f"SpeechConfigError: Whisper model directory {tmp_path / 'absent'} does not exist")

    for name in MODEL_FILES:  # the right names, the wrong contents
        (tmp_path / name).write_text("{}")
    ok, message = hook_for(tmp_path).test_connection()
    assert not ok and message.startswith(f"SpeechConfigError: {tmp_path} is not a loadable CTranslate2 Whisper model")
    with pytest.raises(SpeechConfigError, match="not a loadable"):
        hook_for(tmp_path).transcribe(FIXTURES / "short_call.wav", phrase_hints=[])


def test_language_of_a_multilingual_model_is_the_one_with_most_speech():
    assert whisper_backend.pick_language({}) == (None, None)
    language, probability = whisper_backend.pick_language({"en": [30.0, 30.0 * 0.9], "es": [90.0, 90.0 * 0.8]})
    assert language == "es" and probability == pytest.approx(0.8)
    assert whisper_backend.english_only_language(0.7) == "en"
    assert whisper_backend.english_only_language(0.3) == "und"


def _recall(reference: str, heard: str) -> float:
    words = set(re.findall(r"[a-z0-9']+", reference.lower()))
    return len(words & set(re.findall(r"[a-z0-9']+", heard.lower()))) / len(words)


def test_no_speech_is_lost_on_a_telephone_line():
    """Neural voices through a phone line (8 kHz mu-law, 300-3400 Hz): the words of each party come back. With
    Silero's default threshold the agent's channel of this call lost three quarters of its words."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    from leadline import audio

    call = json.loads((FIXTURES / "phone_line_call.json").read_text())
    transcript = whisper_backend.transcribe(FIXTURES / "phone_line_call.wav")
    for speaker in ("agent", "caller"):
        said = " ".join(t["text"] for t in call["turns"] if t["speaker"] == speaker)
        heard = " ".join(s.text for s in transcript.segments if s.speaker == speaker)
        # the misses left are recognition (spelled letters run together), not stretches thrown away
        assert _recall(said, heard) >= 0.85, speaker
    with audio.open_recording(FIXTURES / "phone_line_call.wav") as reader:
        [(_, window)] = list(audio.iter_windows(reader, window_s=whisper_backend.WINDOW_S))
    kept = [sum(s["end"] - s["start"] for s in get_speech_timestamps(window[0], options))
            for options in (VadOptions(), whisper_backend.vad_options())]
    assert kept[0] < 0.6 * kept[1]  # what the defaults would have thrown away


def test_room_noise_on_a_telephone_line_gives_no_text(tmp_path):
    """The tuned VAD still keeps Whisper from writing words into a channel that carries only line noise."""
    import subprocess

    noise = tmp_path / "noise.wav"
    rng = np.random.default_rng(7)
    _write_wav(noise, (rng.normal(0, 10 ** (-42 / 20), (2, 30 * 16000)) * 32768).astype(np.int16))
    line = tmp_path / "line.wav"
    subprocess.run(["sox", "-D", str(noise), "-r", "8000", "-e", "u-law", str(tmp_path / "n8.wav"), "sinc",
                    "300-3400"], check=True)
    subprocess.run(["sox", "-D", str(tmp_path / "n8.wav"), "-r", "16000", "-e", "signed", "-b", "16", str(line)],
                   check=True)
    assert whisper_backend.transcribe(line).text == ""


def test_tiny_en_stays_the_fast_option(monkeypatch):
    from leadline.hooks.speech import SpeechHook

    monkeypatch.setenv("AIRFLOW_CONN_LEADLINE_SPEECH", json.dumps({"conn_type": "leadline_speech",
                                                                  "extra": {"model": "tiny.en"}}))
    hook = SpeechHook()
    assert not hook.get_conn().model.is_multilingual and whisper_backend.load_model().model.is_multilingual
    assert "roof" in hook.transcribe(FIXTURES / "hot_lead.wav", phrase_hints=HINTS).text.lower()
