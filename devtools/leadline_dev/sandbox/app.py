"""The sandbox HTTP app: every CRM of Leadline's registry (HubSpot CRM v3, Salesforce REST, Pipedrive v1: the
module leadline_dev.sandbox.<crm_type>), CallRail v3, Gmail API v1 messages, Dialpad v2 calls (one router per
vendor, each behind the fault gate), and /_sandbox controls."""

from __future__ import annotations

import importlib

from fastapi import FastAPI

from leadline.domain.crm import CRM_TYPES
from leadline_dev.sandbox import callrail, control, dialpad, gmail
from leadline_dev.sandbox.common import Blocked, Sandbox, answer_blocked
from leadline_dev.sandbox.state import SandboxState

DEFAULT_TOKENS = {**{crm_type: f"sandbox-{crm_type}-token" for crm_type in CRM_TYPES},
                  "salesforce": "sandbox-salesforce-session", "salesforce_client_secret": "sandbox-sf-secret",
                  "callrail": "sandbox-callrail-key", "gmail": "sandbox-gmail-token", "dialpad": "sandbox-dialpad-key"}


def create_sandbox_app(state: SandboxState | None = None, tokens: dict[str, str] | None = None) -> FastAPI:
    state = state or SandboxState()
    sandbox = Sandbox(state, {**DEFAULT_TOKENS, **(tokens or {})})
    app = FastAPI(title="Leadline sandbox", description="CRMs, CallRail, Gmail and Dialpad emulator")
    app.state.sandbox = state
    app.add_exception_handler(Blocked, answer_blocked)
    crms = [importlib.import_module(f"leadline_dev.sandbox.{crm_type}") for crm_type in CRM_TYPES]
    for vendor in (*crms, callrail, gmail, dialpad):
        app.include_router(vendor.router(sandbox))
    app.include_router(control.router(state))
    return app
