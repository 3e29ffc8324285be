"""SQLAlchemy Core tables: the single source of truth for SQLite, PostgreSQL and Cloud Spanner, one module per
area (base: metadata and types; calls; ops; intelligence), all of it importable from here.

Every table is keyed tenant-first. Per-call child tables interleave in `tenants` on Spanner;
`alerts` and `etl_runs` also hold system-wide rows (tenant_id = SYSTEM_TENANT), so they stand alone.
"""

from leadline.store.schema.base import (
    REQUEST_STATUSES,
    SYSTEM_TENANT,
    TENANT_STATUSES,
    PortableJSON,
    UtcDateTime,
    metadata,
)
from leadline.store.schema.calls import (
    call_crm_links,
    call_records,
    contact_reviews,
    crm_circuits,
    crm_integrations,
    crm_sync_log,
    privacy_erasures,
    processing_requests,
    tenant_members,
    tenants,
)
from leadline.store.schema.intelligence import (
    account_recommendations,
    dialpad_calls,
    entity_matches,
    gmail_messages,
    gmail_participants,
    hubspot_companies,
    hubspot_contacts,
    manual_mappings,
    sf_accounts,
    sf_contacts,
    sf_opportunities,
)
from leadline.store.schema.ops import VIEWS, alerts, etl_runs, health_snapshots, intake_counts

__all__ = [
    "SYSTEM_TENANT", "TENANT_STATUSES", "REQUEST_STATUSES", "PortableJSON", "UtcDateTime", "metadata", "VIEWS",
    "tenants", "processing_requests", "call_records", "crm_integrations", "crm_sync_log", "call_crm_links",
    "crm_circuits", "tenant_members", "contact_reviews", "privacy_erasures", "alerts", "health_snapshots",
    "etl_runs", "intake_counts", "sf_accounts", "sf_contacts", "sf_opportunities", "manual_mappings",
    "entity_matches", "account_recommendations", "gmail_messages", "gmail_participants", "dialpad_calls",
    "hubspot_contacts", "hubspot_companies",
]
