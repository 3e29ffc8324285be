"""The sandbox HTTP app: HubSpot CRM v3 contacts, Salesforce REST, CallRail v3, Gmail API v1 messages,
Dialpad v2 calls (one router per vendor, each behind the fault gate), and /_sandbox controls."""

from __future__ import annotations

from fastapi import FastAPI

from leadline_dev.sandbox import callrail, control, dialpad, gmail, hubspot, salesforce
from leadline_dev.sandbox.common import Blocked, Sandbox, answer_blocked
from leadline_dev.sandbox.state import SandboxState

DEFAULT_TOKENS = {"hubspot": "sandbox-hubspot-token", "salesforce": "sandbox-salesforce-session",
                  "salesforce_client_secret": "sandbox-sf-secret", "callrail": "sandbox-callrail-key",
                  "gmail": "sandbox-gmail-token", "dialpad": "sandbox-dialpad-key"}


def create_sandbox_app(state: SandboxState | None = None, tokens: dict[str, str] | None = None) -> FastAPI:
    state = state or SandboxState()
    sandbox = Sandbox(state, {**DEFAULT_TOKENS, **(tokens or {})})
    app = FastAPI(title="Leadline sandbox", description="HubSpot, Salesforce and CallRail emulator")
    app.state.sandbox = state
    app.add_exception_handler(Blocked, answer_blocked)
    for vendor in (hubspot, salesforce, callrail, gmail, dialpad):
        app.include_router(vendor.router(sandbox))
    app.include_router(control.router(state))
    return app
