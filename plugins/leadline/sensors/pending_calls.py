"""Waits for pending calls, then dispatches them: one call_processing run per call."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from airflow.sdk.bases.sensor import BaseSensorOperator


class PendingCallsSensor(BaseSensorOperator):
    """Waits until the store holds pending requests, then claims a fair batch and triggers one run per call,
    in the same task (one process per dispatch, not two). With deferrable=True (the default) the wait
    happens in the triggerer, polling every `poll_interval_s`: no worker slot, no process per poke."""

    template_fields: Sequence[str] = ("batch_size", "per_tenant")

    def __init__(self, *, trigger_dag_id: str = "call_processing", batch_size: int = 50, per_tenant: int = 10,
                 store_conn_id: str = "leadline_db", deferrable: bool = True, poll_interval_s: float = 1.0,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.trigger_dag_id = trigger_dag_id
        self.batch_size = batch_size
        self.per_tenant = per_tenant
        self.store_conn_id = store_conn_id
        self.deferrable = deferrable
        self.poll_interval_s = poll_interval_s

    def _hook(self):
        from leadline.hooks.store import LeadlineStoreHook

        return LeadlineStoreHook(self.store_conn_id)

    def poke(self, context) -> bool:
        from leadline.store.processing import count_pending

        pending = count_pending(self._hook().get_conn())
        self.log.info("%s pending calls", pending)
        return pending > 0

    def _dispatch(self) -> dict:
        from leadline.dispatch import dispatch_pending

        return dispatch_pending(self._hook().get_conn(), self.trigger_dag_id, int(self.batch_size),
                                int(self.per_tenant), self.log)

    def execute(self, context) -> Any:
        if not self.deferrable:
            super().execute(context)
            return self._dispatch()
        if self.poke(context):
            return self._dispatch()
        from leadline.triggers import PendingCallsTrigger

        self.defer(trigger=PendingCallsTrigger(self.store_conn_id, self.poll_interval_s),
                   method_name="execute_complete")

    def execute_complete(self, context, event: dict | None = None) -> dict:
        self.log.info("%s pending calls", (event or {}).get("pending"))
        return self._dispatch()
