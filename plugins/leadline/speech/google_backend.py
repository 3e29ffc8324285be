"""Google Speech-to-Text (v1 long-running recognize), called directly so the response
(the transcript: PII) is never logged, unlike the provider hook's recognize_speech.

Same output shape as the Whisper backend: timed segments with speakers and a language.
- Stereo (one party per channel): per-channel recognition; each result's channel_tag (1-based) names its
  speaker through the channel_speakers mapping.
- Mono: speaker diarization for two speakers; segments are the runs of words with the same speaker tag
  ("speaker_1", "speaker_2"), taken from the last result, which carries every word with its tag.
- Word time offsets give segment start/end; result.language_code gives the language (most speech wins).
- The recognition is a long-running operation: polled with api_core's backoff until done (or
  OPERATION_TIMEOUT_S); a request Google refuses as invalid is a SpeechConfigError (retrying will not help).
  Or, for a deferrable task, started here (`start`), waited for elsewhere by its name (`operation_done`, from a
  trigger) and read once done (`finished_results`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from functools import partial
from typing import Any

from leadline import audio
from leadline.config import storage_connection
from leadline.domain.endpoints import is_loopback
from leadline.domain.polling import backoff_waits
from leadline.speech import DEFAULT_CHANNEL_SPEAKERS, PAUSE_SPLIT_S, Segment, SpeechConfigError, Transcript, assemble

BACKEND = "google"
OPERATION_TIMEOUT_S = 900
INLINE_AUDIO_LIMIT = 10 * 1024 * 1024
DIARIZATION_SPEAKERS = 2


def recognition_config(phrase_hints: list[str], *, channels: int = 1, sample_rate_hertz: int = audio.SAMPLE_RATE,
                       language_code: str = "en-US", alternative_language_codes: list[str] | tuple[str, ...] = ()):
    from google.cloud import speech_v1

    per_channel = channels == 2
    return speech_v1.RecognitionConfig(
        encoding=speech_v1.RecognitionConfig.AudioEncoding.LINEAR16,
        sample_rate_hertz=sample_rate_hertz,
        audio_channel_count=channels,
        enable_separate_recognition_per_channel=per_channel,
        diarization_config=None if per_channel else speech_v1.SpeakerDiarizationConfig(
            enable_speaker_diarization=True, min_speaker_count=DIARIZATION_SPEAKERS,
            max_speaker_count=DIARIZATION_SPEAKERS),
        language_code=language_code,
        alternative_language_codes=list(alternative_language_codes),
        model="phone_call",
        use_enhanced=True,
        enable_automatic_punctuation=True,
        enable_word_time_offsets=True,
        enable_word_confidence=True,
        speech_contexts=[speech_v1.SpeechContext(phrases=phrase_hints[:500], boost=10.0)] if phrase_hints else [],
    )


def make_client(credentials: Any = None, api_endpoint: str | None = None, transport: str | None = None):
    """A Speech client over gRPC (the default) or REST (`transport="rest"`). A loopback `api_endpoint` (a local
    server standing in for Google) is reached over gRPC local credentials: no TLS there, the token still sent."""
    from google.api_core.client_options import ClientOptions
    from google.cloud import speech_v1

    options = ClientOptions(api_endpoint=api_endpoint) if api_endpoint else None
    if transport in (None, "grpc") and is_loopback(api_endpoint):
        import grpc
        from google.cloud.speech_v1.services.speech.transports import SpeechGrpcTransport

        transport = partial(SpeechGrpcTransport, ssl_channel_credentials=grpc.local_channel_credentials())
    return speech_v1.SpeechClient(credentials=credentials, client_options=options, transport=transport)


def recognition_audio(recording: Any) -> tuple[Any, audio.WavInfo]:
    """What Speech is sent for the stored WAV (gs:// by URI, anything else inline when small enough), and its
    header."""
    from google.cloud import speech_v1

    # gs:// is passed by URI, without the Airflow connection id an ObjectStoragePath may carry (gs://conn@bucket/..)
    uri = storage_connection(str(recording))[1] if str(recording).startswith("gs://") else None
    with audio.open_recording(recording) as reader:
        info = audio.wav_info(reader)
        if uri:
            return speech_v1.RecognitionAudio(uri=uri), info
        reader.seek(0)
        content = reader.read(INLINE_AUDIO_LIMIT + 1)
    if len(content) > INLINE_AUDIO_LIMIT:
        raise ValueError("audio must be in gs:// or small enough to send inline")
    return speech_v1.RecognitionAudio(content=content), info


def recognize(client, config, payload, *, poll_interval_s: float | None = None) -> list:
    """The results of a long-running recognition, waited for: the operation is polled after about
    `poll_interval_s` (default 1 s), the wait growing 1.5x per poll up to 20 s (api_core's backoff)."""
    from google.api_core import exceptions
    from google.api_core.future.polling import DEFAULT_POLLING

    polling = DEFAULT_POLLING.with_delay(initial=poll_interval_s) if poll_interval_s else DEFAULT_POLLING
    try:
        operation = client.long_running_recognize(config=config, audio=payload)
        return list(operation.result(timeout=OPERATION_TIMEOUT_S, polling=polling).results)
    except exceptions.InvalidArgument as exc:
        raise SpeechConfigError(f"Speech-to-Text refused the request: {exc.message}") from exc


def start(client, recording: Any, *, phrase_hints: list[str], language_code: str = "en-US",
          alternative_language_codes: list[str] | tuple[str, ...] = ()) -> str:
    """Starts the recognition of the stored WAV without waiting for it: the operation's name."""
    from google.api_core import exceptions

    config, payload, _ = _request(recording, phrase_hints, language_code, alternative_language_codes)
    try:
        return client.long_running_recognize(config=config, audio=payload).operation.name
    except exceptions.InvalidArgument as exc:
        raise SpeechConfigError(f"Speech-to-Text refused the request: {exc.message}") from exc


def poll_waits(first_s: float | None = None) -> Iterator[float]:
    """The waits between a trigger's polls, as api_core's DEFAULT_POLLING paces the synchronous wait: `first_s`
    (default 1 s), growing 1.5x per poll up to 20 s."""
    return backoff_waits(first_s or 1.0, 20.0)


def operation_done(client, name: str) -> bool:
    """One poll of a started recognition (google.longrunning GetOperation on the client's transport)."""
    return client.transport.operations_client.get_operation(name).done


def finished_results(client, name: str) -> list:
    """The results of a finished recognition; its error, if it failed, raised as api_core's exception for the
    status (an invalid request as a SpeechConfigError)."""
    from google.api_core import exceptions
    from google.cloud import speech_v1

    operation = client.transport.operations_client.get_operation(name)
    if not operation.done:
        raise RuntimeError(f"Speech-to-Text operation {name} is not done")
    if operation.HasField("error"):
        error = exceptions.from_grpc_status(operation.error.code, operation.error.message)
        if isinstance(error, exceptions.InvalidArgument):
            raise SpeechConfigError(f"Speech-to-Text refused the request: {error.message}")
        raise error
    return list(speech_v1.LongRunningRecognizeResponse.deserialize(operation.response.value).results)


def _request(recording: Any, phrase_hints: list[str], language_code: str,
             alternative_language_codes: list[str] | tuple[str, ...]) -> tuple[Any, Any, audio.WavInfo]:
    payload, info = recognition_audio(recording)
    config = recognition_config(phrase_hints, channels=info.channels, sample_rate_hertz=info.sample_rate,
                                language_code=language_code, alternative_language_codes=alternative_language_codes)
    return config, payload, info


def transcribe(client, recording: Any, *, phrase_hints: list[str],
               channel_speakers: tuple[str, ...] = DEFAULT_CHANNEL_SPEAKERS, language_code: str = "en-US",
               alternative_language_codes: list[str] | tuple[str, ...] = (),
               poll_interval_s: float | None = None) -> Transcript:
    """`recording`: the stored WAV (ObjectStoragePath, local path or binary file)."""
    config, payload, info = _request(recording, phrase_hints, language_code, alternative_language_codes)
    results = recognize(client, config, payload, poll_interval_s=poll_interval_s)
    return transcript_of(results, info.channels, channel_speakers)


def transcript_of(results: list, channels: int,
                  channel_speakers: tuple[str, ...] = DEFAULT_CHANNEL_SPEAKERS) -> Transcript:
    """The transcript of a recognition's results, for a recording of `channels` channels."""
    if channels == 2:
        segments = _result_segments(results, lambda result: _channel_speaker(result.channel_tag, channel_speakers))
    else:
        segments = _diarized_segments(results) or _result_segments(results, lambda result: None)
    transcript = assemble(segments, BACKEND)
    if not transcript.segments:
        return transcript
    return Transcript(transcript.text, transcript.confidence, BACKEND, transcript.segments, _language(results))


def _channel_speaker(channel_tag: int, channel_speakers: tuple[str, ...]) -> str | None:
    return channel_speakers[channel_tag - 1] if 1 <= channel_tag <= len(channel_speakers) else None


def _seconds(duration) -> float:
    return duration.total_seconds() if duration is not None else 0.0


def _result_segments(results: list, speaker_of) -> list[Segment]:
    """One segment per result: timed by its words (else from the previous result's end on that channel)."""
    segments, channel_end = [], defaultdict(float)
    for result in results:
        if not result.alternatives:
            continue
        best = result.alternatives[0]
        end = _seconds(result.result_end_time)
        start = channel_end[result.channel_tag]
        channel_end[result.channel_tag] = end
        text = best.transcript.strip()
        if not text:
            continue
        if best.words:
            start, end = _seconds(best.words[0].start_time), _seconds(best.words[-1].end_time)
        segments.append(Segment(start, max(start, end), text, speaker_of(result), best.confidence or None))
    return segments


def _speaker(word) -> str | None:
    tag = word.speaker_label or (str(word.speaker_tag) if word.speaker_tag else "")
    return f"speaker_{tag}" if tag else None


def _diarized_segments(results: list) -> list[Segment]:
    """Runs of same-speaker words from the last result that carries speaker tags (it holds every word)."""
    words = next((list(r.alternatives[0].words) for r in reversed(results)
                  if r.alternatives and any(_speaker(w) for w in r.alternatives[0].words)), [])
    if not words:
        return []
    scored = [r.alternatives[0].confidence for r in results if r.alternatives and r.alternatives[0].confidence]
    fallback = sum(scored) / len(scored) if scored else None
    runs: list[list] = [[words[0]]]
    for previous, word in zip(words, words[1:], strict=False):
        paused = _seconds(word.start_time) - _seconds(previous.end_time) >= PAUSE_SPLIT_S
        if _speaker(word) != _speaker(previous) or paused:
            runs.append([])
        runs[-1].append(word)
    segments = []
    for run in runs:
        confidences = [w.confidence for w in run if w.confidence]
        segments.append(Segment(
            _seconds(run[0].start_time), _seconds(run[-1].end_time), " ".join(w.word.strip() for w in run).strip(),
            _speaker(run[0]), sum(confidences) / len(confidences) if confidences else fallback))
    return segments


def _language(results: list) -> str | None:
    """The language code of the results covering the most speech (Google reports it per result)."""
    seconds: dict[str, float] = defaultdict(float)
    for result in results:
        if not result.language_code:
            continue
        words = result.alternatives[0].words if result.alternatives else []
        span = _seconds(words[-1].end_time) - _seconds(words[0].start_time) if words else 0.0
        seconds[result.language_code.lower()] += span
    return max(seconds, key=seconds.get) if seconds else None
