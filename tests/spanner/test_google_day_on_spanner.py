"""A call's whole day on Google's stack, as production runs it, each service on a local stand-in that speaks its
protocol: the call_processing DAG (dag.test) with the store on the Cloud Spanner emulator, the recording in a
Cloud Storage emulator bucket (fake-gcs-server), Speech-to-Text over gRPC (fake_speech_grpc: it reads the
recording's header from that bucket and answers with an operation that takes several polls) and Vertex AI Gemini
(fake_google: the request checked against the schema the prompt asks for). Every backend is picked by the Airflow
connections production has, with endpoints pointing here."""

from __future__ import annotations

import json

import pytest

from leadline.store.calls import get_call
from leadline.store.processing import get_request
from tests.dags.test_call_pipeline import PROCESSED, post_call
from tests.dags.test_gcs_storage import Bucket, gcs_connection
from tests.dags.test_vertex_analysis import GEMINI_LEAD
from tests.emulators import gcs_emulator
from tests.integration.fake_google import CALL, FakeGoogle, connection_json
from tests.integration.fake_speech import gcs_reader
from tests.integration.fake_speech_grpc import FakeSpeechGrpc, speech_connection_json

pytestmark = pytest.mark.spanner
CALL_ID = "CAL-GOOGLE-1"
GOOGLE_TRANSCRIPT = " ".join(text for *_, text, _ in CALL)


DAY_CONN_ID = "leadline_gcs_day"


@pytest.fixture
def google_day(store_conn, seeded_engine, monkeypatch):
    """The tasks' connections on the emulators and fakes: storage, speech and the LLM (the store is the tier's)."""
    with gcs_emulator() as gcs_endpoint, FakeSpeechGrpc(pending_polls=3, read_uri=gcs_reader(gcs_endpoint)) as speech, \
            FakeGoogle(vertex_text=json.dumps(GEMINI_LEAD)) as vertex:
        # a connection of its own: Airflow caches a storage filesystem per connection id for the process, and
        # tests/dags/test_gcs_storage.py's emulator (another endpoint) may have come and gone before this one
        bucket = Bucket(gcs_endpoint, conn_id=DAY_CONN_ID)
        monkeypatch.setenv(f"AIRFLOW_CONN_{DAY_CONN_ID.upper()}", gcs_connection(gcs_endpoint))
        monkeypatch.setenv("LEADLINE_STORAGE_URL", bucket.storage_url)
        monkeypatch.setenv("AIRFLOW_CONN_LEADLINE_SPEECH", speech_connection_json(speech))
        monkeypatch.setenv("AIRFLOW_CONN_LEADLINE_LLM", connection_json(vertex, project_id="leadline-prod",
                                                                        location="us-central1"))
        yield bucket, speech, vertex


def test_a_call_is_processed_on_spanner_gcs_speech_over_grpc_and_vertex(dagbag, intake_client, seeded_engine,
                                                                      recordings_server, google_day):
    bucket, speech, vertex = google_day
    post_call(intake_client, CALL_ID, f"{recordings_server}/hot_lead.wav", "71")
    run = dagbag.get_dag("call_processing").test(run_conf={"tenant_id": "acme", "call_id": CALL_ID})
    assert {ti.task_id: ti.state for ti in run.get_task_instances()} == PROCESSED

    # the recording went to the bucket, and Speech was handed its URI (without the Airflow connection id)
    assert bucket.files() == [f"acme/recordings/{CALL_ID}.wav"]
    [recognize] = speech.requests()
    assert recognize.audio.uri == f"gs://{bucket.key(f'acme/recordings/{CALL_ID}.wav')}"
    assert recognize.config.audio_channel_count == 1 and recognize.config.diarization_config.enable_speaker_diarization
    # the trigger polls (three answers "not done yet", then done), then the resumed task reads the results
    assert speech.calls("GetOperation") == 5

    call = get_call(seeded_engine, "acme", CALL_ID)
    assert call.recording_path == bucket.uri(f"acme/recordings/{CALL_ID}.wav")
    assert call.transcript == GOOGLE_TRANSCRIPT and call.transcript_language == "en-us"
    assert [s["speaker"] for s in call.transcript_segments] == [f"speaker_{channel}" for channel, *_ in CALL]

    [generate] = [r for r in vertex.journal if r["path"].endswith(":generateContent")]
    assert "Marcus Whitfield. I need a roof replacement" in generate["body"]["contents"][0]["parts"][0]["text"]
    lead = call.ai_analysis["lead"]
    assert (lead["analyzer"], lead["fallback_reason"]) == ("vertex:gemini-2.5-flash", None)
    assert (call.call_class, lead["budget_max"]) == ("new_lead", 50000)
    assert get_request(seeded_engine, "acme", CALL_ID)["status"] == "completed"
