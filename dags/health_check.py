"""Every 5 minutes: probe database, storage, speech and Vertex AI; compute the SLO indicators (queue depth,
oldest pending, processing P95, error rate, CRM sync rate, webhook P95); store a health snapshot and raise
or resolve alerts. Thresholds: README "Checks and thresholds"."""

from datetime import UTC, datetime, timedelta

from airflow.sdk import DAG

from leadline.operators.health import HealthCheckOperator

with DAG(
    dag_id="health_check",
    description="Dependency probes and SLO alerts",
    schedule=timedelta(minutes=5),
    start_date=datetime(2026, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    dagrun_timeout=timedelta(minutes=4),
    tags=["leadline", "ops"],
    default_args={"owner": "leadline", "retries": 2, "retry_delay": timedelta(seconds=20)},
    doc_md=__doc__,
) as dag:
    HealthCheckOperator(task_id="check_health",
                        intake_metrics_url="{{ var.value.get('leadline_intake_metrics_url', '') }}")
