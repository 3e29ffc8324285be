"""The intake's own figures as health_check reads them: its /v1/metrics, scraped like Prometheus would."""

from __future__ import annotations


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
