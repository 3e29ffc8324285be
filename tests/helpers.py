"""Shared test helpers: signed webhook requests and store snapshots."""

from __future__ import annotations

import dataclasses
import json
import time

from sqlalchemy import Engine, select, update

from leadline.domain.call import CallRecord
from leadline.domain.signature import sign
from leadline.store.schema import call_records, processing_requests

SECRETS = {"acme": "acme-secret-0123456789abcdef", "globex": "globex-secret-fedcba9876543210"}


def signed_headers(secret: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    return {"content-type": "application/json", "x-timestamp": ts, "x-callrail-signature": sign(secret, ts, body)}


def call_payload(tenant_id: str = "acme", call_id: str = "CAL1001", **fields) -> dict:
    payload = {
        "call_id": call_id,
        "tenant_id": tenant_id,
        "caller_id": "+15551234567",
        "duration": "180",
        "customer_name": "Marcus Whitfield",
        "answered": True,
    }
    payload.update(fields)
    return payload


def encode(payload: dict) -> bytes:
    return json.dumps(payload, separators=(",", ":")).encode()


def store_snapshot(engine: Engine) -> tuple[list, list]:
    with engine.connect() as conn:
        calls = conn.execute(select(call_records).order_by(call_records.c.tenant_id, call_records.c.call_id)).all()
        requests = conn.execute(
            select(processing_requests).order_by(processing_requests.c.tenant_id, processing_requests.c.call_id)
        ).all()
    return calls, requests


def set_call_fields(engine: Engine, tenant_id: str, call_id: str, **values) -> None:
    """Test seeding: any columns of one call (production writes go through store.calls' named steps)."""
    with engine.begin() as conn:
        conn.execute(update(call_records).where(call_records.c.tenant_id == tenant_id,
                                                call_records.c.call_id == call_id).values(**values))


def set_field_on_calls(engine: Engine, tenant_id: str, column: str, values: dict) -> None:
    """Test seeding: one column on several calls ({call_id: value})."""
    for call_id, value in values.items():
        set_call_fields(engine, tenant_id, call_id, **{column: value})


def make_call_record(tenant_id: str, call_id: str, **fields) -> CallRecord:
    """A CallRecord as a test needs it: the given fields, the rest empty."""
    from datetime import UTC, datetime

    empty = {f.name: None for f in dataclasses.fields(CallRecord)}
    return CallRecord(**{**empty, "raw_payload": {}, "created_at": datetime.now(UTC), "updated_at": datetime.now(UTC),
                         "tenant_id": tenant_id, "call_id": call_id, **fields})
