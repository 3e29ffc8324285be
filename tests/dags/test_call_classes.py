"""One call_processing run (dag.test) per call class, on recordings spoken by espeak-ng and recognised by the
embedded Whisper: what the call becomes in the store, whether it is scored, synced and alerted."""

from __future__ import annotations

import functools
import http.server
import json
import threading
import wave
from pathlib import Path

import pytest
from sqlalchemy import select

from leadline.store.calls import get_call
from leadline.store.processing import get_request
from leadline.store.schema import alerts
from leadline.store.tenants import set_config_section
from leadline_dev.synthetic_calls import render_call
from tests.helpers import SECRETS, call_payload, encode, signed_headers

SAMPLES = json.loads((Path(__file__).resolve().parents[2] / "devtools/leadline_dev/sample_calls.json").read_text())
CALLS = {c["name"]: c for c in SAMPLES["calls"]}


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def class_recordings(tmp_path_factory):
    directory = tmp_path_factory.mktemp("class-recordings")
    for name, call in CALLS.items():
        render_call(call["turns"], directory / f"{name}.wav")
    with wave.open(str(directory / "silence.wav"), "wb") as w:  # a line that stayed silent for 70 s
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(b"\0" * 4 * 16000 * 70)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(directory)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()  # shutdown() leaves the listening socket open


@pytest.fixture
def plumbing(dagbag, store_conn, intake_client, seeded_engine, class_recordings):
    with seeded_engine.begin() as conn:
        set_config_section(conn, "acme", "business_context", SAMPLES["business_context"])
    return dagbag, intake_client, seeded_engine, class_recordings


def run_call(plumbing, call_id: str, recording: str, duration: str) -> tuple[dict, dict, dict]:
    dagbag, client, engine, server = plumbing
    body = encode(call_payload(call_id=call_id, recording_url=f"{server}/{recording}", duration=duration))
    assert client.post("/v1/callrail/webhook", content=body, headers=signed_headers(SECRETS["acme"], body)
                       ).status_code == 200
    run = dagbag.get_dag("call_processing").test(run_conf={"tenant_id": "acme", "call_id": call_id, "force": False})
    states = {ti.task_id: ti.state for ti in run.get_task_instances()}
    return states, get_call(engine, "acme", call_id), get_request(engine, "acme", call_id)


def open_alerts(engine) -> list:
    with engine.connect() as conn:
        return conn.execute(select(alerts.c.dedupe_key).where(alerts.c.tenant_id == "acme")).scalars().all()


def test_hot_new_lead_scores_above_ninety_and_alerts(plumbing):
    states, call, request = run_call(plumbing, "CAL-CLS-HOT", "hot_lead.wav", CALLS["hot_lead"]["duration"])
    assert call.duration_s == int(CALLS["hot_lead"]["duration"])  # the sample declares what its recording lasts
    assert states["score"] == "success" and states["notify"] == "success"
    assert (call.call_class, request["status"]) == ("new_lead", "completed")
    # the agent read back the name and the number, nobody confirmed the email: it goes to review, not the CRM
    assert (call.customer_name, call.customer_phone, call.customer_email) == (
        "Marcus Whitfield", "+14155550188", None)
    contact = call.ai_analysis["contact"]
    assert contact["needs_review"] == ["customer_email"]
    [email] = [e for e in contact["evidence"] if e["field"] == "customer_email"]
    assert "@" in email["value"] and email["confidence"] < contact["threshold"]  # whatever was heard, unsure
    assert email["speaker"] == "caller" and email["start"] < email["end"]
    lead = call.ai_analysis["lead"]
    assert (lead["project_category"], lead["timeline"], lead["budget_max"]) == ("sewer line repair", "immediate", 8000)
    assert call.lead_score > 90 and open_alerts(plumbing[2]) == ["high_value_lead:CAL-CLS-HOT"]
    segments = call.transcript_segments
    assert {s["speaker"] for s in segments} == {"agent", "caller"}  # stereo: one party per channel


def test_existing_customer_is_not_a_new_lead(plumbing):
    states, call, request = run_call(plumbing, "CAL-CLS-CUST", "existing_customer.wav",
                                     CALLS["existing_customer"]["duration"])
    assert call.duration_s == int(CALLS["existing_customer"]["duration"]) >= 60  # long enough to be logged
    assert (call.call_class, call.lead_score, call.lead_status) == ("existing_customer", None, "customer")
    assert states["sync_primary_crm"] == "skipped" and request["status"] == "completed"
    assert open_alerts(plumbing[2]) == []


@pytest.mark.parametrize(("name", "call_class"), [("wrong_number", "wrong_number"), ("spam_call", "spam_or_robocall"),
                                                   ("vendor_call", "vendor_or_solicitation")])
def test_non_leads_end_at_score_with_their_reason(plumbing, name, call_class):
    states, call, request = run_call(plumbing, f"CAL-CLS-{name.upper()}", f"{name}.wav", CALLS[name]["duration"])
    assert call.call_class == call_class and call.call_class_reason
    assert call.duration_s == int(CALLS[name]["duration"])  # the sample declares what its recording lasts
    assert (call.lead_score, call.lead_status) == (None, "not_lead")
    assert states["score"] == "skipped" and states["sync_primary_crm"] == "skipped"
    assert (request["status"], request["error"]) == ("skipped", f"not a lead ({call_class}): "
                                                                f"{call.call_class_reason}")


def test_silent_recording_is_incomplete(plumbing):
    states, call, request = run_call(plumbing, "CAL-CLS-SILENT", "silence.wav", "70")
    assert (call.transcript, call.call_class) == ("", "incomplete")
    assert call.call_class_reason == "no speech in the recording (silence or an empty call)"
    assert request["status"] == "skipped" and states["notify"] == "skipped"
