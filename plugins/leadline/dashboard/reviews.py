"""The contact review queue: contact values the pipeline was unsure of, per tenant, for ops to confirm or correct.

A decision updates the call and its audit trail in one transaction (store.reviews), then triggers the
`contact_review_sync` DAG through the Airflow REST API as the reviewer, which upserts the call's lead and call
record in the tenant's CRMs again (keyed by the call: a repeat changes nothing more). Each value's audio is
served from the stored recording: only the stretch where it was said, padded, at most MAX_EXCERPT_S, to users of
that tenant only. Decisions export as JSON lines: labeled data for the extraction corpus."""

# No `from __future__ import annotations`: FastAPI must see the locally defined Annotated dependencies.

import io
import json
import wave
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

import httpx
from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, Field

from leadline.dashboard.access import Viewer
from leadline.dashboard.api import airflow_base
from leadline.domain.contact_evidence import corrected_value
from leadline.store import reviews as review_store

RESYNC_DAG = "contact_review_sync"
EXCERPT_PAD_S = 0.75
MAX_EXCERPT_S = 30.0


class ReviewOut(BaseModel):
    call_id: str
    created_at: datetime
    field: str
    heard: str
    confidence: float
    checks: list[str]
    start: float | None
    end: float | None
    words: str
    audio_url: str | None


class DecisionIn(BaseModel):
    field: Literal["customer_name", "customer_phone", "customer_email"]
    decision: Literal["confirmed", "corrected", "rejected"]
    value: str | None = Field(default=None, max_length=320)


class DecisionOut(BaseModel):
    call_id: str
    field: str
    decision: str
    final_value: str | None
    resync_run_id: str | None
    resync_error: str | None


def excerpt_wav(recording: Any, start: float, end: float) -> bytes:
    """The recording between start and end (seconds, padded), as a WAV of its own."""
    from leadline.audio import open_wav

    with open_wav(recording) as source:
        rate, channels = source.getframerate(), source.getnchannels()
        first = max(0, int((start - EXCERPT_PAD_S) * rate))
        last = min(source.getnframes(), int((end + EXCERPT_PAD_S) * rate))
        source.setpos(min(first, source.getnframes()))
        frames = source.readframes(max(0, last - first))
    out = io.BytesIO()
    with wave.open(out, "wb") as target:
        target.setnchannels(channels)
        target.setsampwidth(2)
        target.setframerate(rate)
        target.writeframes(frames)
    return out.getvalue()


def _require_json(request: Request) -> None:
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        raise HTTPException(415, "send Content-Type: application/json")  # no cross-site form posts


async def trigger_resync(viewer: Viewer, tenant_id: str, call_id: str,
                         now: datetime) -> tuple[str | None, str | None]:
    run_id = f"review__{tenant_id}__{call_id}__{now:%Y%m%dT%H%M%S%f}"
    async with httpx.AsyncClient(timeout=30) as client:
        response = await client.post(
            f"{airflow_base()}/api/v2/dags/{RESYNC_DAG}/dagRuns",
            json={"dag_run_id": run_id, "logical_date": None, "conf": {"tenant_id": tenant_id, "call_id": call_id},
                  "note": f"contact review by {viewer.username}"},
            headers={"authorization": f"Bearer {viewer.token}"})
    if response.status_code >= 400:
        return None, f"Airflow refused the CRM re-sync ({response.status_code}); trigger {RESYNC_DAG} by hand"
    return run_id, None


def build_review_router(viewer_dependency, engine_dependency) -> APIRouter:
    router = APIRouter(prefix="/api/v1", tags=["reviews"])
    ViewerDep = Annotated[Viewer, Depends(viewer_dependency)]
    EngineDep = Annotated[Any, Depends(engine_dependency)]
    _add_decision_routes(router, ViewerDep, EngineDep)
    _add_evidence_routes(router, ViewerDep, EngineDep)
    return router


def _add_decision_routes(router: APIRouter, ViewerDep: Any, EngineDep: Any) -> None:
    """The queue of uncertain values and the decision on one of them."""

    @router.get("/tenants/{tenant_id}/reviews", response_model=list[ReviewOut])
    def review_queue(tenant_id: str, request: Request, viewer: ViewerDep, engine: EngineDep) -> list[dict]:
        """The tenant's calls waiting for a person to confirm a contact value, oldest first."""
        items = review_store.review_queue(*viewer.scope(engine, tenant_id))
        return [{**item.__dict__, "checks": list(item.checks),
                 "audio_url": str(request.url_for("review_audio", tenant_id=tenant_id, call_id=item.call_id)
                                  .include_query_params(start=item.start, end=item.end))
                 if item.has_recording and item.start is not None and item.end is not None else None}
                for item in items]

    @router.post("/tenants/{tenant_id}/calls/{call_id}/reviews", response_model=DecisionOut)
    async def decide(tenant_id: str, call_id: str, decision: DecisionIn, request: Request, viewer: ViewerDep,
                     engine: EngineDep) -> dict:
        """Confirms, corrects or rejects one uncertain value; the CRMs are synced again."""
        _require_json(request)
        viewer.require(tenant_id)
        value = None
        if decision.decision == "corrected":
            try:
                value = corrected_value(decision.field, decision.value)
            except ValueError as exc:
                raise HTTPException(422, str(exc)) from exc
        now = datetime.now(UTC)
        try:
            audit = review_store.record_review(*viewer.scope(engine, tenant_id), call_id, decision.field,
                                               decision.decision, value, viewer.username, now)
        except LookupError as exc:
            raise HTTPException(404, f"no call {call_id} for tenant {tenant_id}") from exc
        except review_store.ReviewConflict as exc:
            raise HTTPException(409, str(exc)) from exc
        run_id, error = await trigger_resync(viewer, tenant_id, call_id, now)
        return {"call_id": call_id, "field": decision.field, "decision": decision.decision,
                "final_value": audit["final_value"], "resync_run_id": run_id, "resync_error": error}


def _add_evidence_routes(router: APIRouter, ViewerDep: Any, EngineDep: Any) -> None:
    """What a reviewer checks a value against (the audio where it was said) and the decisions as labeled data."""

    @router.get("/tenants/{tenant_id}/calls/{call_id}/audio", name="review_audio")
    def review_audio(tenant_id: str, call_id: str, viewer: ViewerDep, engine: EngineDep,
                     start: Annotated[float, Query(ge=0)], end: Annotated[float, Query(ge=0)]) -> Response:
        """The stretch of the call's recording where a value was said (WAV, padded, at most 30 s)."""
        from airflow.sdk import ObjectStoragePath

        from leadline.store.calls import get_call

        if end <= start or end - start > MAX_EXCERPT_S:
            raise HTTPException(422, f"end must be after start, at most {MAX_EXCERPT_S:g} s later")
        call = get_call(*viewer.scope(engine, tenant_id), call_id)
        if call is None or not call.recording_path:
            raise HTTPException(404, f"no recording of call {call_id} for tenant {tenant_id}")
        body = excerpt_wav(ObjectStoragePath(call.recording_path), start, end)
        return Response(body, media_type="audio/wav", headers={"cache-control": "private, no-store"})

    @router.get("/tenants/{tenant_id}/reviews/export")
    def export(tenant_id: str, viewer: ViewerDep, engine: EngineDep) -> StreamingResponse:
        """Every decision as JSON lines (what was heard, the words, what it became): labeled extraction data."""
        rows = review_store.review_history(*viewer.scope(engine, tenant_id))
        lines = (json.dumps(row, default=str) + "\n" for row in rows)
        return StreamingResponse(lines, media_type="application/x-ndjson",
                                 headers={"content-disposition": f'attachment; filename="reviews-{tenant_id}.jsonl"'})
