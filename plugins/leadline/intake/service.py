"""The webhook's work: checks run cheapest first and every rejection is a Rejection (a 4xx or 503 with a
reason); nothing reaches the store until the request is authenticated, admitted and valid."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from dataclasses import dataclass, field

from pydantic import ValidationError
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from leadline.config import IntakeSettings, recording_policy_defaults
from leadline.domain import signature
from leadline.domain.payload import (
    TENANT_ID_PATTERN,
    CallWebhook,
    MalformedJson,
    TenantRef,
    parse_json_object,
)
from leadline.domain.recording_policy import RecordingPolicy, RecordingUrlRefused, check_named_url
from leadline.domain.redaction import redact_payload
from leadline.domain.throttle import ReplayGuard
from leadline.intake.admission import admission_for
from leadline.intake.counts import IntakeCounts
from leadline.intake.health import HealthChecker
from leadline.intake.metrics import IntakeMetrics
from leadline.intake.tenants import CachedTenant, TenantDirectory
from leadline.intake.writer import GroupCommitWriter
from leadline.secrets import SecretNotFound
from leadline.store.engine import create_store_engine
from leadline.store.intake import IncomingCall
from leadline.store.intake_counts import UNKNOWN_TENANT
from leadline.store.tenants import Tenant

log = logging.getLogger(__name__)


@dataclass
class Rejection(Exception):
    status: int
    reason: str
    detail: str
    headers: dict[str, str] = field(default_factory=dict)
    tenant_id: str = UNKNOWN_TENANT  # a registered tenant once the body names one, for metrics and counts

    def body(self) -> dict[str, str]:
        return {"error": self.reason, "detail": self.detail}


def _validation_detail(exc: ValidationError) -> str:
    """Field locations and messages only: pydantic's `input` would echo caller data (PII) back."""
    return "; ".join(
        f"{'.'.join(str(p) for p in err['loc']) or 'body'}: {err['msg']}" for err in exc.errors()[:10]
    )


_TENANT_ID = re.compile(TENANT_ID_PATTERN)


def _tenant_ref(data: dict) -> str:
    """The tenant the body names: a plain check on the common path, the model's message when it fails."""
    tenant_id = data.get("tenant_id")
    if isinstance(tenant_id, str) and _TENANT_ID.fullmatch(tenant_id):
        return tenant_id
    try:
        return TenantRef.model_validate(data).tenant_id
    except ValidationError as exc:
        raise Rejection(422, "invalid_payload", _validation_detail(exc)) from exc


class Intake:
    def __init__(self, settings: IntakeSettings):
        self.settings = settings
        self.engine = create_store_engine(settings.store_url)
        self.tenants = TenantDirectory(self.engine)
        self.writer = GroupCommitWriter(self.engine)
        self.admission = admission_for(settings.redis_url, settings.signature_failures_before_block,
                                            settings.block_seconds)
        self.counts = IntakeCounts(self.engine)
        self._loading: dict[str, asyncio.Future] = {}
        self.replays = ReplayGuard(window_s=signature.TIMESTAMP_WINDOW_S)
        self.metrics = IntakeMetrics()
        self.health = HealthChecker(self.engine, settings.storage_url, settings.storage_options)

    def warm_up(self) -> None:
        """Load what the first webhook would otherwise load: the redaction recognisers."""
        redact_payload({"note": "warm up"})

    async def _read_body(self, request: Request) -> bytes:
        limit = self.settings.max_body_bytes
        declared = request.headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            raise Rejection(413, "payload_too_large", f"body must be at most {limit} bytes")
        chunks, size = [], 0
        try:
            async with asyncio.timeout(self.settings.body_timeout_s):
                async for chunk in request.stream():
                    size += len(chunk)
                    if size > limit:
                        raise Rejection(413, "payload_too_large", f"body must be at most {limit} bytes")
                    chunks.append(chunk)
        except TimeoutError:
            # the rest of a half-sent body must not be read as the next request: the connection closes
            raise Rejection(408, "request_timeout", f"the body must arrive within {self.settings.body_timeout_s:g} s",
                            {"Connection": "close"}) from None
        return b"".join(chunks)

    def _load(self, tenant_id: str) -> asyncio.Future:
        """One lookup per tenant at a time, however many webhooks wait for it (no stampede on the store when an
        entry expires under load)."""
        loading = self._loading.get(tenant_id)
        if loading is None:
            loading = asyncio.ensure_future(run_in_threadpool(self.tenants.lookup, tenant_id))
            self._loading[tenant_id] = loading
            loading.add_done_callback(lambda _: self._loading.pop(tenant_id, None))
        return loading

    def _refresh(self, tenant_id: str) -> None:
        def failed(done: asyncio.Future) -> None:
            if not done.cancelled() and done.exception() is not None:
                log.warning("tenant %s refresh failed, serving the cached entry: %s", tenant_id,
                            type(done.exception()).__name__)

        self._load(tenant_id).add_done_callback(failed)

    async def _tenant(self, tenant_id: str) -> CachedTenant:
        entry, fresh = self.tenants.cached(tenant_id)
        if entry is not None:
            if not fresh:
                self._refresh(tenant_id)
            return entry
        try:
            return await asyncio.shield(self._load(tenant_id))
        except SecretNotFound as exc:
            log.error("webhook secret for tenant %s cannot be resolved: %s", tenant_id, exc)
            raise Rejection(503, "secret_unavailable", "tenant webhook secret is not available") from exc
        except SQLAlchemyError as exc:
            log.error("tenant lookup failed, store unavailable: %s", type(exc).__name__)
            raise Rejection(503, "store_unavailable", "the store is unavailable; retry later") from exc

    async def accept(self, request: Request, client: str) -> dict:
        now = time.time()
        blocked = await self.admission.blocked_for(client)
        if blocked:
            raise Rejection(
                403, "client_blocked", "too many failed signatures from this address",
                {"Retry-After": str(blocked)},
            )
        content_type = request.headers.get("content-type", "")
        if content_type.split(";")[0].strip().lower() != "application/json":
            raise Rejection(415, "unsupported_media_type", "Content-Type must be application/json")
        body = await self._read_body(request)
        try:
            timestamp = signature.parse_timestamp(request.headers.get("x-timestamp"), now)
            sig = signature.check_signature_format(request.headers.get("x-callrail-signature"))
        except signature.SignatureError as exc:
            raise Rejection(401, exc.reason, exc.detail) from exc
        try:
            data = parse_json_object(body)
        except MalformedJson as exc:
            raise Rejection(400, "malformed_json", str(exc)) from exc
        tenant = await self._authenticated_tenant(_tenant_ref(data), body, timestamp, sig, client, now)
        await self._admit(tenant, sig, now)
        return await self._store(tenant, data, sig, now)

    async def _authenticated_tenant(self, tenant_id: str, body: bytes, timestamp: int, sig: str, client: str,
                                    now: float) -> Tenant:
        """The registered tenant whose secret signed `body`; every failure counts toward the client's block."""
        entry = await self._tenant(tenant_id)
        known = entry.tenant is not None
        try:
            if not known:
                # answered like a bad signature, and counted toward the block: which tenant ids exist is not
                # something a sender without a secret may learn by trying them
                raise signature.SignatureError("invalid_signature",
                                               "signature does not match the tenant's webhook secret")
            signature.verify(entry.secret, timestamp, body, sig)
        except signature.SignatureError as exc:
            label = tenant_id if known else UNKNOWN_TENANT  # an unregistered id is no label (unbounded)
            if await self.admission.record_failure(client):
                if known:
                    self.counts.add(tenant_id, "block_started", now)
                log.warning("client blocked for %ss after repeated signature failures: tenant=%s client=%s",
                            self.settings.block_seconds, label, client)
            raise Rejection(401, exc.reason, exc.detail, tenant_id=label) from exc
        return entry.tenant

    def _check_recording_url(self, tenant: Tenant, url: str) -> None:
        """A recording URL outside the tenant's recording policy is refused now, before anything is stored (the
        fetch checks again after DNS). A policy the tenant's config gets wrong is left to the fetch, which fails
        the call's task with the reason: refusing here would lose calls CallRail does not resend after a 4xx."""
        try:
            policy = RecordingPolicy.from_config(tenant.config, *recording_policy_defaults())
        except RecordingUrlRefused as exc:
            log.warning("tenant %s recording policy is invalid, left to fetch_recording: %s", tenant.tenant_id, exc)
            return
        try:
            check_named_url(url, policy)
        except RecordingUrlRefused as exc:
            raise Rejection(422, "recording_url_refused", str(exc), tenant_id=tenant.tenant_id) from exc

    async def _admit(self, tenant: Tenant, sig: str, now: float) -> None:
        """Refuses a replay, an inactive tenant and a tenant over its rate limit."""
        tenant_id = tenant.tenant_id
        if self.replays.is_replay(sig, now):
            raise Rejection(409, "replayed_request", "this signed request was already received", tenant_id=tenant_id)
        if not tenant.is_active:
            raise Rejection(403, "tenant_inactive", f"tenant is {tenant.status}", tenant_id=tenant_id)
        wait = await self.admission.retry_after(tenant_id, tenant.requests_per_minute, tenant.burst_limit)
        if wait:
            raise Rejection(
                429, "rate_limited", f"tenant limit is {tenant.requests_per_minute} requests per minute, "
                f"burst {tenant.burst_limit}", {"Retry-After": str(wait)}, tenant_id=tenant_id,
            )

    async def _store(self, tenant: Tenant, data: dict, sig: str, now: float) -> dict:
        tenant_id = tenant.tenant_id
        try:
            payload = CallWebhook.model_validate(data)
        except ValidationError as exc:
            raise Rejection(422, "invalid_payload", _validation_detail(exc), tenant_id=tenant_id) from exc
        if payload.recording_url is not None:
            self._check_recording_url(tenant, payload.recording_url)
        call = IncomingCall(
            tenant_id=payload.tenant_id,
            call_id=payload.call_id,
            resource_id=payload.resource_id,
            caller_phone=payload.caller_id,
            customer_name=payload.customer_name,
            duration_s=payload.duration,
            answered=payload.answered,
            started_at=payload.start_time,
            recording_url=payload.recording_url,
            raw_payload=redact_payload(data),  # a transcription or note in the payload: PII labelled before storing
        )
        try:
            result = await self.writer.submit(call)
        except SQLAlchemyError as exc:
            raise Rejection(503, "store_unavailable", "the call could not be stored; retry later",
                            tenant_id=tenant_id) from exc
        self.replays.remember(sig, now)
        outcome = "accepted" if result.created else "duplicate"
        log.debug("webhook %s tenant=%s call=%s", outcome, payload.tenant_id, payload.call_id)
        return {"status": outcome, "request_id": result.request_id, "call_id": payload.call_id,
                "tenant_id": tenant_id}
