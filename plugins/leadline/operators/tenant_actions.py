"""The manual runbook actions on one tenant: pause or resume it, reprocess some of its calls."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from leadline.operators.base import StoreOperator


class SetTenantStatusOperator(StoreOperator):
    template_fields: Sequence[str] = ("tenant_id",)

    def __init__(self, *, tenant_id: str, status: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.tenant_id = tenant_id
        self.status = status

    def execute(self, context) -> dict:
        from airflow.sdk.exceptions import AirflowFailException

        from leadline.store.tenants import set_tenant_status

        self.require_tenant_access(context, self.tenant_id)
        with self.engine.begin() as conn:
            if not set_tenant_status(conn, self.tenant_id, self.status):
                raise AirflowFailException(f"no tenant {self.tenant_id}")
        self.log.info("tenant %s is now %s", self.tenant_id, self.status)
        return {"tenant_id": self.tenant_id, "status": self.status}


class ReprocessCallsOperator(StoreOperator):
    """Clears a tenant's calls' derived results and requeues them; the dispatcher re-runs each call's own
    run. Calls are named by id or by a creation-date range."""

    template_fields: Sequence[str] = ("tenant_id", "call_ids", "start_date_param", "end_date_param")

    def __init__(self, *, tenant_id: str, call_ids: Any = None, start_date_param: str | None = None,
                 end_date_param: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.tenant_id = tenant_id
        self.call_ids = call_ids
        self.start_date_param = start_date_param
        self.end_date_param = end_date_param

    def execute(self, context) -> dict:
        from airflow.sdk.exceptions import AirflowFailException

        from leadline.store.ops import clear_calls_for_reprocessing, requeue

        self.require_tenant_access(context, self.tenant_id)
        ids = list(self.call_ids or [])
        if ids:
            found, unknown = clear_calls_for_reprocessing(self.engine, self.tenant_id, call_ids=ids)
        elif self.start_date_param and self.end_date_param:
            start = datetime.fromisoformat(str(self.start_date_param)).replace(tzinfo=UTC)
            end = datetime.fromisoformat(str(self.end_date_param)).replace(tzinfo=UTC)
            found, unknown = clear_calls_for_reprocessing(self.engine, self.tenant_id, created_from=start,
                                                          created_until=end)
        else:
            raise AirflowFailException("give call_ids or both start_date and end_date")
        if unknown:
            raise AirflowFailException(f"{unknown} call ids are not this tenant's calls")
        count = requeue(self.engine, [(self.tenant_id, c) for c in found], "requeued by reprocess_calls",
                        datetime.now(UTC))
        self.log.info("reprocessing %s calls of tenant %s", count, self.tenant_id)
        return {"requeued": count}
