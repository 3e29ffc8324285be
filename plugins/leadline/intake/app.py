"""The intake's HTTP surface: POST /v1/callrail/webhook, GET /v1/health, /v1/metrics and the signed recording
links. The webhook is served by plain ASGI code ahead of FastAPI's middleware, routing, dependency and response
machinery, which cost more than the webhook's own work at thousands of requests a second; its OpenAPI operation
is declared by hand."""

from __future__ import annotations

import gc
import hmac
import json
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request

from leadline.config import IntakeSettings
from leadline.domain.client_address import real_client
from leadline.domain.payload import CallWebhook
from leadline.intake.service import Intake, Rejection
from leadline.store.intake_counts import UNKNOWN_TENANT

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/v1/callrail/webhook"
REJECTIONS = {400: "malformed body", 401: "missing, stale or invalid signature", 403: "client blocked or tenant "
              "inactive", 408: "body not received in time", 409: "replayed request", 413: "body too large",
              415: "not application/json", 422: "invalid payload", 429: "tenant rate limit", 503: "store unavailable"}


async def _answer(send, status: int, answer: dict, headers: dict[str, str]) -> None:
    body = json.dumps(answer, separators=(",", ":")).encode()
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
        *((name.lower().encode(), value.encode()) for name, value in headers.items())]})
    await send({"type": "http.response.body", "body": body})


class IntakeApp(FastAPI):
    """FastAPI for everything but the webhook, which goes straight to its endpoint (also when the app is mounted
    under a prefix, as in the Airflow API server)."""

    webhook: WebhookEndpoint

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and scope["path"][len(scope.get("root_path", "")):] == WEBHOOK_PATH:
            await self.webhook(scope, receive, send)
        else:
            await super().__call__(scope, receive, send)


class WebhookEndpoint:
    """POST /v1/callrail/webhook as an ASGI app: one JSON answer, counted by tenant and outcome."""

    def __init__(self, intake: Callable[[], Intake]):
        self.intake = intake

    async def __call__(self, scope, receive, send) -> None:
        if scope["method"] != "POST":
            await _answer(send, 405, {"error": "method_not_allowed", "detail": "POST only"}, {"Allow": "POST"})
            return
        service = self.intake()
        started = time.perf_counter()
        request = Request(scope, receive)
        client = real_client(scope["client"][0] if scope.get("client") else None,
                             request.headers.getlist("x-forwarded-for"), service.settings.trusted_proxies)
        headers: dict[str, str] = {}
        try:
            result = await service.accept(request, client)
            tenant_id, event = result.pop("tenant_id"), result["status"]
            status, answer = 200, result
        except ClientDisconnect:
            # nobody is left to answer: one quiet line, no traceback, nothing stored
            log.info("webhook client went away before its body arrived: client=%s", client)
            service.metrics.count(UNKNOWN_TENANT, "client_disconnected")
            return
        except Rejection as rejection:
            tenant_id, event = rejection.tenant_id, rejection.reason
            # runbook 002 reads these lines for "which tenant / which address": the address is logged, never a label
            log.warning("webhook rejected: reason=%s status=%s tenant=%s client=%s", rejection.reason,
                        rejection.status, tenant_id, client)
            status, answer, headers = rejection.status, rejection.body(), rejection.headers
        await _answer(send, status, answer, headers)
        service.metrics.count(tenant_id, event)
        service.counts.add(tenant_id, event, time.time())
        service.metrics.latency.observe(time.perf_counter() - started)


def webhook_operation() -> dict[str, Any]:
    """The webhook's OpenAPI operation: the CallWebhook body, the signature headers and every answer."""
    error = {"type": "object", "required": ["error", "detail"],
             "properties": {"error": {"type": "string"}, "detail": {"type": "string"}}}
    stored = {"type": "object", "required": ["status", "request_id", "call_id"], "properties": {
        "status": {"enum": ["accepted", "duplicate"]}, "request_id": {"type": "string"},
        "call_id": {"type": "string"}}}
    return {
        "summary": "A completed CallRail call, signed with the tenant's webhook secret",
        "operationId": "callrail_webhook",
        "parameters": [
            {"name": "x-timestamp", "in": "header", "required": True, "schema": {"type": "string"},
             "description": "Unix seconds; signed requests older than 5 minutes are refused"},
            {"name": "x-callrail-signature", "in": "header", "required": True, "schema": {"type": "string"},
             "description": "sha256=HMAC-SHA256(secret, timestamp + '.' + body), hex"},
        ],
        "requestBody": {"required": True, "content": {"application/json": {
            "schema": CallWebhook.model_json_schema(mode="validation")}}},
        "responses": {
            "200": {"description": "stored (or already stored)", "content": {"application/json": {"schema": stored}}},
            **{str(code): {"description": why, "content": {"application/json": {"schema": error}}}
               for code, why in REJECTIONS.items()},
        },
    }


def create_app(settings: IntakeSettings | None = None) -> IntakeApp:
    state: dict[str, Intake] = {}

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Standalone (the only case with lifespan events): build everything, including the redaction patterns,
        # before the first webhook, then move it out of the garbage collector's reach: full collections over
        # the startup heap were the intake's longest pauses (tens of ms) under load.
        intake().warm_up()
        gc.freeze()
        yield
        if "intake" in state:
            state["intake"].writer.close()
            state["intake"].counts.close()

    app = IntakeApp(
        lifespan=lifespan,
        # The intake faces the internet: its OpenAPI document is built for tests and docs (`app.openapi()`), not
        # served; CallRail needs only the webhook contract in the README.
        openapi_url=None, docs_url=None, redoc_url=None,
        title="Leadline intake",
        description="Signed CallRail webhooks in; calls queued for processing.",
        version="1",
    )

    def intake() -> Intake:
        # Built on first use: mounted inside the Airflow API server, sub-apps get no lifespan events.
        if "intake" not in state:
            state["intake"] = Intake(settings or IntakeSettings.from_env())
        return state["intake"]

    app.webhook = WebhookEndpoint(intake)
    _document_webhook(app)
    _add_routes(app, intake)
    return app


def _document_webhook(app: IntakeApp) -> None:
    """The app's OpenAPI document, with the hand-declared webhook operation FastAPI cannot see."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, description=app.description,
                                 routes=app.routes)
            schema["paths"][WEBHOOK_PATH] = {"post": webhook_operation()}
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi


def _add_routes(app: IntakeApp, intake: Callable[[], Intake]) -> None:
    """Everything but the webhook: the health probe, the metrics scrape and the signed recording links."""

    @app.get("/v1/health")
    async def health() -> JSONResponse:
        report = await run_in_threadpool(intake().health.report)
        return JSONResponse(report, status_code=503 if report["status"] == "unhealthy" else 200)

    @app.get("/v1/metrics")
    async def metrics(request: Request) -> Response:
        """Per-tenant volumes: for a scraper holding LEADLINE_METRICS_TOKEN only (off without one)."""
        token = intake().settings.metrics_token
        if token is None:
            return JSONResponse({"detail": "metrics are off: set LEADLINE_METRICS_TOKEN"}, status_code=404)
        sent = request.headers.get("authorization", "")
        if not hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
            return JSONResponse({"detail": "a bearer token is required"}, status_code=401,
                                headers={"WWW-Authenticate": "Bearer"})
        return Response(intake().metrics.render(), media_type="text/plain; version=0.0.4")

    @app.get("/v1/recordings/{tenant_id}/{call_id}")
    async def recording(tenant_id: str, call_id: str, expires: str | None = None, sig: str | None = None
                        ) -> Response:
        from leadline.intake.recordings import recording_response

        return await run_in_threadpool(recording_response, intake().engine, tenant_id, call_id, expires, sig,
                                       intake().settings.storage_options)
