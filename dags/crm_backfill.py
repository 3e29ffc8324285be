"""Bulk CRM sync for a backlog: a tenant's scored calls in a date range, 100 per HubSpot batch upsert and
200 per Salesforce composite request, primary CRM first. Trigger by hand with the tenant and dates."""

from datetime import UTC, datetime, timedelta

from airflow.sdk import DAG, Param

from leadline.operators.crm import CrmBackfillOperator

with DAG(
    dag_id="crm_backfill",
    description="Bulk-sync a tenant's scored calls to its CRMs",
    schedule=None,
    start_date=datetime(2026, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    tags=["leadline", "crm", "ops"],
    params={
        "tenant_id": Param(type="string", pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$"),
        "start_date": Param(type="string", format="date", description="first day (inclusive)"),
        "end_date": Param(type="string", format="date", description="last day (exclusive)"),
    },
    default_args={"owner": "leadline", "retries": 2, "retry_exponential_backoff": 2.0,
                  "max_retry_delay": timedelta(minutes=10)},
    doc_md=__doc__,
) as dag:
    CrmBackfillOperator(task_id="backfill_crm", pool="crm_api")
