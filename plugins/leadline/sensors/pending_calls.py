"""Waits until the store holds pending processing requests."""

from __future__ import annotations

from typing import Any

from airflow.sdk.bases.sensor import BaseSensorOperator


class PendingCallsSensor(BaseSensorOperator):
    """Checks the store's queue; with deferrable=True (the default) the wait happens in the triggerer,
    polling every `poll_interval_s`, so it holds no worker slot and starts no process per poke."""

    def __init__(self, *, store_conn_id: str = "leadline_db", deferrable: bool = True,
                 poll_interval_s: float = 1.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
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

    def execute(self, context) -> Any:
        if not self.deferrable:
            return super().execute(context)
        if self.poke(context):
            return None
        from leadline.triggers import PendingCallsTrigger

        self.defer(trigger=PendingCallsTrigger(self._hook().sqlalchemy_url(), self.poll_interval_s),
                   method_name="execute_complete")

    def execute_complete(self, context, event: dict | None = None) -> None:
        self.log.info("%s pending calls", (event or {}).get("pending"))
