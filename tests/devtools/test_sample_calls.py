"""The demo's sample calls (devtools/leadline_dev/sample_calls.json) declare what their recordings last, and their
scripts are what they claim to be: a lead long enough to be scored, non-leads that are not."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from leadline.domain.context import BusinessContext
from leadline.domain.durations import call_duration
from leadline.domain.rules import analyze_transcript
from leadline.domain.scoring import HIGH_VALUE_SCORE, MIN_CALL_DURATION_S, score_lead
from leadline_dev.synthetic_calls import render_call

SAMPLES = json.loads((Path(__file__).resolve().parents[2] / "devtools/leadline_dev/sample_calls.json").read_text())
CALLS = {c["name"]: c for c in SAMPLES["calls"]}


@pytest.mark.parametrize("name", CALLS)
def test_each_sample_declares_its_recordings_length(name, tmp_path):
    call = CALLS[name]
    seconds = render_call(call["turns"], tmp_path / f"{name}.wav")
    assert abs(int(call["duration"]) - seconds) <= 0.5, f"{name}: declares {call['duration']} s, lasts {seconds:.1f} s"
    assert not call_duration(int(call["duration"]), seconds).corrected


@pytest.mark.parametrize("name", CALLS)
def test_each_script_is_what_it_claims_by_the_rules(name):
    """On the written script (no recogniser): the class it expects, and the hot lead above the alert line at its
    declared duration. The recorded calls through Whisper are tests/dags/test_call_classes.py."""
    call = CALLS[name]
    context = BusinessContext.from_tenant_config({"business_context": SAMPLES["business_context"]})
    segments = [{"speaker": t["speaker"], "text": t["text"]} for t in call["turns"]]
    analysis = analyze_transcript(" ".join(t["text"] for t in call["turns"]), segments, context,
                                  datetime.now(UTC).date(), "en")
    assert analysis.call_class == call["expect"]["call_class"]
    result = score_lead(analysis, int(call["duration"]), 0.9, 70, context.qualification)
    if name == "hot_lead":
        assert result.score > HIGH_VALUE_SCORE and result.qualified
        # still hot without the email (the recogniser often mishears it): the call's length carries it
        without_email = score_lead(analysis.model_copy(update={"customer_email": None}), int(call["duration"]), 0.9,
                                   70, context.qualification)
        assert without_email.score > HIGH_VALUE_SCORE
    if analysis.is_lead:
        assert int(call["duration"]) >= MIN_CALL_DURATION_S  # a lead shorter than 60 s would not be what it claims
