"""Manual runbook actions with validated params, so nobody edits the store by hand:
reprocess_calls (by call ids or a date range), pause_tenant and resume_tenant."""

from datetime import UTC, datetime, timedelta

from airflow.sdk import DAG, Param

from leadline.operators.tenant_actions import ReprocessCallsOperator, SetTenantStatusOperator

TENANT = Param(type="string", pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$", description="tenant")
COMMON = {
    "schedule": None,
    "start_date": datetime(2026, 1, 1, tzinfo=UTC),
    "catchup": False,
    "tags": ["leadline", "ops", "manual"],
    "default_args": {"owner": "leadline", "retries": 2, "retry_delay": timedelta(seconds=30)},
}

with DAG(
    dag_id="reprocess_calls",
    description="Recompute calls: transcript, analysis, score and CRM sync",
    render_template_as_native_obj=True,
    params={
        "tenant_id": TENANT,
        "call_ids": Param([], type="array", items={"type": "string"}, description="call ids, or leave empty"),
        "start_date": Param("", type="string", description="with end_date: calls created in [start, end)"),
        "end_date": Param("", type="string"),
    },
    **COMMON,
) as reprocess:
    ReprocessCallsOperator(task_id="requeue_calls", tenant_id="{{ params.tenant_id }}",
                           call_ids="{{ params.call_ids }}", start_date_param="{{ params.start_date }}",
                           end_date_param="{{ params.end_date }}")

for action, status in (("pause_tenant", "paused"), ("resume_tenant", "active")):
    with DAG(dag_id=action, description=f"Set a tenant {status}", params={"tenant_id": TENANT}, **COMMON):
        SetTenantStatusOperator(task_id=f"set_{status}", tenant_id="{{ params.tenant_id }}", status=status)
