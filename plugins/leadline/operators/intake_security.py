"""Incident runbook 002's PotentialBruteForce and HighAuthFailureRate, from the intake instances' per-minute
counts (store/intake_counts.py); the thresholds and the decision are in domain/intake_security.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from leadline.operators.base import StoreOperator


class IntakeSecurityOperator(StoreOperator):
    """Raises, per tenant, the alerts the intake's counts over the last `window_minutes` call for and resolves
    the ones they no longer do. XCom: the alerts raised (tenant, key, severity); no client addresses."""

    def __init__(self, *, window_minutes: int = 60, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.window_minutes = window_minutes

    def execute(self, context) -> list[dict]:
        from leadline.domain.intake_security import intake_security_alarms
        from leadline.operators.alerting import reconcile_alerts
        from leadline.store.intake_counts import UNKNOWN_TENANT, intake_counts_all_tenants

        since = datetime.now(UTC) - timedelta(minutes=self.window_minutes)
        counts = [(None if row["tenant_id"] == UNKNOWN_TENANT else row["tenant_id"], row["event"], row["count"])
                  for row in intake_counts_all_tenants(self.engine, since)]
        alarms = intake_security_alarms(counts, self.window_minutes)
        raised = reconcile_alerts(self.engine, self.store_conn_id, ["security"], alarms)
        self.log.info("intake security: %s alarm(s) %s", len(alarms), [(a.tenant_id, a.key) for a in alarms])
        return raised
