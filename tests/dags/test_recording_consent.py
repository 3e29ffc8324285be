"""The tenant's recording-consent policy inside call_processing: a caller from a two-party consent state without
a disclosure on record is stored without recording or transcript, with the reason; nothing is downloaded."""

from __future__ import annotations

from pathlib import Path

import pytest

from leadline.store.calls import get_call
from leadline.store.processing import get_request
from leadline.store.tenants import set_config_section
from tests.helpers import SECRETS, call_payload, encode, signed_headers


@pytest.fixture
def consenting(dagbag, store_conn, intake_client, seeded_engine, recordings_server, tmp_path):
    with seeded_engine.begin() as conn:
        set_config_section(conn, "acme", "recording_consent", {"require_disclosure": "two_party"})
    return dagbag, intake_client, seeded_engine, recordings_server, tmp_path / "artifacts"


def run(consenting, call_id: str, **fields):
    dagbag, client, engine, server, _ = consenting
    body = encode(call_payload(call_id=call_id, recording_url=f"{server}/hot_lead.wav", duration="120", **fields))
    assert client.post("/v1/callrail/webhook", content=body, headers=signed_headers(SECRETS["acme"], body)
                       ).status_code == 200
    dag_run = dagbag.get_dag("call_processing").test(run_conf={"tenant_id": "acme", "call_id": call_id})
    states = {ti.task_id: ti.state for ti in dag_run.get_task_instances()}
    return states, get_call(engine, "acme", call_id), get_request(engine, "acme", call_id)


def test_two_party_caller_without_disclosure_is_not_recorded(consenting):
    states, call, request = run(consenting, "CAL-CONSENT-1", caller_id="+14155550188")
    assert states["fetch_recording"] == "skipped" and states["transcribe"] == "skipped"
    assert (request["status"], request["error"]) == (
        "skipped", "no recording consent: caller in CA (two-party consent state, from the area code); "
                   "no recording disclosure on record")
    assert (call.recording_url, call.recording_path, call.transcript, call.lead_status) == (
        None, None, None, "no_consent")
    assert not list(Path(consenting[4]).rglob("CAL-CONSENT-1*"))  # nothing downloaded


def test_disclosure_played_or_one_party_state_is_processed(consenting):
    states, call, request = run(consenting, "CAL-CONSENT-2", caller_id="+14155550188",
                                recording_disclosure_played=True)
    assert states["fetch_recording"] == "success" and states["transcribe"] == "success"
    assert call.recording_path.endswith("CAL-CONSENT-2.wav") and call.transcript
    states, call, _ = run(consenting, "CAL-CONSENT-3", caller_id="+15125550142", customer_state="TX")
    assert states["fetch_recording"] == "success"
