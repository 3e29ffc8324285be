"""The review queue: calls with a contact value the pipeline was unsure of, and what ops decided about each.

A decision writes the value into the call's contact column (what the CRMs receive on the next sync), takes the
field off the call's review list, closes the call's review when none is left, and appends an audit row, all in
one transaction. Tenant-first, like every store function."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, and_, select, update

from leadline.store.engine import run_transaction
from leadline.store.schema import call_records, contact_reviews

REVIEW_FIELDS = ("customer_name", "customer_phone", "customer_email")
DECISIONS = ("confirmed", "corrected", "rejected")
QUEUE_LIMIT = 200


@dataclass(frozen=True)
class ReviewItem:
    """One uncertain value of one call: PII, shown only to users of the call's tenant."""

    call_id: str
    created_at: datetime
    field: str
    heard: str
    confidence: float
    checks: tuple[str, ...]
    start: float | None
    end: float | None
    words: str
    has_recording: bool


class ReviewConflict(ValueError):
    """The field is not (or no longer) waiting for review on that call."""


def _pending(ai_analysis: dict | None) -> list[dict]:
    contact = (ai_analysis or {}).get("contact") or {}
    waiting = set(contact.get("needs_review") or ())
    return [e for e in contact.get("evidence") or () if e.get("field") in waiting]


def review_queue(engine: Engine, tenant_id: str, limit: int = QUEUE_LIMIT) -> list[ReviewItem]:
    """The tenant's open reviews, oldest call first."""
    query = (select(call_records.c.call_id, call_records.c.created_at, call_records.c.ai_analysis,
                    call_records.c.recording_path)
             .where(call_records.c.tenant_id == tenant_id, call_records.c.review_status == "open")
             .order_by(call_records.c.created_at, call_records.c.call_id).limit(limit))
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return [ReviewItem(row.call_id, row.created_at, e["field"], e["value"], e["confidence"], tuple(e["checks"]),
                       e.get("start"), e.get("end"), e.get("words") or "", bool(row.recording_path))
            for row in rows for e in _pending(row.ai_analysis)]


def record_review(engine: Engine, tenant_id: str, call_id: str, field: str, decision: str, value: str | None,
                  reviewer: str, now: datetime) -> dict[str, Any]:
    """Applies one decision: `confirmed` keeps what was heard, `corrected` writes `value`, `rejected` writes
    nothing (the phone falls back to the caller ID the pipeline already put there). Returns the audit row."""
    if field not in REVIEW_FIELDS or decision not in DECISIONS:
        raise ValueError(f"field must be one of {REVIEW_FIELDS} and decision one of {DECISIONS}")

    def work(conn) -> dict[str, Any]:
        key = and_(call_records.c.tenant_id == tenant_id, call_records.c.call_id == call_id)
        row = conn.execute(select(call_records.c.ai_analysis, getattr(call_records.c, field)).where(key)).first()
        if row is None:
            raise LookupError(f"no call {call_id}")
        [evidence] = [e for e in _pending(row.ai_analysis) if e["field"] == field] or [None]
        if evidence is None:
            raise ReviewConflict(f"{field} of call {call_id} is not waiting for review")
        final = {"confirmed": evidence["value"], "corrected": value, "rejected": None}[decision]
        analysis = dict(row.ai_analysis)
        contact = dict(analysis["contact"])
        contact["needs_review"] = [f for f in contact["needs_review"] if f != field]
        analysis["contact"] = contact
        values: dict[str, Any] = {"ai_analysis": analysis, "updated_at": now,
                                  "review_status": "open" if contact["needs_review"] else "done"}
        if final is not None or field != "customer_phone":
            values[field] = final
        conn.execute(update(call_records).where(key).values(**values))
        audit = {"tenant_id": tenant_id, "call_id": call_id, "field": field, "reviewed_at": now,
                 "decision": decision, "heard_value": evidence["value"], "confidence": evidence["confidence"],
                 "previous_value": row[1], "final_value": final, "heard_words": evidence.get("words"),
                 "reviewer": reviewer}
        conn.execute(contact_reviews.insert().values(**audit))
        return audit

    return run_transaction(engine, work)


def review_history(engine: Engine, tenant_id: str, since: datetime | None = None) -> list[dict[str, Any]]:
    """Every decision of the tenant (oldest first): the audit trail, and labeled data for the corpus."""
    query = select(contact_reviews).where(contact_reviews.c.tenant_id == tenant_id)
    if since is not None:
        query = query.where(contact_reviews.c.reviewed_at >= since)
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query.order_by(contact_reviews.c.reviewed_at)).mappings()]
