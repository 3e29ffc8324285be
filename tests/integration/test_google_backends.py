"""Google Speech-to-Text and Vertex AI Gemini through their real client libraries against local fakes: Speech
over gRPC as production calls it (tests/integration/fake_speech_grpc.py: operations that take several polls,
requests validated like Google's), Vertex over REST (fake_google.py, requests validated against the schema the
prompt asks for). Checks the request production sends (model, language, hints, channels or diarization,
response schema) and what Leadline makes of the answer."""

from __future__ import annotations

import json
import wave

import pytest

from leadline.domain.analysis import LeadAnalysis
from tests.conftest import FIXTURES
from tests.integration.fake_google import CALL, FakeGoogle, connection_json
from tests.integration.fake_speech_grpc import TOKEN, FakeSpeechGrpc, speech_connection_json

LEAD_JSON = json.dumps({
    "call_class": "new_lead", "class_reason": "caller wants a roof quote", "customer_name": "Marcus Whitfield",
    "customer_phone": "+15125550142", "customer_email": "marcus@outlook.com", "project_category": "roof replacement",
    "project_phrase": "new roof", "timeline": "immediate", "timeline_phrase": "this week", "budget_min": 40000,
    "budget_max": 50000, "intent": "high", "summary": "Storm-damaged roof, wants a quote this week.",
})


STEREO, MONO = FIXTURES / "stereo_call.wav", FIXTURES / "hot_lead.wav"


def _common_config_checks(config) -> None:
    from google.cloud import speech_v1

    assert config.language_code == "en-US"
    assert config.model == "phone_call" and config.use_enhanced is True
    assert config.enable_automatic_punctuation is True
    assert config.enable_word_time_offsets is True and config.enable_word_confidence is True
    assert config.sample_rate_hertz == 16000
    assert config.encoding == speech_v1.RecognitionConfig.AudioEncoding.LINEAR16


def test_google_speech_stereo_is_recognised_per_channel(monkeypatch):
    from leadline.hooks.speech import SpeechHook

    with FakeSpeechGrpc(pending_polls=3) as fake:
        monkeypatch.setenv("AIRFLOW_CONN_LEADLINE_SPEECH", speech_connection_json(fake))
        hook = SpeechHook()
        assert hook.backend == "google"
        transcript = hook.transcribe(STEREO, phrase_hints=["roof replacement", "shingles"])

    # the operation was not done at first: the client waited on it, polling until it was
    assert [entry["method"] for entry in fake.journal] == ["LongRunningRecognize"] + ["GetOperation"] * 4
    assert all(entry["metadata"]["authorization"] == f"Bearer {TOKEN}" for entry in fake.journal)
    [request] = fake.requests()
    config = request.config
    _common_config_checks(config)
    assert config.audio_channel_count == 2 and config.enable_separate_recognition_per_channel is True
    assert not config.diarization_config.enable_speaker_diarization
    assert [(list(c.phrases), c.boost) for c in config.speech_contexts] == [(["roof replacement", "shingles"], 10.0)]
    assert request.audio.content == STEREO.read_bytes()

    # the fake answers channel 1's results first: the segments come back merged in time order
    assert transcript.backend == "google"
    assert [s.as_dict() for s in transcript.segments] == [
        {"start": start, "end": end, "text": text, "speaker": ("agent", "caller")[channel - 1],
         "confidence": pytest.approx(confidence)} for channel, start, end, text, confidence in CALL]
    assert transcript.text == " ".join(text for *_, text, _ in CALL)
    durations = [end - start for _, start, end, _, _ in CALL]
    assert transcript.confidence == pytest.approx(sum(d * c for d, (*_, c) in zip(durations, CALL, strict=True))
                                                  / sum(durations), abs=1e-4)
    assert (transcript.language, transcript.language_probability) == ("en-us", None)


def test_google_speech_mono_is_diarized_into_two_speakers(monkeypatch):
    from leadline.hooks.speech import SpeechHook

    with FakeSpeechGrpc() as fake:
        monkeypatch.setenv("AIRFLOW_CONN_LEADLINE_SPEECH", speech_connection_json(fake))
        transcript = SpeechHook().transcribe(MONO, phrase_hints=[])

    [request] = fake.requests()
    config = request.config
    _common_config_checks(config)
    assert config.audio_channel_count == 1 and not config.enable_separate_recognition_per_channel
    diarization = config.diarization_config
    assert (diarization.enable_speaker_diarization, diarization.min_speaker_count,
            diarization.max_speaker_count) == (True, 2, 2)
    assert not config.speech_contexts
    # speakers from the words' speaker tags of the last result; the per-utterance transcripts are not repeated
    assert [(s.speaker, s.text, s.start, s.end) for s in transcript.segments] == [
        (f"speaker_{channel}", text, pytest.approx(start), pytest.approx(end))
        for channel, start, end, text, _ in CALL]
    assert transcript.text == " ".join(text for *_, text, _ in CALL)
    assert transcript.language == "en-us"


def test_channel_speakers_come_from_the_connection(monkeypatch):
    from leadline.hooks.speech import SpeechHook

    with FakeSpeechGrpc() as fake:
        monkeypatch.setenv("AIRFLOW_CONN_LEADLINE_SPEECH", speech_connection_json(fake,
                                                                                 channel_speakers=["caller", "agent"]))
        transcript = SpeechHook().transcribe(STEREO, phrase_hints=[])
        assert transcript.segments[0].speaker == "caller"  # channel 1 (the first) is the caller now
        assert {s.speaker for s in transcript.segments} == {"caller", "agent"}
        assert SpeechHook().test_connection() == (True, "google ready")  # one ListOperations over gRPC

        monkeypatch.setenv("AIRFLOW_CONN_LEADLINE_SPEECH", speech_connection_json(fake, channel_speakers=["agent"]))
        ok, message = SpeechHook().test_connection()
    assert not ok and "channel_speakers must be two different labels" in message
    assert fake.calls("ListOperations") == 1


class StoredInGcs:
    """A gs:// recording as the operator hands it over (ObjectStoragePath): str() is its URI, open() reads it."""

    def __init__(self, uri: str, local):
        self.uri, self.local = uri, local

    def __str__(self) -> str:
        return self.uri

    def open(self, mode: str = "rb"):
        return self.local.open(mode)


def test_google_speech_uses_gcs_uri_for_stored_recordings(monkeypatch):
    from leadline.hooks.speech import SpeechHook

    with FakeSpeechGrpc() as fake:
        monkeypatch.setenv("AIRFLOW_CONN_LEADLINE_SPEECH", speech_connection_json(fake))
        SpeechHook().transcribe(StoredInGcs("gs://bucket/acme/recordings/C1.wav", STEREO), phrase_hints=[])
    [request] = fake.requests()
    assert (request.audio.uri, request.audio.content) == ("gs://bucket/acme/recordings/C1.wav", b"")
    assert request.config.audio_channel_count == 2  # read from the stored file's header, not guessed
    assert not request.config.speech_contexts


def _write_wav(path, *, channels: int = 1, rate: int = 16000, frames: int = 16000) -> None:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"\0\0" * channels * frames)


def test_large_local_recordings_are_not_sent_inline(monkeypatch, tmp_path):
    from leadline.hooks.speech import SpeechHook
    from leadline.speech.google_backend import INLINE_AUDIO_LIMIT

    big = tmp_path / "long.wav"
    _write_wav(big, frames=INLINE_AUDIO_LIMIT // 2 + 1)
    with FakeSpeechGrpc() as fake:
        monkeypatch.setenv("AIRFLOW_CONN_LEADLINE_SPEECH", speech_connection_json(fake))
        with pytest.raises(ValueError, match="gs:// or small enough"):
            SpeechHook().transcribe(big, phrase_hints=[])
    assert fake.journal == []


def test_the_sample_rate_sent_is_the_recordings_own(monkeypatch, tmp_path):
    from leadline.hooks.speech import SpeechHook

    narrowband = tmp_path / "phone.wav"
    _write_wav(narrowband, rate=8000)
    with FakeSpeechGrpc() as fake:
        monkeypatch.setenv("AIRFLOW_CONN_LEADLINE_SPEECH", speech_connection_json(fake))
        SpeechHook().transcribe(narrowband, phrase_hints=[])
    assert fake.requests()[0].config.sample_rate_hertz == 8000  # else Google refuses it against the header


def test_vertex_request_carries_prompt_and_json_schema(monkeypatch):
    from leadline.hooks.analysis import AnalysisHook, CallForAnalysis

    with FakeGoogle(vertex_text=LEAD_JSON) as fake:
        monkeypatch.setenv("AIRFLOW_CONN_LEADLINE_LLM", connection_json(fake, project_id="leadline-prod",
                                                                        location="us-central1"))
        hook = AnalysisHook()
        assert hook.backend == "vertex"
        analysis = hook.analyze(CallForAnalysis(transcript="hi my name is marcus", phrase_hints=["roof replacement"]),
                                model="gemini-2.5-flash")

    assert analysis == LeadAnalysis.model_validate_json(LEAD_JSON).model_copy(
        update={"analyzer": "vertex:gemini-2.5-flash"})
    [request] = fake.journal
    assert request["path"].endswith(
        "/projects/leadline-prod/locations/us-central1/publishers/google/models/gemini-2.5-flash:generateContent")
    body = request["body"]
    prompt = body["contents"][0]["parts"][0]["text"]
    assert "hi my name is marcus" in prompt and "roof replacement" in prompt
    assert "+1XXXXXXXXXX" in prompt
    generation = body["generationConfig"]
    assert generation["responseMimeType"] == "application/json"
    assert generation["temperature"] == 0.0
    schema = generation["responseJsonSchema"]
    assert {"customer_name", "customer_phone", "customer_email", "project_category", "project_phrase", "timeline",
            "timeline_phrase", "budget_min", "budget_max", "intent", "summary", "call_class", "class_reason",
            "caller_location", "in_service_area", "confidence"} == set(schema["properties"])


def test_invalid_llm_output_falls_back_to_rules(monkeypatch):
    from leadline.hooks.analysis import AnalysisHook, CallForAnalysis

    bad = json.dumps({"customer_phone": "call me maybe", "intent": "very"})
    with FakeGoogle(vertex_text=bad) as fake:
        monkeypatch.setenv("AIRFLOW_CONN_LEADLINE_LLM", connection_json(fake, project_id="p"))
        analysis = AnalysisHook().analyze(CallForAnalysis(transcript="i need a roof replacement as soon as possible"))
    assert (analysis.analyzer, analysis.fallback_reason) == ("rules_fallback", "vertex:gemini-2.5-flash failed: "
                                                                               "ValidationError")
    assert (analysis.project_category, analysis.timeline) == ("roof replacement", "immediate")


def test_without_connections_the_embedded_backends_are_used(monkeypatch):
    from leadline.hooks.analysis import AnalysisHook
    from leadline.hooks.speech import SpeechHook

    monkeypatch.delenv("AIRFLOW_CONN_LEADLINE_SPEECH", raising=False)
    monkeypatch.delenv("AIRFLOW_CONN_LEADLINE_LLM", raising=False)
    assert SpeechHook().backend == "whisper"
    assert AnalysisHook().backend == "rules"
    assert SpeechHook().test_connection() == (True, "whisper ready")


def test_vertex_embeddings_request_and_local_default(monkeypatch):
    from leadline.hooks.embedding import EmbeddingHook

    monkeypatch.delenv("AIRFLOW_CONN_LEADLINE_EMBEDDINGS", raising=False)
    local = EmbeddingHook()
    assert local.backend == "local" and len(local.embed(["roof quote"])[0]) == 256
    with FakeGoogle() as fake:
        monkeypatch.setenv("AIRFLOW_CONN_LEADLINE_EMBEDDINGS", connection_json(fake, project_id="leadline-prod",
                                                                               model="text-embedding-005"))
        hook = EmbeddingHook()
        assert hook.backend == "vertex"
        vectors = hook.embed(["first text", "second text"])
    assert vectors == [[0.1, 0.2, 0.3], [0.2, 0.2, 0.3]]
    [request] = fake.journal
    assert request["path"].endswith("/projects/leadline-prod/locations/us-central1/publishers/google/models/"
                                    "text-embedding-005:predict")
    assert [i["content"] for i in request["body"]["instances"]] == ["first text", "second text"]
