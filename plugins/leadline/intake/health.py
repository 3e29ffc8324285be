"""GET /v1/health in the runbooks' shape: {"status", "timestamp", "services": {database, storage, speech_api,
vertex_ai}}.

Two probers share the shape and the status rule (this module, which imports no Airflow):
- the intake (this HealthChecker, on Cloud Run or mounted in the API server) probes what it is deployed with,
  live: the store (a round trip) and Cloud Storage (write, read back, delete a probe object through fsspec);
  Speech-to-Text and Vertex AI, which the intake never calls, it reports as the `health_check` DAG last found
  them (its snapshot, at most SNAPSHOT_FRESHNESS old, else "unknown");
- the `health_check` DAG (operators/health.py) probes all four every 5 minutes through the hooks and connections
  the tasks use (SpeechHook/AnalysisHook.test_connection(): one cheap call to the backend), and stores the snapshot.
So production probes production, and the intake needs neither Airflow nor the Speech/Vertex credentials.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from leadline.config import storage_connection
from leadline.domain.probes import HEALTHY, UNKNOWN, probe_name, run_probes
from leadline.domain.slo import overall_status
from leadline.store.engine import ping

log = logging.getLogger(__name__)

SNAPSHOT_FRESHNESS = timedelta(minutes=15)
SERVICES = ("database", "storage", "speech_api", "vertex_ai")
FROM_SNAPSHOT = ("speech_api", "vertex_ai")


def probe_storage(storage_url: str, storage_options: dict[str, Any] | None = None) -> None:
    """Writes, reads back and deletes a small object under `storage_url` with fsspec (gcsfs for gs://). An
    Airflow connection id in the URL (`gs://conn@bucket/...`) is dropped: outside Airflow, gcsfs takes
    `storage_options` or the process's Application Default Credentials."""
    import fsspec

    _conn_id, url = storage_connection(storage_url)
    fs, root = fsspec.core.url_to_fs(url, **(storage_options or {}))
    protocols = fs.protocol if isinstance(fs.protocol, tuple | list) else (fs.protocol,)
    if {"file", "local"} & set(protocols):  # object stores have no folders (and must not create a bucket)
        fs.makedirs(root, exist_ok=True)
    probe = f"{root.rstrip('/')}/{probe_name()}"
    fs.pipe_file(probe, b"ok")
    try:
        if fs.cat_file(probe) != b"ok":
            raise OSError("storage read back different bytes")
    finally:
        fs.rm_file(probe)


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class HealthChecker:
    """The intake's /v1/health: database and storage probed live, Speech and Vertex from health_check's
    newest snapshot."""

    def __init__(self, engine: Engine, storage_url: str, storage_options: dict[str, Any] | None = None):
        self._engine = engine
        self._storage_url = storage_url
        self._storage_options = dict(storage_options or {})

    def report(self) -> dict:
        services, _reasons = run_probes({
            "database": lambda: ping(self._engine),
            "storage": lambda: probe_storage(self._storage_url, self._storage_options),
        })
        snapshot = self._fresh_snapshot() if services["database"] == HEALTHY else None
        checked = (snapshot or {}).get("services") or {}
        for name in FROM_SNAPSHOT:
            services[name] = checked.get(name, UNKNOWN) if snapshot else UNKNOWN
        services = {name: services[name] for name in SERVICES}
        # a service down or not checked recently (unknown) degrades; no database is unhealthy
        report = {"status": overall_status(services, []), "timestamp": _iso(datetime.now(UTC)), "services": services}
        if snapshot:
            report["services_checked_at"] = _iso(snapshot["taken_at"])
            report["slo"] = {name: m["level"] for name, m in (snapshot["metrics"] or {}).items()}
            report["slo_checked_at"] = _iso(snapshot["taken_at"])
        return report

    def _fresh_snapshot(self) -> dict | None:
        """health_check's newest snapshot when it is recent."""
        from leadline.store.ops import latest_snapshot

        try:
            snapshot = latest_snapshot(self._engine)
        except Exception as exc:  # the database answered the ping; a missing table must not break /v1/health
            log.warning("health snapshot unreadable: %s", type(exc).__name__)
            return None
        if snapshot is None:
            return None
        taken_at = snapshot["taken_at"]
        if taken_at.tzinfo is None:
            taken_at = taken_at.replace(tzinfo=UTC)
        if datetime.now(UTC) - taken_at > SNAPSHOT_FRESHNESS:
            return None
        return {**snapshot, "taken_at": taken_at}
