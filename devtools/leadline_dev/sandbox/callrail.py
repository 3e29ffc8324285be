"""CallRail v3 emulator: the account's calls (paged, filtered by start date), one call, its recording link."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request

from leadline_dev.sandbox.common import Sandbox


def router(sb: Sandbox) -> APIRouter:
    router = APIRouter(prefix="/v3/a/{account_id}", dependencies=[sb.gate("callrail")])
    state = sb.state

    @router.get("/calls.json")
    async def calls(account_id: str, page: int = 1, per_page: int = 100, start_date: str | None = None,
                    end_date: str | None = None):
        per_page = max(1, min(per_page, 250))
        with state.lock:
            rows = [c for c in state.callrail_calls.get(account_id, [])
                    if (start_date is None or c["start_time"] >= start_date)
                    and (end_date is None or c["start_time"] < end_date)]
        rows.sort(key=lambda c: c["start_time"])
        total_pages = max(1, -(-len(rows) // per_page))
        return {"page": page, "per_page": per_page, "total_pages": total_pages, "total_records": len(rows),
                "calls": rows[(page - 1) * per_page: page * per_page]}

    @router.get("/calls/{call_id}.json")
    async def call(account_id: str, call_id: str):
        with state.lock:
            for row in state.callrail_calls.get(account_id, []):
                if row["id"] == call_id:
                    return row
        raise HTTPException(404, "Call not found")

    @router.get("/calls/{call_id}/recording.json")
    async def recording(account_id: str, call_id: str, request: Request):
        if call_id not in state.recordings:
            raise HTTPException(404, "Recording not found")
        return {"url": str(request.base_url) + f"_sandbox/recordings/{call_id}"}

    return router
