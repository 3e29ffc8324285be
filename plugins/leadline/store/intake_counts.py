"""What the intake instances counted per minute (runbook 002's "which tenant is hitting us"): written by each
instance once per minute, read across tenants by health_check, purged by the daily maintenance."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, delete, func, insert, select

from leadline.store.schema import intake_counts

UNKNOWN_TENANT = "_unknown"


def save_intake_counts(engine: Engine, instance_id: str, window_start: datetime,
                       counts: Mapping[tuple[str, str], int]) -> None:
    """One instance's counts for one minute, keyed by (tenant_id, event); one transaction."""
    rows = [{"tenant_id": tenant_id, "window_start": window_start, "event": event, "instance_id": instance_id,
             "count": n} for (tenant_id, event), n in counts.items() if n]
    if rows:
        with engine.begin() as conn:
            conn.execute(insert(intake_counts), rows)


def intake_counts_all_tenants(engine: Engine, since: datetime) -> list[dict[str, Any]]:
    """Every instance's counts since `since`, summed per tenant and event."""
    c = intake_counts.c
    with engine.connect() as conn:
        rows = conn.execute(select(c.tenant_id, c.event, func.sum(c.count).label("count"))
                            .where(c.window_start >= since).group_by(c.tenant_id, c.event)
                            .order_by(c.tenant_id, c.event)).mappings()
        return [{"tenant_id": r["tenant_id"], "event": r["event"], "count": int(r["count"])} for r in rows]


def purge_intake_counts_all_tenants(engine: Engine, before: datetime) -> int:
    with engine.begin() as conn:
        return conn.execute(delete(intake_counts).where(intake_counts.c.window_start < before)).rowcount
