"""The store's connection (`leadline_db`) without Airflow: Airflow's URI and JSON forms of a connection parsed
as Airflow parses them, the SQLAlchemy URL of a store connection (the Airflow hook uses the same mapping), and
the Google credentials a Spanner store's connection names.

The intake on Cloud Run has no Airflow, and the CLI should not need it to find the store: both read the
connection from AIRFLOW_CONN_LEADLINE_DB, where Airflow itself would find it outside a task.

A Spanner URL carries the connection's credential settings as the query parameters `key_path` and
`impersonation_chain` (the Google provider's names; a chain is comma-separated, the target last), so every
engine built from the URL authenticates as the connection says; sqlalchemy-spanner ignores the query. Without
them the Spanner client uses the environment's Application Default Credentials (anonymous on the emulator)."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import SplitResult, parse_qsl, unquote, urlsplit

from sqlalchemy.engine import URL, make_url

CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform"
# The Google provider's credential fields that a URL cannot carry (a secret, or a source only Airflow's provider
# reads): outside Airflow they are refused rather than silently replaced by the default credentials.
AIRFLOW_ONLY_CREDENTIAL_FIELDS = ("keyfile_dict", "key_secret_name", "credential_config_file", "idp_issuer_url")
URL_CREDENTIAL_FIELDS = ("key_path", "impersonation_chain")
GOOGLE_CREDENTIAL_FIELDS = URL_CREDENTIAL_FIELDS + AIRFLOW_ONLY_CREDENTIAL_FIELDS
# The names older Airflow connection forms saved the provider's fields under; the provider still reads both.
GOOGLE_FIELD_PREFIX = "extra__google_cloud_platform__"
SPANNER_CONNECTION_TYPES = ("gcpspanner", "google_cloud_platform")


class StoreConnection(Protocol):
    """What the URL mapping reads: Airflow's Connection and ConnectionRecord both have it."""

    conn_id: str | None
    conn_type: str | None
    host: str | None
    schema: str | None
    login: str | None
    password: str | None
    port: int | None

    @property
    def extra_dejson(self) -> Mapping[str, Any]: ...


@dataclass(frozen=True)
class ConnectionRecord:
    """An Airflow connection's fields, under Airflow's Connection's names."""

    conn_id: str
    conn_type: str
    host: str | None = None
    schema: str | None = None
    login: str | None = None
    password: str | None = None
    port: int | None = None
    extra_dejson: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class GoogleCredentialSettings:
    """Where a Spanner store's credentials come from: a service-account key file, and/or service accounts to
    impersonate (each granting the one before it Token Creator; the last is the identity used)."""

    key_path: str | None = None
    impersonation_chain: tuple[str, ...] = ()


def parse_connection(conn_id: str, value: str) -> ConnectionRecord:
    """A connection in either of the forms Airflow reads from AIRFLOW_CONN_<ID>: JSON when it starts with `{`,
    else a URI (`type://login:password@host:port/schema?extra=value`, or the extras as JSON in `__extra__`)."""
    value = value.strip()
    if value.startswith("{"):
        return _from_json(conn_id, json.loads(value))
    return _from_uri(conn_id, value)


def _normalized_type(conn_type: str) -> str:
    return "postgres" if conn_type == "postgresql" else conn_type.replace("-", "_")


def _from_json(conn_id: str, fields: Mapping[str, Any]) -> ConnectionRecord:
    extra = fields.get("extra") or {}
    return ConnectionRecord(
        conn_id=conn_id, conn_type=_normalized_type(fields.get("conn_type") or ""), host=fields.get("host"),
        schema=fields.get("schema"), login=fields.get("login"), password=fields.get("password"),
        port=int(fields["port"]) if fields.get("port") else None,
        extra_dejson=json.loads(extra) if isinstance(extra, str) else extra)


def _from_uri(conn_id: str, uri: str) -> ConnectionRecord:
    parts = urlsplit(uri)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    return ConnectionRecord(
        conn_id=conn_id, conn_type=_normalized_type(parts.scheme), host=_host(parts),
        schema=unquote(parts.path[1:]), login=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None, port=parts.port,
        extra_dejson=json.loads(query["__extra__"]) if "__extra__" in query else query)


def _host(parts: SplitResult) -> str:
    """The host as Airflow reads it: a quoted path (a SQLite file named in the host) keeps its case, which
    urlsplit's lower-cased hostname would lose."""
    host = unquote(parts.hostname or "")
    if "/" in host:
        host = unquote(parts.netloc.rpartition("@")[2].partition(":")[0])
    return host


def google_field(extra: Mapping[str, Any], name: str) -> Any:
    """A Google provider extra under its name or its old prefixed one; empty counts as absent, as there."""
    value = extra.get(name, extra.get(GOOGLE_FIELD_PREFIX + name))
    return None if value in ("", None) else value


def sqlalchemy_url(conn: StoreConnection) -> str:
    """The SQLAlchemy URL of a store connection: the extra `sqlalchemy_url` when given (the `leadline_store`
    type's field), else from a `sqlite` (schema or host = the file), `postgres`, or `gcpspanner` /
    `google_cloud_platform` connection (extras project_id, instance_id, database_id). A Spanner URL gets the
    connection's `key_path` and `impersonation_chain` as query parameters."""
    extra = conn.extra_dejson
    url = extra.get("sqlalchemy_url") or _url_of_type(conn)
    settings = {name: google_field(extra, name) for name in URL_CREDENTIAL_FIELDS}
    if not any(settings.values()) or not is_spanner(url):
        return url
    chain = settings["impersonation_chain"]
    if isinstance(chain, list):  # the provider also takes the chain as a JSON list
        settings["impersonation_chain"] = ",".join(chain)
    parsed = make_url(url).update_query_dict({name: value for name, value in settings.items() if value})
    return parsed.render_as_string(hide_password=False)


def _url_of_type(conn: StoreConnection) -> str:
    extra = conn.extra_dejson
    if conn.conn_type == "sqlite":
        return f"sqlite:///{conn.schema or conn.host}"
    if conn.conn_type in ("postgres", "postgresql"):
        return URL.create("postgresql", username=conn.login, password=conn.password or None, host=conn.host,
                          port=conn.port or 5432, database=conn.schema).render_as_string(hide_password=False)
    if conn.conn_type in SPANNER_CONNECTION_TYPES:
        return (f"spanner+spanner:///projects/{extra['project_id']}/instances/{extra['instance_id']}"
                f"/databases/{extra['database_id']}")
    raise ValueError(f"connection {conn.conn_id} has unsupported type {conn.conn_type!r}")


def is_spanner(url: str | URL) -> bool:
    return (make_url(url) if isinstance(url, str) else url).get_backend_name() == "spanner"


def environment_store_url(conn_id: str) -> str | None:
    """The SQLAlchemy URL of connection `conn_id` as Airflow would find it in the environment
    (AIRFLOW_CONN_<ID>), or None when it is not there."""
    variable = f"AIRFLOW_CONN_{conn_id.upper()}"
    if not os.environ.get(variable):
        return None
    try:
        conn = parse_connection(conn_id, os.environ[variable])
        url = sqlalchemy_url(conn)
    except (ValueError, KeyError) as exc:  # names the problem, not the value: the value holds secrets
        raise ValueError(f"{variable} is not a store connection: {type(exc).__name__}: {exc}") from None
    airflow_only = [name for name in AIRFLOW_ONLY_CREDENTIAL_FIELDS if google_field(conn.extra_dejson, name)]
    if airflow_only and is_spanner(url):
        raise ValueError(f"connection {conn_id} authenticates with {', '.join(airflow_only)}, which only Airflow "
                         "tasks read: outside Airflow give it key_path (a key file) or impersonation_chain, or "
                         "use Application Default Credentials")
    return url


def credential_settings(url: str | URL) -> GoogleCredentialSettings:
    """The credential settings a Spanner store URL carries (none: the environment's default)."""
    query = (make_url(url) if isinstance(url, str) else url).query
    chain = query.get("impersonation_chain") or ""
    return GoogleCredentialSettings(
        key_path=query.get("key_path") or None,
        impersonation_chain=tuple(account.strip() for account in chain.split(",") if account.strip()))


def google_credentials(settings: GoogleCredentialSettings):
    """The google.auth credentials of the settings, or None to leave them to the Spanner client, which then
    uses Application Default Credentials (and anonymous ones on the emulator, where ADC may not exist)."""
    import google.auth
    from google.auth import impersonated_credentials
    from google.oauth2 import service_account

    if settings.key_path:
        credentials = service_account.Credentials.from_service_account_file(
            settings.key_path, scopes=[CLOUD_PLATFORM_SCOPE])
    elif settings.impersonation_chain:
        credentials, _project = google.auth.default(scopes=[CLOUD_PLATFORM_SCOPE])
    else:
        return None
    if settings.impersonation_chain:
        *delegates, target = settings.impersonation_chain
        credentials = impersonated_credentials.Credentials(
            source_credentials=credentials, target_principal=target, delegates=delegates or None,
            target_scopes=[CLOUD_PLATFORM_SCOPE])
    return credentials
