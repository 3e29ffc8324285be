"""The processing_requests state machine, always scoped to one tenant (the call records: store.calls).

pending -> dispatched -> processing -> completed | failed | skipped
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, and_, func, select, update

from leadline.store.engine import run_transaction
from leadline.store.schema import processing_requests

TERMINAL = ("completed", "failed", "skipped")


@dataclass(frozen=True)
class ClaimedCall:
    tenant_id: str
    call_id: str
    request_id: str

    @property
    def run_id(self) -> str:
        return f"call__{self.tenant_id}__{self.call_id}"


def _request(tenant_id: str, call_id: str):
    return and_(processing_requests.c.tenant_id == tenant_id, processing_requests.c.call_id == call_id)


def count_pending(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(
            select(func.count()).select_from(processing_requests).where(processing_requests.c.status == "pending")
        ).scalar_one()


def claim_pending(engine: Engine, limit: int, per_tenant: int | None = None) -> list[ClaimedCall]:
    """Atomically move up to `limit` pending requests to `dispatched`, round-robin across tenants
    (oldest first within each) so that one tenant's backlog cannot starve the others."""
    per_tenant = per_tenant or limit

    def claim(conn: Connection) -> list[ClaimedCall]:
        now = datetime.now(UTC)
        tenant_ids = conn.execute(
            select(processing_requests.c.tenant_id).where(processing_requests.c.status == "pending").distinct()
        ).scalars().all()
        queues = []
        for tenant_id in sorted(tenant_ids):
            rows = conn.execute(
                select(processing_requests.c.call_id, processing_requests.c.request_id)
                .where(processing_requests.c.tenant_id == tenant_id, processing_requests.c.status == "pending")
                .order_by(processing_requests.c.created_at, processing_requests.c.call_id)
                .limit(per_tenant)
            ).all()
            queues.append([ClaimedCall(tenant_id, r.call_id, r.request_id) for r in rows])
        ordered = [q[i] for i in range(max((len(q) for q in queues), default=0)) for q in queues if i < len(q)]
        claimed = []
        for candidate in ordered[:limit]:
            result = conn.execute(
                update(processing_requests)
                .where(processing_requests.c.tenant_id == candidate.tenant_id,
                       processing_requests.c.request_id == candidate.request_id,
                       processing_requests.c.status == "pending")
                .values(status="dispatched", updated_at=now)
            )
            if result.rowcount == 1:  # another dispatcher may have claimed it first
                claimed.append(candidate)
        return claimed

    # Spanner aborts a claim that conflicts with another dispatcher's: it runs again and sees their claims.
    return run_transaction(engine, claim)


def get_request(engine: Engine, tenant_id: str, call_id: str) -> dict[str, Any] | None:
    with engine.connect() as conn:
        row = conn.execute(select(processing_requests).where(_request(tenant_id, call_id))).mappings().first()
    return dict(row) if row else None


def start_processing(engine: Engine, tenant_id: str, call_id: str) -> int:
    """Mark the request processing and count the attempt; returns the attempt number."""
    with engine.begin() as conn:
        conn.execute(
            update(processing_requests).where(_request(tenant_id, call_id))
            .values(status="processing", attempts=processing_requests.c.attempts + 1, error=None,
                    updated_at=datetime.now(UTC))
        )
        return conn.execute(select(processing_requests.c.attempts).where(_request(tenant_id, call_id))).scalar_one()


def finish_request(conn: Connection, tenant_id: str, call_id: str, status: str, error: str | None = None) -> None:
    """Ends the call's request with a terminal status, in the caller's transaction."""
    if status not in TERMINAL:
        raise ValueError(f"{status} is not a terminal status")
    now = datetime.now(UTC)
    created_at = conn.execute(select(processing_requests.c.created_at).where(_request(tenant_id, call_id))
                              ).scalar_one()
    conn.execute(
        update(processing_requests).where(_request(tenant_id, call_id))
        .values(status=status, error=error, updated_at=now,
                processing_time_ms=int((now - created_at).total_seconds() * 1000))
    )


def finish(engine: Engine, tenant_id: str, call_id: str, status: str, error: str | None = None) -> None:
    with engine.begin() as conn:
        finish_request(conn, tenant_id, call_id, status, error)
