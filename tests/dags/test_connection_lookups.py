"""A call run looks each connection up about once per task: the store engine and the tenant row are read once
per task, not on every use (each look-up is a round trip to the API server or a secrets backend in a deployment)."""

from __future__ import annotations

from collections import Counter

from tests.dags.test_call_pipeline import PROCESSED, pipeline, post_call, process  # noqa: F401 - fixture

# 7 tasks; each resolves `leadline_db` once, notify's alert path once more (the notifier's own hook). Before the
# cache this run resolved it 20 times, and read the tenant row twice in fetch_recording.
STORE_LOOKUPS_PER_RUN = 8


def test_one_call_run_resolves_the_store_connection_about_once_per_task(pipeline, monkeypatch):  # noqa: F811
    from airflow.sdk.bases.hook import BaseHook

    from leadline.store import tenants

    dagbag, client, engine, server = pipeline
    post_call(client, "CAL-LOOKUPS-1", f"{server}/hot_lead.wav", "71")
    original = BaseHook.__dict__["get_connection"].__func__
    lookups: Counter[tuple[str, str]] = Counter()
    tenant_reads: Counter[str] = Counter()

    def counting(cls, conn_id):
        lookups[conn_id, running_task()] += 1
        return original(cls, conn_id)

    read_tenant = tenants.get_tenant

    def counting_get_tenant(conn, tenant_id):
        tenant_reads[running_task()] += 1
        return read_tenant(conn, tenant_id)

    monkeypatch.setattr(BaseHook, "get_connection", classmethod(counting))
    monkeypatch.setattr(tenants, "get_tenant", counting_get_tenant)
    assert process(dagbag, "CAL-LOOKUPS-1") == PROCESSED
    store = {task: n for (conn_id, task), n in lookups.items() if conn_id == "leadline_db"}
    assert 0 < sum(store.values()) <= STORE_LOOKUPS_PER_RUN, lookups
    assert max(store.values()) == 1, store  # no notification here: every task builds one store hook
    # fetch_recording consults the tenant's recording policy and consent policy, later steps its config
    assert tenant_reads and max(tenant_reads.values()) == 1, tenant_reads


def running_task() -> str:
    from airflow.sdk import get_current_context

    return get_current_context()["ti"].task_id
