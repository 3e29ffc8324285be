"""In-process admission control for the intake (one instance, the embedded default): per-tenant token buckets
and a temporary block for client addresses that keep failing signature checks (incident runbook: rate limits
per tenant, brute-force blocking). Several instances share theirs through Redis: leadline.intake.admission."""

from __future__ import annotations

import math
from collections import OrderedDict, deque
from dataclasses import dataclass, field


@dataclass
class TokenBucket:
    rate_per_s: float
    capacity: float
    tokens: float
    updated_at: float

    def take(self, now: float) -> float:
        """Consume one token; return 0 when admitted, else seconds until a token is available."""
        self.tokens = min(self.capacity, self.tokens + (now - self.updated_at) * self.rate_per_s)
        self.updated_at = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate_per_s


@dataclass
class TenantRateLimiter:
    """A bucket per tenant: refilled at requests_per_minute, holding at most `burst` requests."""

    buckets: dict[str, TokenBucket] = field(default_factory=dict)

    def retry_after(self, tenant_id: str, requests_per_minute: int, burst: int, now: float) -> int:
        rate = requests_per_minute / 60.0
        capacity = float(max(1, burst))
        bucket = self.buckets.get(tenant_id)
        if bucket is None or bucket.rate_per_s != rate or bucket.capacity != capacity:
            bucket = TokenBucket(rate, capacity, capacity, now)
            self.buckets[tenant_id] = bucket
        wait = bucket.take(now)
        return math.ceil(wait) if wait else 0


@dataclass
class FailureBlocker:
    """Blocks a client address for `block_s` after `max_failures` failures within `window_s`."""

    max_failures: int = 10
    window_s: float = 60.0
    block_s: float = 300.0
    max_tracked: int = 10_000
    failures: OrderedDict[str, deque[float]] = field(default_factory=OrderedDict)
    blocked_until: dict[str, float] = field(default_factory=dict)

    def blocked_for(self, client: str, now: float) -> int:
        until = self.blocked_until.get(client)
        if until is None:
            return 0
        if until <= now:
            del self.blocked_until[client]
            return 0
        return math.ceil(until - now)

    def record_failure(self, client: str, now: float) -> bool:
        """Count a failure; True when it starts a block."""
        times = self.failures.pop(client, None) or deque()
        times.append(now)
        while times and times[0] <= now - self.window_s:
            times.popleft()
        starts_block = len(times) >= self.max_failures
        if starts_block:
            self.blocked_until[client] = now + self.block_s
            times.clear()
        self.failures[client] = times
        while len(self.failures) > self.max_tracked:
            self.failures.popitem(last=False)
        return starts_block


@dataclass
class ReplayGuard:
    """Remembers signatures seen inside the timestamp window, so an identical signed
    request cannot be replayed against this instance; the store's (tenant, call_id)
    uniqueness is the second wall across instances."""

    window_s: float = 300.0
    seen: OrderedDict[str, float] = field(default_factory=OrderedDict)

    def is_replay(self, signature: str, now: float) -> bool:
        while self.seen:
            oldest_sig, seen_at = next(iter(self.seen.items()))
            if seen_at > now - 2 * self.window_s:
                break
            del self.seen[oldest_sig]
        return signature in self.seen

    def remember(self, signature: str, now: float) -> None:
        self.seen[signature] = now
