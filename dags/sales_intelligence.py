"""Sales intelligence (runbook 004): incremental syncs over each run's data interval (so a backfill of
any past interval is repeatable), entity resolution when CRM data changes, and daily account scoring.

sync_salesforce, sync_hubspot, sync_gmail (hourly) --Assets--> entity_resolution; sync_dialpad (hourly);
sync_callrail (hourly): webhook reconciliation; embeddings (hourly, `limit` rows per source);
account_scoring (daily 08:00): one row per account and day in account_recommendations."""

from datetime import UTC, datetime, timedelta

from airflow.sdk import DAG, Asset, CronDataIntervalTimetable, Param

from leadline.operators.accounts import AccountScoringOperator
from leadline.operators.embeddings import EmbeddingsOperator
from leadline.operators.resolution import EntityResolutionOperator
from leadline.operators.sync.callrail import SyncCallRailOperator
from leadline.operators.sync.dialpad import SyncDialpadOperator
from leadline.operators.sync.gmail import SyncGmailOperator
from leadline.operators.sync.hubspot import SyncHubSpotOperator
from leadline.operators.sync.salesforce import SyncSalesforceOperator

# Real hourly data intervals ([10:00, 11:00)), not trigger-style points in time: each sync reads its interval.
HOURLY_INTERVALS = CronDataIntervalTimetable("0 * * * *", timezone="UTC")
# Named, not URI, assets: a URI scheme makes parsing load every provider to normalise it (~1.3 s).
SALESFORCE_MIRROR = Asset(name="leadline_sf_contacts")
HUBSPOT_MIRROR = Asset(name="leadline_hubspot_contacts")
GMAIL_PARTICIPANTS = Asset(name="leadline_gmail_participants")
START = datetime(2026, 1, 1, tzinfo=UTC)
DEFAULT_ARGS = {"owner": "leadline", "retries": 3, "retry_exponential_backoff": 2.0,
                "max_retry_delay": timedelta(minutes=15)}
TAGS = ["leadline", "sales-intelligence"]

with DAG(dag_id="sync_salesforce", schedule=HOURLY_INTERVALS, start_date=START, catchup=False, max_active_runs=1,
         tags=TAGS, default_args=DEFAULT_ARGS, description="Salesforce accounts, contacts, opportunities"):
    SyncSalesforceOperator(task_id="sync_salesforce", outlets=[SALESFORCE_MIRROR], pool="crm_api")

with DAG(dag_id="sync_hubspot", schedule=HOURLY_INTERVALS, start_date=START, catchup=False, max_active_runs=1,
         tags=TAGS, default_args=DEFAULT_ARGS, description="HubSpot contacts changed in the interval"):
    SyncHubSpotOperator(task_id="sync_hubspot", outlets=[HUBSPOT_MIRROR], pool="crm_api")

with DAG(dag_id="sync_gmail", schedule=HOURLY_INTERVALS, start_date=START, catchup=False, max_active_runs=1,
         tags=TAGS, default_args=DEFAULT_ARGS, description="Messages and participants of configured mailboxes"):
    SyncGmailOperator(task_id="sync_gmail", outlets=[GMAIL_PARTICIPANTS], pool="gmail_api")

with DAG(dag_id="sync_dialpad", schedule=HOURLY_INTERVALS, start_date=START, catchup=False, max_active_runs=1,
         tags=TAGS, default_args=DEFAULT_ARGS, description="Dialpad calls started in the interval"):
    SyncDialpadOperator(task_id="sync_dialpad", pool="dialpad_api")

with DAG(dag_id="embeddings", schedule=HOURLY_INTERVALS, start_date=START, catchup=False, max_active_runs=1,
         tags=TAGS, default_args=DEFAULT_ARGS, description="Fill missing embeddings",
         params={"limit": Param(1000, type="integer", minimum=1, maximum=100_000)}):
    EmbeddingsOperator(task_id="fill_embeddings", limit="{{ params.limit }}", pool="vertex_api")

with DAG(dag_id="sync_callrail", schedule=HOURLY_INTERVALS, start_date=START, catchup=False, max_active_runs=1,
         tags=TAGS, default_args=DEFAULT_ARGS, description="Recover calls the webhook missed"):
    SyncCallRailOperator(task_id="reconcile_calls", pool="callrail_api")

with DAG(dag_id="entity_resolution", schedule=(SALESFORCE_MIRROR | HUBSPOT_MIRROR | GMAIL_PARTICIPANTS),
         start_date=START, catchup=False,
         max_active_runs=1, tags=TAGS, default_args=DEFAULT_ARGS, description="Callers to CRM contacts"):
    EntityResolutionOperator(task_id="resolve_entities")

with DAG(dag_id="account_scoring", schedule="0 8 * * *", start_date=START, catchup=False, max_active_runs=1,
         tags=TAGS, default_args=DEFAULT_ARGS, description="Daily account recommendations"):
    AccountScoringOperator(task_id="score_accounts")
