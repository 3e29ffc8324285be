"""Connection lookups shared by hooks and notifiers."""

from __future__ import annotations

from airflow.sdk.bases.hook import BaseHook
from airflow.sdk.exceptions import AirflowNotFoundException


def optional_connection(conn_id: str):
    """The connection, or None when it is not defined (the embedded default applies then)."""
    try:
        return BaseHook.get_connection(conn_id)
    except AirflowNotFoundException:
        return None
