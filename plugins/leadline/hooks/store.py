"""The Leadline store as an Airflow connection (`leadline_db`): SQLite, PostgreSQL or Cloud Spanner."""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from airflow.sdk.bases.hook import BaseHook

from leadline.hooks.connections import ConnectionForm
from leadline.store.connection_uri import sqlalchemy_url


@dataclass(frozen=True)
class ProviderCredentials:
    """A connection whose Google credential fields Airflow's Google provider turns into credentials. The digest
    of those fields is part of the engine cache's key: a rotated key or another chain gets its own engine."""

    conn_id: str
    fields_digest: str

    @classmethod
    def of(cls, connection) -> ProviderCredentials | None:
        from leadline.store.connection_uri import GOOGLE_CREDENTIAL_FIELDS, google_field

        fields = {name: google_field(connection.extra_dejson, name) for name in GOOGLE_CREDENTIAL_FIELDS}
        if not any(fields.values()):
            return None
        digest = hashlib.sha256(json.dumps(fields, sort_keys=True, default=str).encode()).hexdigest()
        return cls(connection.conn_id, digest)

    def credentials(self):
        from airflow.providers.google.common.hooks.base_google import GoogleBaseHook

        return GoogleBaseHook(gcp_conn_id=self.conn_id).get_credentials()


# one engine (and its pool) per store URL and credentials, shared by every task in the process
_ENGINES: dict[tuple[str, ProviderCredentials | None], Any] = {}
_ENGINES_LOCK = threading.Lock()


def _engine_for(url: str, provider_credentials: ProviderCredentials | None = None):
    from leadline.store.engine import create_store_engine

    with _ENGINES_LOCK:
        engine = _ENGINES.get((url, provider_credentials))
        if engine is None:
            credentials = provider_credentials.credentials() if provider_credentials else None
            engine = _ENGINES[(url, provider_credentials)] = create_store_engine(url, credentials=credentials)
    return engine


def dispose_cached_engines() -> None:
    """Closes the pooled connections of every engine the hooks cached in this process and forgets them (a test
    that drops its database; a process that is done with the store)."""
    with _ENGINES_LOCK:
        engines = list(_ENGINES.values())
        _ENGINES.clear()
    for engine in engines:
        engine.dispose()


class LeadlineStoreHook(ConnectionForm, BaseHook):
    """The store's connection may be `sqlite` (schema or host = the file), `postgres`, `gcpspanner` /
    `google_cloud_platform` (extras project_id, instance_id, database_id), or this hook's own type
    `leadline_store` with the extra `sqlalchemy_url` (any of the three as a SQLAlchemy URL).

    On Spanner the connection's Google credential extras (key_path, keyfile_dict, key_secret_name,
    credential_config_file, impersonation_chain, also under their `extra__google_cloud_platform__` names) give the
    credentials, through the Google provider as its own hooks read them; without any, the Spanner client uses
    Application Default Credentials (Composer's service account)."""

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
        from leadline.store.connection_uri import is_spanner

        url = self.sqlalchemy_url()
        return _engine_for(url, ProviderCredentials.of(self.connection) if is_spanner(url) else None)

    def test_connection(self) -> tuple[bool, str]:
        from leadline.store.engine import ping

        try:
            ping(self.get_conn())
        except Exception as exc:
            return False, f"{type(exc).__name__}: {exc}"
        return True, "store reachable"
