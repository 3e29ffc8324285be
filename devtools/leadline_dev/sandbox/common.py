"""What the vendor routers share: the sandbox context, its fault gate (a router dependency) and timestamps."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from fastapi import Depends, Request
from fastapi.responses import JSONResponse, Response

from leadline_dev.sandbox.state import SandboxState


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def as_datetime(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None


class Blocked(Exception):
    """Raised by the gate: `response` answers the request in place of the route."""

    def __init__(self, response: Response):
        super().__init__(response.status_code)
        self.response = response


async def answer_blocked(request: Request, exc: Blocked) -> Response:
    """The app's handler for `Blocked`."""
    return exc.response


class Sandbox:
    def __init__(self, state: SandboxState, tokens: dict[str, str]):
        self.state = state
        self.tokens = tokens

    def gate(self, service: str) -> Any:
        """The dependency for a vendor's routes: journal the request, check auth, then inject the configured
        fault (if any). A refusal raises `Blocked`, so the route never runs."""

        async def gate(request: Request) -> None:
            body = await request.body()
            with self.state.lock:
                self.state.journal.append({"service": service, "method": request.method, "path": request.url.path,
                                           "query": str(request.url.query), "at": now(), "bytes": len(body)})
                faults = self.state.faults[service]
                fault = faults.draw(self.state.rng)
                latency = faults.latency_ms
            if latency:
                await asyncio.sleep(latency / 1000)
            auth = request.headers.get("authorization", "")
            # CallRail's own scheme; every other vendor (and a plug-in CRM) takes an OAuth-style bearer token
            expected = (f'Token token="{self.tokens["callrail"]}"' if service == "callrail"
                        else f"Bearer {self.tokens[service]}")
            if auth != expected and auth != expected.replace('"', ""):
                raise Blocked(_unauthorized(service))
            if fault == "timeout":
                await asyncio.sleep(30)
                raise Blocked(JSONResponse({"message": "gateway timeout"}, status_code=504))
            if fault == "5xx":
                raise Blocked(JSONResponse({"status": "error", "message": "internal error",
                                            "category": "INTERNAL_ERROR"},
                                           status_code=502 if service == "hubspot" else 503))
            if fault == "429":
                raise Blocked(_rate_limited(service, faults.retry_after_s))

        return Depends(gate)


def _unauthorized(service: str) -> JSONResponse:
    if service == "hubspot":
        return JSONResponse({"status": "error", "message": "Authentication credentials not found.",
                             "category": "INVALID_AUTHENTICATION"}, status_code=401)
    if service == "salesforce":
        return JSONResponse([{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}],
                            status_code=401)
    return JSONResponse({"error": "HTTP Token: Access denied."}, status_code=401)


def _rate_limited(service: str, retry_after_s: float) -> JSONResponse:
    if service == "hubspot":
        return JSONResponse(
            {"status": "error", "message": "You have reached your secondly limit.", "errorType": "RATE_LIMIT",
             "category": "RATE_LIMITS"}, status_code=429,
            headers={"Retry-After": f"{retry_after_s:g}", "X-HubSpot-RateLimit-Interval-Milliseconds": "10000",
                     "X-HubSpot-RateLimit-Max": "100", "X-HubSpot-RateLimit-Remaining": "0"})
    if service == "salesforce":
        return JSONResponse([{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}],
                            status_code=403)
    return JSONResponse({"error": "API rate limit exceeded"}, status_code=429,
                        headers={"Retry-After": f"{retry_after_s:g}"})
