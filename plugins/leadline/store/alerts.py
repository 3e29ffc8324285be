"""Alerts: raised once per condition (dedupe_key) while it lasts, resolved when it clears."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import Engine, insert, select, update

from leadline.domain.alarms import SEVERITIES
from leadline.store.schema import alerts


def raise_alert(engine: Engine, tenant_id: str, kind: str, severity: str, dedupe_key: str, message: str,
                once: bool = False) -> bool:
    """Insert an open alert unless one with the same key is already open (with `once`: unless one was ever
    raised, e.g. one alert per call however often it is re-run); True when a new one was raised."""
    if severity not in SEVERITIES:
        raise ValueError(f"severity must be one of {SEVERITIES}")
    with engine.begin() as conn:
        same = [alerts.c.tenant_id == tenant_id, alerts.c.dedupe_key == dedupe_key]
        already_open = conn.execute(
            select(alerts.c.alert_id).where(*same, *([] if once else [alerts.c.status == "open"]))
        ).first()
        if already_open:
            return False
        conn.execute(insert(alerts).values(
            tenant_id=tenant_id, alert_id=uuid.uuid4().hex, kind=kind, severity=severity, dedupe_key=dedupe_key,
            message=message, status="open", created_at=datetime.now(UTC),
        ))
    return True


def resolve_alerts(engine: Engine, tenant_id: str, dedupe_key: str) -> int:
    with engine.begin() as conn:
        return conn.execute(
            update(alerts).where(alerts.c.tenant_id == tenant_id, alerts.c.dedupe_key == dedupe_key,
                                 alerts.c.status == "open")
            .values(status="resolved", resolved_at=datetime.now(UTC))
        ).rowcount


def open_alerts(engine: Engine, tenant_id: str, kind: str, dedupe_keys: list[str]) -> list[dict]:
    """The tenant's open alerts of one kind among `dedupe_keys`, oldest first."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(alerts.c.dedupe_key, alerts.c.severity, alerts.c.message, alerts.c.created_at)
            .where(alerts.c.tenant_id == tenant_id, alerts.c.kind == kind, alerts.c.status == "open",
                   alerts.c.dedupe_key.in_(dedupe_keys))
            .order_by(alerts.c.created_at)
        ).mappings().all()
    return [dict(r) for r in rows]


def open_alerts_all_tenants(engine: Engine, kinds: list[str]) -> list[dict]:
    """Every tenant's open alerts of these kinds (system-wide ones under SYSTEM_TENANT): tenant, key, severity."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(alerts.c.tenant_id, alerts.c.dedupe_key, alerts.c.severity)
            .where(alerts.c.status == "open", alerts.c.kind.in_(kinds))
            .order_by(alerts.c.tenant_id, alerts.c.dedupe_key)
        ).mappings().all()
    return [dict(r) for r in rows]
