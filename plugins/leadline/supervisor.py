"""The one place Leadline talks to the Airflow Task SDK's supervisor directly. The SDK's public API triggers one
DAG run per task (TriggerDagRunOperator); the dispatcher starts many from one task, so it sends the message that
operator sends. Those message types are SDK internals: tests/unit/test_supervisor.py fails when an Airflow
upgrade changes them."""

from __future__ import annotations

from datetime import UTC, datetime


def trigger_dag_run(dag_id: str, run_id: str, conf: dict, reset: bool = False) -> bool:
    """Create a DAG run through the task supervisor. False when a run with this id already exists and `reset` is
    off; with `reset` an existing run is cleared and runs again under the same id. Only inside a running task."""
    from airflow.sdk.exceptions import ErrorType
    from airflow.sdk.execution_time import task_runner
    from airflow.sdk.execution_time.comms import ErrorResponse, TriggerDagRun

    response = task_runner.SUPERVISOR_COMMS.send(
        TriggerDagRun(dag_id=dag_id, run_id=run_id, conf=conf, logical_date=None, run_after=datetime.now(UTC),
                      reset_dag_run=reset)
    )
    if isinstance(response, ErrorResponse):
        if response.error == ErrorType.DAGRUN_ALREADY_EXISTS:
            return False
        raise RuntimeError(f"could not trigger {dag_id} run {run_id}: {response.error} {response.detail}")
    return True
