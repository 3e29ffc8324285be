"""The Leadline store as an Airflow connection (`leadline_db`): SQLite, PostgreSQL or Cloud Spanner."""

from __future__ import annotations

from functools import cache, cached_property
from typing import Any

from airflow.sdk.bases.hook import BaseHook

from leadline.hooks.connections import ConnectionForm, sqlalchemy_url


@cache
def _engine_for(url: str):
    from leadline.store.engine import create_store_engine

    return create_store_engine(url)


class LeadlineStoreHook(ConnectionForm, BaseHook):
    """The store's connection may be `sqlite` (schema or host = the file), `postgres`, `gcpspanner` /
    `google_cloud_platform` (extras project_id, instance_id, database_id), or this hook's own type
    `leadline_store` with the extra `sqlalchemy_url` (any of the three as a SQLAlchemy URL)."""

    conn_name_attr = "leadline_conn_id"
    default_conn_name = "leadline_db"
    conn_type = "leadline_store"
    hook_name = "Leadline store"

    def __init__(self, leadline_conn_id: str = default_conn_name, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.leadline_conn_id = leadline_conn_id

    @cached_property
    def connection(self):
        return self.get_connection(self.leadline_conn_id)

    def sqlalchemy_url(self) -> str:
        return sqlalchemy_url(self.connection)

    def get_conn(self):
        """The SQLAlchemy engine, shared by every task in this process."""
        return _engine_for(self.sqlalchemy_url())

    def test_connection(self) -> tuple[bool, str]:
        from leadline.store.engine import ping

        try:
            ping(self.get_conn())
        except Exception as exc:
            return False, f"{type(exc).__name__}: {exc}"
        return True, "store reachable"
