"""Tenant lookups for the intake, cached briefly: every webhook needs its tenant and secret. An entry past its
TTL is still served, for up to MAX_STALE_S, while one refresh runs (a paused tenant or a rotated secret takes
effect within about the TTL); past that the webhook waits for the store."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from cachetools import LRUCache
from sqlalchemy import Engine

from leadline.secrets import resolve_secret
from leadline.store.tenants import Tenant, get_tenant


@dataclass(frozen=True)
class CachedTenant:
    tenant: Tenant | None
    secret: str | None
    loaded_at: float


MAX_STALE_S = 300.0
MAX_CACHED = 10_000


class TenantDirectory:
    def __init__(self, engine: Engine, ttl_s: float = 10.0):
        self._engine = engine
        self._ttl_s = ttl_s
        # bounded: every tenant id a sender makes up is looked up once and cached (as unknown) like a real one
        self._cache: LRUCache[str, CachedTenant] = LRUCache(maxsize=MAX_CACHED)
        self._lock = threading.Lock()

    def lookup(self, tenant_id: str) -> CachedTenant:
        """Blocking: the caller runs it off the event loop when it is not cached."""
        with self._engine.connect() as conn:
            tenant = get_tenant(conn, tenant_id)
        secret = resolve_secret(tenant.webhook_secret_ref) if tenant else None
        entry = CachedTenant(tenant, secret, time.monotonic())
        with self._lock:
            self._cache[tenant_id] = entry
        return entry

    def cached(self, tenant_id: str) -> tuple[CachedTenant | None, bool]:
        """(the entry, whether it is fresh); (None, False) when absent or too old to serve."""
        with self._lock:  # an LRU read reorders the entries
            entry = self._cache.get(tenant_id)
        if entry is None:
            return None, False
        age = time.monotonic() - entry.loaded_at
        if age > MAX_STALE_S:
            return None, False
        return entry, age <= self._ttl_s
