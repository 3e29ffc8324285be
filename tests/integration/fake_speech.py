"""What Speech-to-Text v1 makes of a long-running recognize request, shared by the REST fake (fake_google.py)
and the gRPC one (fake_speech_grpc.py).

It refuses what Google refuses, with Google's messages (INVALID_ARGUMENT naming the field at fault):
- the audio: exactly one of content and uri, a gs:// uri, at most 10 MB of inline content;
- the config: a language code, a model the API knows, a sample rate in 8000..48000, a diarization config whose
  speaker counts make sense, diarization and separate recognition per channel not both;
- against the WAV header (of the inline content, or of the gs:// object when the fake is given a reader):
  the encoding, sample_rate_hertz and audio_channel_count, each either unspecified or matching the header.

It answers from a scripted call (CALL), shaped by the config like Google's results:
- per-channel recognition (2 channels + enable_separate_recognition_per_channel) -> one result per utterance
  with its channel_tag, channel 1's results first, then channel 2's;
- diarization -> the utterance results, then a last result whose words (all of them) carry speaker_tag;
- words carry start/end times only with enable_word_time_offsets, a confidence only with enable_word_confidence.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import quote

import httpx
from google.cloud import speech_v1

from tests.integration.fake_errors import Refusal

# (channel / speaker: 1 = agent, 2 = caller, start s, end s, transcript, confidence)
CALL = [
    (1, 0.5, 6.2, "Thank you for calling Summit Roofing, this is Dana.", 0.93),
    (2, 7.0, 13.2, "Hi, my name is Marcus Whitfield. I need a roof replacement as soon as possible.", 0.88),
    (1, 14.0, 17.9, "What is the best number to reach you?", 0.91),
    (2, 18.7, 25.3, "You can reach me at 555-014-2678.", 0.86),
]
LANGUAGE = "en-us"
KNOWN_MODELS = frozenset({"default", "command_and_search", "phone_call", "video", "latest_long", "latest_short",
                          "medical_conversation", "medical_dictation", "telephony", "telephony_short"})
INLINE_CONTENT_LIMIT = 10 * 1024 * 1024
HEADER_BYTES = 4096  # enough for any WAV header before the samples

UriReader = Callable[[str], bytes]  # gs:// uri -> the object's first bytes; raises LookupError when it is missing


@dataclass(frozen=True)
class WavHeader:
    format_tag: int  # 1 PCM, 7 mu-law
    channels: int
    sample_rate: int
    bits_per_sample: int

    @property
    def encoding(self) -> str:
        return {(1, 16): "LINEAR16", (7, 8): "MULAW"}.get((self.format_tag, self.bits_per_sample), "unsupported")


def wav_header(content: bytes) -> WavHeader | None:
    """The fmt chunk of a RIFF/WAVE file, found by walking its chunks; None when `content` is not a WAV."""
    if content[:4] != b"RIFF" or content[8:12] != b"WAVE":
        return None
    offset = 12
    while offset + 8 <= len(content):
        chunk, size = content[offset:offset + 4], struct.unpack("<I", content[offset + 4:offset + 8])[0]
        if chunk == b"fmt ":
            tag, channels, rate = struct.unpack("<HHI", content[offset + 8:offset + 16])
            return WavHeader(tag, channels, rate, struct.unpack("<H", content[offset + 22:offset + 24])[0])
        offset += 8 + size + size % 2
    return None


def _audio_refusal(audio) -> Refusal | None:
    if bool(audio.content) == bool(audio.uri):
        return Refusal("INVALID_ARGUMENT", "RecognitionAudio requires exactly one of content or uri.", "audio")
    if audio.uri and not audio.uri.startswith("gs://"):
        return Refusal("INVALID_ARGUMENT", "Invalid recognition 'audio': request contains malformed or unsupported "
                                           "URI. Please provide a valid Google Cloud Storage URI.", "audio.uri")
    if len(audio.content) > INLINE_CONTENT_LIMIT:
        return Refusal("INVALID_ARGUMENT", f"Request payload size exceeds the limit: {INLINE_CONTENT_LIMIT} bytes.",
                       "audio.content")
    return None


def _config_refusal(config) -> Refusal | None:
    if not config.language_code:
        return Refusal("INVALID_ARGUMENT", "Invalid recognition 'config': missing language_code.",
                       "config.language_code")
    if config.model and config.model not in KNOWN_MODELS:
        return Refusal("INVALID_ARGUMENT", "Invalid recognition 'config': The requested model is currently not "
                                           f"supported for language : {config.language_code}.", "config.model")
    if config.sample_rate_hertz and not 8000 <= config.sample_rate_hertz <= 48000:
        return Refusal("INVALID_ARGUMENT", "Invalid recognition 'config': sample_rate_hertz "
                                           f"({config.sample_rate_hertz}) must be between 8000 and 48000.",
                       "config.sample_rate_hertz")
    diarization = config.diarization_config
    if diarization.enable_speaker_diarization:
        if config.enable_separate_recognition_per_channel:
            return Refusal("INVALID_ARGUMENT", "Invalid recognition 'config': speaker diarization cannot be used "
                                               "with separate recognition per channel.", "config.diarization_config")
        if diarization.min_speaker_count > diarization.max_speaker_count > 0:
            return Refusal("INVALID_ARGUMENT", "Invalid recognition 'config': min_speaker_count "
                                               f"({diarization.min_speaker_count}) must not exceed max_speaker_count "
                                               f"({diarization.max_speaker_count}).", "config.diarization_config")
    return None


def _header_refusal(config, header: WavHeader) -> Refusal | None:
    encoding = config.encoding.name
    if encoding != "ENCODING_UNSPECIFIED" and encoding != header.encoding:
        return Refusal("INVALID_ARGUMENT", f"Invalid recognition 'config': bad encoding. The WAV header says "
                                           f"{header.encoding}; specify it or leave the encoding unspecified.",
                       "config.encoding")
    if config.sample_rate_hertz and config.sample_rate_hertz != header.sample_rate:
        return Refusal("INVALID_ARGUMENT", f"sample_rate_hertz ({config.sample_rate_hertz}) in RecognitionConfig "
                                           "must either be unspecified or match the value in the WAV header "
                                           f"({header.sample_rate}).", "config.sample_rate_hertz")
    channels = config.audio_channel_count or 1
    if channels != header.channels:
        return Refusal("INVALID_ARGUMENT", f"audio_channel_count `{channels}` in RecognitionConfig must either be "
                                           "unspecified or match the value in the WAV header "
                                           f"`{header.channels}`.", "config.audio_channel_count")
    return None


def refusal(config, audio, read_uri: UriReader | None = None) -> Refusal | None:
    """Why Google would refuse this RecognitionConfig and RecognitionAudio, or None when it would accept them.
    A gs:// object is checked only when `read_uri` can read it (else taken on trust)."""
    found = _audio_refusal(audio) or _config_refusal(config)
    if found:
        return found
    if audio.uri and read_uri is None:
        return None
    try:
        head = read_uri(audio.uri) if audio.uri else audio.content[:HEADER_BYTES]
    except LookupError:
        return Refusal("NOT_FOUND", f"Requested entity was not found: {audio.uri}.")
    header = wav_header(head)
    return _header_refusal(config, header) if header else None


def _words(start: float, end: float, text: str, confidence: float, config, speaker: int | None) -> list:
    tokens = text.split()
    step = (end - start) / len(tokens)
    words = []
    for i, token in enumerate(tokens):
        word = speech_v1.WordInfo(word=token, speaker_tag=speaker or 0)
        if config.enable_word_time_offsets:
            word.start_time = timedelta(seconds=start + i * step)
            word.end_time = timedelta(seconds=start + (i + 1) * step)
        if config.enable_word_confidence:
            word.confidence = confidence
        words.append(word)
    return words


def _result(utterance, config, channel_tag: int = 0):
    _, start, end, text, confidence = utterance
    alternative = speech_v1.SpeechRecognitionAlternative(
        transcript=text, confidence=confidence, words=_words(start, end, text, confidence, config, None))
    return speech_v1.SpeechRecognitionResult(alternatives=[alternative], result_end_time=timedelta(seconds=end),
                                             language_code=LANGUAGE, channel_tag=channel_tag)


def recognition_response(config):
    """The LongRunningRecognizeResponse Google gives for CALL under this config."""
    if config.audio_channel_count == 2 and config.enable_separate_recognition_per_channel:
        results = [_result(u, config, tag) for tag in (1, 2) for u in CALL if u[0] == tag]
    else:
        results = [_result(u, config) for u in CALL]
    if config.diarization_config.enable_speaker_diarization:
        words = [w for channel, start, end, text, confidence in CALL
                 for w in _words(start, end, text, confidence, config, channel)]
        results.append(speech_v1.SpeechRecognitionResult(
            alternatives=[speech_v1.SpeechRecognitionAlternative(words=words)], language_code=LANGUAGE))
    return speech_v1.LongRunningRecognizeResponse(results=results)


def gcs_reader(endpoint: str) -> UriReader:
    """Reads the head of gs:// objects from a Cloud Storage emulator (its JSON API), as Speech reads the bucket."""
    def read(uri: str) -> bytes:
        bucket, _, name = uri.removeprefix("gs://").partition("/")
        response = httpx.get(f"{endpoint}/download/storage/v1/b/{bucket}/o/{quote(name, safe='')}",
                             params={"alt": "media"}, headers={"Range": f"bytes=0-{HEADER_BYTES - 1}"}, timeout=10)
        if response.status_code == 404:
            raise LookupError(uri)
        response.raise_for_status()
        return response.content

    return read
