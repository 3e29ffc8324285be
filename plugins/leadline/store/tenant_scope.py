"""Which tenant's rows a transaction may touch, for PostgreSQL's row-level security (migration 0014).

An engine scoped with `for_tenant(engine, tenant_id)` (the same pool, an execution option) opens every
transaction with `leadline.tenant_id` set to that tenant; an unscoped engine sets `*`, the cross-tenant scope of
the intake's batches, the schedules and maintenance. The setting is transaction-local (set_config's third
argument), so a pooled connection never carries one transaction's scope into the next."""

from __future__ import annotations

from sqlalchemy import Connection, Engine, event, text

SCOPE_OPTION = "leadline_tenant_scope"
ALL_TENANTS = "*"
_SET_SCOPE = text("SELECT set_config('leadline.tenant_id', :scope, true)")


def for_tenant(engine: Engine, tenant_id: str) -> Engine:
    """`engine`, with every transaction limited to `tenant_id`'s rows where the backend enforces it."""
    if not tenant_id or tenant_id == ALL_TENANTS:
        raise ValueError(f"not a tenant id: {tenant_id!r}")
    return engine.execution_options(**{SCOPE_OPTION: tenant_id})


def _set_scope(conn: Connection) -> None:
    conn.execute(_SET_SCOPE, {"scope": conn.get_execution_options().get(SCOPE_OPTION, ALL_TENANTS)})


def enforce_tenant_scope(engine: Engine) -> None:
    """Registers the scope on a PostgreSQL engine's transactions (engines scoped later share the listener)."""
    event.listen(engine, "begin", _set_scope)
