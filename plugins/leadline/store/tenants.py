"""Tenant registry. Settings follow the deployment guide's tenant `config` JSON."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from leadline.domain.crm import CRM_TYPES
from leadline.store.schema import TENANT_STATUSES, crm_integrations, tenants

DEFAULT_LEAD_SCORING_THRESHOLD = 70
DEFAULT_RETENTION_DAYS = 365
DEFAULT_REQUESTS_PER_MINUTE = 6000


@dataclass(frozen=True)
class Tenant:
    tenant_id: str
    name: str
    status: str
    webhook_secret_ref: str
    lead_scoring_threshold: int = DEFAULT_LEAD_SCORING_THRESHOLD
    primary_crm: str | None = None
    secondary_crm: str | None = None
    retention_days: int = DEFAULT_RETENTION_DAYS
    requests_per_minute: int = DEFAULT_REQUESTS_PER_MINUTE
    burst: int | None = None
    config: dict[str, Any] = field(default_factory=dict)

    @property
    def is_active(self) -> bool:
        return self.status == "active"

    @property
    def scoring_threshold(self) -> int:
        """The runbook's `ai_config.lead_scoring_threshold` when the tenant's config sets it, else the column."""
        configured = (self.config.get("ai_config") or {}).get("lead_scoring_threshold")
        if isinstance(configured, int) and not isinstance(configured, bool) and 0 <= configured <= 100:
            return configured
        return self.lead_scoring_threshold

    @property
    def burst_limit(self) -> int:
        """Most requests admitted at once: the tenant's burst, else a tenth of its minute's limit."""
        return self.burst or max(1, self.requests_per_minute // 10)


def _validate(tenant: Tenant) -> None:
    if tenant.status not in TENANT_STATUSES:
        raise ValueError(f"status must be one of {TENANT_STATUSES}")
    for crm in (tenant.primary_crm, tenant.secondary_crm):
        if crm is not None and crm not in CRM_TYPES:
            raise ValueError(f"CRM must be one of {CRM_TYPES}")
    if tenant.primary_crm and tenant.primary_crm == tenant.secondary_crm:
        raise ValueError("primary and secondary CRM must differ")
    if not 0 <= tenant.lead_scoring_threshold <= 100:
        raise ValueError("lead_scoring_threshold must be within 0..100")
    if tenant.retention_days < 1 or tenant.requests_per_minute < 1:
        raise ValueError("retention_days and requests_per_minute must be positive")
    _validate_limits(tenant.requests_per_minute, tenant.burst)


def _validate_limits(requests_per_minute: int, burst: int | None) -> None:
    if requests_per_minute < 1:
        raise ValueError("requests_per_minute must be positive")
    if burst is not None and not 1 <= burst <= requests_per_minute:
        raise ValueError("burst must be within 1..requests_per_minute")


def add_tenant(conn: Connection, tenant: Tenant) -> None:
    _validate(tenant)
    now = datetime.now(UTC)
    conn.execute(
        insert(tenants).values(**tenant.__dict__, created_at=now, updated_at=now)
    )


def get_tenant(conn: Connection, tenant_id: str) -> Tenant | None:
    row = conn.execute(select(tenants).where(tenants.c.tenant_id == tenant_id)).mappings().first()
    if row is None:
        return None
    return Tenant(**{k: row[k] for k in Tenant.__dataclass_fields__})


def list_tenants(conn: Connection) -> list[Tenant]:
    rows = conn.execute(select(tenants).order_by(tenants.c.tenant_id)).mappings()
    return [Tenant(**{k: row[k] for k in Tenant.__dataclass_fields__}) for row in rows]


def set_tenant_status(conn: Connection, tenant_id: str, status: str) -> bool:
    if status not in TENANT_STATUSES:
        raise ValueError(f"status must be one of {TENANT_STATUSES}")
    result = conn.execute(
        update(tenants)
        .where(tenants.c.tenant_id == tenant_id)
        .values(status=status, updated_at=datetime.now(UTC))
    )
    return result.rowcount == 1


def set_limits(conn: Connection, tenant_id: str, requests_per_minute: int, burst: int | None) -> bool:
    """The tenant's intake limits (burst None: a tenth of the minute's limit); False for an unknown tenant.
    Intake instances pick them up when their tenant cache entry expires."""
    _validate_limits(requests_per_minute, burst)
    result = conn.execute(update(tenants).where(tenants.c.tenant_id == tenant_id).values(
        requests_per_minute=requests_per_minute, burst=burst, updated_at=datetime.now(UTC)))
    return result.rowcount == 1


def set_config_section(conn: Connection, tenant_id: str, section: str, value: Any) -> bool:
    """Replace one top-level section of the tenant's config JSON; False for an unknown tenant."""
    tenant = get_tenant(conn, tenant_id)
    if tenant is None:
        return False
    conn.execute(update(tenants).where(tenants.c.tenant_id == tenant_id)
                 .values(config={**tenant.config, section: value}, updated_at=datetime.now(UTC)))
    return True


def set_crm_integration(conn: Connection, tenant_id: str, crm_type: str, connection_id: str,
                        status: str = "active") -> bool:
    """Points the tenant's `crm_type` at an Airflow connection (insert or update); False for an unknown tenant.
    Priority follows the tenant's primary/secondary choice."""
    if crm_type not in CRM_TYPES:
        raise ValueError(f"crm_type must be one of {CRM_TYPES}")
    tenant = get_tenant(conn, tenant_id)
    if tenant is None:
        return False
    now = datetime.now(UTC)
    priority = 1 if tenant.primary_crm == crm_type else 2
    key = (crm_integrations.c.tenant_id == tenant_id) & (crm_integrations.c.crm_type == crm_type)
    values = {"status": status, "priority": priority, "connection_id": connection_id, "updated_at": now}
    if conn.execute(select(crm_integrations.c.crm_type).where(key)).first() is None:
        conn.execute(insert(crm_integrations).values(tenant_id=tenant_id, crm_type=crm_type, created_at=now, **values))
    else:
        conn.execute(update(crm_integrations).where(key).values(**values))
    return True
