"""The health check: dependency probes and SLO indicators, stored as a snapshot and raised as alerts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from leadline.operators.base import StoreOperator


def probe_object_storage(storage_url: str) -> None:
    """Write, read back and delete a probe object through ObjectStoragePath: the filesystem, and for
    `gs://conn@bucket/...` the Airflow connection, that fetch_recording and the reports use."""
    from airflow.sdk import ObjectStoragePath

    from leadline.intake.health import probe_name

    root = ObjectStoragePath(storage_url.rstrip("/"))
    if root.protocol in ("", "file", "local"):
        root.mkdir(parents=True, exist_ok=True)
    probe = root / probe_name()
    probe.write_bytes(b"ok")
    try:
        if probe.read_bytes() != b"ok":
            raise OSError("storage read back different bytes")
    finally:
        probe.unlink(missing_ok=True)


class HealthCheckOperator(StoreOperator):
    """Probes each dependency through what the tasks use (the store connection; storage through
    ObjectStoragePath; Speech-to-Text and Vertex AI through SpeechHook/AnalysisHook.test_connection(), one cheap
    call to the backend the connection names), computes the SLO indicators, stores a snapshot (which the
    intake's /v1/health reports from), and raises one alert per unhealthy service or red indicator (kept while
    it lasts, resolved when it clears)."""

    template_fields: Sequence[str] = ("storage_url", "intake_metrics_url")

    def __init__(self, *, storage_url: str | None = None, intake_metrics_url: str | None = None,
                 window_minutes: int = 60, speech_conn_id: str = "leadline_speech",
                 llm_conn_id: str = "leadline_llm", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.storage_url = storage_url
        self.intake_metrics_url = intake_metrics_url
        self.window_minutes = window_minutes
        self.speech_conn_id = speech_conn_id
        self.llm_conn_id = llm_conn_id

    def probe(self) -> tuple[dict[str, str], dict[str, str]]:
        """(service -> healthy/unhealthy, service -> reason) for database, storage, speech_api, vertex_ai."""
        from leadline.config import default_storage_url
        from leadline.hooks.analysis import AnalysisHook
        from leadline.hooks.speech import SpeechHook
        from leadline.intake.health import run_probes
        from leadline.store.engine import ping

        storage_url = self.storage_url or default_storage_url()
        return run_probes({
            "database": lambda: ping(self.engine),
            "storage": lambda: probe_object_storage(storage_url),
            "speech_api": lambda: SpeechHook(self.speech_conn_id).test_connection(),
            "vertex_ai": lambda: AnalysisHook(self.llm_conn_id).test_connection(),
        })

    def execute(self, context) -> dict:
        from leadline.domain.slo import RED, indicators, overall_status
        from leadline.intake.metrics import p95_from_prometheus
        from leadline.notifier import AlertNotifier
        from leadline.store.alerts import resolve_alerts
        from leadline.store.ops import save_snapshot, slo_metrics
        from leadline.store.schema import SYSTEM_TENANT

        now = datetime.now(UTC)
        services, reasons = self.probe()
        intake_p95 = p95_from_prometheus(self.intake_metrics_url) if self.intake_metrics_url else None
        metrics = slo_metrics(self.engine, now, timedelta(minutes=self.window_minutes), intake_p95)
        found = indicators(metrics)
        status = overall_status(services, found)
        save_snapshot(self.engine, now, status, services, {i.name: i.as_dict() for i in found})
        raised = []
        for name, state in services.items():
            key = f"service:{name}"
            if state != "healthy":
                severity = "P1" if name == "database" else "P2"
                message = f"{name} is {state}: {reasons[name]}" if name in reasons else f"{name} is {state}"
                if AlertNotifier(tenant_id=SYSTEM_TENANT, dedupe_key=key, kind="service", severity=severity,
                                 message=message, store_conn_id=self.store_conn_id).send():
                    raised.append(key)
            else:
                resolve_alerts(self.engine, SYSTEM_TENANT, key)
        for indicator in found:
            key = f"slo:{indicator.name}"
            if indicator.level == RED:
                message = f"SLO {indicator.name} is red: {indicator.value} ({indicator.rule})"
                if AlertNotifier(tenant_id=SYSTEM_TENANT, dedupe_key=key, kind="slo", severity=indicator.severity,
                                 message=message, store_conn_id=self.store_conn_id).send():
                    raised.append(key)
            else:
                resolve_alerts(self.engine, SYSTEM_TENANT, key)
        self.log.info("health %s; red: %s", status, [i.name for i in found if i.level == RED])
        return {"status": status, "levels": {i.name: i.level for i in found}, "alerts_raised": raised}
