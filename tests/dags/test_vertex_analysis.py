"""The analyze step against the local fake of Vertex AI inside a real call_processing run: the request carries
the tenant's business context and the JSON schema; invalid model output falls back to the rules, on record."""

from __future__ import annotations

import json

import pytest

from leadline.store.calls import get_call
from leadline.store.tenants import set_config_section
from tests.helpers import SECRETS, call_payload, encode, signed_headers
from tests.integration.fake_google import FakeGoogle, connection_json

CONTEXT = {"business_name": "Summit Roofing", "industry": "roofing",
           "services": [{"name": "roof replacement", "synonyms": ["new roof"]}],
           "service_area": {"description": "Denver metro", "cities": ["Denver", "Aurora"]},
           "qualification": {"min_budget": 5000, "require_service_area": True}}
GEMINI_LEAD = {"call_class": "new_lead", "class_reason": "caller wants a new roof", "intent": "high",
               "customer_name": "Marcus Whitfield", "customer_phone": "+15125550142",
               "customer_email": "marcus.whitfield@outlook.com", "project_phrase": "roof replacement",
               "project_category": "roof replacement", "timeline_phrase": "as soon as possible",
               "timeline": "immediate", "budget_min": 40000, "budget_max": 50000, "caller_location": "Denver",
               "in_service_area": True, "summary": "Storm-damaged roof, wants a replacement quote.",
               "confidence": {"customer_name": 0.9, "customer_phone": 0.9, "customer_email": 0.9, "project": 0.9,
                              "timeline": 0.8, "budget": 0.8, "call_class": 0.95}}


@pytest.fixture
def roofing(dagbag, store_conn, intake_client, seeded_engine, recordings_server):
    with seeded_engine.begin() as conn:
        set_config_section(conn, "acme", "business_context", CONTEXT)
    return dagbag, intake_client, seeded_engine, recordings_server


def process_with_gemini(roofing, monkeypatch, call_id: str, model_output: str):
    dagbag, client, engine, server = roofing
    body = encode(call_payload(call_id=call_id, recording_url=f"{server}/hot_lead.wav", duration="71"))
    assert client.post("/v1/callrail/webhook", content=body, headers=signed_headers(SECRETS["acme"], body)
                       ).status_code == 200
    with FakeGoogle(vertex_text=model_output) as fake:
        monkeypatch.setenv("AIRFLOW_CONN_LEADLINE_LLM", connection_json(fake, project_id="leadline-prod",
                                                                        location="us-central1"))
        run = dagbag.get_dag("call_processing").test(run_conf={"tenant_id": "acme", "call_id": call_id})
    states = {ti.task_id: ti.state for ti in run.get_task_instances()}
    return states, get_call(engine, "acme", call_id), [j for j in fake.journal if "generateContent" in j["path"]]


def test_gemini_gets_the_business_context_and_its_answer_is_stored(roofing, monkeypatch):
    states, call, [request] = process_with_gemini(roofing, monkeypatch, "CAL-GEM-1", json.dumps(GEMINI_LEAD))
    assert states["analyze"] == "success" and states["score"] == "success"
    prompt = request["body"]["contents"][0]["parts"][0]["text"]
    assert "inbound phone call to Summit Roofing (roofing)" in prompt
    assert "- roof replacement (also: new roof)" in prompt and "Service area: Denver metro" in prompt
    assert "a budget of at least $5,000; inside the service area" in prompt
    assert "roof replacement" in prompt.split('Transcript:\n"""')[1]  # the recognised call itself
    generation = request["body"]["generationConfig"]
    assert generation["responseMimeType"] == "application/json"
    assert generation["responseJsonSchema"]["properties"]["call_class"]["enum"][0] == "new_lead"
    lead = call.ai_analysis["lead"]
    assert (lead["analyzer"], lead["fallback_reason"], call.call_class) == (
        "vertex:gemini-2.5-flash", None, "new_lead")
    assert (lead["customer_email"], lead["budget_max"], lead["in_service_area"]) == (
        "marcus.whitfield@outlook.com", 50000, True)
    # Gemini's answer is weighed like the rules': an email said once, never spelled or read back, is not a fact
    assert call.customer_email is None and "customer_email" in call.ai_analysis["contact"]["needs_review"]


def test_invalid_gemini_output_falls_back_to_the_rules_with_the_reason(roofing, monkeypatch):
    bad = json.dumps({"customer_phone": "call me maybe", "intent": "very"})
    states, call, requests = process_with_gemini(roofing, monkeypatch, "CAL-GEM-2", bad)
    assert len(requests) == 1 and states["analyze"] == "success"
    lead = call.ai_analysis["lead"]
    assert lead["analyzer"] == "rules_fallback"
    assert lead["fallback_reason"] == "vertex:gemini-2.5-flash failed: ValidationError"
    assert (lead["project_category"], lead["timeline"], call.call_class) == ("roof replacement", "immediate",
                                                                                 "new_lead")
