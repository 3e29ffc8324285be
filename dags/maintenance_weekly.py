"""Mondays: a weekly report per tenant (volume, processing P95, error rate, CRM sync rate, lead-score
distribution, top failure reasons, week-over-week change) as HTML with the tenant's artifacts."""

from datetime import UTC, datetime, timedelta

from airflow.sdk import DAG

from leadline.operators.maintenance import WeeklyReportOperator

with DAG(
    dag_id="maintenance_weekly",
    description="Weekly per-tenant report",
    schedule="0 7 * * 1",
    start_date=datetime(2026, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    tags=["leadline", "ops", "maintenance"],
    default_args={"owner": "leadline", "retries": 2, "retry_delay": timedelta(minutes=5)},
    doc_md=__doc__,
) as dag:
    WeeklyReportOperator(task_id="weekly_reports")
