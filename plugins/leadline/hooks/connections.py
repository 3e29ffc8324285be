"""Connection lookups shared by hooks, notifiers and operators (a database connection's SQLAlchemy URL among
them), and the connection-form declaration every Leadline hook carries for the Airflow UI (registered through
`leadline.provider.get_provider_info`)."""

from __future__ import annotations

from typing import Any

from airflow.sdk.bases.hook import BaseHook
from airflow.sdk.exceptions import AirflowNotFoundException


def optional_connection(conn_id: str):
    """The connection, or None when it is not defined (the embedded default applies then)."""
    try:
        return BaseHook.get_connection(conn_id)
    except AirflowNotFoundException:
        return None


class ConnectionForm:
    """A hook's connection form as Airflow reads it: the extras shown as form fields (`conn-fields`: label +
    JSON schema; `format: password` masks a secret) and the standard fields hidden, relabelled or given
    placeholders. Declared once, as data, in `leadline.provider` (Airflow 3.2+ reads it from there without
    importing the hook or needing wtforms); the hook serves its part for tools that ask the hook."""

    @classmethod
    def get_connection_form_widgets(cls) -> dict[str, dict]:
        from leadline.provider import connection_type

        return connection_type(cls.conn_type).get("conn-fields", {})  # type: ignore[attr-defined]

    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        from leadline.provider import connection_type

        behaviour = connection_type(cls.conn_type)["ui-field-behaviour"]  # type: ignore[attr-defined]
        return {"hidden_fields": behaviour["hidden-fields"], "relabeling": behaviour["relabeling"],
                "placeholders": behaviour["placeholders"]}
