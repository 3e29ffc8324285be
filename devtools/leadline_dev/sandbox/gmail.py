"""Gmail API v1 emulator: a mailbox's messages (newest first, `after:`/`before:` bounds, paged) and one message."""

from __future__ import annotations

import re

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from leadline_dev.sandbox.common import Sandbox


def router(sb: Sandbox) -> APIRouter:
    router = APIRouter(prefix="/gmail/v1/users/{user_id}/messages", dependencies=[sb.gate("gmail")])
    state = sb.state

    @router.get("")
    async def list_messages(user_id: str, q: str = "", pageToken: str | None = None,  # noqa: N803
                            maxResults: int = 100):  # noqa: N803
        bounds = dict(re.findall(r"(after|before):(\d+)", q))
        with state.lock:
            rows = [m for m in state.gmail.get(user_id, [])
                    if int(m["internalDate"]) // 1000 >= int(bounds.get("after", 0))
                    and int(m["internalDate"]) // 1000 < int(bounds.get("before", 2**40))]
        rows.sort(key=lambda m: m["internalDate"], reverse=True)
        start = int(pageToken or 0)
        page = rows[start:start + maxResults]
        body = {"messages": [{"id": m["id"], "threadId": m["threadId"]} for m in page],
                "resultSizeEstimate": len(rows)}
        if start + maxResults < len(rows):
            body["nextPageToken"] = str(start + maxResults)
        return body

    @router.get("/{message_id}")
    async def get_message(user_id: str, message_id: str):
        with state.lock:
            for message in state.gmail.get(user_id, []):
                if message["id"] == message_id:
                    return message
        return JSONResponse({"error": {"code": 404, "message": "Requested entity was not found."}},
                            status_code=404)

    return router
