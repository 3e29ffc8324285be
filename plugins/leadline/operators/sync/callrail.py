"""CallRail reconciliation over the run's data interval."""

from __future__ import annotations

from datetime import datetime

from leadline.operators.base import StoreOperator
from leadline.operators.intervals import data_interval


class SyncCallRailOperator(StoreOperator):
    """Reconciliation: every CallRail call in the data interval that the webhook missed is stored and
    queued through the intake's own write path (duplicates are recognised and left alone)."""

    def execute(self, context) -> dict:
        from leadline.domain.normalize import e164
        from leadline.domain.redaction import redact_payload
        from leadline.hooks.callrail import CallRailHook
        from leadline.store.etl import etl_run
        from leadline.store.intake import IncomingCall, record_calls
        from leadline.store.tenants import list_tenants

        start, end = data_interval(context)
        recovered: dict[str, int] = {}
        with self.engine.connect() as conn:
            tenants = [t for t in list_tenants(conn) if (t.config or {}).get("callrail_account_id")]
        for tenant in tenants:
            config = tenant.config
            with etl_run(self.engine, tenant.tenant_id, "callrail", context["run_id"]) as run:
                hook = CallRailHook(config.get("callrail_conn_id", CallRailHook.default_conn_name))
                listed = hook.list_calls(config["callrail_account_id"], start.isoformat(), end.isoformat())
                calls = [IncomingCall(
                    tenant_id=tenant.tenant_id, call_id=c["id"], resource_id=c["id"],
                    caller_phone=e164(c.get("customer_phone_number")), customer_name=c.get("customer_name"),
                    duration_s=int(c["duration"]) if c.get("duration") is not None else None,
                    answered=c.get("answered"), started_at=datetime.fromisoformat(c["start_time"]),
                    recording_url=None, raw_payload=redact_payload(c)) for c in listed]
                results = record_calls(self.engine, calls) if calls else []
                run.rows_processed = len(listed)
            recovered[tenant.tenant_id] = sum(r.created for r in results)
        self.log.info("calls recovered from CallRail per tenant: %s", recovered)
        return recovered
