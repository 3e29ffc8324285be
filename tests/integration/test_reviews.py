"""The review queue in the store: a decision updates the call and its audit trail at once, per tenant only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from leadline.store.calls import get_call
from leadline.store.reviews import ReviewConflict, record_review, review_history, review_queue
from tests.helpers_reviews import HEARD_EMAIL, call_waiting_for_review

NOW = datetime.now(UTC).replace(microsecond=0)


def test_the_queue_lists_only_the_unsure_values_of_the_tenant(seeded_engine):
    call_waiting_for_review(seeded_engine, "acme", "R-1")
    call_waiting_for_review(seeded_engine, "globex", "R-2")
    [item] = review_queue(seeded_engine, "acme")
    assert (item.call_id, item.field, item.heard, item.checks) == ("R-1", "customer_email", HEARD_EMAIL,
                                                                     ("known mail provider",))
    assert (item.start, item.end, item.has_recording) == (6.0, 8.5, False)
    assert [i.call_id for i in review_queue(seeded_engine, "globex")] == ["R-2"]


def test_a_correction_updates_the_call_closes_the_review_and_is_audited(seeded_engine):
    call_waiting_for_review(seeded_engine, "acme", "R-1")
    audit = record_review(seeded_engine, "acme", "R-1", "customer_email", "corrected", "priya.r@gmail.com",
                          "alice", NOW)
    assert (audit["heard_value"], audit["previous_value"], audit["final_value"]) == (
        HEARD_EMAIL, None, "priya.r@gmail.com")
    call = get_call(seeded_engine, "acme", "R-1")
    assert (call.customer_email, call.review_status) == ("priya.r@gmail.com", "done")
    assert call.ai_analysis["contact"]["needs_review"] == []
    assert review_queue(seeded_engine, "acme") == []
    [row] = review_history(seeded_engine, "acme")
    assert (row["reviewer"], row["decision"], row["heard_words"]) == ("alice", "corrected",
                                                                      "It's pre dot r at gmail dot com.")
    with pytest.raises(ReviewConflict):  # decided once: a second decision on the same field is refused
        record_review(seeded_engine, "acme", "R-1", "customer_email", "confirmed", None, "bob",
                      NOW + timedelta(minutes=1))
    assert len(review_history(seeded_engine, "acme")) == 1


def test_confirm_keeps_what_was_heard_and_reject_writes_nothing(seeded_engine):
    call_waiting_for_review(seeded_engine, "acme", "R-1")
    call_waiting_for_review(seeded_engine, "acme", "R-3")
    record_review(seeded_engine, "acme", "R-1", "customer_email", "confirmed", None, "alice", NOW)
    record_review(seeded_engine, "acme", "R-3", "customer_email", "rejected", None, "alice", NOW)
    assert get_call(seeded_engine, "acme", "R-1").customer_email == HEARD_EMAIL
    assert get_call(seeded_engine, "acme", "R-3").customer_email is None


def test_another_tenants_call_cannot_be_reviewed(seeded_engine):
    call_waiting_for_review(seeded_engine, "globex", "R-2")
    with pytest.raises(LookupError):
        record_review(seeded_engine, "acme", "R-2", "customer_email", "confirmed", None, "alice", NOW)
    assert get_call(seeded_engine, "globex", "R-2").review_status == "open"
    assert review_history(seeded_engine, "globex") == []
    with pytest.raises(ValueError, match="field must be"):
        record_review(seeded_engine, "globex", "R-2", "lead_score", "confirmed", None, "alice", NOW)
