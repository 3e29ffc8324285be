"""Daily maintenance (operations runbook, daily checklist): reap stuck requests, retry recent failures,
data completeness, retention purge per tenant, the intake's counts past their retention, and the daily
summary (runbook 004's sales-intelligence checks run in account_scoring, once the day's scores exist); last,
Airflow's own metadata database is cleaned (`airflow db clean`: one run per call would grow it without end).
Each task works on its run's data interval, so backfills of past days are repeatable."""

from datetime import UTC, datetime, timedelta

from airflow.sdk import DAG, Param, TriggerRule

from leadline.config import metadata_retention_days
from leadline.operators.airflow_upkeep import MIN_RETENTION_DAYS, OFF, AirflowDbCleanOperator
from leadline.operators.maintenance import (
    DailySummaryOperator,
    DataCompletenessOperator,
    PurgeIntakeCountsOperator,
    ReapStuckRequestsOperator,
    RetentionPurgeOperator,
    RetryFailedRequestsOperator,
)

with DAG(
    dag_id="maintenance_daily",
    description="Stuck requests, retries, completeness, retention, summary, Airflow metadata cleanup",
    schedule="0 6 * * *",
    start_date=datetime(2026, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    render_template_as_native_obj=True,
    tags=["leadline", "ops", "maintenance"],
    params={
        "stuck_after_minutes": Param(30, type="integer", minimum=5),
        "max_attempts": Param(3, type="integer", minimum=1),
        "retry_tenant_id": Param("", type="string", description="only this tenant's failures ('' = all)"),
        "retry_since_hours": Param(24, type="integer", minimum=1),
        "retry_reason_contains": Param("", type="string", description="only failures whose reason contains this"),
        "retry_dry_run": Param(True, type="boolean"),
        "intake_counts_retention_days": Param(30, type="integer", minimum=1,
                                              description="days of the intake's per-minute counts kept"),
        "metadata_retention_days": Param(
            metadata_retention_days(), type="integer", anyOf=[{"const": OFF}, {"minimum": MIN_RETENTION_DAYS}],
            description=f"days of Airflow's own records (runs, task instances, XComs, logs) kept; at least "
                        f"{MIN_RETENTION_DAYS}, or {OFF} where the platform cleans them (Composer 3's retention "
                        f"policy)"),
    },
    default_args={"owner": "leadline", "retries": 2, "retry_delay": timedelta(minutes=1)},
    doc_md=__doc__,
) as dag:
    reap = ReapStuckRequestsOperator(task_id="reap_stuck_requests",
                                     stuck_after_minutes="{{ params.stuck_after_minutes }}",
                                     max_attempts="{{ params.max_attempts }}")
    retry = RetryFailedRequestsOperator(task_id="retry_failed_requests", tenant_id="{{ params.retry_tenant_id }}",
                                        since_hours="{{ params.retry_since_hours }}",
                                        reason_contains="{{ params.retry_reason_contains }}",
                                        dry_run="{{ params.retry_dry_run }}")
    completeness = DataCompletenessOperator(task_id="data_completeness")
    purge = RetentionPurgeOperator(task_id="retention_purge")
    intake_counts = PurgeIntakeCountsOperator(task_id="purge_intake_counts",
                                              retention_days="{{ params.intake_counts_retention_days }}")
    summary = DailySummaryOperator(task_id="daily_summary")
    # last and whatever the store's maintenance did: its deletes then hold no metadata lock another task waits on
    clean_metadata = AirflowDbCleanOperator(task_id="clean_airflow_metadata",
                                            retention_days="{{ params.metadata_retention_days }}",
                                            trigger_rule=TriggerRule.ALL_DONE, execution_timeout=timedelta(hours=1))
    reap >> retry >> [completeness, purge, intake_counts] >> summary >> clean_metadata
