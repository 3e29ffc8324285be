"""Every 5 minutes: probe database, storage, speech and Vertex AI; compute the SLO indicators (queue depth,
oldest pending, processing P95, error rate, CRM sync rate, webhook P95) for all tenants and for each tenant, and
each service's availability over 30 days; store a health snapshot and raise or resolve alerts (one tenant's red
indicator is its P3 alert, a broad one a system-wide alert at the runbook severity). Alongside, the intake's
counts raise PotentialBruteForce and HighAuthFailureRate per tenant. Thresholds: README "Checks and
thresholds", leadline.domain.blast_radius, .availability and .intake_security."""

from datetime import UTC, datetime, timedelta

from airflow.sdk import DAG

from leadline.operators.health import HealthCheckOperator
from leadline.operators.intake_security import IntakeSecurityOperator

with DAG(
    dag_id="health_check",
    description="Dependency probes, SLO and availability alerts, intake security alerts",
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
    IntakeSecurityOperator(task_id="check_intake_security")
