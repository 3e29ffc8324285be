"""The Gemini extraction prompt renders the tenant's business context, the call date and the speaker labels."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from leadline.domain.analysis import LeadAnalysis, json_schema_for_llm
from leadline.domain.context import BusinessContext
from leadline.hooks.analysis import CallForAnalysis, render_prompt

CONTEXT = BusinessContext.model_validate(
    json.loads((Path(__file__).resolve().parents[1] / "fixtures/leads/tenants.json").read_text())["solar"])


def test_prompt_renders_business_context_and_labelled_turns():
    call = CallForAnalysis(
        transcript="ignored when segments exist",
        segments=[{"speaker": "agent", "text": "SunHarbor Solar, this is Carmen."},
                  {"speaker": "caller", "text": "Hi Carmen, I want panels on my roof."}],
        context=CONTEXT, phrase_hints=["net metering"], call_date=date(2026, 3, 4))
    prompt = render_prompt(call)
    assert "inbound phone call to SunHarbor Solar (solar)" in prompt
    assert "- solar installation (also: solar panels, solar system, go solar" in prompt
    assert "Service area: San Diego County (San Diego, Chula Vista, Escondido, Oceanside, Carlsbad)." in prompt
    assert "A qualified lead for this business: a budget of at least $10,000; inside the service area." in prompt
    assert "relative to the call date 2026-03-04" in prompt
    assert "Terms this company uses: net metering." in prompt
    assert "agent: SunHarbor Solar, this is Carmen.\ncaller: Hi Carmen, I want panels on my roof." in prompt
    assert "ignored when segments exist" not in prompt
    for call_class in ("new_lead", "existing_customer", "spam_or_robocall", "wrong_number", "vendor_or_solicitation",
                       "incomplete"):
        assert call_class in prompt


def test_prompt_without_context_or_speakers():
    prompt = render_prompt(CallForAnalysis(transcript="hello, I need a new roof", call_date=date(2026, 1, 2)))
    assert "inbound phone call to a business," in prompt and "A qualified lead" not in prompt
    assert "- roof replacement (also: new roof" in prompt  # the default home-services vocabulary
    assert 'Transcript:\n"""\nhello, I need a new roof\n"""' in prompt


def test_llm_schema_is_the_analysis_contract_minus_what_leadline_fills():
    schema = json_schema_for_llm()
    assert set(schema["properties"]) == set(LeadAnalysis.model_fields) - {"analyzer", "fallback_reason"}
    assert schema["properties"]["call_class"]["enum"] == ["new_lead", "existing_customer", "spam_or_robocall",
                                                          "wrong_number", "vendor_or_solicitation", "incomplete"]
