"""Claims a fair batch of pending calls and triggers one `call_processing` run per call."""

from __future__ import annotations


def dispatch_pending(engine, trigger_dag_id: str, batch_size: int, per_tenant: int, log) -> dict:
    """Claim a fair batch of pending calls and start one run per call (re-running a requeued call's own run)."""
    from leadline.store.processing import claim_pending
    from leadline.supervisor import trigger_dag_run

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
