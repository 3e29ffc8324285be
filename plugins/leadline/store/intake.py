"""Intake writes: a call record and its pending processing request, in one transaction."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, insert, select
from sqlalchemy.exc import DBAPIError

from leadline.store.engine import is_duplicate_key, run_transaction
from leadline.store.schema import call_records, processing_requests


@dataclass(frozen=True)
class IncomingCall:
    tenant_id: str
    call_id: str
    resource_id: str | None
    caller_phone: str | None
    customer_name: str | None
    duration_s: int | None
    answered: bool | None
    started_at: datetime | None
    recording_url: str | None
    raw_payload: dict[str, Any]

    @property
    def key(self) -> tuple[str, str]:
        return (self.tenant_id, self.call_id)


@dataclass(frozen=True)
class IntakeResult:
    request_id: str | None
    created: bool


# Built once: the intake runs it for every group commit, and building the statement cost more than running it.
_EXISTING = select(
    processing_requests.c.tenant_id, processing_requests.c.call_id, processing_requests.c.request_id
).where(
    processing_requests.c.tenant_id == bindparam("tenant_id"),
    processing_requests.c.call_id.in_(bindparam("call_ids", expanding=True)),
)
_INSERT_CALLS = insert(call_records)
_INSERT_REQUESTS = insert(processing_requests)


def _existing_requests(conn: Connection, keys: list[tuple[str, str]]) -> dict[tuple[str, str], str]:
    by_tenant: dict[str, list[str]] = {}
    for tenant_id, call_id in keys:
        by_tenant.setdefault(tenant_id, []).append(call_id)
    found: dict[tuple[str, str], str] = {}
    for tenant_id, call_ids in by_tenant.items():
        for row in conn.execute(_EXISTING, {"tenant_id": tenant_id, "call_ids": call_ids}):
            found[(row.tenant_id, row.call_id)] = row.request_id
    return found


def _insert_new(conn: Connection, calls: list[IncomingCall], now: datetime) -> dict[tuple[str, str], str]:
    request_ids = {call.key: uuid.uuid4().hex for call in calls}
    conn.execute(
        _INSERT_CALLS,
        [
            {
                "tenant_id": c.tenant_id,
                "call_id": c.call_id,
                "resource_id": c.resource_id,
                "caller_phone": c.caller_phone,
                "customer_name": c.customer_name,
                "duration_s": c.duration_s,
                "answered": c.answered,
                "started_at": c.started_at,
                "recording_url": c.recording_url,
                "raw_payload": c.raw_payload,
                "created_at": now,
                "updated_at": now,
            }
            for c in calls
        ],
    )
    conn.execute(
        _INSERT_REQUESTS,
        [
            {
                "tenant_id": c.tenant_id,
                "request_id": request_ids[c.key],
                "call_id": c.call_id,
                "status": "pending",
                "attempts": 0,
                "created_at": now,
                "updated_at": now,
            }
            for c in calls
        ],
    )
    return request_ids


def record_calls(engine: Engine, calls: list[IncomingCall]) -> list[IntakeResult]:
    """Store each call once: new (tenant, call_id) pairs get a record and a pending request,
    repeats get the existing request id and nothing new. Callers may batch many deliveries
    into one call (group commit); the result list matches `calls` in order."""
    try:
        return _record_batch(engine, calls)
    except DBAPIError as exc:
        if not is_duplicate_key(exc):
            raise
        # Another writer stored one of these calls between our read and our insert:
        # fall back to one transaction per call so each is judged on its own.
        if len(calls) == 1:
            return _record_batch(engine, calls)
        return [result for call in calls for result in record_calls(engine, [call])]


def _record_batch(engine: Engine, calls: list[IncomingCall]) -> list[IntakeResult]:
    def write(conn: Connection) -> tuple[dict, dict]:
        existing = _existing_requests(conn, [c.key for c in calls])
        fresh: dict[tuple[str, str], IncomingCall] = {}
        for call in calls:
            if call.key not in existing:
                fresh.setdefault(call.key, call)
        created = _insert_new(conn, list(fresh.values()), datetime.now(UTC)) if fresh else {}
        return existing, created

    # On Spanner a concurrent writer aborts the transaction instead of blocking it: it runs again, reading anew.
    existing, created = run_transaction(engine, write)
    results = []
    claimed: set[tuple[str, str]] = set()
    for call in calls:
        if call.key in created and call.key not in claimed:
            claimed.add(call.key)
            results.append(IntakeResult(created[call.key], True))
        else:
            results.append(IntakeResult(existing.get(call.key) or created.get(call.key), False))
    return results
