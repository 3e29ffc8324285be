"""Admission control for the intake (runbook 002): a per-tenant rate limit and burst, and a temporary block of
client addresses that keep failing signature checks.

The counters live in a `limits` storage: Redis when LEADLINE_REDIS_URL is set, so every intake instance counts
against the same limits and honours the same blocks; else this process's memory (one instance, the embedded
default). Sliding-window counters: two keys per limit, atomic on Redis."""

from __future__ import annotations

import logging
import math
import time

from limits import RateLimitItem, RateLimitItemPerMinute, RateLimitItemPerSecond
from limits.aio.storage import Storage
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from limits.storage import storage_from_string

log = logging.getLogger(__name__)

NAMESPACE = "leadline"


def storage_for(redis_url: str | None) -> Storage:
    if not redis_url:
        return storage_from_string("async+memory://")
    scheme, sep, rest = redis_url.partition("://")
    if not sep or scheme not in ("redis", "rediss"):
        raise ValueError("LEADLINE_REDIS_URL must be a redis:// or rediss:// URL")
    return storage_from_string(f"async+{scheme}://{rest}", implementation="redispy")


class Admission:
    def __init__(self, storage: Storage, failures_before_block: int, block_s: int, failure_window_s: int = 60):
        if failures_before_block < 2:
            raise ValueError("failures_before_block must be at least 2")
        self.storage = storage
        self.limiter = SlidingWindowCounterRateLimiter(storage)
        # The Nth failure within the window is the first one over a limit of N - 1: it starts the block.
        self.failures = RateLimitItemPerSecond(failures_before_block - 1, failure_window_s)
        self.block_s = block_s

    @classmethod
    def from_url(cls, redis_url: str | None, failures_before_block: int, block_s: int) -> Admission:
        return cls(storage_for(redis_url), failures_before_block, block_s)

    @staticmethod
    def _block_key(client: str) -> str:
        return f"{NAMESPACE}/block/{client}"

    async def blocked_for(self, client: str) -> int:
        """Seconds left on the client address's block (0: not blocked)."""
        key = self._block_key(client)
        if not await self.storage.get(key):
            return 0
        return max(1, math.ceil(await self.storage.get_expiry(key) - time.time()))

    async def record_failure(self, client: str) -> bool:
        """Count a failed signature from `client`; True when this failure starts a block."""
        if await self.limiter.hit(self.failures, NAMESPACE, "signature-failures", client):
            return False
        await self.storage.incr(self._block_key(client), self.block_s)
        await self.limiter.clear(self.failures, NAMESPACE, "signature-failures", client)
        return True

    async def retry_after(self, tenant_id: str, requests_per_minute: int, burst: int) -> int:
        """0 when the tenant's request is admitted, else seconds until it would be."""
        for item in (RateLimitItemPerSecond(burst), RateLimitItemPerMinute(requests_per_minute)):
            if not await self.limiter.hit(item, NAMESPACE, "tenant", tenant_id):
                return await self._seconds_until_room(item, tenant_id)
        return 0

    async def _seconds_until_room(self, item: RateLimitItem, tenant_id: str) -> int:
        stats = await self.limiter.get_window_stats(item, NAMESPACE, "tenant", tenant_id)
        return max(1, math.ceil(stats.reset_time - time.time()))
