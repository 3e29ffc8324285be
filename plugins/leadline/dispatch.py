"""Claims a fair batch of pending calls and triggers one `call_processing` run per call."""

from __future__ import annotations


def trigger_dag_run(dag_id: str, run_id: str, conf: dict, reset: bool = False) -> bool:
    """Create a DAG run through the task supervisor (the message TriggerDagRunOperator sends),
    so one task can start many runs. False when a run with this id already exists and `reset` is off;
    with `reset` an existing run is cleared and runs again under the same id."""
    from datetime import UTC, datetime

    from airflow.sdk.exceptions import ErrorType
    from airflow.sdk.execution_time.comms import ErrorResponse, TriggerDagRun
    from airflow.sdk.execution_time.task_runner import SUPERVISOR_COMMS

    response = SUPERVISOR_COMMS.send(
        TriggerDagRun(dag_id=dag_id, run_id=run_id, conf=conf, logical_date=None, run_after=datetime.now(UTC),
                      reset_dag_run=reset)
    )
    if isinstance(response, ErrorResponse):
        if response.error == ErrorType.DAGRUN_ALREADY_EXISTS:
            return False
        raise RuntimeError(f"could not trigger {dag_id} run {run_id}: {response.error} {response.detail}")
    return True


def dispatch_pending(engine, trigger_dag_id: str, batch_size: int, per_tenant: int, log) -> dict:
    """Claim a fair batch of pending calls and start one run per call (re-running a requeued call's own run)."""
    from leadline.store.processing import claim_pending

    claimed = claim_pending(engine, batch_size, per_tenant)
    triggered = rerun = 0
    for call in claimed:
        conf = {"tenant_id": call.tenant_id, "call_id": call.call_id, "force": False}
        if trigger_dag_run(trigger_dag_id, call.run_id, conf):
            triggered += 1
        else:  # requeued (reaper, retry, reprocess): the call's own run goes again, never a second run
            trigger_dag_run(trigger_dag_id, call.run_id, conf, reset=True)
            rerun += 1
    log.info("claimed %s calls: %s runs triggered, %s existing runs re-run", len(claimed), triggered, rerun)
    return {"claimed": len(claimed), "triggered": triggered, "rerun": rerun}
