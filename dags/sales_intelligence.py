"""Sales intelligence (runbook 004): incremental syncs over each run's data interval (so a backfill of
any past interval is repeatable), entity resolution when CRM data changes, and daily account scoring.

sync_salesforce (hourly) --Asset--> entity_resolution;  sync_callrail (hourly): webhook reconciliation;
account_scoring (daily 08:00): one row per account and day in account_recommendations."""

from datetime import UTC, datetime, timedelta

from airflow.sdk import DAG, Asset
from airflow.timetables.interval import CronDataIntervalTimetable

from leadline.operators.intelligence import (
    AccountScoringOperator,
    EntityResolutionOperator,
    SyncCallRailOperator,
    SyncSalesforceOperator,
)

# Real hourly data intervals ([10:00, 11:00)), not trigger-style points in time: each sync reads its interval.
HOURLY_INTERVALS = CronDataIntervalTimetable("0 * * * *", timezone="UTC")
SALESFORCE_MIRROR = Asset("leadline://store/sf_contacts")
START = datetime(2026, 1, 1, tzinfo=UTC)
DEFAULT_ARGS = {"owner": "leadline", "retries": 3, "retry_exponential_backoff": 2.0,
                "max_retry_delay": timedelta(minutes=15)}
TAGS = ["leadline", "sales-intelligence"]

with DAG(dag_id="sync_salesforce", schedule=HOURLY_INTERVALS, start_date=START, catchup=False, max_active_runs=1,
         tags=TAGS, default_args=DEFAULT_ARGS, description="Salesforce accounts, contacts, opportunities"):
    SyncSalesforceOperator(task_id="sync_salesforce", outlets=[SALESFORCE_MIRROR], pool="crm_api")

with DAG(dag_id="sync_callrail", schedule=HOURLY_INTERVALS, start_date=START, catchup=False, max_active_runs=1,
         tags=TAGS, default_args=DEFAULT_ARGS, description="Recover calls the webhook missed"):
    SyncCallRailOperator(task_id="reconcile_calls")

with DAG(dag_id="entity_resolution", schedule=[SALESFORCE_MIRROR], start_date=START, catchup=False,
         max_active_runs=1, tags=TAGS, default_args=DEFAULT_ARGS, description="Callers to CRM contacts"):
    EntityResolutionOperator(task_id="resolve_entities")

with DAG(dag_id="account_scoring", schedule="0 8 * * *", start_date=START, catchup=False, max_active_runs=1,
         tags=TAGS, default_args=DEFAULT_ARGS, description="Daily account recommendations"):
    AccountScoringOperator(task_id="score_accounts")
