"""The Leadline app served inside the Airflow API server under /leadline: the ops dashboard (server-rendered
pages under /ui and their JSON API under /api/v1), with the webhook intake mounted beneath it."""

# No `from __future__ import annotations`: FastAPI must see the locally defined Annotated dependencies.

from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy import Engine

from leadline.config import default_store_url
from leadline.dashboard import queries
from leadline.dashboard.access import Viewer, resolve_viewer
from leadline.dashboard.api import build_api_router, run_tasks
from leadline.dashboard.reviews import build_review_router
from leadline.dashboard.views import crm_links, level_counts, score_chart
from leadline.domain.analysis import CALL_CLASSES
from leadline.store.engine import create_store_engine
from leadline.store.schema import REQUEST_STATUSES

TEMPLATES = Jinja2Templates(directory=Path(__file__).with_name("templates"))


class LoginRequired(Exception):
    def __init__(self, next_url: str):
        self.next_url = next_url


def _score(value: str, name: str) -> int | None:
    if not value:
        return None
    if not value.isdigit() or int(value) > 100:
        raise HTTPException(400, f"{name} must be a whole number from 0 to 100")
    return int(value)


@cache
def _engine(url: str) -> Engine:
    return create_store_engine(url)


def _render(request: Request, template: str, viewer: Viewer, **context) -> HTMLResponse:
    return TEMPLATES.TemplateResponse(request, template, {"viewer": viewer, **context})


def _chosen_tenant(viewer: Viewer, tenant: str | None) -> str | None:
    if tenant:
        return viewer.require(tenant)
    return viewer.tenant_ids[0] if viewer.tenant_ids else None


async def _to_login(_request: Request, exc: LoginRequired) -> Response:
    from airflow.api_fastapi.app import get_auth_manager

    return RedirectResponse(get_auth_manager().get_url_login(next_url=exc.next_url), status_code=303)


def create_dashboard_app(store_url: str | None = None, intake: FastAPI | None = None) -> FastAPI:
    app = FastAPI(title="Leadline", version="1",
                  description="Ops dashboard and JSON API per tenant, behind Airflow's authentication.")

    def engine() -> Engine:
        return _engine(store_url or default_store_url())

    async def api_viewer(request: Request) -> Viewer:
        return await resolve_viewer(request, engine())

    async def page_viewer(request: Request) -> Viewer:
        try:
            return await resolve_viewer(request, engine())
        except HTTPException as exc:
            if exc.status_code in (401, 403):
                raise LoginRequired(str(request.url)) from exc
            raise

    app.add_exception_handler(LoginRequired, _to_login)
    app.include_router(build_api_router(api_viewer, engine))
    app.include_router(build_review_router(api_viewer, engine))
    PageViewer = Annotated[Viewer, Depends(page_viewer)]
    _add_overview_and_call_pages(app, PageViewer, engine)
    _add_tenant_pages(app, PageViewer, engine)

    @app.get("/ui", include_in_schema=False)
    def ui_root() -> RedirectResponse:
        return RedirectResponse("ui/", status_code=307)

    if intake is not None:
        app.mount("/", intake)  # the intake's /v1/... routes, matched after the dashboard's
    return app


def _add_overview_and_call_pages(app: FastAPI, PageViewer: Any, engine: Callable[[], Engine]) -> None:
    """The overview of every tenant the viewer may see, the filtered call list and one call."""

    @app.get("/ui/", response_class=HTMLResponse, include_in_schema=False)
    def overview_page(request: Request, viewer: PageViewer) -> HTMLResponse:
        now = datetime.now(UTC)
        overviews = [queries.overview(*viewer.scope(engine(), t), now) for t in viewer.tenant_ids]
        for item in overviews:
            item["chart"] = score_chart(item["daily"])
            item["levels"] = level_counts(item["indicators"])
        return _render(request, "overview.html", viewer, overviews=overviews, page="overview")

    @app.get("/ui/calls", response_class=HTMLResponse, include_in_schema=False)
    def calls_page(request: Request, viewer: PageViewer, tenant: str | None = None, status: str = "",
                   call_class: str = "", min_score: str = "", max_score: str = "",
                   day: Annotated[str, Query(alias="date")] = "",
                   page: Annotated[int, Query(ge=1, le=10_000)] = 1) -> HTMLResponse:
        # A filter form sends empty fields: they mean "any", not a validation error.
        tenant_id = _chosen_tenant(viewer, tenant)
        status = status if status in REQUEST_STATUSES else None
        call_class = call_class if call_class in CALL_CLASSES else None
        min_score, max_score = _score(min_score, "min_score"), _score(max_score, "max_score")
        try:
            parsed_day = date.fromisoformat(day) if day else None
        except ValueError as exc:
            raise HTTPException(400, "date must be YYYY-MM-DD") from exc
        result = None if tenant_id is None else queries.list_calls(
            *viewer.scope(engine(), tenant_id), status=status, call_class=call_class, min_score=min_score,
            max_score=max_score, day=parsed_day, page=page)
        filters = {"tenant": tenant_id, "status": status or "", "call_class": call_class or "", "min_score": min_score,
                   "max_score": max_score, "date": day or ""}
        return _render(request, "calls.html", viewer, result=result, filters=filters, statuses=REQUEST_STATUSES,
                       call_classes=CALL_CLASSES, page="calls")

    @app.get("/ui/calls/{tenant_id}/{call_id}", response_class=HTMLResponse, include_in_schema=False)
    async def call_page(request: Request, tenant_id: str, call_id: str, viewer: PageViewer) -> HTMLResponse:
        from leadline.store.tenants import get_tenant

        store, tenant_id = viewer.scope(engine(), tenant_id)
        detail = queries.call_detail(store, tenant_id, call_id)
        if detail is None:
            raise HTTPException(404, f"no call {call_id} for tenant {tenant_id}")
        with store.connect() as conn:
            tenant = get_tenant(conn, tenant_id)
        return _render(request, "call.html", viewer, call=detail, links=crm_links(tenant.config, detail),
                       tasks=await run_tasks(viewer, detail["run_id"]), page="calls")


def _add_tenant_pages(app: FastAPI, PageViewer: Any, engine: Callable[[], Engine]) -> None:
    """The per-tenant lists: the review queue, top accounts and the ETL status."""

    @app.get("/ui/reviews", response_class=HTMLResponse, include_in_schema=False)
    def reviews_page(request: Request, viewer: PageViewer, tenant: str | None = None) -> HTMLResponse:
        from leadline.store.reviews import review_queue

        tenant_id = _chosen_tenant(viewer, tenant)
        items = [] if tenant_id is None else review_queue(*viewer.scope(engine(), tenant_id))
        return _render(request, "reviews.html", viewer, items=items, filters={"tenant": tenant_id}, page="reviews")

    @app.get("/ui/accounts", response_class=HTMLResponse, include_in_schema=False)
    def accounts_page(request: Request, viewer: PageViewer, tenant: str | None = None) -> HTMLResponse:
        tenant_id = _chosen_tenant(viewer, tenant)
        result = None if tenant_id is None else queries.top_accounts(*viewer.scope(engine(), tenant_id),
                                                                     datetime.now(UTC).date())
        return _render(request, "accounts.html", viewer, result=result, filters={"tenant": tenant_id},
                       page="accounts")

    @app.get("/ui/etl", response_class=HTMLResponse, include_in_schema=False)
    def etl_page(request: Request, viewer: PageViewer, tenant: str | None = None) -> HTMLResponse:
        tenant_id = _chosen_tenant(viewer, tenant)
        result = None if tenant_id is None else queries.etl_status(*viewer.scope(engine(), tenant_id),
                                                                   datetime.now(UTC))
        return _render(request, "etl.html", viewer, result=result, filters={"tenant": tenant_id}, page="etl")
