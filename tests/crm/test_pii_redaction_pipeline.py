"""A call whose caller reads out a card number, its expiry and CVV, an SSN and a date of birth, run through
call_processing with Gemini (the local fake of Vertex AI) and both CRMs (the sandbox): none of the planted
numbers reaches the store, the LLM request, the CRM journal or the logs; the labels do."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
from sqlalchemy import select

from leadline.speech import Segment, assemble
from leadline.store.calls import get_call
from leadline.store.schema import call_records
from tests.crm.conftest import configure_tenant_crms
from tests.dags.test_vertex_analysis import GEMINI_LEAD
from tests.helpers import SECRETS, call_payload, encode, signed_headers
from tests.integration.fake_google import FakeGoogle, connection_json

SEGMENTS = [
    ("agent", "Thanks for calling Summit Roofing, how can I help?"),
    ("caller", "Hi, this is Marcus Whitfield, I need a new roof and I want to pay the deposit by card."),
    ("agent", "Sure, go ahead with the card number."),
    ("caller", "It's 4111 1111"),  # the number split across two segments, as speech-to-text does
    ("caller", "1111 1111, expiration oh nine twenty seven, and the CVV is 7 3 1."),
    ("agent", "And for the financing application, your social security number and date of birth?"),
    ("caller", "Social is five two three, seven one, four eight nine six. Date of birth March 5th, 1985."),
    ("caller", "Or use my other card, five five five five five five five five five five five five "
               "four four four four."),
    ("caller", "You can reach me at 512-555-0142. Our budget is around forty thousand dollars."),
]
PLANTED = ["4111 1111", "4111111111111111", "1111 1111", "5555 5555", "five five five five five five five",
           "523-71", "523714896", "five two three, seven one", "four eight nine six", "4896", "7 3 1",
           "oh nine twenty seven", "March 5th, 1985"]


def fake_transcript():
    segments = [Segment(float(i * 5), float(i * 5 + 4), text, speaker, 0.93)
                for i, (speaker, text) in enumerate(SEGMENTS)]
    return assemble(segments, "whisper:tiny.en", "en", 0.99)


def test_planted_card_and_ssn_survive_nowhere(crm_sandbox, seeded_engine, dagbag, store_conn, recordings_server,
                                             intake_client, monkeypatch, caplog, capsys):
    from leadline.hooks.speech import SpeechHook

    configure_tenant_crms(seeded_engine)
    monkeypatch.setattr(SpeechHook, "transcribe", lambda self, recording, phrase_hints=(): fake_transcript())
    body = encode(call_payload(call_id="CAL-PII-1", recording_url=f"{recordings_server}/hot_lead.wav",
                               duration="240"))
    assert intake_client.post("/v1/callrail/webhook", content=body,
                              headers=signed_headers(SECRETS["acme"], body)).status_code == 200
    caplog.set_level("DEBUG")
    with FakeGoogle(vertex_text=json.dumps(GEMINI_LEAD)) as fake:
        monkeypatch.setenv("AIRFLOW_CONN_LEADLINE_LLM", connection_json(fake, project_id="leadline-prod",
                                                                        location="us-central1"))
        run = dagbag.get_dag("call_processing").test(run_conf={"tenant_id": "acme", "call_id": "CAL-PII-1"})
    states = {ti.task_id: ti.state for ti in run.get_task_instances()}
    assert set(states.values()) == {"success"}, states

    call = get_call(seeded_engine, "acme", "CAL-PII-1")
    for label in ("[CREDIT_CARD]", "[CARD_EXPIRY]", "[CVV]", "[SSN]", "[DATE_OF_BIRTH]"):
        assert label in call.transcript
    assert call.transcript.count("[CREDIT_CARD]") == 2
    assert "512-555-0142" in call.transcript and "forty thousand" in call.transcript  # phone, budget stay
    segment_text = " ".join(s["text"] for s in call.transcript_segments)
    assert segment_text.count("[CREDIT_CARD]") == 2 and "[SSN]" in segment_text

    with seeded_engine.connect() as conn:
        stored = json.dumps([dict(r._mapping) for r in conn.execute(select(call_records))], default=str)
    [llm_request] = [j for j in fake.journal if "generateContent" in j["path"]]
    prompt = json.dumps(llm_request["body"])
    assert "[CREDIT_CARD]" in prompt and "[SSN]" in prompt
    crm_journal = json.dumps(httpx.get(f"{crm_sandbox.http_url}/_sandbox/journal").json())
    captured = capsys.readouterr()
    logs = caplog.text + captured.out + captured.err + "".join(
        p.read_text(errors="replace") for p in Path(_airflow_home()).rglob("*.log"))
    assert crm_journal != "[]"
    for where, text in (("store", stored), ("LLM request", prompt), ("CRM journal", crm_journal), ("logs", logs)):
        for planted in PLANTED:
            assert not _said(planted, text), f"{planted!r} found in the {where}"


def _said(planted: str, text: str) -> bool:
    """`planted` as its own number or words: "4896" leaks in "ssn 4896", not inside a log line's timestamp
    "09:07:39.489632Z" (that coincidence failed a CI run)."""
    return re.search(rf"(?<!\d){re.escape(planted)}(?!\d)", text) is not None


def _airflow_home() -> str:
    import os

    return os.environ["AIRFLOW_HOME"]


def test_a_transcript_stored_before_redaction_is_redacted_when_reused(seeded_engine, dagbag, store_conn,
                                                                      recordings_server, intake_client):
    from tests.helpers import set_call_fields

    body = encode(call_payload(call_id="CAL-PII-OLD", recording_url=f"{recordings_server}/hot_lead.wav",
                               duration="240"))
    assert intake_client.post("/v1/callrail/webhook", content=body,
                              headers=signed_headers(SECRETS["acme"], body)).status_code == 200
    old = fake_transcript()
    set_call_fields(seeded_engine, "acme", "CAL-PII-OLD", transcript=old.text, transcript_confidence=old.confidence,
                transcript_segments=[s.as_dict() for s in old.segments], transcript_language="en")
    dagbag.get_dag("call_processing").test(run_conf={"tenant_id": "acme", "call_id": "CAL-PII-OLD"})
    call = get_call(seeded_engine, "acme", "CAL-PII-OLD")
    stored = call.transcript + json.dumps(call.transcript_segments) + json.dumps(call.ai_analysis)
    assert "[CREDIT_CARD]" in call.transcript and "[SSN]" in json.dumps(call.transcript_segments)
    for planted in PLANTED:
        assert planted not in stored
