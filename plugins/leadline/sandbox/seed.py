"""Generated scored calls for CRM tests and benchmarks (fictional 555 numbers, example.com emails)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, insert

from leadline.store.schema import call_records


def insert_scored_calls(engine: Engine, tenant_id: str, count: int, prefix: str = "SC", phone_only: int = 0,
                        created_at: datetime | None = None) -> list[str]:
    """Insert `count` scored calls (the last `phone_only` of them without an email); returns their ids."""
    now = created_at or datetime.now(UTC)
    rows = []
    for i in range(count):
        call_id = f"{prefix}{i:06d}"
        email = None if i >= count - phone_only else f"lead.{prefix.lower()}{i}@example.com"
        rows.append({
            "tenant_id": tenant_id, "call_id": call_id, "duration_s": 120, "caller_phone": f"+1555{i:07d}",
            "customer_name": f"Lead {prefix}{i}", "customer_phone": f"+1555{i:07d}", "customer_email": email,
            "lead_score": 50 + i % 50, "lead_status": "qualified", "raw_payload": {"call_id": call_id},
            "ai_analysis": {"lead": {"summary": "Roof replacement quote.", "project_type": "roof replacement"}},
            "created_at": now, "updated_at": now,
        })
    with engine.begin() as conn:
        conn.execute(insert(call_records), rows)
    return [r["call_id"] for r in rows]
