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
            "ai_analysis": {"lead": {"summary": "Roof replacement quote.", "project_category": "roof replacement"}},
            "created_at": now, "updated_at": now,
        })
    with engine.begin() as conn:
        conn.execute(insert(call_records), rows)
    return [r["call_id"] for r in rows]


def add_tenants_with_members(engine: Engine, members: dict[str, str | None], config: dict | None = None) -> None:
    """Active tenants named after their ids, each shared in the dashboard with its user (None: nobody)."""
    from leadline.store.members import grant
    from leadline.store.tenants import Tenant, add_tenant

    with engine.begin() as conn:
        for tenant_id, username in members.items():
            add_tenant(conn, Tenant(tenant_id=tenant_id, name=tenant_id.title(), status="active",
                                    webhook_secret_ref=f"env:LEADLINE_SECRET_{tenant_id.upper()}",
                                    config=config or {}))
            if username:
                grant(conn, tenant_id, username)


STATUS_MIX = ("completed",) * 14 + ("failed", "skipped", "pending", "processing")
SKIPPED_CLASSES = ("wrong_number", "spam_or_robocall", "vendor_or_solicitation", "incomplete")


def insert_call_history(engine: Engine, tenant_id: str, count: int, days: int, now: datetime,
                        prefix: str = "HX", batch: int = 5000) -> None:
    """`count` calls spread evenly over the last `days` days with their processing requests: mostly
    completed and scored, some failed, skipped, pending or processing (dashboard tests and benchmark)."""
    import uuid
    from datetime import timedelta

    from leadline.domain.scoring import WEIGHTS
    from leadline.store.schema import processing_requests

    step = timedelta(days=days) / max(count, 1)
    for start in range(0, count, batch):
        calls, requests = [], []
        for i in range(start, min(start + batch, count)):
            call_id = f"{prefix}{i:07d}"
            created = now - step * (count - i)
            status = STATUS_MIX[i % len(STATUS_MIX)]
            scored = status == "completed"
            factor = (i % 21) / 20  # every weighted factor equal, so the score is 100 x factor
            skipped_class = SKIPPED_CLASSES[(i // len(STATUS_MIX)) % len(SKIPPED_CLASSES)]
            call_class = "new_lead" if scored else skipped_class if status == "skipped" else None
            calls.append({
                "tenant_id": tenant_id, "call_id": call_id, "duration_s": 60 + i % 600, "answered": True,
                "caller_phone": f"+1555{i % 10_000_000:07d}", "customer_name": f"Lead {call_id}",
                "lead_score": round(100 * factor) if scored else None, "lead_status": "qualified" if scored else None,
                "transcript": "Hi, I need a quote for a roof replacement." if scored else None,
                "ai_analysis": {"lead": {"intent": "high", "summary": "Roof replacement quote."},
                                "scoring": {"factors": dict.fromkeys(WEIGHTS, factor)}} if scored else None,
                "call_class": call_class,
                "call_class_reason": "caller asked about a service" if scored else (
                    f"seeded {call_class}" if call_class else None),
                "raw_payload": {"call_id": call_id}, "created_at": created, "updated_at": created,
            })
            requests.append({
                "tenant_id": tenant_id, "request_id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{tenant_id}/{call_id}")),
                "call_id": call_id, "status": status, "attempts": 1,
                "error": "recording unavailable" if status == "failed" else None,
                "processing_time_ms": 20_000 + i % 40_000 if scored else None,
                "created_at": created, "updated_at": created + timedelta(seconds=45),
            })
        with engine.begin() as conn:
            conn.execute(insert(call_records), calls)
            conn.execute(insert(processing_requests), requests)
