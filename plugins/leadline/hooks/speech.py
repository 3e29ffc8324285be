"""SpeechHook (`leadline_speech`): Google Speech-to-Text when the connection is a Google Cloud one,
Whisper (faster-whisper, on this machine) otherwise, also when no connection is defined.

Connection extras, both backends: `channel_speakers` (speaker of channel 0 and 1 of a stereo recording,
default ["agent", "caller"]). Whisper: `model` ("base", the default; "tiny.en", about twice as fast and
weaker on spoken digits; or a CTranslate2 Whisper model directory; `model_path` is read as before).
Google: `api_endpoint` (host:port; a loopback one is a local stand-in, reached without TLS), `transport`
("grpc", the default, or "rest"), credentials (the Google provider's extras, see hooks.google), `language_code`
(default en-US), `alternative_language_codes`, `operation_poll_s` (first wait between polls of the recognition's
long-running operation, default 1 s, growing 1.5x per poll up to 20 s; by the task, or by the triggerer for a
deferred one: start_recognition, recognition_done, finished_transcript).
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from leadline.hooks.google import GoogleBackedHook
from leadline.speech import Transcript, channel_speakers

GOOGLE_CONN_TYPES = ("google_cloud_platform", "gcpspeech")


class SpeechHook(GoogleBackedHook):
    conn_name_attr = "speech_conn_id"
    default_conn_name = "leadline_speech"
    conn_type = "leadline_speech"
    hook_name = "Leadline speech-to-text (Whisper; Google STT on a Google Cloud connection)"
    google_conn_types = GOOGLE_CONN_TYPES
    google_backend = "google"
    embedded_backend = "whisper"

    def __init__(self, speech_conn_id: str = default_conn_name, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.speech_conn_id = speech_conn_id

    @property
    def _conn(self):
        return self.connection

    @cached_property
    def client(self):
        """The Speech client (google; one per hook) or the loaded WhisperModel (whisper; cached per process and
        path)."""
        extra = self.extra
        if self.backend == "google":
            from leadline.speech.google_backend import make_client

            credentials, _ = self.google_credentials
            return make_client(credentials, extra.get("api_endpoint"), extra.get("transport"))
        from leadline.speech.whisper_backend import load_model

        return load_model(self.whisper_model)

    @property
    def whisper_model(self) -> str | None:
        return self.extra.get("model") or self.extra.get("model_path")

    def get_conn(self):
        return self.client

    def transcribe(self, recording: Any, *, phrase_hints: list[str]) -> Transcript:
        """`recording`: the stored 16 kHz WAV (ObjectStoragePath, local path or binary file)."""
        extra = self.extra
        speakers = channel_speakers(extra.get("channel_speakers"))
        if self.backend == "google":
            from leadline.speech import google_backend

            return google_backend.transcribe(
                self.get_conn(), recording, phrase_hints=phrase_hints, channel_speakers=speakers,
                language_code=extra.get("language_code", "en-US"),
                alternative_language_codes=extra.get("alternative_language_codes", ()),
                poll_interval_s=extra.get("operation_poll_s"))
        from leadline.speech import whisper_backend

        return whisper_backend.transcribe(recording, model=self.whisper_model, phrase_hints=phrase_hints,
                                          channel_speakers=speakers)

    @classmethod
    async def for_trigger(cls, speech_conn_id: str) -> SpeechHook:
        """A hook for a trigger: its connection read with the async look-up the triggerer's event loop needs."""
        hook = cls(speech_conn_id)
        hook.connection = await cls.aget_connection(speech_conn_id)
        return hook

    def start_recognition(self, recording: Any, *, phrase_hints: list[str]) -> str:
        """Google only: starts the long-running recognition, not waiting for it; the operation's name (no PII)."""
        from leadline.speech import google_backend

        extra = self.extra
        return google_backend.start(self.get_conn(), recording, phrase_hints=phrase_hints,
                                    language_code=extra.get("language_code", "en-US"),
                                    alternative_language_codes=extra.get("alternative_language_codes", ()))

    def recognition_done(self, operation_name: str) -> bool:
        from leadline.speech import google_backend

        return google_backend.operation_done(self.get_conn(), operation_name)

    def poll_waits(self):
        """The waits between polls of a recognition: `operation_poll_s` first, then growing."""
        from leadline.speech import google_backend

        return google_backend.poll_waits(self.extra.get("operation_poll_s"))

    def finished_transcript(self, operation_name: str, *, channels: int) -> Transcript:
        """The transcript of a finished recognition of a recording with `channels` channels."""
        from leadline.speech import google_backend

        results = google_backend.finished_results(self.get_conn(), operation_name)
        return google_backend.transcript_of(results, channels, channel_speakers(self.extra.get("channel_speakers")))

    def test_connection(self) -> tuple[bool, str]:
        """Whisper: the model loads. Google: one operations.list request (credentials, endpoint, API enabled)."""
        try:
            channel_speakers(self.extra.get("channel_speakers"))
            client = self.get_conn()
            if self.backend == "google":
                from google.longrunning import operations_pb2

                client.list_operations(operations_pb2.ListOperationsRequest(page_size=1))
        except Exception as exc:
            return False, f"{type(exc).__name__}: {exc}"
        return True, f"{self.backend} ready"
