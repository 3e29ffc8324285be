"""Waits until the store holds pending processing requests."""

from __future__ import annotations

from typing import Any

from airflow.sdk.bases.sensor import BaseSensorOperator


class PendingCallsSensor(BaseSensorOperator):
    """Pokes the store's queue; run it with mode="reschedule" so it holds no worker slot while waiting."""

    def __init__(self, *, store_conn_id: str = "leadline_db", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.store_conn_id = store_conn_id

    def poke(self, context) -> bool:
        from leadline.hooks.store import LeadlineStoreHook
        from leadline.store.processing import count_pending

        pending = count_pending(LeadlineStoreHook(self.store_conn_id).get_conn())
        self.log.info("%s pending calls", pending)
        return pending > 0
