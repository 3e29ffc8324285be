"""One run per call: fetch_recording -> transcribe -> analyze -> score -> sync CRMs -> notify.

Triggered by call_dispatch with run_id call__<tenant_id>__<call_id>; ops can also trigger it by hand
(force=true reprocesses a finished call). Wiring only: the work lives in leadline.operators.
"""

from datetime import UTC, datetime, timedelta

from airflow.sdk import DAG, Param

from leadline.callbacks import mark_request_failed
from leadline.operators.calls import (
    AnalyzeOperator,
    FetchRecordingOperator,
    NotifyOperator,
    ScoreOperator,
    TranscribeOperator,
)
from leadline.operators.crm import SyncCrmOperator

with DAG(
    dag_id="call_processing",
    description="Recording -> transcript -> AI analysis -> lead score -> alert, for one call",
    schedule=None,
    start_date=datetime(2026, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=16,
    tags=["leadline", "per-call"],
    params={
        "tenant_id": Param(type="string", pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$", description="tenant"),
        "call_id": Param(type="string", pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$", description="call"),
        "force": Param(False, type="boolean", description="reprocess even if the call already finished"),
    },
    default_args={
        "owner": "leadline",
        "retries": 2,
        "retry_exponential_backoff": 2.0,
        "max_retry_delay": timedelta(minutes=10),
        "on_failure_callback": mark_request_failed,
    },
    doc_md=__doc__,
) as dag:
    fetch = FetchRecordingOperator(task_id="fetch_recording", pool="callrail_api")
    transcribe = TranscribeOperator(task_id="transcribe", pool="speech_api", execution_timeout=timedelta(minutes=15))
    analyze = AnalyzeOperator(task_id="analyze", pool="vertex_api", execution_timeout=timedelta(minutes=5))
    score = ScoreOperator(task_id="score")
    # Five tries: a call alone in a CRM outage can open the breaker itself (5 consecutive failures) and then
    # waits for the CRM (rescheduled, no tries spent) instead of failing before anyone noticed the outage.
    sync_primary = SyncCrmOperator(task_id="sync_primary_crm", role="primary", pool="crm_api", retries=4)
    sync_secondary = SyncCrmOperator(task_id="sync_secondary_crm", role="secondary", pool="crm_api", retries=4)
    # Runs after a successful score whether or not the tenant has CRMs; not after a skip or a failure.
    notify = NotifyOperator(task_id="notify", trigger_rule="none_failed_min_one_success")

    fetch >> transcribe >> analyze >> score >> sync_primary >> sync_secondary >> notify
    score >> notify
