"""Task callbacks: a call whose task failed for good is marked `failed` with the reason."""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)


def mark_request_failed(context) -> None:
    from leadline.hooks.store import LeadlineStoreHook
    from leadline.store.processing import finish

    params = context["params"]
    task_id = context["ti"].task_id
    exception = context.get("exception")
    reason = f"{task_id}: {exception}" if exception else f"{task_id} failed"
    engine = LeadlineStoreHook().get_conn()
    finish(engine, params["tenant_id"], params["call_id"], "failed", reason[:2000])
    log.info("call %s of tenant %s marked failed at %s", params["call_id"], params["tenant_id"], task_id)
