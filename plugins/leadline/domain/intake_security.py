"""Incident runbook 002's PotentialBruteForce and HighAuthFailureRate alerts (both P2: "Security incident /
service degradation"), decided per tenant from what the intake instances counted over a window."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from leadline.domain.alarms import Alarm

SEVERITY = "P2"
BLOCK_STARTED = "block_started"  # a client address was blocked after repeated signature failures: not a request
# Every reason domain/signature.py rejects a request with: the request failed authentication.
AUTH_FAILURES = frozenset({"missing_timestamp", "invalid_timestamp", "stale_timestamp", "future_timestamp",
                           "missing_signature", "unsupported_algorithm", "malformed_signature", "invalid_signature"})
# HighAuthFailureRate: more than 10 % of a tenant's webhook requests failed authentication, out of at least 20.
# CallRail signs every delivery, so a tenant's legitimate traffic fails only through a wrong or rotated secret or a
# skewed clock; 10 % is far above that noise and well below a secret that no longer matches (100 %). Below 20
# requests one or two stray failures would already cross 10 %.
AUTH_FAILURE_SHARE = 0.10
AUTH_FAILURE_MIN_REQUESTS = 20


def intake_security_alarms(counts: Iterable[tuple[str | None, str, int]], window_minutes: int) -> list[Alarm]:
    """`counts`: (tenant or None for webhooks that named no registered tenant, event, count) over the window,
    the event being "accepted", "duplicate", a rejection reason, or BLOCK_STARTED."""
    per_tenant: dict[str | None, Counter] = {}
    for tenant, event, n in counts:
        per_tenant.setdefault(tenant, Counter())[event] += n
    alarms = []
    for tenant, events in sorted(per_tenant.items(), key=lambda item: item[0] or ""):
        whose = f"tenant {tenant}" if tenant else "webhooks naming no registered tenant"
        log_lines = f"webhook rejected: reason=... tenant={tenant} client=..." if tenant else "webhook rejected: ..."
        if blocks := events[BLOCK_STARTED]:
            alarms.append(Alarm(
                tenant, "security", "security:potential_brute_force", SEVERITY,
                f"PotentialBruteForce: {blocks} client address block(s) after repeated signature failures on "
                f"{whose} in the last {window_minutes} min; the addresses are in the intake's rejection log "
                f"(lines `{log_lines}`)"))
        requests = sum(n for event, n in events.items() if event != BLOCK_STARTED)
        failed = {event: n for event, n in sorted(events.items()) if event in AUTH_FAILURES and n}
        if requests >= AUTH_FAILURE_MIN_REQUESTS and sum(failed.values()) > AUTH_FAILURE_SHARE * requests:
            reasons = ", ".join(f"{event} {n}" for event, n in failed.items())
            alarms.append(Alarm(
                tenant, "security", "security:high_auth_failure_rate", SEVERITY,
                f"HighAuthFailureRate: {sum(failed.values())} of {requests} webhook requests for {whose} failed "
                f"authentication in the last {window_minutes} min (> {AUTH_FAILURE_SHARE:.0%} of at least "
                f"{AUTH_FAILURE_MIN_REQUESTS}): {reasons}"))
    return alarms
