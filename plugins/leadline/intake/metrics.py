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


def p95_from_prometheus(url: str, token: str | None = None) -> float | None:
    """The intake's webhook latency P95 (seconds) from its /v1/metrics histogram (bucket upper bound); `token`:
    the intake's LEADLINE_METRICS_TOKEN."""
    import httpx
    from prometheus_client.parser import text_string_to_metric_families

    headers = {"authorization": f"Bearer {token}"} if token else {}
    response = httpx.get(url, timeout=5, headers=headers)
    response.raise_for_status()
    buckets = []
    for family in text_string_to_metric_families(response.text):
        if family.name == "leadline_intake_request_seconds":
            buckets = [(float(s.labels["le"]), s.value) for s in family.samples if s.name.endswith("_bucket")]
    if not buckets or buckets[-1][1] == 0:
        return None
    total = buckets[-1][1]
    return next(bound for bound, count in sorted(buckets) if count >= 0.95 * total)
