"""The per-call flow for real: signed webhook -> intake -> call_dispatch -> call_processing (dag.test)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from leadline.store.calls import get_call
from leadline.store.processing import get_request
from leadline.store.schema import alerts, processing_requests
from tests.helpers import SECRETS, call_payload, encode, signed_headers, store_snapshot

WEBHOOK = "/v1/callrail/webhook"
# acme has no CRM configured in these tests: both sync steps skip, everything else succeeds.
PROCESSED = {"fetch_recording": "success", "transcribe": "success", "analyze": "success", "score": "success",
             "sync_primary_crm": "skipped", "sync_secondary_crm": "skipped", "notify": "success"}


def post_call(client, call_id: str, recording_url: str, duration: str) -> str:
    body = encode(call_payload(call_id=call_id, recording_url=recording_url, duration=duration))
    response = client.post(WEBHOOK, content=body, headers=signed_headers(SECRETS["acme"], body))
    assert response.status_code == 200, response.text
    return response.json()["request_id"]


def run_dispatch(dagbag):
    from airflow.models import DagRun

    dagbag.get_dag("call_dispatch").test()
    return {run.run_id: run.conf for run in DagRun.find(dag_id="call_processing")}


def dispatch_result(dagbag) -> dict:
    from airflow.models import DagRun
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    latest = sorted(DagRun.find(dag_id="call_dispatch"), key=lambda r: r.run_after)[-1]
    with create_session() as session:
        row = session.scalars(select(XComModel).filter_by(dag_id="call_dispatch", run_id=latest.run_id,
                                                          task_id="dispatch_calls", key="return_value")).one()
        return XComModel.deserialize_value(row)


def process(dagbag, call_id: str, force: bool = False):
    dag_run = dagbag.get_dag("call_processing").test(
        run_conf={"tenant_id": "acme", "call_id": call_id, "force": force})
    return {ti.task_id: ti.state for ti in dag_run.get_task_instances()}


@pytest.fixture
def pipeline(dagbag, store_conn, intake_client, seeded_engine, recordings_server):
    return dagbag, intake_client, seeded_engine, recordings_server


def test_hot_lead_is_dispatched_once_and_processed(pipeline):
    dagbag, client, engine, server = pipeline
    post_call(client, "CAL-HOT-1", f"{server}/hot_lead.wav", "71")

    runs = run_dispatch(dagbag)
    assert runs["call__acme__CAL-HOT-1"] == {"tenant_id": "acme", "call_id": "CAL-HOT-1", "force": False}
    assert get_request(engine, "acme", "CAL-HOT-1")["status"] == "dispatched"
    # Re-dispatching the same call (e.g. requeued by the reaper) finds its run: never a second one.
    with engine.begin() as conn:
        conn.execute(processing_requests.update().where(processing_requests.c.call_id == "CAL-HOT-1")
                     .values(status="pending"))
    assert run_dispatch(dagbag) == runs
    assert dispatch_result(dagbag) == {"claimed": 1, "triggered": 0, "rerun": 1}

    assert process(dagbag, "CAL-HOT-1") == PROCESSED
    request, call = get_request(engine, "acme", "CAL-HOT-1"), get_call(engine, "acme", "CAL-HOT-1")
    assert (request["status"], request["attempts"], request["error"]) == ("completed", 1, None)
    assert request["processing_time_ms"] > 0
    assert "roof" in call.transcript and 0 < call.transcript_confidence <= 1
    lead = call.ai_analysis["lead"]
    assert lead["project_category"] == "roof replacement" and lead["call_class"] == "new_lead"
    assert call.ai_analysis["scoring"]["threshold"] == 70
    assert call.lead_score is not None and call.lead_score >= 70
    assert call.recording_path.endswith("/acme/recordings/CAL-HOT-1.wav")

    # A finished call run again (by hand, without force) changes nothing.
    before = store_snapshot(engine)
    states = process(dagbag, "CAL-HOT-1")
    assert states["fetch_recording"] == "skipped"
    assert store_snapshot(engine) == before


def test_short_call_is_skipped_with_reason(pipeline):
    dagbag, client, engine, server = pipeline
    post_call(client, "CAL-SHORT-1", f"{server}/short_call.wav", "12")
    states = process(dagbag, "CAL-SHORT-1")
    assert states["score"] == "skipped" and states["notify"] == "skipped"
    request = get_request(engine, "acme", "CAL-SHORT-1")
    assert (request["status"], request["error"]) == ("skipped", "call shorter than 60 s")
    assert get_call(engine, "acme", "CAL-SHORT-1").lead_score is None


def test_missing_recording_fails_with_reason_after_retries(pipeline):
    dagbag, client, engine, server = pipeline
    post_call(client, "CAL-GONE-1", f"{server}/no_such_recording.wav", "90")
    states = process(dagbag, "CAL-GONE-1")
    assert states["fetch_recording"] == "failed"
    request = get_request(engine, "acme", "CAL-GONE-1")
    assert request["status"] == "failed"
    assert request["error"] == "fetch_recording: recording download failed: HTTP 404"


def test_unsupported_audio_fails_without_retrying(pipeline):
    dagbag, client, engine, server = pipeline
    post_call(client, "CAL-TXT-1", f"{server}/hot_lead.txt", "90")
    process(dagbag, "CAL-TXT-1")
    request = get_request(engine, "acme", "CAL-TXT-1")
    assert request["status"] == "failed"
    assert "unsupported audio" in request["error"]


def test_mp3_call_without_contact_details(pipeline):
    dagbag, client, engine, server = pipeline
    post_call(client, "CAL-MP3-1", f"{server}/no_contact.mp3", "61")
    assert process(dagbag, "CAL-MP3-1") == PROCESSED
    call = get_call(engine, "acme", "CAL-MP3-1")
    assert call.customer_email is None
    assert call.lead_score is not None and call.lead_score < 70
    with engine.connect() as conn:
        assert conn.execute(select(alerts)).all() == []  # not a high-value lead


def test_the_dispatch_trigger_carries_a_connection_id_not_the_store_url(pipeline, monkeypatch):
    """The serialized trigger lands in Airflow's database: a URL there would carry the store's password."""
    import asyncio

    from leadline.store.intake import IncomingCall, record_calls
    from leadline.triggers import PendingCallsTrigger

    dagbag, client, engine, server = pipeline
    secret_url = "postgresql://leadline:s3cret-pw@db.internal:5432/leadline"
    monkeypatch.setenv("AIRFLOW_CONN_LEADLINE_DB_PROD", secret_url)
    classpath, kwargs = PendingCallsTrigger("leadline_db_prod").serialize()
    assert kwargs == {"store_conn_id": "leadline_db_prod", "poll_interval_s": 1.0}
    assert "s3cret" not in repr(kwargs)

    record_calls(engine, [IncomingCall("acme", "TRIG-1", None, None, None, 90, True, None, None, {})])

    async def first_event():
        return await anext(PendingCallsTrigger("leadline_db", 0.05).run())

    assert asyncio.run(first_event()).payload["pending"] >= 1  # it resolves the connection and reads the queue
