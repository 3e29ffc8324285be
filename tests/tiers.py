"""One policy for a test tier whose server is missing (PostgreSQL, Redis, the Celery stack's services, the Cloud
Spanner emulator): on a developer's machine the tier is skipped with what is missing; under CI it fails, so that
a green CI run has run every tier."""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def running_under_ci() -> bool:
    """CI=true is what CI services set, and what .ci/run sets."""
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def server_missing(server: str, reason: str) -> NoReturn:
    """Ends the current test, or every test of a fixture's tier, for want of `server`: skipped on a developer's
    machine, failed under CI."""
    message = f"this tier needs {server}: {reason}"
    if running_under_ci():
        pytest.fail(f"{message} (under CI a tier that cannot run fails)", pytrace=False)
    pytest.skip(message)
