"""Sales intelligence (runbook 004): incremental syncs over each run's data interval (so a backfill of
any past interval is repeatable), entity resolution when CRM data changes, and daily account scoring.

sync_salesforce, sync_hubspot, sync_gmail (hourly) --Assets--> entity_resolution; sync_dialpad (hourly);
sync_callrail (hourly): webhook reconciliation; embeddings (hourly, `limit` rows per source);
account_scoring (daily 08:00): one row per account and day in account_recommendations, then the runbook's
daily health check. Triggered by hand, sync_salesforce, sync_hubspot and sync_gmail take the runbook's manual
ETL parameters: sync_type (incremental | full), object_type (Salesforce, HubSpot), mailbox (Gmail)."""

from datetime import UTC, datetime, timedelta

from airflow.sdk import DAG, Asset, CronDataIntervalTimetable, Param, TriggerRule

from leadline.operators.accounts import AccountScoringOperator
from leadline.operators.checks import SalesIntelligenceChecksOperator
from leadline.operators.embeddings import EmbeddingsOperator
from leadline.operators.resolution import EntityResolutionOperator
from leadline.operators.sync import ALL_OBJECTS, SYNC_TYPES
from leadline.operators.sync.callrail import SyncCallRailOperator
from leadline.operators.sync.dialpad import SyncDialpadOperator
from leadline.operators.sync.gmail import SyncGmailOperator
from leadline.operators.sync.hubspot import OBJECTS as HUBSPOT_OBJECTS
from leadline.operators.sync.hubspot import SyncHubSpotOperator
from leadline.operators.sync.salesforce import OBJECTS as SALESFORCE_OBJECTS
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


def sync_params(**source_params: Param) -> dict[str, Param]:
    """The runbook's manual ETL trigger parameters: sync_type, and the source's own."""
    return {"sync_type": Param("incremental", type="string", enum=list(SYNC_TYPES),
                               description="incremental: the run's data interval; full: every record the source has"),
            **source_params}


def object_type_param(objects) -> Param:
    return Param(ALL_OBJECTS, type="string", enum=[ALL_OBJECTS, *objects], description="sync only this object")


with DAG(dag_id="sync_salesforce", schedule=HOURLY_INTERVALS, start_date=START, catchup=False, max_active_runs=1,
         tags=TAGS, default_args=DEFAULT_ARGS, description="Salesforce accounts, contacts, opportunities",
         params=sync_params(object_type=object_type_param(SALESFORCE_OBJECTS))):
    SyncSalesforceOperator(task_id="sync_salesforce", object_type="{{ params.object_type }}",
                           sync_type="{{ params.sync_type }}", outlets=[SALESFORCE_MIRROR], pool="crm_api")

with DAG(dag_id="sync_hubspot", schedule=HOURLY_INTERVALS, start_date=START, catchup=False, max_active_runs=1,
         tags=TAGS, default_args=DEFAULT_ARGS, description="HubSpot contacts and companies changed in the interval",
         params=sync_params(object_type=object_type_param(HUBSPOT_OBJECTS))):
    SyncHubSpotOperator(task_id="sync_hubspot", object_type="{{ params.object_type }}",
                        sync_type="{{ params.sync_type }}", outlets=[HUBSPOT_MIRROR], pool="crm_api")

with DAG(dag_id="sync_gmail", schedule=HOURLY_INTERVALS, start_date=START, catchup=False, max_active_runs=1,
         tags=TAGS, default_args=DEFAULT_ARGS, description="Messages and participants of configured mailboxes",
         params=sync_params(mailbox=Param("", type="string", pattern=r"^([^@\s]+@[^@\s]+)?$",
                                          description="only this configured mailbox; empty: every one"))):
    SyncGmailOperator(task_id="sync_gmail", mailbox="{{ params.mailbox }}", sync_type="{{ params.sync_type }}",
                      outlets=[GMAIL_PARTICIPANTS], pool="gmail_api")

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
         tags=TAGS, default_args=DEFAULT_ARGS, description="Daily account recommendations, then the daily checks"):
    # The runbook's daily health check is due after account scoring, whatever scoring's outcome: a failed
    # scoring then shows as accounts not scored today.
    AccountScoringOperator(task_id="score_accounts") >> SalesIntelligenceChecksOperator(
        task_id="sales_intelligence_checks", trigger_rule=TriggerRule.ALL_DONE)
