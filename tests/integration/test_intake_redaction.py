"""A webhook carrying free text (CallRail's transcription, a note) is stored with its PII labelled; identifiers
and the caller's number are stored as sent."""

from __future__ import annotations

from leadline.store.calls import get_call
from tests.helpers import SECRETS, call_payload, encode, signed_headers


def test_payload_free_text_is_redacted_before_it_is_stored(intake_client, seeded_engine):
    payload = call_payload(call_id="CAL-PII-HOOK", caller_id="+14155550188",
                           transcription="Sure, my card is 4111 1111 1111 1111 and my social is 523-71-4896.",
                           notes=["date of birth March 5th, 1985"], resource_id="CAL4111111111111111")
    body = encode(payload)
    assert intake_client.post("/v1/callrail/webhook", content=body,
                              headers=signed_headers(SECRETS["acme"], body)).status_code == 200
    raw = get_call(seeded_engine, "acme", "CAL-PII-HOOK").raw_payload
    assert raw["transcription"] == "Sure, my card is [CREDIT_CARD] and my social is [SSN]."
    assert raw["notes"] == ["date of birth [DATE_OF_BIRTH]"]
    assert (raw["caller_id"], raw["resource_id"], raw["customer_name"]) == (
        "+14155550188", "CAL4111111111111111", "Marcus Whitfield")
