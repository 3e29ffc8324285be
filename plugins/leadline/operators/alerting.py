"""Bringing the alerts table in line with what a check found: its alarms raised (each once while it lasts, sent
along its severity's routes by the notifier), its other open alerts resolved."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from leadline.domain.alarms import Alarm

if TYPE_CHECKING:
    from sqlalchemy import Engine


def reconcile_alerts(engine: Engine, store_conn_id: str, kinds: list[str], alarms: list[Alarm],
                     held: Iterable[tuple[str | None, str]] = ()) -> list[dict]:
    """Raise `alarms`; resolve every open alert of `kinds` that is neither an alarm nor `held` (left open if open,
    not raised). An alarm more urgent than its open alert (P2 -> P1) resolves it and is raised anew, so the
    escalation is sent. Returns the alerts raised by this call."""
    from leadline.domain.alarms import more_urgent
    from leadline.notifier import AlertNotifier
    from leadline.store.alerts import open_alerts_all_tenants, resolve_alerts
    from leadline.store.schema import SYSTEM_TENANT

    wanted = {(alarm.tenant_id or SYSTEM_TENANT, alarm.key): alarm for alarm in alarms}
    keep = set(wanted) | {(tenant or SYSTEM_TENANT, key) for tenant, key in held}
    for alert in open_alerts_all_tenants(engine, kinds):
        where = (alert["tenant_id"], alert["dedupe_key"])
        escalated = where in wanted and more_urgent(wanted[where].severity, alert["severity"])
        if where not in keep or escalated:
            resolve_alerts(engine, *where)
    raised = []
    for (tenant_id, key), alarm in wanted.items():
        if AlertNotifier(tenant_id=tenant_id, dedupe_key=key, kind=alarm.kind, severity=alarm.severity,
                         message=alarm.message, store_conn_id=store_conn_id).send():
            raised.append({"tenant_id": tenant_id, "key": key, "severity": alarm.severity})
    return raised
