"""Which tenant's rows a transaction may touch, for PostgreSQL's row-level security (migration 0014).

The store's sessions start in the cross-tenant scope `*` (SESSION_OPTIONS, given at connection start-up): the
intake's batches, the schedules and maintenance pay no extra round trip for it. An engine scoped with
`for_tenant(engine, tenant_id)` (the same pool, an execution option) opens every transaction by narrowing it to
that tenant; the setting is transaction-local (set_config's third argument), so the session falls back to `*`
and a pooled connection never carries one transaction's tenant into the next."""

from __future__ import annotations

from sqlalchemy import Connection, Engine, event, text

SCOPE_OPTION = "leadline_tenant_scope"
ALL_TENANTS = "*"
# libpq start-up options of every store session (and of the client tools a backup runs)
SESSION_OPTIONS = f"-c leadline.tenant_id={ALL_TENANTS}"
_SET_SCOPE = text("SELECT set_config('leadline.tenant_id', :scope, true)")


def for_tenant(engine: Engine, tenant_id: str) -> Engine:
    """`engine`, with every transaction limited to `tenant_id`'s rows where the backend enforces it."""
    if not tenant_id or tenant_id == ALL_TENANTS:
        raise ValueError(f"not a tenant id: {tenant_id!r}")
    return engine.execution_options(**{SCOPE_OPTION: tenant_id})


def _narrow_scope(conn: Connection) -> None:
    tenant_id = conn.get_execution_options().get(SCOPE_OPTION)
    if tenant_id is not None:
        conn.execute(_SET_SCOPE, {"scope": tenant_id})


def enforce_tenant_scope(engine: Engine) -> None:
    """Narrows a PostgreSQL engine's transactions to the tenant of a scoped engine derived from it (they share
    the listener); the engine's sessions must start with SESSION_OPTIONS."""
    event.listen(engine, "begin", _narrow_scope)
