"""GET /v1/recordings/{tenant}/{call}?expires=&sig=: a call's stored recording behind the signed, expiring link
that Leadline writes into CRM engagements. The bucket stays private: only a genuine, unexpired link reads it."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from fastapi.responses import JSONResponse, Response
from sqlalchemy import Engine

from leadline.config import link_key_ref, storage_connection
from leadline.domain.engagement import link_problem
from leadline.secrets import SecretNotFound, resolve_secret
from leadline.store.calls import get_call

log = logging.getLogger(__name__)


def _error(status: int, reason: str, detail: str) -> JSONResponse:
    return JSONResponse({"error": reason, "detail": detail}, status_code=status)


def recording_response(engine: Engine, tenant_id: str, call_id: str, expires: str | None, sig: str | None,
                       storage_options: dict[str, Any] | None = None) -> Response:
    """Blocking (store and object storage reads): run it in a thread pool. The stored path may carry the Airflow
    connection the tasks wrote it through (`gs://conn@bucket/...`); the intake reads the bucket itself, with
    `storage_options` or its own identity."""
    import fsspec

    try:
        key = resolve_secret(link_key_ref())
    except SecretNotFound:
        return _error(503, "links_unavailable", "recording links are not configured")
    problem = link_problem(key, tenant_id, call_id, expires, sig, datetime.now(UTC))
    if problem is not None:
        log.warning("recording link refused: %s", problem)
        return _error(410 if problem == "link expired" else 403, "link_refused", problem)
    call = get_call(engine, tenant_id, call_id)
    if call is None or not call.recording_path:
        return _error(404, "no_recording", "the call has no stored recording")
    try:
        with fsspec.open(storage_connection(call.recording_path)[1], "rb", **(storage_options or {})) as handle:
            audio = handle.read()
    except FileNotFoundError:
        return _error(404, "no_recording", "the call has no stored recording")
    return Response(audio, media_type="audio/wav", headers={"Cache-Control": "private, no-store"})
