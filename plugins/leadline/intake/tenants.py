"""Tenant lookups for the intake, cached briefly: every webhook needs its tenant and secret."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from sqlalchemy import Engine

from leadline.secrets import resolve_secret
from leadline.store.tenants import Tenant, get_tenant


@dataclass(frozen=True)
class CachedTenant:
    tenant: Tenant | None
    secret: str | None
    loaded_at: float


class TenantDirectory:
    def __init__(self, engine: Engine, ttl_s: float = 10.0):
        self._engine = engine
        self._ttl_s = ttl_s
        self._cache: dict[str, CachedTenant] = {}
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

    def cached(self, tenant_id: str) -> CachedTenant | None:
        entry = self._cache.get(tenant_id)
        if entry is None or time.monotonic() - entry.loaded_at > self._ttl_s:
            return None
        return entry
