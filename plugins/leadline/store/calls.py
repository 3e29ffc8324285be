"""The call records (call_records): read as a typed CallRecord, written by named steps, each step one
transaction (with the request's status where the step ends the call)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, and_, insert, select, update

from leadline.domain.call import CallRecord, CrmLink
from leadline.domain.crm import CRM_CALL_FIELDS
from leadline.store.processing import finish_request
from leadline.store.schema import call_crm_links, call_records


def _call(tenant_id: str, call_id: str):
    return and_(call_records.c.tenant_id == tenant_id, call_records.c.call_id == call_id)


def call_record(row: Mapping[str, Any], links: Mapping[str, CrmLink] | None = None) -> CallRecord:
    return CallRecord(**row, crm_links=links or {})


def call_records_with_links(conn: Connection, tenant_id: str, rows: list[Mapping[str, Any]]) -> list[CallRecord]:
    """The rows as CallRecords, each with its ids in the CRMs without runbook columns (one query for all)."""
    links: dict[str, dict[str, CrmLink]] = {}
    call_ids = [row["call_id"] for row in rows]
    for start in range(0, len(call_ids), 500):  # Spanner and SQLite cap the parameters of one statement
        for link in conn.execute(select(call_crm_links).where(
                call_crm_links.c.tenant_id == tenant_id, call_crm_links.c.call_id.in_(call_ids[start:start + 500]))):
            links.setdefault(link.call_id, {})[link.crm_type] = CrmLink(link.record_id, link.engagement_id)
    return [call_record(row, links.get(row["call_id"])) for row in rows]


def get_call(engine: Engine, tenant_id: str, call_id: str) -> CallRecord | None:
    with engine.connect() as conn:
        row = conn.execute(select(call_records).where(_call(tenant_id, call_id))).mappings().first()
        return call_records_with_links(conn, tenant_id, [row])[0] if row else None


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


def _link(conn: Connection, tenant_id: str, crm_type: str, call_id: str, **ids: str) -> None:
    """Sets the call's record or engagement id in call_crm_links (a CRM without runbook columns)."""
    key = and_(call_crm_links.c.tenant_id == tenant_id, call_crm_links.c.call_id == call_id,
               call_crm_links.c.crm_type == crm_type)
    now = datetime.now(UTC)
    if conn.execute(update(call_crm_links).where(key).values(**ids, updated_at=now)).rowcount == 0:
        conn.execute(insert(call_crm_links).values(tenant_id=tenant_id, call_id=call_id, crm_type=crm_type,
                                                   **ids, updated_at=now))


def set_crm_ids(conn: Connection, tenant_id: str, crm_type: str, kind: str, ids: dict[str, str]) -> None:
    """{call_id: id} of `kind` ("record" or "engagement") in `crm_type`, within the caller's transaction: in the
    runbook's call_records columns where the CRM has them, else in call_crm_links. A call not in the store raises
    LookupError."""
    fields = CRM_CALL_FIELDS.get(crm_type)
    column = getattr(fields, kind) if fields is not None else None
    for call_id, value in ids.items():
        _set(conn, tenant_id, call_id, **({column: value} if column else {}))
        if column is None:
            _link(conn, tenant_id, crm_type, call_id, **{f"{kind}_id": value})


def _record_crm_ids(engine: Engine, tenant_id: str, crm_type: str, kind: str, ids: dict[str, str]) -> None:
    with engine.begin() as conn:
        set_crm_ids(conn, tenant_id, crm_type, kind, ids)


def record_crm_engagement(engine: Engine, tenant_id: str, call_id: str, crm_type: str, engagement_id: str) -> None:
    _record_crm_ids(engine, tenant_id, crm_type, "engagement", {call_id: engagement_id})


def record_crm_engagements(engine: Engine, tenant_id: str, crm_type: str, engagement_ids: dict[str, str]) -> None:
    _record_crm_ids(engine, tenant_id, crm_type, "engagement", engagement_ids)


def record_duration(engine: Engine, tenant_id: str, call_id: str, seconds: int) -> None:
    """The call's duration as measured on its recording, where the webhook's disagreed (domain.durations); the
    webhook's own value stays in raw_payload."""
    _write(engine, tenant_id, call_id, duration_s=seconds)
