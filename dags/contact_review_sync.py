"""After ops confirmed or corrected a contact value in the review queue: the call's lead and its call record are
synced again to the tenant's CRMs (upserts keyed by the call, so a second run changes nothing more). Triggered
by the dashboard's review API, as the reviewing user; wiring only."""

from datetime import UTC, datetime, timedelta

from airflow.sdk import DAG, Param

from leadline.operators.crm import SyncCrmOperator

with DAG(
    dag_id="contact_review_sync",
    description="Re-sync one call's lead to its CRMs after a contact review",
    schedule=None,
    start_date=datetime(2026, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=4,
    tags=["leadline", "per-call", "review"],
    params={
        "tenant_id": Param(type="string", pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$", description="tenant"),
        "call_id": Param(type="string", pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$", description="call"),
    },
    default_args={"owner": "leadline", "retries": 2, "retry_exponential_backoff": 2.0,
                  "max_retry_delay": timedelta(minutes=10)},
    doc_md=__doc__,
) as dag:
    SyncCrmOperator(task_id="sync_primary_crm", role="primary", check_access=True, pool="crm_api",
                    retries=4) >> SyncCrmOperator(task_id="sync_secondary_crm", role="secondary", check_access=True,
                                                  pool="crm_api", retries=4)
