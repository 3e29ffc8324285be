"""Keeps the fakes honest: what Google refuses, they refuse, with Google's error shapes, through the real
client libraries (Speech over gRPC and REST, Vertex AI over REST); and production turns such a refusal into a
failure that is not retried (Speech) or a fallback on record (Vertex)."""

from __future__ import annotations

import pytest
from google.api_core.exceptions import InvalidArgument
from google.auth.credentials import AnonymousCredentials
from google.cloud import speech_v1
from google.oauth2.credentials import Credentials
from google.rpc import error_details_pb2

from tests.conftest import FIXTURES
from tests.integration.fake_google import FakeGoogle, connection_json
from tests.integration.fake_speech_grpc import TOKEN, FakeSpeechGrpc, speech_connection_json

STEREO = FIXTURES / "stereo_call.wav"
Encoding = speech_v1.RecognitionConfig.AudioEncoding


def _stereo_config(**changes):
    from leadline.speech.google_backend import recognition_config

    config = recognition_config([], channels=2)
    for name, value in changes.items():
        setattr(config, name, value)
    return config


REFUSED_CONFIGS = {
    "encoding": ({"encoding": Encoding.MULAW}, "config.encoding", "bad encoding. The WAV header says LINEAR16"),
    "sample rate": ({"sample_rate_hertz": 8000}, "config.sample_rate_hertz",
                    r"sample_rate_hertz \(8000\) in RecognitionConfig must either be unspecified or match the value "
                    r"in the WAV header \(16000\)"),
    "rate range": ({"sample_rate_hertz": 96000}, "config.sample_rate_hertz", "must be between 8000 and 48000"),
    "channels": ({"audio_channel_count": 1, "enable_separate_recognition_per_channel": False},
                 "config.audio_channel_count", "audio_channel_count `1` in RecognitionConfig must either be "
                                               "unspecified or match the value in the WAV header `2`"),
    "model": ({"model": "phone_call_v9"}, "config.model",
              "The requested model is currently not supported for language : en-US"),
    "diarization per channel": ({"diarization_config": speech_v1.SpeakerDiarizationConfig(
        enable_speaker_diarization=True, min_speaker_count=2, max_speaker_count=2)}, "config.diarization_config",
        "speaker diarization cannot be used with separate recognition per channel"),
}


@pytest.fixture(scope="module")
def speech_over_grpc():
    from leadline.speech.google_backend import make_client

    with FakeSpeechGrpc() as fake:
        yield fake, make_client(Credentials(token=TOKEN), fake.endpoint)


@pytest.mark.parametrize("case", REFUSED_CONFIGS)
def test_speech_refuses_a_config_that_disagrees_with_the_audio_or_the_api(speech_over_grpc, case):
    fake, client = speech_over_grpc
    changes, field, message = REFUSED_CONFIGS[case]
    with pytest.raises(InvalidArgument, match=message) as refused:
        client.long_running_recognize(config=_stereo_config(**changes),
                                      audio=speech_v1.RecognitionAudio(content=STEREO.read_bytes()))
    [bad_request] = [d for d in refused.value.details if isinstance(d, error_details_pb2.BadRequest)]
    assert [v.field for v in bad_request.field_violations] == [field]
    assert fake.calls("GetOperation") == 0  # no operation was started


def test_speech_refuses_calls_without_credentials(speech_over_grpc):
    from google.api_core.exceptions import Unauthenticated

    from leadline.speech.google_backend import make_client

    fake, _ = speech_over_grpc
    anonymous = make_client(AnonymousCredentials(), fake.endpoint)
    with pytest.raises(Unauthenticated, match="Expected OAuth 2 access token"):
        anonymous.long_running_recognize(config=_stereo_config(),
                                         audio=speech_v1.RecognitionAudio(content=STEREO.read_bytes()))


def test_a_refused_recognition_fails_the_transcription_without_retrying(monkeypatch):
    from leadline.hooks.speech import SpeechHook
    from leadline.speech import SpeechConfigError

    with FakeSpeechGrpc() as fake:
        monkeypatch.setenv("AIRFLOW_CONN_LEADLINE_SPEECH", speech_connection_json(fake, language_code=""))
        with pytest.raises(SpeechConfigError, match="Speech-to-Text refused the request: .*missing language_code"):
            SpeechHook().transcribe(STEREO, phrase_hints=[])
    assert fake.calls("LongRunningRecognize") == 1


def test_the_rest_fake_refuses_like_the_grpc_one():
    from google.api_core.exceptions import BadRequest

    from leadline.speech.google_backend import make_client

    with FakeGoogle() as fake:
        client = make_client(AnonymousCredentials(), fake.url, "rest")
        with pytest.raises(BadRequest, match="WAV header `2`"):
            client.long_running_recognize(config=_stereo_config(audio_channel_count=1),
                                          audio=speech_v1.RecognitionAudio(content=STEREO.read_bytes()))
    [request] = fake.journal
    assert request["path"] == "/v1/speech:longrunningrecognize"


@pytest.fixture
def vertex(monkeypatch):
    from leadline.hooks.analysis import AnalysisHook

    with FakeGoogle(vertex_text="{}") as fake:
        monkeypatch.setenv("AIRFLOW_CONN_LEADLINE_LLM", connection_json(fake, project_id="leadline-prod"))
        yield fake, AnalysisHook().get_conn()


def _generate(client, *, model: str = "gemini-2.5-flash", contents="Transcript:\nhi", **config):
    from google.genai import types

    return client.models.generate_content(model=model, contents=contents,
                                          config=types.GenerateContentConfig(**config))


def test_vertex_refuses_a_request_that_does_not_ask_for_the_prompts_json(vertex):
    from google.genai.errors import ClientError

    from leadline.domain.analysis import json_schema_for_llm
    from leadline.hooks.analysis import CallForAnalysis, render_prompt

    fake, client = vertex
    prompt, schema = render_prompt(CallForAnalysis(transcript="hi")), json_schema_for_llm()
    with pytest.raises(ClientError, match="INVALID_ARGUMENT") as as_text:
        _generate(client, contents=prompt, response_mime_type="text/plain", response_json_schema=schema)
    without_budget = {**schema, "properties": {k: v for k, v in schema["properties"].items() if k != "budget_max"}}
    with pytest.raises(ClientError, match=r"missing \['budget_max'\]") as missing_field:
        _generate(client, contents=prompt, response_mime_type="application/json", response_json_schema=without_budget)
    with pytest.raises(ClientError, match="Invalid JSON schema"):
        _generate(client, contents=prompt, response_mime_type="application/json",
                  response_json_schema={**schema, "type": "no-such-type"})
    assert (as_text.value.code, missing_field.value.code) == (400, 400)
    [violation] = missing_field.value.details["error"]["details"][0]["fieldViolations"]
    assert violation["field"] == "generation_config.response_json_schema"
    assert as_text.value.details["error"]["details"][0]["fieldViolations"][0]["field"] == (
        "generation_config.response_mime_type")
    _generate(client, contents=prompt, response_mime_type="application/json", response_json_schema=schema)
    assert len(fake.journal) == 4


def test_vertex_refuses_unknown_models_and_empty_prompts(vertex):
    from google.genai import types
    from google.genai.errors import ClientError

    fake, client = vertex
    with pytest.raises(ClientError, match="Publisher Model `projects/leadline-prod/locations/us-central1/publishers/"
                                          "google/models/gemini-9-ultra` was not found") as unknown:
        _generate(client, model="gemini-9-ultra")
    assert (unknown.value.code, unknown.value.status) == (404, "NOT_FOUND")
    with pytest.raises(ClientError, match="must include at least one parts field"):
        client.models.count_tokens(model="gemini-2.5-flash", contents=[types.Content(role="user", parts=[])])


def test_a_refused_gemini_request_falls_back_to_the_rules_on_record(monkeypatch):
    from leadline.hooks.analysis import AnalysisHook, CallForAnalysis

    with FakeGoogle(vertex_text="{}") as fake:
        monkeypatch.setenv("AIRFLOW_CONN_LEADLINE_LLM", connection_json(fake, project_id="p", model="gemini-9-ultra"))
        analysis = AnalysisHook().analyze(CallForAnalysis(transcript="i need a roof replacement as soon as possible"))
    assert (analysis.analyzer, analysis.fallback_reason) == ("rules_fallback",
                                                             "vertex:gemini-9-ultra failed: ClientError")
