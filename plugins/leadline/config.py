"""Process-level settings for the parts of Leadline that run outside a task (intake, CLI).

Inside Airflow tasks the store comes from the `leadline_db` connection instead (hooks.store).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from leadline.domain.client_address import Network, parse_networks
from leadline.domain.recording_policy import DEFAULT_HOSTS
from leadline.store.connection_uri import environment_store_url


def leadline_home() -> Path:
    return Path(os.environ.get("LEADLINE_HOME", Path.cwd() / ".leadline")).resolve()


def default_store_url() -> str:
    """The store of the parts that run outside Airflow tasks (intake, CLI, dashboard): LEADLINE_STORE_URL when
    set; else the `leadline_db` connection where Airflow finds it outside a task, AIRFLOW_CONN_LEADLINE_DB (URI
    or JSON form), with its credentials (store.connection_uri); else a SQLite file under LEADLINE_HOME."""
    return (os.environ.get("LEADLINE_STORE_URL") or environment_store_url("leadline_db")
            or f"sqlite:///{leadline_home() / 'leadline.db'}")


def default_storage_url() -> str:
    """Where recordings and reports go: gs://bucket/prefix in production, a local folder by default.

    In Airflow's ObjectStoragePath form: `gs://<conn_id>@bucket/prefix` makes the tasks reach the bucket
    through that Airflow connection (a Google Cloud one: credentials, and `gcs.endpoint` for an emulator);
    without a connection id they use Application Default Credentials (Composer's service account)."""
    return os.environ.get("LEADLINE_STORAGE_URL") or (leadline_home() / "artifacts").as_uri()


def storage_connection(storage_url: str) -> tuple[str | None, str]:
    """(Airflow connection id or None, the URL without it): `gs://conn@bucket/p` -> ("conn", "gs://bucket/p").
    The plain URL is what fsspec outside Airflow (the intake) and Google APIs (Speech's gs:// URI) take."""
    parts = urlsplit(storage_url)
    userinfo, at, host = parts.netloc.rpartition("@")
    if not at:
        return None, storage_url
    return userinfo or None, parts._replace(netloc=host).geturl()


@dataclass(frozen=True)
class IntakeSettings:
    store_url: str
    max_body_bytes: int = 64 * 1024
    signature_failures_before_block: int = 10
    block_seconds: int = 300
    storage_url: str = ""
    # fsspec options for the storage probe (e.g. gcsfs `endpoint_url` and `token` for an emulator); empty on Cloud
    # Run, where gcsfs uses the service's own identity (Application Default Credentials)
    storage_options: dict[str, Any] = field(default_factory=dict)
    # Redis shared by every intake instance for rate limits and blocks; None: this process's memory
    redis_url: str | None = None
    # Bearer token a Prometheus scraper sends for /v1/metrics (which names every tenant); None: metrics are off
    metrics_token: str | None = None
    # Proxies whose X-Forwarded-For entries name the real client (Cloud Run's front end in the deploy); none:
    # the TCP peer is the client
    trusted_proxies: tuple[Network, ...] = ()
    # Slow clients: a request's line and headers must arrive within header_timeout_s (standalone server only) and
    # its body within body_timeout_s; headers over max_header_bytes are refused
    header_timeout_s: float = 10.0
    body_timeout_s: float = 20.0
    max_header_bytes: int = 16 * 1024

    @classmethod
    def from_env(cls) -> IntakeSettings:
        return cls(
            store_url=default_store_url(),
            max_body_bytes=int(os.environ.get("LEADLINE_INTAKE_MAX_BODY_BYTES", 64 * 1024)),
            storage_url=default_storage_url(),
            redis_url=os.environ.get("LEADLINE_REDIS_URL") or None,
            metrics_token=os.environ.get("LEADLINE_METRICS_TOKEN") or None,
            trusted_proxies=parse_networks(os.environ.get("LEADLINE_TRUSTED_PROXIES", "")),
        )


def recording_policy_defaults() -> tuple[tuple[str, ...], bool]:
    """The deployment's recording hosts for tenants whose config names none (LEADLINE_RECORDING_HOSTS,
    comma-separated; CallRail's by default) and whether they may be fetched over http
    (LEADLINE_RECORDING_ALLOW_HTTP=true; the local stacks' recordings server). The intake and fetch_recording
    read the same."""
    hosts = tuple(h.strip() for h in os.environ.get("LEADLINE_RECORDING_HOSTS", "").split(",") if h.strip())
    return hosts or DEFAULT_HOSTS, os.environ.get("LEADLINE_RECORDING_ALLOW_HTTP") == "true"


def public_base_url() -> str:
    """Where reps' browsers reach Leadline's app (dashboard + intake): the base of the call pages and of the
    signed recording links put into CRMs. In Airflow the app is mounted under /leadline."""
    return (os.environ.get("LEADLINE_PUBLIC_URL") or "http://localhost:8080/leadline").rstrip("/")


def link_key_ref() -> str:
    """Secret reference (env:/file:/gsm:) of the HMAC key that signs recording links; the signer (tasks) and
    the checker (the intake app) read the same secret."""
    return os.environ.get("LEADLINE_LINK_KEY_REF", "env:LEADLINE_LINK_KEY")


def metadata_retention_days() -> int:
    """How many days of Airflow's own records maintenance_daily keeps by default: 30, Cloud Composer's starting
    point, or LEADLINE_METADATA_RETENTION_DAYS; 0 where the platform cleans them (Composer 3's retention policy)."""
    return int(os.environ.get("LEADLINE_METADATA_RETENTION_DAYS", "30"))
