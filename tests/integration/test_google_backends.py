"""Google Speech-to-Text and Vertex AI Gemini through their real client libraries against a local fake:
checks the request that production would send (model, language, hints, response schema)."""

from __future__ import annotations

import base64
import json

from leadline.domain.analysis import LeadAnalysis
from tests.integration.fake_google import FakeGoogle, connection_json

LEAD_JSON = json.dumps({
    "customer_name": "Marcus Whitfield", "customer_phone": "+15550142678", "customer_email": "marcus@outlook.com",
    "project_type": "roof replacement", "timeline": "immediate", "budget_min": 40000, "budget_max": 50000,
    "intent": "high", "summary": "Storm-damaged roof, wants a quote this week.",
})


def test_google_speech_request_and_response(monkeypatch):
    from leadline.hooks.speech import SpeechHook

    with FakeGoogle() as fake:
        monkeypatch.setenv("AIRFLOW_CONN_LEADLINE_SPEECH", connection_json(fake, transport="rest"))
        hook = SpeechHook()
        assert hook.backend == "google"
        wav = b"RIFF0000WAVEfmt " + b"\x00" * 64
        transcript = hook.transcribe(pcm16=b"", wav=wav, gcs_uri=None, phrase_hints=["roof replacement", "shingles"])

    assert transcript.backend == "google"
    assert transcript.text == "Hi, my name is Marcus Whitfield. I need a roof replacement as soon as possible."
    assert transcript.confidence == 0.9
    [request] = fake.journal
    assert request["path"] == "/v1/speech:longrunningrecognize"
    assert request["headers"]["authorization"] == "Bearer test-token"
    config = request["body"]["config"]
    assert config["languageCode"] == "en-US"
    assert config["model"] == "phone_call" and config["useEnhanced"] is True
    assert config["enableAutomaticPunctuation"] is True
    from google.cloud import speech_v1

    # the REST transport sends enums as their numbers
    assert config["sampleRateHertz"] == 16000
    assert config["encoding"] == speech_v1.RecognitionConfig.AudioEncoding.LINEAR16.value
    assert config["speechContexts"] == [{"phrases": ["roof replacement", "shingles"], "boost": 10.0}]
    assert base64.b64decode(request["body"]["audio"]["content"]) == wav


def test_google_speech_uses_gcs_uri_for_stored_recordings(monkeypatch):
    from leadline.hooks.speech import SpeechHook

    with FakeGoogle() as fake:
        monkeypatch.setenv("AIRFLOW_CONN_LEADLINE_SPEECH", connection_json(fake, transport="rest"))
        SpeechHook().transcribe(pcm16=b"", wav=b"", gcs_uri="gs://bucket/acme/recordings/C1.wav", phrase_hints=[])
    assert fake.journal[0]["body"]["audio"] == {"uri": "gs://bucket/acme/recordings/C1.wav"}
    assert "speechContexts" not in fake.journal[0]["body"]["config"]


def test_vertex_request_carries_prompt_and_json_schema(monkeypatch):
    from leadline.hooks.analysis import AnalysisHook

    with FakeGoogle(vertex_text=LEAD_JSON) as fake:
        monkeypatch.setenv("AIRFLOW_CONN_LEADLINE_LLM", connection_json(fake, project_id="leadline-prod",
                                                                        location="us-central1"))
        hook = AnalysisHook()
        assert hook.backend == "vertex"
        analysis = hook.analyze("hi my name is marcus", ["roof replacement"], model="gemini-2.5-flash")

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
    assert {"customer_name", "customer_phone", "customer_email", "project_type", "timeline", "budget_min",
            "budget_max", "intent", "summary"} == set(schema["properties"])


def test_invalid_llm_output_falls_back_to_rules(monkeypatch):
    from leadline.hooks.analysis import AnalysisHook

    bad = json.dumps({"customer_phone": "call me maybe", "intent": "very"})
    with FakeGoogle(vertex_text=bad) as fake:
        monkeypatch.setenv("AIRFLOW_CONN_LEADLINE_LLM", connection_json(fake, project_id="p"))
        analysis = AnalysisHook().analyze("i need a roof replacement as soon as possible", [])
    assert analysis.analyzer == "rules_fallback"
    assert (analysis.project_type, analysis.timeline) == ("roof replacement", "immediate")


def test_without_connections_the_embedded_backends_are_used(monkeypatch):
    from leadline.hooks.analysis import AnalysisHook
    from leadline.hooks.speech import SpeechHook

    monkeypatch.delenv("AIRFLOW_CONN_LEADLINE_SPEECH", raising=False)
    monkeypatch.delenv("AIRFLOW_CONN_LEADLINE_LLM", raising=False)
    assert SpeechHook().backend == "pocketsphinx"
    assert AnalysisHook().backend == "rules"
    assert SpeechHook().test_connection() == (True, "pocketsphinx ready")


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
