"""Runbook 004's daily sales-intelligence checks, raised as P3 data-quality alerts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from leadline.operators.base import StoreOperator
from leadline.operators.intervals import interval_end


class SalesIntelligenceChecksOperator(StoreOperator):
    """Runbook 004's daily checks, due after the 08:00 account scoring: ETL status today, freshness per source
    (hours old), duplicate message ids, embedding backlog, 7-day match-rate trend, accounts scored today. Failed
    ETL runs, sources staler than `stale_after_hours` and tenants with Salesforce accounts but none scored today
    raise P3 alerts."""

    def __init__(self, *, stale_after_hours: int = 24, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.stale_after_hours = stale_after_hours

    def execute(self, context) -> dict:
        from leadline.notifier import AlertNotifier
        from leadline.store import data_quality
        from leadline.store.schema import SYSTEM_TENANT

        now = interval_end(context)
        today = datetime(now.year, now.month, now.day, tzinfo=UTC)
        etl_today = data_quality.etl_run_counts_all_tenants(self.engine, today)
        # System-wide figures: a source is as fresh as its freshest tenant, the other figures add up.
        freshness = {}
        for name, latest in data_quality.latest_activity_all_tenants(self.engine).items():
            freshness[name] = None if not latest else round((now - max(latest.values())).total_seconds() / 3600, 1)
        duplicates = sum(data_quality.duplicate_message_ids_all_tenants(self.engine).values())
        coverage = data_quality.email_embedding_coverage_all_tenants(self.engine).values()
        matches = data_quality.email_match_counts_all_tenants(self.engine, now - timedelta(days=7)).values()
        matched, total = sum(m for m, _ in matches), sum(n for _, n in matches)
        score_date = f"{now:%Y-%m-%d}"
        scored = data_quality.accounts_scored_all_tenants(self.engine, score_date)
        report = {
            "etl_today": etl_today, "hours_old": freshness, "duplicate_message_ids": duplicates,
            "emails_with_embeddings": sum(embedded for embedded, _ in coverage),
            "emails_without_embeddings": sum(missing for _, missing in coverage),
            "email_match_rate_7d": round(100.0 * matched / total, 2) if total else None,
            "accounts_scored_today": sum(scored.values()),
        }
        # (dedupe key, message): one open alert per problem and day, whatever the others
        found = [(f"etl_failed:{r['tenant_id']}:{r['source_system']}", f"{r['source_system']} ETL failed for "
                  f"{r['tenant_id']}") for r in etl_today if r["status"] == "failed"]
        found += [(f"stale:{name}", f"{name} is {hours} h old") for name, hours in freshness.items()
                  if hours is not None and hours > self.stale_after_hours]
        if duplicates:
            found.append(("duplicate_gmail_ids", f"{duplicates} duplicate gmail message ids"))
        accounts = data_quality.salesforce_accounts_all_tenants(self.engine)
        found += [(f"unscored:{tenant}", f"0 accounts scored for {tenant} on {score_date} ({n} Salesforce accounts)")
                  for tenant, n in accounts.items() if not scored.get(tenant)]
        for key, problem in found:
            AlertNotifier(tenant_id=SYSTEM_TENANT, dedupe_key=f"data:{key}:{now:%Y-%m-%d}", kind="data_quality",
                          severity="P3", message=problem, store_conn_id=self.store_conn_id).send()
        problems = [problem for _, problem in found]
        self.log.info("sales-intelligence checks: %s; problems: %s", report, problems)
        return {**report, "problems": problems}
