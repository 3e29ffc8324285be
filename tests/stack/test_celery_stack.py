"""The Celery/PostgreSQL/Redis stack end to end under the real scheduler, and its chaos cases.

Each test posts signed webhooks to the intake and waits for the scheduler to dispatch and finish the runs.
`summary` counts, per test: calls posted, completed, duplicated (a second DAG run for a call) and lost (no
request or no run); they are asserted and listed at the end of the pytest run."""

from __future__ import annotations

import time

import pytest

from tests.stack.conftest import FIGURES, StoreOutage, circuit_state

pytestmark = [pytest.mark.stack, pytest.mark.timeout(900)]


def assert_exactly_once(driver, call_ids: list[str], name: str) -> None:
    figures = driver.summary(call_ids)
    FIGURES[name] = figures
    assert figures == {"posted": len(call_ids), "completed": len(call_ids), "duplicated": 0, "lost": 0}
    assert set(driver.crm_records_per_call(call_ids).values()) == {(1, 1)}
    calls = driver.calls(call_ids)
    assert all(c["lead_score"] is not None and c["transcript"] and c["hubspot_contact_id"]
               and c["salesforce_lead_id"] for c in calls.values())


def test_signed_webhooks_are_processed_once_each(celery_stack):
    call_ids = [f"CALHAPPY{i:02d}" for i in range(4)]
    for call_id in call_ids:
        assert celery_stack.post_call(call_id).json()["status"] == "accepted"
    celery_stack.wait_finished(call_ids)
    assert_exactly_once(celery_stack, call_ids, "happy path")


def test_worker_killed_mid_transcribe_retries_on_the_other_worker(celery_stack):
    stack = celery_stack.stack
    call_id = "CALKILL01"
    assert celery_stack.post_call(call_id).status_code == 200
    running = celery_stack.wait_task_running(call_id, "transcribe")
    victim = stack.service_running(running["pid"])
    assert victim in stack.workers, f"transcribe ran outside the workers: {victim}"
    stack.kill(victim)
    try:
        celery_stack.wait_finished([call_id])
        assert stack.processes[victim].poll() is not None  # the retry could only run on the survivor
    finally:
        stack.spawn(victim)
    transcribe = celery_stack.task_instance(call_id, "transcribe")
    assert transcribe["state"] == "success" and transcribe["try_number"] >= 2
    assert_exactly_once(celery_stack, [call_id], "worker SIGKILL mid-transcribe")


def test_scheduler_restart_mid_dispatch_loses_and_repeats_nothing(celery_stack):
    stack = celery_stack.stack
    call_ids = [f"CALSCHED{i:02d}" for i in range(6)]
    for call_id in call_ids[:3]:
        assert celery_stack.post_call(call_id).status_code == 200
    deadline = time.monotonic() + 120
    while not any(r["status"] != "pending" for r in celery_stack.requests(call_ids[:3]).values()):
        assert time.monotonic() < deadline, "nothing was dispatched"
        time.sleep(0.2)
    stack.kill("scheduler")
    for call_id in call_ids[3:]:
        assert celery_stack.post_call(call_id).status_code == 200
    time.sleep(5)
    stack.spawn("scheduler")
    celery_stack.wait_finished(call_ids)
    assert_exactly_once(celery_stack, call_ids, "scheduler SIGKILL + restart mid-dispatch")


def test_store_outage_answers_503_and_tasks_retry(celery_stack):
    first, second = "CALPG01", "CALPG02"
    assert celery_stack.post_call(first).status_code == 200
    celery_stack.wait_task_running(first, "transcribe")
    with StoreOutage(celery_stack.stack):
        rejected = celery_stack.post_call(second)
        assert rejected.status_code == 503, rejected.text
        assert rejected.json()["error"] == "store_unavailable"
        time.sleep(12)
    # CallRail retries a failed delivery: the retry (a new signature) is accepted once the store is back.
    assert celery_stack.post_call(second).json()["status"] == "accepted"
    finished = celery_stack.wait_finished([first, second])
    assert {r["status"] for r in finished.values()} == {"completed"}
    assert_exactly_once(celery_stack, [first, second], "store outage")


def test_crm_down_for_two_minutes_opens_the_breaker_and_syncs_after(celery_stack):
    call_ids = [f"CALCRM{i:02d}" for i in range(6)]
    celery_stack.set_faults("hubspot", down=True)
    try:
        for call_id in call_ids:
            assert celery_stack.post_call(call_id).status_code == 200
        deadline = time.monotonic() + 600
        while circuit_state(celery_stack.store, "hubspot") != "open":
            assert time.monotonic() < deadline, "the HubSpot breaker never opened"
            time.sleep(2)
        time.sleep(120)
    finally:
        celery_stack.set_faults("hubspot")
    celery_stack.wait_finished(call_ids, timeout_s=600)
    assert circuit_state(celery_stack.store, "hubspot") == "closed"
    assert_exactly_once(celery_stack, call_ids, "HubSpot down 2 min")


def test_maintenance_cleans_call_runs_older_than_the_retention_from_the_metadata_database(celery_stack):
    """On the Celery workers a task process has no metadata database URL (Airflow 3's Task SDK points it away):
    maintenance_daily's `airflow db clean` reaches PostgreSQL through the airflow_metadata_db connection."""
    import httpx
    from sqlalchemy import text

    old, recent = "CALCLEAN01", "CALCLEAN02"
    for call_id in (old, recent):
        assert celery_stack.post_call(call_id).status_code == 200
    celery_stack.wait_finished([old, recent])
    with celery_stack.metadata.begin() as conn:  # the old call's run and tasks: 40 days ago
        for table in ("dag_run", "task_instance"):
            conn.execute(text(f"UPDATE {table} SET start_date = start_date - interval '40 days' "
                              "WHERE dag_id = 'call_processing' AND run_id = :run"), {"run": f"call__acme__{old}"})
    api = f"http://127.0.0.1:{celery_stack.stack.api_port}/api/v2/dags/maintenance_daily/dagRuns"
    created = httpx.post(api, json={"logical_date": None, "conf": {}}, timeout=30)
    assert created.status_code == 200, created.text
    run_id = created.json()["dag_run_id"]
    deadline = time.monotonic() + 600
    while (state := httpx.get(f"{api}/{run_id}", timeout=30).json()["state"]) not in ("success", "failed"):
        assert time.monotonic() < deadline, f"maintenance_daily still {state}"
        time.sleep(5)
    cleanup = httpx.get(f"{api}/{run_id}/taskInstances/clean_airflow_metadata", timeout=30).json()
    assert (state, cleanup["state"]) == ("success", "success")
    assert (celery_stack.dag_runs(old), celery_stack.dag_runs(recent)) == (0, 1)
    assert celery_stack.task_instance(old, "notify") is None and celery_stack.task_instance(recent, "notify")
