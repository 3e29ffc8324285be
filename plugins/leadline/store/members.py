"""Dashboard access: which tenants an Airflow user may see."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Connection, delete, select

from leadline.store.schema import tenant_members, tenants


def grant(conn: Connection, tenant_id: str, username: str) -> bool:
    """False when the tenant does not exist; granting twice is a no-op."""
    if conn.execute(select(tenants.c.tenant_id).where(tenants.c.tenant_id == tenant_id)).first() is None:
        return False
    exists = conn.execute(select(tenant_members.c.username).where(
        tenant_members.c.tenant_id == tenant_id, tenant_members.c.username == username)).first()
    if exists is None:
        conn.execute(tenant_members.insert().values(tenant_id=tenant_id, username=username,
                                                    created_at=datetime.now(UTC)))
    return True


def revoke(conn: Connection, tenant_id: str, username: str) -> None:
    conn.execute(delete(tenant_members).where(tenant_members.c.tenant_id == tenant_id,
                                              tenant_members.c.username == username))


def tenants_of(conn: Connection, username: str) -> list[str]:
    return list(conn.execute(select(tenant_members.c.tenant_id).where(tenant_members.c.username == username)
                             .order_by(tenant_members.c.tenant_id)).scalars())
