"""Google Speech-to-Text (v1 long-running recognize), called directly so the response
(the transcript: PII) is never logged, unlike the provider hook's recognize_speech."""

from __future__ import annotations

from typing import Any

from leadline.speech import Transcript

OPERATION_TIMEOUT_S = 900
INLINE_AUDIO_LIMIT = 10 * 1024 * 1024


def recognition_config(phrase_hints: list[str], language_code: str = "en-US"):
    from google.cloud import speech_v1

    return speech_v1.RecognitionConfig(
        encoding=speech_v1.RecognitionConfig.AudioEncoding.LINEAR16,
        sample_rate_hertz=16000,
        audio_channel_count=1,
        language_code=language_code,
        model="phone_call",
        use_enhanced=True,
        enable_automatic_punctuation=True,
        speech_contexts=[speech_v1.SpeechContext(phrases=phrase_hints[:500], boost=10.0)] if phrase_hints else [],
    )


def make_client(credentials: Any = None, api_endpoint: str | None = None, transport: str | None = None):
    from google.api_core.client_options import ClientOptions
    from google.cloud import speech_v1

    options = ClientOptions(api_endpoint=api_endpoint) if api_endpoint else None
    return speech_v1.SpeechClient(credentials=credentials, client_options=options, transport=transport)


def transcribe(client, *, wav: bytes | None, gcs_uri: str | None, phrase_hints: list[str]) -> Transcript:
    from google.cloud import speech_v1

    if gcs_uri:
        audio = speech_v1.RecognitionAudio(uri=gcs_uri)
    elif wav is not None and len(wav) <= INLINE_AUDIO_LIMIT:
        audio = speech_v1.RecognitionAudio(content=wav)
    else:
        raise ValueError("audio must be in gs:// or small enough to send inline")
    operation = client.long_running_recognize(config=recognition_config(phrase_hints), audio=audio)
    response = operation.result(timeout=OPERATION_TIMEOUT_S)
    texts, confidences = [], []
    for result in response.results:
        if result.alternatives:
            best = result.alternatives[0]
            texts.append(best.transcript.strip())
            confidences.append(best.confidence)
    confidence = sum(confidences) / len(confidences) if confidences else 0.0
    return Transcript(" ".join(t for t in texts if t), round(confidence, 4), "google")
