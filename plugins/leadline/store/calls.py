"""The call records (call_records): read as a typed CallRecord, written by named steps, each step one
transaction (with the request's status where the step ends the call)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, and_, bindparam, select, update

from leadline.domain.call import CallRecord
from leadline.domain.crm import CRM_CALL_FIELDS
from leadline.store.processing import finish_request
from leadline.store.schema import call_records


def _call(tenant_id: str, call_id: str):
    return and_(call_records.c.tenant_id == tenant_id, call_records.c.call_id == call_id)


def call_record(row: Mapping[str, Any]) -> CallRecord:
    return CallRecord(**row)


def get_call(engine: Engine, tenant_id: str, call_id: str) -> CallRecord | None:
    with engine.connect() as conn:
        row = conn.execute(select(call_records).where(_call(tenant_id, call_id))).mappings().first()
    return call_record(row) if row else None


def _set(conn: Connection, tenant_id: str, call_id: str, **values: Any) -> None:
    result = conn.execute(update(call_records).where(_call(tenant_id, call_id))
                          .values(**values, updated_at=datetime.now(UTC)))
    if result.rowcount != 1:
        raise LookupError(f"call {call_id} of tenant {tenant_id} is not in the store")


def _write(engine: Engine, tenant_id: str, call_id: str, **values: Any) -> None:
    with engine.begin() as conn:
        _set(conn, tenant_id, call_id, **values)


def record_recording(engine: Engine, tenant_id: str, call_id: str, recording_path: str) -> None:
    _write(engine, tenant_id, call_id, recording_path=recording_path)


def withhold_recording(engine: Engine, tenant_id: str, call_id: str, reason: str) -> None:
    """No consent on record: the call keeps neither recording nor transcript nor score, and ends skipped."""
    with engine.begin() as conn:
        _set(conn, tenant_id, call_id, recording_url=None, recording_path=None, transcript=None,
             transcript_segments=None, transcript_confidence=None, transcript_embedding=None, lead_score=None,
             lead_status="no_consent")
        finish_request(conn, tenant_id, call_id, "skipped", reason)


def record_transcript(engine: Engine, tenant_id: str, call_id: str, *, text: str, confidence: float | None,
                      segments: list[dict[str, Any]], language: str | None) -> None:
    """A new (redacted) transcript; its embedding is dropped for the embeddings job to redo."""
    _write(engine, tenant_id, call_id, transcript=text, transcript_confidence=confidence,
           transcript_segments=segments, transcript_language=language, transcript_embedding=None)


def redact_stored_transcript(engine: Engine, tenant_id: str, call_id: str, text: str,
                             segments: list[dict[str, Any]]) -> None:
    _write(engine, tenant_id, call_id, transcript=text, transcript_segments=segments)


def record_analysis(engine: Engine, tenant_id: str, call_id: str, *, ai_analysis: dict[str, Any], call_class: str,
                    class_reason: str, sure_contact: dict[str, str | None], needs_review: bool) -> None:
    """The analysis, the class and only the contact values sure enough for a CRM; the call waits for review when
    a value was not."""
    _write(engine, tenant_id, call_id, ai_analysis=ai_analysis, call_class=call_class,
           call_class_reason=class_reason[:500], customer_name=sure_contact["customer_name"],
           customer_phone=sure_contact["customer_phone"], customer_email=sure_contact["customer_email"],
           review_status="open" if needs_review else None)


def record_score(engine: Engine, tenant_id: str, call_id: str, score: int, lead_status: str,
                 ai_analysis: dict[str, Any]) -> None:
    _write(engine, tenant_id, call_id, lead_score=score, lead_status=lead_status, ai_analysis=ai_analysis)


def record_customer(engine: Engine, tenant_id: str, call_id: str) -> None:
    """An existing customer's call: not scored as a new lead."""
    _write(engine, tenant_id, call_id, lead_score=None, lead_status="customer")


def close_unscored(engine: Engine, tenant_id: str, call_id: str, lead_status: str, reason: str) -> None:
    """A call that is no lead to score (too short, spam, a vendor...): unscored, and its request ends skipped."""
    with engine.begin() as conn:
        _set(conn, tenant_id, call_id, lead_score=None, lead_status=lead_status)
        finish_request(conn, tenant_id, call_id, "skipped", reason)


def record_crm_record(engine: Engine, tenant_id: str, call_id: str, crm_type: str, record_id: str) -> None:
    _write(engine, tenant_id, call_id, **{CRM_CALL_FIELDS[crm_type].record: record_id})


def record_crm_engagement(engine: Engine, tenant_id: str, call_id: str, crm_type: str, engagement_id: str) -> None:
    _write(engine, tenant_id, call_id, **{CRM_CALL_FIELDS[crm_type].engagement: engagement_id})


def _write_many(engine: Engine, tenant_id: str, column: str, values: dict[str, str]) -> None:
    if not values:
        return
    statement = (update(call_records)
                 .where(call_records.c.tenant_id == tenant_id, call_records.c.call_id == bindparam("key"))
                 .values({column: bindparam("value"), "updated_at": datetime.now(UTC)}))
    with engine.begin() as conn:
        conn.execute(statement, [{"key": k, "value": v} for k, v in values.items()])


def record_crm_records(engine: Engine, tenant_id: str, crm_type: str, record_ids: dict[str, str]) -> None:
    """The bulk path's record ids ({call_id: record id}) in one transaction."""
    _write_many(engine, tenant_id, CRM_CALL_FIELDS[crm_type].record, record_ids)


def record_crm_engagements(engine: Engine, tenant_id: str, crm_type: str, engagement_ids: dict[str, str]) -> None:
    _write_many(engine, tenant_id, CRM_CALL_FIELDS[crm_type].engagement, engagement_ids)


def record_duration(engine: Engine, tenant_id: str, call_id: str, seconds: int) -> None:
    """The call's duration as measured on its recording, where the webhook's disagreed (domain.durations); the
    webhook's own value stays in raw_payload."""
    _write(engine, tenant_id, call_id, duration_s=seconds)
