"""Dialpad calls mirrored per tenant over the run's data interval."""

from __future__ import annotations

from datetime import UTC, datetime

from leadline.operators.base import StoreOperator
from leadline.operators.intervals import data_interval


class SyncDialpadOperator(StoreOperator):
    """Dialpad calls started in the run's data interval (tenant config `dialpad_conn_id`)."""

    def execute(self, context) -> dict:
        from leadline.domain.redaction import redact
        from leadline.hooks.rest import DialpadHook
        from leadline.store.etl import etl_run, replace_rows
        from leadline.store.tenants import list_tenants

        start, end = data_interval(context)
        done: dict[str, int] = {}
        with self.engine.connect() as conn:
            tenants = [t for t in list_tenants(conn) if (t.config or {}).get("dialpad_conn_id")]
        for tenant in tenants:
            with etl_run(self.engine, tenant.tenant_id, "dialpad", context["run_id"]) as run:
                # Dialpad counts time in milliseconds since the epoch.
                calls = DialpadHook(tenant.config["dialpad_conn_id"]).calls(int(start.timestamp() * 1000),
                                                                            int(end.timestamp() * 1000))
                replace_rows(self.engine, tenant.tenant_id, "dialpad_calls", [{
                    "call_id": str(c["call_id"]),
                    "call_time": datetime.fromtimestamp(int(c["date_started"]) / 1000, UTC),
                    "duration_s": int(c.get("duration") or 0) // 1000,
                    "participants": [p for p in (c.get("contact"), c.get("target")) if p],
                    # card numbers, SSNs, dates of birth redacted before the transcript is stored or embedded
                    "transcript": redact(c["transcription_text"]).text if c.get("transcription_text") else None,
                    "ingested_at": end} for c in calls])
                run.rows_processed = len(calls)
            done[tenant.tenant_id] = run.rows_processed
        return done
