"""SpeechHook (`leadline_speech`): Google Speech-to-Text when the connection is a Google Cloud one,
PocketSphinx otherwise (the embedded default, also used when no connection is defined)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from airflow.sdk.bases.hook import BaseHook

from leadline.config import leadline_home
from leadline.hooks.connections import optional_connection
from leadline.hooks.google import credentials_from_extra
from leadline.speech import Transcript

GOOGLE_CONN_TYPES = ("google_cloud_platform", "gcpspeech")


class SpeechHook(BaseHook):
    conn_name_attr = "speech_conn_id"
    default_conn_name = "leadline_speech"
    conn_type = "leadline_speech"
    hook_name = "Leadline speech-to-text"

    def __init__(self, speech_conn_id: str = default_conn_name, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.speech_conn_id = speech_conn_id

    def _connection(self):
        return optional_connection(self.speech_conn_id)

    @property
    def backend(self) -> str:
        conn = self._connection()
        return "google" if conn is not None and conn.conn_type in GOOGLE_CONN_TYPES else "pocketsphinx"

    def get_conn(self):
        """The Speech client (google backend); PocketSphinx needs no client."""
        conn = self._connection()
        if conn is None or conn.conn_type not in GOOGLE_CONN_TYPES:
            return None
        from leadline.speech.google_backend import make_client

        extra = conn.extra_dejson
        credentials = credentials_from_extra(extra)
        return make_client(credentials, extra.get("api_endpoint"), extra.get("transport"))

    def transcribe(self, *, pcm16: bytes, wav: bytes, gcs_uri: str | None, phrase_hints: list[str]) -> Transcript:
        if self.backend == "google":
            from leadline.speech.google_backend import transcribe

            return transcribe(self.get_conn(), wav=wav, gcs_uri=gcs_uri, phrase_hints=phrase_hints)
        from leadline.speech.pocketsphinx_backend import transcribe_pcm16

        model_dir = Path((self._connection().extra_dejson if self._connection() else {}).get(
            "model_dir", leadline_home() / "models"))
        return transcribe_pcm16(pcm16, model_dir, phrase_hints)

    def test_connection(self) -> tuple[bool, str]:
        try:
            if self.backend == "google":
                self.get_conn()
            else:
                from pocketsphinx import get_model_path

                if not Path(get_model_path(), "en-us", "en-us").is_dir():
                    return False, "PocketSphinx en-us model missing"
        except Exception as exc:
            return False, f"{type(exc).__name__}: {exc}"
        return True, f"{self.backend} ready"
