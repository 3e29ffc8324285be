"""Dependency probes, shared by the intake's /v1/health and the health_check DAG: one verdict per service."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

HEALTHY, UNHEALTHY, UNKNOWN = "healthy", "unhealthy", "unknown"


def probe_name() -> str:
    """A probe object's name: unique, and hidden among a bucket's recordings."""
    return f".health-{uuid.uuid4().hex}"


def run_probes(probes: dict[str, Callable[[], Any]]) -> tuple[dict[str, str], dict[str, str]]:
    """(service -> healthy/unhealthy, service -> failure reason). A probe fails by raising, or by returning
    (False, message) as a hook's test_connection() does."""
    services, reasons = {}, {}
    for name, probe in probes.items():
        try:
            outcome = probe()
        except Exception as exc:
            outcome = (False, f"{type(exc).__name__}: {exc}")
        if isinstance(outcome, tuple) and outcome and outcome[0] is False:
            services[name], reasons[name] = UNHEALTHY, str(outcome[1])
            log.warning("health probe %s failed: %s", name, reasons[name])
        else:
            services[name] = HEALTHY
    return services, reasons
