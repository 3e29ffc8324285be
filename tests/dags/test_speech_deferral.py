"""Google Speech-to-Text recognitions are waited for in the triggerer: the transcribe task starts the recognition,
defers, and resumes to read and store the results (dag.test runs the trigger inline), against the gRPC fake."""

from __future__ import annotations

import asyncio

import pytest

from leadline.store.calls import get_call
from tests.conftest import FIXTURES
from tests.dags.test_call_pipeline import post_call
from tests.integration.fake_speech import CALL
from tests.integration.fake_speech_grpc import FakeSpeechGrpc, speech_connection_json

PENDING_POLLS = 3


@pytest.fixture
def google_speech(monkeypatch):
    with FakeSpeechGrpc(pending_polls=PENDING_POLLS) as fake:
        monkeypatch.setenv("AIRFLOW_CONN_LEADLINE_SPEECH", speech_connection_json(fake))
        yield fake


def transcribe_result(run) -> dict:
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        row = session.scalars(select(XComModel).filter_by(dag_id="call_processing", run_id=run.run_id,
                                                          task_id="transcribe", key="return_value")).one()
        return XComModel.deserialize_value(row)


def test_a_google_recognition_is_awaited_by_the_trigger_and_stored_on_resume(
        dagbag, store_conn, intake_client, seeded_engine, recordings_server, google_speech, monkeypatch):
    from leadline.triggers import SpeechOperationTrigger

    events = []
    run_trigger = SpeechOperationTrigger.run

    async def recording_events(self):
        async for event in run_trigger(self):
            events.append(event.payload)
            yield event

    monkeypatch.setattr(SpeechOperationTrigger, "run", recording_events)
    post_call(intake_client, "CAL-DEFER-1", f"{recordings_server}/hot_lead.wav", "71")
    run = dagbag.get_dag("call_processing").test(run_conf={"tenant_id": "acme", "call_id": "CAL-DEFER-1"})
    assert {ti.task_id: ti.state for ti in run.get_task_instances()}["transcribe"] == "success"

    # started once; the trigger polled until done (three "not yet", then done); the resumed task read it once
    [operation] = [entry["request"] for entry in google_speech.journal if entry["method"] == "GetOperation"][:1]
    assert [entry["method"] for entry in google_speech.journal] == (
        ["LongRunningRecognize"] + ["GetOperation"] * (PENDING_POLLS + 1) + ["GetOperation"])
    assert events == [{"status": "done", "operation": operation.name}]  # the event names the operation only

    call = get_call(seeded_engine, "acme", "CAL-DEFER-1")
    assert call.transcript == " ".join(text for *_, text, _ in CALL) and call.transcript_language == "en-us"
    assert [s["speaker"] for s in call.transcript_segments] == [f"speaker_{channel}" for channel, *_ in CALL]
    assert transcribe_result(run) == {
        "backend": "google", "confidence": call.transcript_confidence, "words": len(call.transcript.split()),
        "segments": len(CALL), "language": "en-us", "channels": 1, "redacted": {}}


def test_the_trigger_carries_a_connection_id_and_an_operation_name_only(google_speech):
    from leadline.hooks.speech import SpeechHook
    from leadline.triggers import SpeechOperationTrigger

    operation = SpeechHook().start_recognition(FIXTURES / "hot_lead.wav", phrase_hints=["roof"])
    classpath, kwargs = SpeechOperationTrigger("leadline_speech", operation).serialize()
    assert (classpath, kwargs) == ("leadline.triggers.SpeechOperationTrigger",
                                   {"speech_conn_id": "leadline_speech", "operation_name": operation})

    async def first_event():
        return await anext(SpeechOperationTrigger(**kwargs).run())

    assert asyncio.run(first_event()).payload == {"status": "done", "operation": operation}
    assert google_speech.calls("GetOperation") == PENDING_POLLS + 1
    # the results are read by the task, not carried by the event
    transcript = SpeechHook().finished_transcript(operation, channels=1)
    assert transcript.text == " ".join(text for *_, text, _ in CALL)
