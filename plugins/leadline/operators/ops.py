"""Operations: health checks with SLO alerts, the stuck-request reaper, bulk retries, data completeness,
retention purges, the daily summary, and the manual runbook actions. XComs carry counts, never PII."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from leadline.operators.base import StoreOperator


def _interval_end(context) -> datetime:
    """The run's reference time: the data interval end for scheduled runs and backfills, else now."""
    end = context.get("data_interval_end") or context.get("logical_date")
    return end if end is not None else datetime.now(UTC)


class HealthCheckOperator(StoreOperator):
    """Probes each dependency, computes the SLO indicators, stores a snapshot, and raises one alert per
    red indicator (kept while it lasts, resolved when it clears)."""

    template_fields: Sequence[str] = ("storage_url", "intake_metrics_url")

    def __init__(self, *, storage_url: str | None = None, intake_metrics_url: str | None = None,
                 window_minutes: int = 60, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.storage_url = storage_url
        self.intake_metrics_url = intake_metrics_url
        self.window_minutes = window_minutes

    def execute(self, context) -> dict:
        from leadline.config import default_storage_url
        from leadline.domain.slo import RED, indicators, overall_status
        from leadline.intake.health import HealthChecker
        from leadline.intake.metrics import p95_from_prometheus
        from leadline.notifier import AlertNotifier
        from leadline.store.alerts import resolve_alerts
        from leadline.store.ops import save_snapshot, slo_metrics
        from leadline.store.schema import SYSTEM_TENANT

        now = datetime.now(UTC)
        services = HealthChecker(self.engine, self.storage_url or default_storage_url()).report()["services"]
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
                if AlertNotifier(tenant_id=SYSTEM_TENANT, dedupe_key=key, kind="service", severity=severity,
                                 message=f"{name} is {state}", store_conn_id=self.store_conn_id).send():
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


class ReapStuckRequestsOperator(StoreOperator):
    template_fields: Sequence[str] = ("stuck_after_minutes", "max_attempts")

    def __init__(self, *, stuck_after_minutes: int | str = 30, max_attempts: int | str = 3, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.stuck_after_minutes = stuck_after_minutes
        self.max_attempts = max_attempts

    def execute(self, context) -> dict:
        from leadline.store.ops import reap_stuck

        result = reap_stuck(self.engine, datetime.now(UTC), timedelta(minutes=int(self.stuck_after_minutes)),
                            int(self.max_attempts))
        self.log.info("stuck requests: %s", result)
        return result


class RetryFailedRequestsOperator(StoreOperator):
    """Bulk retry of failed requests (incident runbook): params tenant, since, reason filter, dry_run."""

    template_fields: Sequence[str] = ("tenant_id", "since_hours", "reason_contains", "dry_run")

    def __init__(self, *, tenant_id: str | None = None, since_hours: int | str = 24, reason_contains: str | None = None,
                 dry_run: bool | str = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.tenant_id = tenant_id
        self.since_hours = since_hours
        self.reason_contains = reason_contains
        self.dry_run = dry_run

    def execute(self, context) -> dict:
        from leadline.store.ops import failed_requests, requeue

        now = datetime.now(UTC)
        calls = failed_requests(self.engine, self.tenant_id or None, now - timedelta(hours=int(self.since_hours)),
                                self.reason_contains or None)
        dry = str(self.dry_run).lower() == "true"
        requeued = 0 if dry else requeue(self.engine, calls, "requeued by retry_failed_requests", now)
        self.log.info("%s failed requests match; requeued %s (dry_run=%s)", len(calls), requeued, dry)
        return {"matched": len(calls), "requeued": requeued, "dry_run": dry}


class DataCompletenessOperator(StoreOperator):
    """The runbook's completeness query per active tenant; rates only, no records."""

    def __init__(self, *, days: int = 30, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.days = days

    def execute(self, context) -> list[dict]:
        from leadline.sql import named_query
        from leadline.store.tenants import list_tenants

        since = _interval_end(context) - timedelta(days=self.days)
        report = []
        with self.engine.connect() as conn:
            for tenant in list_tenants(conn):
                row = conn.execute(named_query("data_completeness"),
                                   {"tenant_id": tenant.tenant_id, "since": since}).mappings().one()
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

        now = _interval_end(context)
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


class DailySummaryOperator(StoreOperator):
    def execute(self, context) -> list[dict]:
        from leadline.store.ops import daily_summary

        end = _interval_end(context)
        summary = daily_summary(self.engine, end - timedelta(days=1), end)
        for entry in summary:
            self.log.info("daily summary %s", entry)
        return summary


class SetTenantStatusOperator(StoreOperator):
    template_fields: Sequence[str] = ("tenant_id",)

    def __init__(self, *, tenant_id: str, status: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.tenant_id = tenant_id
        self.status = status

    def execute(self, context) -> dict:
        from airflow.sdk.exceptions import AirflowFailException

        from leadline.store.tenants import set_tenant_status

        with self.engine.begin() as conn:
            if not set_tenant_status(conn, self.tenant_id, self.status):
                raise AirflowFailException(f"no tenant {self.tenant_id}")
        self.log.info("tenant %s is now %s", self.tenant_id, self.status)
        return {"tenant_id": self.tenant_id, "status": self.status}


class ReprocessCallsOperator(StoreOperator):
    """Clears a tenant's calls' derived results and requeues them; the dispatcher re-runs each call's own
    run. Calls are named by id or by a creation-date range."""

    template_fields: Sequence[str] = ("tenant_id", "call_ids", "start_date_param", "end_date_param")

    def __init__(self, *, tenant_id: str, call_ids: Any = None, start_date_param: str | None = None,
                 end_date_param: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.tenant_id = tenant_id
        self.call_ids = call_ids
        self.start_date_param = start_date_param
        self.end_date_param = end_date_param

    def execute(self, context) -> dict:
        from airflow.sdk.exceptions import AirflowFailException
        from sqlalchemy import select, update

        from leadline.store.ops import requeue
        from leadline.store.schema import call_records

        ids = list(self.call_ids or [])
        query = select(call_records.c.call_id).where(call_records.c.tenant_id == self.tenant_id)
        if ids:
            query = query.where(call_records.c.call_id.in_(ids))
        elif self.start_date_param and self.end_date_param:
            start = datetime.fromisoformat(str(self.start_date_param)).replace(tzinfo=UTC)
            end = datetime.fromisoformat(str(self.end_date_param)).replace(tzinfo=UTC)
            query = query.where(call_records.c.created_at >= start, call_records.c.created_at < end)
        else:
            raise AirflowFailException("give call_ids or both start_date and end_date")
        with self.engine.begin() as conn:
            found = conn.execute(query).scalars().all()
            if ids and set(ids) - set(found):
                raise AirflowFailException(f"{len(set(ids) - set(found))} call ids are not this tenant's calls")
            conn.execute(update(call_records).where(call_records.c.tenant_id == self.tenant_id,
                                                    call_records.c.call_id.in_(found))
                         .values(transcript=None, transcript_confidence=None, ai_analysis=None, lead_score=None,
                                 lead_status=None))
        count = requeue(self.engine, [(self.tenant_id, c) for c in found], "requeued by reprocess_calls",
                        datetime.now(UTC))
        self.log.info("reprocessing %s calls of tenant %s", count, self.tenant_id)
        return {"requeued": count}


class WeeklyReportOperator(StoreOperator):
    """Per tenant: the week's figures against the week before, rendered as an HTML report stored with the
    tenant's artifacts and announced through the notifier (a summary and the report's location)."""

    template_fields: Sequence[str] = ("storage_url",)

    def __init__(self, *, storage_url: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.storage_url = storage_url

    def _week(self, tenant_id: str, start: datetime, end: datetime):
        from sqlalchemy import select

        from leadline.domain.weekly import week_figures
        from leadline.store.schema import call_records, crm_sync_log, processing_requests

        pr = processing_requests
        with self.engine.connect() as conn:
            requests = [dict(r) for r in conn.execute(
                select(pr.c.status, pr.c.processing_time_ms, pr.c.error)
                .where(pr.c.tenant_id == tenant_id, pr.c.created_at >= start, pr.c.created_at < end)).mappings()]
            scores = conn.execute(select(call_records.c.lead_score).where(
                call_records.c.tenant_id == tenant_id, call_records.c.created_at >= start,
                call_records.c.created_at < end, call_records.c.lead_score.is_not(None))).scalars().all()
            crm = conn.execute(select(crm_sync_log.c.status).where(
                crm_sync_log.c.tenant_id == tenant_id, crm_sync_log.c.updated_at >= start,
                crm_sync_log.c.updated_at < end)).scalars().all()
        return week_figures(requests, list(scores), list(crm))

    def execute(self, context) -> list[dict]:
        import jinja2
        from airflow.sdk import ObjectStoragePath

        from leadline.config import default_storage_url
        from leadline.domain.weekly import change
        from leadline.notifier import AlertNotifier
        from leadline.sql import SQL_DIR
        from leadline.store.tenants import list_tenants

        end = _interval_end(context)
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
