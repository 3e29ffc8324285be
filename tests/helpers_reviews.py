"""A call waiting for review, as the analyze step leaves it: contact evidence with one unsure email."""

from __future__ import annotations

from sqlalchemy import update

from leadline.store.intake import IncomingCall, record_calls
from leadline.store.schema import call_records

HEARD_EMAIL = "pre.r@gmail.com"


def call_waiting_for_review(engine, tenant_id: str, call_id: str, recording_uri: str | None = None) -> None:
    record_calls(engine, [IncomingCall(tenant_id, call_id, None, "+17375550100", None, 90, True, None, None, {})])
    evidence = [
        {"field": "customer_name", "value": "Priya Raghunathan", "confidence": 0.95, "checks": ["spelled"],
         "speaker": "caller", "start": 3.0, "end": 5.0, "words": "Priya Raghunathan, R-A-G-H-U-N-A-T-H-A-N."},
        {"field": "customer_email", "value": HEARD_EMAIL, "confidence": 0.55, "checks": ["known mail provider"],
         "speaker": "caller", "start": 6.0, "end": 8.5, "words": "It's pre dot r at gmail dot com."},
    ]
    contact = {"threshold": 0.8, "evidence": evidence, "needs_review": ["customer_email"],
               "sure": {"customer_name": "Priya Raghunathan", "customer_phone": "+17375550100",
                        "customer_email": None}, "phone_from_caller_id": True}
    with engine.begin() as conn:
        conn.execute(update(call_records).where(call_records.c.tenant_id == tenant_id,
                                                call_records.c.call_id == call_id).values(
            ai_analysis={"lead": {"call_class": "new_lead"}, "contact": contact}, call_class="new_lead",
            customer_name="Priya Raghunathan", customer_phone="+17375550100", review_status="open",
            recording_path=recording_uri, lead_score=70))
