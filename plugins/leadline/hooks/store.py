"""The Leadline store as an Airflow connection (`leadline_db`): SQLite, PostgreSQL or Cloud Spanner."""

from __future__ import annotations

from functools import cache
from typing import Any

from airflow.sdk.bases.hook import BaseHook


@cache
def _engine_for(url: str):
    from leadline.store.engine import create_store_engine

    return create_store_engine(url)


class LeadlineStoreHook(BaseHook):
    conn_name_attr = "leadline_conn_id"
    default_conn_name = "leadline_db"
    conn_type = "leadline_store"
    hook_name = "Leadline store"

    def __init__(self, leadline_conn_id: str = default_conn_name, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.leadline_conn_id = leadline_conn_id

    def sqlalchemy_url(self) -> str:
        from sqlalchemy.engine import URL

        conn = self.get_connection(self.leadline_conn_id)
        extra = conn.extra_dejson
        if conn.conn_type == "sqlite":
            return f"sqlite:///{conn.schema or conn.host}"
        if conn.conn_type in ("postgres", "postgresql"):
            return URL.create("postgresql", username=conn.login, password=conn.password or None, host=conn.host,
                              port=conn.port or 5432, database=conn.schema).render_as_string(hide_password=False)
        if conn.conn_type in ("gcpspanner", "google_cloud_platform"):
            return (f"spanner+spanner:///projects/{extra['project_id']}/instances/{extra['instance_id']}"
                    f"/databases/{extra['database_id']}")
        raise ValueError(f"connection {self.leadline_conn_id} has unsupported type {conn.conn_type!r}")

    def get_conn(self):
        """The SQLAlchemy engine, shared by every task in this process."""
        return _engine_for(self.sqlalchemy_url())

    def test_connection(self) -> tuple[bool, str]:
        from sqlalchemy import text

        try:
            with self.get_conn().connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception as exc:
            return False, f"{type(exc).__name__}: {exc}"
        return True, "store reachable"
