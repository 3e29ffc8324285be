"""The health check: dependency probes and SLO indicators, stored as a snapshot and raised as alerts."""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from leadline.operators.base import StoreOperator


def probe_object_storage(storage_url: str) -> None:
    """Write, read back and delete a probe object through ObjectStoragePath: the filesystem, and for
    `gs://conn@bucket/...` the Airflow connection, that fetch_recording and the reports use."""
    from airflow.sdk import ObjectStoragePath

    from leadline.domain.probes import probe_name

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
    call to the backend the connection names), computes the SLO indicators for all tenants and for each tenant
    (domain/blast_radius.py: one tenant's failure is its P3 alert, a broad one a system-wide alert) and the
    availability of each service over the stored snapshots, stores a snapshot (which the intake's /v1/health
    reports from), and raises one alert per unhealthy service or red indicator (kept while it lasts, resolved
    when it clears)."""

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
        from leadline.domain.probes import run_probes
        from leadline.hooks.analysis import AnalysisHook
        from leadline.hooks.speech import SpeechHook
        from leadline.store.engine import ping

        storage_url = self.storage_url or default_storage_url()
        return run_probes({
            "database": lambda: ping(self.engine),
            "storage": lambda: probe_object_storage(storage_url),
            "speech_api": lambda: SpeechHook(self.speech_conn_id).test_connection(),
            "vertex_ai": lambda: AnalysisHook(self.llm_conn_id).test_connection(),
        })

    def execute(self, context) -> dict:
        from leadline.domain.alarms import indicator_alarms, service_alarms
        from leadline.domain.availability import WINDOW, availability_indicators
        from leadline.domain.blast_radius import assess
        from leadline.domain.crm import CRM_TYPES
        from leadline.domain.slo import RED, overall_status
        from leadline.hooks.intake_metrics import p95_from_prometheus
        from leadline.operators.alerting import reconcile_alerts
        from leadline.store.ops import probe_outcomes, save_snapshot, slo_activity_all_tenants

        now = datetime.now(UTC)
        services, reasons = self.probe()
        intake_p95 = (p95_from_prometheus(self.intake_metrics_url, os.environ.get("LEADLINE_METRICS_TOKEN"))
                      if self.intake_metrics_url else None)
        slo = assess(slo_activity_all_tenants(self.engine, now, timedelta(minutes=self.window_minutes)), CRM_TYPES,
                     intake_p95)
        availability = availability_indicators(probe_outcomes(self.engine, now - WINDOW), services)
        found = slo.overall + availability
        # the status is this moment's: a month's availability below target must not mark a recovered system
        status = overall_status(services, slo.overall)
        save_snapshot(self.engine, now, status, services, {i.name: i.as_dict() for i in found})
        raised = reconcile_alerts(self.engine, self.store_conn_id, ["service", "slo"],
                                  service_alarms(services, reasons) + slo.alarms + indicator_alarms(availability),
                                  held=slo.held)
        red_tenants = {name: tenants for name, tenants in slo.red_tenants.items() if tenants}
        self.log.info("health %s; red: %s; red per tenant: %s", status, [i.name for i in found if i.level == RED],
                      red_tenants)
        return {"status": status, "levels": {i.name: i.level for i in found},
                "red_tenants": red_tenants, "alerts_raised": raised}
