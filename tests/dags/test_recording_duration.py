"""A webhook's duration against its recording, through call_processing (dag.test): where they disagree beyond the
tolerance (domain.durations) the recording's is the call's, for the 60-second rule, the score and the store."""

from __future__ import annotations

import logging

from leadline.store.calls import get_call
from leadline.store.processing import get_request
from tests.helpers import SECRETS, call_payload, encode, signed_headers


def run_call(dagbag, client, server: str, call_id: str, recording: str, duration: str) -> dict:
    body = encode(call_payload(call_id=call_id, recording_url=f"{server}/{recording}", duration=duration))
    assert client.post("/v1/callrail/webhook", content=body, headers=signed_headers(SECRETS["acme"], body)
                       ).status_code == 200
    run = dagbag.get_dag("call_processing").test(run_conf={"tenant_id": "acme", "call_id": call_id, "force": False})
    return {ti.task_id: ti.state for ti in run.get_task_instances()}


def test_a_short_recording_declared_four_minutes_is_skipped_by_the_sixty_second_rule(
        dagbag, store_conn, intake_client, seeded_engine, recordings_server, caplog, capsys):
    caplog.set_level(logging.INFO)
    # the recording lasts 12.2 s
    states = run_call(dagbag, intake_client, recordings_server, "CAL-DUR-SHORT", "short_call.wav", "240")
    assert states["fetch_recording"] == "success" and states["score"] == "skipped"
    request, call = get_request(seeded_engine, "acme", "CAL-DUR-SHORT"), get_call(seeded_engine, "acme",
                                                                                   "CAL-DUR-SHORT")
    assert (request["status"], request["error"]) == ("skipped", "call shorter than 60 s")
    assert (call.duration_s, call.lead_score) == (12, None)
    assert call.raw_payload["duration"] == "240"  # what the webhook said stays on record
    captured = capsys.readouterr()  # the task's log goes to the console or to logging, by Airflow's setup
    assert ("call CAL-DUR-SHORT: the webhook declared 240 s, the recording lasts 12.2 s; the call's duration is "
            "now 12 s") in caplog.text + captured.out + captured.err


def test_the_score_takes_the_recordings_duration_and_an_agreeing_webhook_is_kept(
        dagbag, store_conn, intake_client, seeded_engine, recordings_server):
    # hot_lead.wav lasts 70.8 s: declared 600 it is corrected, and scored with 71 s instead of 300 s of full
    # credit; declared 75 it agrees within the 7.5 s tolerance and the webhook's 75 s stands
    run_call(dagbag, intake_client, recordings_server, "CAL-DUR-LONG", "hot_lead.wav", "600")
    run_call(dagbag, intake_client, recordings_server, "CAL-DUR-TRUE", "hot_lead.wav", "75")
    corrected, kept = (get_call(seeded_engine, "acme", c) for c in ("CAL-DUR-LONG", "CAL-DUR-TRUE"))
    assert (corrected.duration_s, kept.duration_s) == (71, 75)
    assert corrected.ai_analysis["scoring"]["factors"]["duration"] == 71 / 300
    assert kept.ai_analysis["scoring"]["factors"]["duration"] == 75 / 300
