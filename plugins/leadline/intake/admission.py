"""Admission control for the intake (runbook 002): a per-tenant rate limit and burst, and a temporary block of
client addresses that keep failing signature checks.

One instance (the embedded default) keeps them in its own memory: the domain's token buckets, a few
microseconds a request. Several instances share them through Redis when LEADLINE_REDIS_URL is set, over the
`limits` library: sliding-window counters updated atomically by its Lua scripts, so every instance counts against
the same limits and honours the same blocks."""

from __future__ import annotations

import math
import time
from typing import Protocol

from limits import RateLimitItemPerMinute, RateLimitItemPerSecond
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from limits.storage import storage_from_string

from leadline.domain.throttle import FailureBlocker, TenantRateLimiter

NAMESPACE = "leadline"
FAILURE_WINDOW_S = 60


class Admission(Protocol):
    async def blocked_for(self, client: str) -> int:
        """Seconds left on the client address's block (0: not blocked)."""

    async def record_failure(self, client: str) -> bool:
        """Count a failed signature from `client`; True when this failure starts a block."""

    async def retry_after(self, tenant_id: str, requests_per_minute: int, burst: int) -> int:
        """0 when the tenant's request is admitted, else seconds until it would be."""


class LocalAdmission:
    def __init__(self, failures_before_block: int, block_s: int):
        self.limiter = TenantRateLimiter()
        self.blocker = FailureBlocker(max_failures=failures_before_block, window_s=FAILURE_WINDOW_S, block_s=block_s)

    async def blocked_for(self, client: str) -> int:
        return self.blocker.blocked_for(client, time.time())

    async def record_failure(self, client: str) -> bool:
        return self.blocker.record_failure(client, time.time())

    async def retry_after(self, tenant_id: str, requests_per_minute: int, burst: int) -> int:
        return self.limiter.retry_after(tenant_id, requests_per_minute, burst, time.time())


class SharedAdmission:
    def __init__(self, redis_url: str, failures_before_block: int, block_s: int):
        scheme, sep, rest = redis_url.partition("://")
        if not sep or scheme not in ("redis", "rediss"):
            raise ValueError("LEADLINE_REDIS_URL must be a redis:// or rediss:// URL")
        if failures_before_block < 2:
            raise ValueError("failures_before_block must be at least 2")
        self.storage = storage_from_string(f"async+{scheme}://{rest}", implementation="redispy")
        self.limiter = SlidingWindowCounterRateLimiter(self.storage)
        # The Nth failure within the window is the first one over a limit of N - 1: it starts the block.
        self.failures = RateLimitItemPerSecond(failures_before_block - 1, FAILURE_WINDOW_S)
        self.block_s = block_s

    @staticmethod
    def _block_key(client: str) -> str:
        return f"{NAMESPACE}/block/{client}"

    async def blocked_for(self, client: str) -> int:
        key = self._block_key(client)
        if not await self.storage.get(key):
            return 0
        return max(1, math.ceil(await self.storage.get_expiry(key) - time.time()))

    async def record_failure(self, client: str) -> bool:
        if await self.limiter.hit(self.failures, NAMESPACE, "signature-failures", client):
            return False
        await self.storage.incr(self._block_key(client), self.block_s)
        await self.limiter.clear(self.failures, NAMESPACE, "signature-failures", client)
        return True

    async def retry_after(self, tenant_id: str, requests_per_minute: int, burst: int) -> int:
        for item in (RateLimitItemPerSecond(burst), RateLimitItemPerMinute(requests_per_minute)):
            if not await self.limiter.hit(item, NAMESPACE, "tenant", tenant_id):
                stats = await self.limiter.get_window_stats(item, NAMESPACE, "tenant", tenant_id)
                return max(1, math.ceil(stats.reset_time - time.time()))
        return 0


def admission_for(redis_url: str | None, failures_before_block: int, block_s: int) -> Admission:
    if redis_url:
        return SharedAdmission(redis_url, failures_before_block, block_s)
    return LocalAdmission(failures_before_block, block_s)
