"""Maintenance (operations runbook): the stuck-request reaper, bulk retries, data completeness, retention
purges (calls, the intake's counts), the daily summary and the weekly report. XComs carry counts, never PII."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from leadline.operators.base import StoreOperator
from leadline.operators.intervals import interval_end


class ReapStuckRequestsOperator(StoreOperator):
    template_fields: Sequence[str] = ("stuck_after_minutes", "max_attempts")

    def __init__(self, *, stuck_after_minutes: int = 30, max_attempts: int = 3, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.stuck_after_minutes = stuck_after_minutes
        self.max_attempts = max_attempts

    def execute(self, context) -> dict:
        from leadline.store.ops import reap_stuck_all_tenants

        result = reap_stuck_all_tenants(self.engine, datetime.now(UTC),
                                        timedelta(minutes=self.stuck_after_minutes), self.max_attempts)
        self.log.info("stuck requests: %s", result)
        return result


def _text_or_none(value) -> str | None:
    return None if value is None or value == "" else str(value)


class RetryFailedRequestsOperator(StoreOperator):
    """Bulk retry of failed requests (incident runbook): params tenant, since, reason filter, dry_run. Its DAG
    renders templates as native objects, so the numbers and the flag arrive as what they are; the filters are
    text whatever they look like ("404" is a reason, not a number)."""

    template_fields: Sequence[str] = ("tenant_id", "since_hours", "reason_contains", "dry_run")

    def __init__(self, *, tenant_id: str | None = None, since_hours: int = 24, reason_contains: str | None = None,
                 dry_run: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.tenant_id = tenant_id
        self.since_hours = since_hours
        self.reason_contains = reason_contains
        self.dry_run = dry_run

    def execute(self, context) -> dict:
        from leadline.store.ops import failed_requests, requeue

        now = datetime.now(UTC)
        calls = failed_requests(self.engine, _text_or_none(self.tenant_id), now - timedelta(hours=self.since_hours),
                                _text_or_none(self.reason_contains))
        if not isinstance(self.dry_run, bool):
            raise ValueError(f"dry_run must be true or false, got {self.dry_run!r}")
        dry = self.dry_run
        requeued = 0 if dry else requeue(self.engine, calls, "requeued by retry_failed_requests", now)
        self.log.info("%s failed requests match; requeued %s (dry_run=%s)", len(calls), requeued, dry)
        return {"matched": len(calls), "requeued": requeued, "dry_run": dry}


class DataCompletenessOperator(StoreOperator):
    """The runbook's completeness query per active tenant; rates only, no records."""

    def __init__(self, *, days: int = 30, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.days = days

    def execute(self, context) -> list[dict]:
        from leadline.store.ops import data_completeness
        from leadline.store.tenants import list_tenants

        since = interval_end(context) - timedelta(days=self.days)
        with self.engine.connect() as conn:
            tenants = list_tenants(conn)
        report = []
        for tenant in tenants:
            row = data_completeness(self.engine, tenant.tenant_id, since)
            total = row["total_records"]
            rates = {k.replace("has_", "") + "_rate": round(100.0 * v / total, 2) if total else None
                     for k, v in row.items() if k.startswith("has_")}
            report.append({"tenant_id": tenant.tenant_id, "total_records": total, **rates})
        for entry in report:
            self.log.info("completeness %s", entry)
        return report


class RetentionPurgeOperator(StoreOperator):
    """Per tenant: recordings and transcripts older than the tenant's retention are deleted; rows stay."""

    def execute(self, context) -> dict:
        from airflow.sdk import ObjectStoragePath

        from leadline.store.ops import purge_expired
        from leadline.store.tenants import list_tenants

        now = interval_end(context)
        purged: dict[str, int] = {}
        with self.engine.connect() as conn:
            tenants = list_tenants(conn)
        for tenant in tenants:
            paths = purge_expired(self.engine, tenant.tenant_id, tenant.retention_days, now)
            for path in filter(None, paths):
                ObjectStoragePath(path).unlink(missing_ok=True)
            purged[tenant.tenant_id] = len(paths)
        self.log.info("retention purge: %s", purged)
        return purged


class PurgeIntakeCountsOperator(StoreOperator):
    """The intake's per-minute counts older than `retention_days` before the run's data interval end: the
    security alerts read the last hour, the rest is kept for incident reviews."""

    template_fields: Sequence[str] = ("retention_days",)

    def __init__(self, *, retention_days: int = 30, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.retention_days = retention_days

    def execute(self, context) -> dict:
        from leadline.store.intake_counts import purge_intake_counts_all_tenants

        before = interval_end(context) - timedelta(days=self.retention_days)
        deleted = purge_intake_counts_all_tenants(self.engine, before)
        self.log.info("intake counts before %s deleted: %s rows", before.isoformat(), deleted)
        return {"before": before.isoformat(), "deleted": deleted}


class DailySummaryOperator(StoreOperator):
    def execute(self, context) -> list[dict]:
        from leadline.store.ops import daily_summary_all_tenants

        end = interval_end(context)
        summary = daily_summary_all_tenants(self.engine, end - timedelta(days=1), end)
        for entry in summary:
            self.log.info("daily summary %s", entry)
        return summary


class WeeklyReportOperator(StoreOperator):
    """Per tenant: the week's figures against the week before, rendered as an HTML report stored with the
    tenant's artifacts and announced through the notifier (a summary and the report's location)."""

    template_fields: Sequence[str] = ("storage_url",)

    def __init__(self, *, storage_url: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.storage_url = storage_url

    def _week(self, tenant_id: str, start: datetime, end: datetime):
        from leadline.domain.weekly import week_figures
        from leadline.store.ops import week_activity

        return week_figures(*week_activity(self.engine, tenant_id, start, end))

    def execute(self, context) -> list[dict]:
        import jinja2
        from airflow.sdk import ObjectStoragePath

        from leadline.config import default_storage_url
        from leadline.domain.weekly import change
        from leadline.notifier import AlertNotifier
        from leadline.store.named_sql import SQL_DIR
        from leadline.store.tenants import list_tenants

        end = interval_end(context)
        start, previous_start = end - timedelta(days=7), end - timedelta(days=14)
        template = jinja2.Environment(loader=jinja2.FileSystemLoader(SQL_DIR.parent / "templates"),
                                      autoescape=True).get_template("weekly_report.html.j2")
        base = (self.storage_url or default_storage_url()).rstrip("/")
        with self.engine.connect() as conn:
            tenants = list_tenants(conn)
        reports = []
        for tenant in tenants:
            now, before = self._week(tenant.tenant_id, start, end), self._week(tenant.tenant_id, previous_start, start)
            names = ["calls", "completed", "failed", "skipped", "processing_p95_s", "error_rate", "crm_sync_rate"]
            rows = [(n, getattr(now, n), getattr(before, n), change(getattr(now, n), getattr(before, n)))
                    for n in names]
            html = template.render(tenant_id=tenant.tenant_id, week_end=f"{end:%Y-%m-%d}", rows=rows,
                                   distribution=now.score_distribution,
                                   max_bucket=max(now.score_distribution.values(), default=0),
                                   failures=now.top_failure_reasons)
            path = ObjectStoragePath(f"{base}/{tenant.tenant_id}/reports/weekly-{end:%Y-%m-%d}.html")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(html)
            AlertNotifier(tenant_id=tenant.tenant_id, dedupe_key=f"weekly_report:{end:%Y-%m-%d}", kind="report",
                          severity="INFO", store_conn_id=self.store_conn_id,
                          message=f"Weekly report for {tenant.tenant_id}: {now.calls} calls, error rate "
                                  f"{now.error_rate}, CRM sync {now.crm_sync_rate}: {path}").send()
            reports.append({"tenant_id": tenant.tenant_id, "calls": now.calls, "report": str(path)})
        return reports
