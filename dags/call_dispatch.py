"""Continuously turns pending calls into call_processing runs, one run per call.

PendingCallsSensor defers to the triggerer while the queue is empty (no worker slot held), then claims a
batch fairly across tenants and triggers runs with deterministic ids (call__<tenant>__<call>), so a
re-dispatch never runs a call twice.
"""

from datetime import UTC, datetime, timedelta

from airflow.sdk import DAG

from leadline.sensors.pending_calls import PendingCallsSensor

with DAG(
    dag_id="call_dispatch",
    description="Pending calls -> one call_processing run each",
    schedule="@continuous",
    max_active_runs=1,
    start_date=datetime(2026, 1, 1, tzinfo=UTC),
    catchup=False,
    tags=["leadline", "dispatch"],
    default_args={"owner": "leadline", "retries": 3, "retry_delay": timedelta(seconds=5)},
    doc_md=__doc__,
) as dag:
    PendingCallsSensor(task_id="dispatch_calls", poll_interval_s=1.0)
