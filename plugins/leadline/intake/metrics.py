"""Prometheus metrics for /v1/metrics: one registry per app so tests and mounts stay independent."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5)


class IntakeMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        # tenant: a registered tenant id or _unknown, so the label set stays bounded; never a client address
        self.requests = Counter(
            "leadline_intake_requests", "Webhook requests by tenant and outcome", ["tenant", "outcome"],
            registry=self.registry,
        )
        self.rejected = Counter(
            "leadline_intake_rejected", "Rejected webhook requests by tenant and reason", ["tenant", "reason"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "leadline_intake_request_seconds",
            "Webhook handling latency",
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )

    def count(self, tenant_id: str, event: str) -> None:
        """One request: accepted or duplicate, else rejected for `event`."""
        if event in ("accepted", "duplicate"):
            self.requests.labels(tenant_id, event).inc()
        else:
            self.requests.labels(tenant_id, "rejected").inc()
            self.rejected.labels(tenant_id, event).inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)
