"""The dashboard's JSON API (OpenAPI at /leadline/openapi.json): tenant-scoped, behind Airflow's login."""

# No `from __future__ import annotations`: FastAPI must see the locally defined Annotated dependencies.

from datetime import UTC, date, datetime
from typing import Annotated, Any

import httpx
from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel

from leadline.dashboard import queries
from leadline.dashboard.access import Viewer
from leadline.domain.analysis import CALL_CLASSES
from leadline.store.calls import get_call
from leadline.store.schema import REQUEST_STATUSES

REPROCESS_DAG = "reprocess_calls"
TASK_FIELDS = ("task_id", "state", "try_number", "start_date", "end_date", "duration")


def airflow_base() -> str:
    """The Airflow API server this app is mounted in, from configuration: `LEADLINE_AIRFLOW_API_URL`, else this
    server on loopback (`[api] port`, under the path of `[api] base_url`). Never from the request's Host header,
    which a client chooses: the viewer's token is sent there."""
    import os
    from urllib.parse import urlsplit

    from airflow.configuration import conf

    configured = os.environ.get("LEADLINE_AIRFLOW_API_URL")
    if configured:
        return configured.rstrip("/")
    path = urlsplit(conf.get("api", "base_url", fallback="") or "").path.rstrip("/")
    return f"http://127.0.0.1:{conf.getint('api', 'port', fallback=8080)}{path}"


async def run_tasks(viewer: Viewer, run_id: str) -> list[dict]:
    """The call's task instances from the Airflow REST API, as the viewer: its status history per task.
    Empty when the run does not exist (yet) or the viewer may not read it."""
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.get(
            f"{airflow_base()}/api/v2/dags/call_processing/dagRuns/{run_id}/taskInstances",
            params={"order_by": "start_date"}, headers={"authorization": f"Bearer {viewer.token}"})
    if response.status_code != 200:
        return []
    return [{field: ti.get(field) for field in TASK_FIELDS} for ti in response.json()["task_instances"]]


class TenantList(BaseModel):
    username: str
    tenants: list[str]


class ReprocessResult(BaseModel):
    dag_id: str
    dag_run_id: str
    state: str
    url: str


def build_api_router(viewer_dependency, engine_dependency) -> APIRouter:
    router = APIRouter(prefix="/api/v1", tags=["dashboard"])
    ViewerDep = Annotated[Viewer, Depends(viewer_dependency)]
    EngineDep = Annotated[Any, Depends(engine_dependency)]
    _add_tenant_routes(router, ViewerDep, EngineDep)
    _add_call_routes(router, ViewerDep, EngineDep)
    _add_report_routes(router, ViewerDep, EngineDep)
    return router


def _add_tenant_routes(router: APIRouter, ViewerDep: Any, EngineDep: Any) -> None:
    """The viewer's tenants and each one's overview."""

    @router.get("/tenants", response_model=TenantList)
    def tenants(viewer: ViewerDep) -> dict:
        return {"username": viewer.username, "tenants": list(viewer.tenant_ids)}

    @router.get("/tenants/{tenant_id}/overview")
    def overview(tenant_id: str, viewer: ViewerDep, engine: EngineDep) -> dict:
        """Today's calls, queue, processing P95, error rate and CRM sync rates with runbook levels; 7 days."""
        return queries.overview(*viewer.scope(engine, tenant_id), datetime.now(UTC))


def _add_call_routes(router: APIRouter, ViewerDep: Any, EngineDep: Any) -> None:
    """The call list, one call with its Airflow tasks, and a reprocess request."""

    @router.get("/tenants/{tenant_id}/calls")
    def calls(tenant_id: str, viewer: ViewerDep, engine: EngineDep,
              status: Annotated[str | None, Query(enum=list(REQUEST_STATUSES))] = None,
              call_class: Annotated[str | None, Query(enum=list(CALL_CLASSES))] = None,
              min_score: Annotated[int | None, Query(ge=0, le=100)] = None,
              max_score: Annotated[int | None, Query(ge=0, le=100)] = None,
              day: Annotated[date | None, Query(alias="date")] = None,
              page: Annotated[int, Query(ge=1, le=10_000)] = 1) -> dict:
        """Newest first, 50 per page; the caller's phone is masked."""
        return queries.list_calls(*viewer.scope(engine, tenant_id), status=status, call_class=call_class,
                                  min_score=min_score, max_score=max_score, day=day, page=page)

    @router.get("/tenants/{tenant_id}/calls/{call_id}")
    async def call(tenant_id: str, call_id: str, viewer: ViewerDep, engine: EngineDep) -> dict:
        """Status, transcript, analysis, score breakdown by weight, CRM syncs, the call's DAG run id and its
        task instances (state, tries, times) from Airflow."""
        detail = queries.call_detail(*viewer.scope(engine, tenant_id), call_id)
        if detail is None:
            raise HTTPException(404, f"no call {call_id} for tenant {tenant_id}")
        return {**detail, "tasks": await run_tasks(viewer, detail["run_id"])}

    @router.post("/tenants/{tenant_id}/calls/{call_id}/reprocess", response_model=ReprocessResult)
    async def reprocess(tenant_id: str, call_id: str, request: Request, viewer: ViewerDep,
                        engine: EngineDep) -> dict:
        """Triggers the reprocess_calls DAG for this call through the Airflow REST API, as the caller."""
        if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
            raise HTTPException(415, "send Content-Type: application/json")  # no cross-site form posts
        if get_call(*viewer.scope(engine, tenant_id), call_id) is None:
            raise HTTPException(404, f"no call {call_id} for tenant {tenant_id}")
        async with httpx.AsyncClient(timeout=30) as client:
            response = await client.post(
                f"{airflow_base()}/api/v2/dags/{REPROCESS_DAG}/dagRuns",
                json={"logical_date": None, "conf": {"tenant_id": tenant_id, "call_ids": [call_id]},
                      "note": f"reprocess requested by {viewer.username} from the Leadline dashboard"},
                headers={"authorization": f"Bearer {viewer.token}"})
        if response.status_code >= 400:
            raise HTTPException(response.status_code if response.status_code in (401, 403, 404, 409) else 502,
                                f"Airflow refused the run: {response.json().get('detail', response.text)}")
        run = response.json()
        return {"dag_id": REPROCESS_DAG, "dag_run_id": run["dag_run_id"], "state": run["state"],
                "url": f"/dags/{REPROCESS_DAG}/runs/{run['dag_run_id']}"}


def _add_report_routes(router: APIRouter, ViewerDep: Any, EngineDep: Any) -> None:
    """The runbook's reports: top accounts and ETL status."""

    @router.get("/tenants/{tenant_id}/accounts")
    def accounts(tenant_id: str, viewer: ViewerDep, engine: EngineDep,
                 day: Annotated[date | None, Query(alias="date")] = None) -> dict:
        """The runbook's top accounts by score for the day, and its unmatched emails."""
        return queries.top_accounts(*viewer.scope(engine, tenant_id), day or datetime.now(UTC).date())

    @router.get("/tenants/{tenant_id}/etl")
    def etl(tenant_id: str, viewer: ViewerDep, engine: EngineDep) -> dict:
        """Recent ETL runs, hours since each source's last successful sync, the runbook's ETL performance per
        source and day, and its embedding status."""
        return queries.etl_status(*viewer.scope(engine, tenant_id), datetime.now(UTC))
