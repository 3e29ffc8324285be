"""Dialpad v2 emulator: calls filtered by start time, paged by cursor."""

from __future__ import annotations

from fastapi import APIRouter

from leadline_dev.sandbox.common import Sandbox


def router(sb: Sandbox) -> APIRouter:
    router = APIRouter(prefix="/api/v2", dependencies=[sb.gate("dialpad")])
    state = sb.state

    @router.get("/call")
    async def calls(started_after: int = 0, started_before: int = 2**62, cursor: str | None = None, limit: int = 50):
        with state.lock:
            rows = sorted((c for c in state.dialpad_calls
                           if started_after <= int(c["date_started"]) < started_before),
                          key=lambda c: int(c["date_started"]))
        start = int(cursor or 0)
        body = {"items": rows[start:start + limit]}
        if start + limit < len(rows):
            body["cursor"] = str(start + limit)
        return body

    return router
