"""The transcribe step of call_processing (imported by the DAG through operators.calls, with the other steps)."""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from leadline.operators.base import CallOperator

if TYPE_CHECKING:
    from leadline.domain.call import CallRecord
    from leadline.speech import Transcript


@contextmanager
def _failing_for_good():
    """A request Speech refuses, or audio it cannot take, fails the task without retries (they would not help)."""
    from airflow.sdk.exceptions import AirflowFailException

    from leadline import audio
    from leadline.speech import SpeechConfigError

    try:
        yield
    except (SpeechConfigError, audio.UnsupportedAudio) as exc:
        raise AirflowFailException(str(exc)) from exc


class TranscribeOperator(CallOperator):
    """Speech-to-text through SpeechHook. The transcript, its timed speaker segments and language go to the
    store; logs and XCom get only counts (transcript and segment text are PII).

    On Google, `deferrable` (the default) starts the long-running recognition and waits for it in the triggerer
    (triggers.SpeechOperationTrigger), so a recognition of up to 15 minutes holds no worker slot; the task resumes
    in `execute_complete` to read and store the results. Whisper runs in the task, as does Google undeferred."""

    def __init__(self, *, speech_conn_id: str = "leadline_speech", deferrable: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.speech_conn_id = speech_conn_id
        self.deferrable = deferrable

    def execute(self, context) -> dict:
        from datetime import timedelta

        from airflow.sdk import ObjectStoragePath

        from leadline import audio
        from leadline.hooks.speech import SpeechHook
        from leadline.speech.google_backend import OPERATION_TIMEOUT_S
        from leadline.triggers import SpeechOperationTrigger

        call = self.load_call()
        if call.transcript is not None and not self.forced(context):
            return self._keep_stored(call)
        recording = ObjectStoragePath(call.recording_path)
        hints = list((self.load_tenant().config or {}).get("phrase_hints", []))
        hook = SpeechHook(self.speech_conn_id)
        if self.deferrable and hook.backend == "google":
            with _failing_for_good():
                operation = hook.start_recognition(recording, phrase_hints=hints)
            self.log.info("call %s: recognition %s started; awaited in the triggerer", self.call_id, operation)
            self.defer(trigger=SpeechOperationTrigger(self.speech_conn_id, operation),
                       method_name="execute_complete", timeout=timedelta(seconds=OPERATION_TIMEOUT_S))
        with _failing_for_good():
            channels = audio.wav_info(recording).channels
            transcript = hook.transcribe(recording, phrase_hints=hints)
        return self._store(transcript, channels)

    def execute_complete(self, context, event: dict) -> dict:
        """Resumed once the trigger saw the recognition finish: its results are read here, through the hook (the
        event carries only the operation's name), and stored as `execute` stores them."""
        from airflow.sdk import ObjectStoragePath

        from leadline import audio
        from leadline.hooks.speech import SpeechHook

        if event.get("status") != "done":
            raise RuntimeError(f"Speech-to-Text operation {event.get('operation')}: {event.get('status')}")
        recording = ObjectStoragePath(self.load_call().recording_path)
        with _failing_for_good():
            channels = audio.wav_info(recording).channels
            transcript = SpeechHook(self.speech_conn_id).finished_transcript(event["operation"], channels=channels)
        return self._store(transcript, channels)

    def _keep_stored(self, call: CallRecord) -> dict:
        from leadline.domain.redaction import redact, redact_segments
        from leadline.store.calls import redact_stored_transcript

        self.log.info("call %s already transcribed; keeping it", self.call_id)
        kept, stored_segments = redact(call.transcript), call.transcript_segments or []
        texts, in_segments = redact_segments([s.get("text") or "" for s in stored_segments])
        if kept.changed or in_segments:  # stored before redaction existed: redacted now, before analysis
            redact_stored_transcript(self.engine, self.tenant_id, self.call_id, kept.text,
                                     [{**s, "text": t} for s, t in zip(stored_segments, texts, strict=True)])
        return {"confidence": call.transcript_confidence, "language": call.transcript_language,
                "segments": len(stored_segments), "reused": True, "redacted": kept.counts}

    def _store(self, transcript: Transcript, channels: int) -> dict:
        from leadline.domain.redaction import redact, redact_segments
        from leadline.store.calls import record_transcript

        # PII (card numbers, CVV/expiry, SSNs, dates of birth) is replaced by labels before anything is stored:
        # the analyzer, the LLM and the CRMs only ever read the redacted transcript.
        redacted = redact(transcript.text)
        segments = [s.as_dict() for s in transcript.segments]
        for segment, text in zip(segments, redact_segments([s["text"] for s in segments])[0], strict=True):
            segment["text"] = text
        record_transcript(self.engine, self.tenant_id, self.call_id, text=redacted.text,
                          confidence=transcript.confidence, segments=segments, language=transcript.language)
        summary = {"backend": transcript.backend, "confidence": transcript.confidence,
                   "words": len(transcript.text.split()), "segments": len(transcript.segments),
                   "language": transcript.language, "channels": channels, "redacted": redacted.counts}
        self.log.info("call %s transcribed: %s", self.call_id, summary)
        return summary
