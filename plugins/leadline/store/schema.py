"""SQLAlchemy Core tables: the single source of truth for SQLite, PostgreSQL and Cloud Spanner.

Every table is keyed tenant-first. Per-call child tables interleave in `tenants` on Spanner;
`alerts` and `etl_runs` also hold system-wide rows (tenant_id = SYSTEM_TENANT), so they stand alone.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
)
from sqlalchemy.dialects import registry

# What Table(..., spanner_interleave_in=...) is checked against: see leadline.store.spanner_options.
registry.register("spanner", "leadline.store.spanner_options", "SpannerTableOptions")

SYSTEM_TENANT = "_system"

metadata = MetaData()

TENANT_STATUSES = ("active", "paused", "inactive")
REQUEST_STATUSES = ("pending", "dispatched", "processing", "completed", "failed", "skipped")


class UtcDateTime(TypeDecorator):
    """A timezone-aware timestamp that reads back aware on every backend: SQLite keeps no offset and
    returns naive datetimes, which are UTC here (every write is datetime.now(UTC) or an aware value)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        # SQLite stores the wall time and drops the offset: 10:00-05:00 must go in as 15:00 UTC everywhere
        return value.astimezone(UTC) if value is not None and value.tzinfo is not None else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


class PortableJSON(TypeDecorator):
    """JSON that reads back as plain dicts and lists on every backend: sqlalchemy-spanner returns its JsonObject
    (a dict subclass, also for arrays, which then compare unequal to lists and iterate as empty dicts)."""

    impl = JSON
    cache_ok = True

    def process_result_value(self, value: Any, dialect) -> Any:
        serialize = getattr(value, "serialize", None)
        if callable(serialize) and isinstance(value, dict):  # a Spanner JsonObject
            text = serialize()
            return None if text is None else json.loads(text)
        return value


def _ts(name: str, nullable: bool = False) -> Column:
    return Column(name, UtcDateTime(), nullable=nullable)


def _interleaved() -> dict:
    return {"spanner_interleave_in": "tenants", "spanner_interleave_on_delete_cascade": True}


tenants = Table(
    "tenants",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("status", String(16), nullable=False),
    Column("webhook_secret_ref", String(512), nullable=False),
    Column("lead_scoring_threshold", Integer, nullable=False),
    Column("primary_crm", String(16)),
    Column("secondary_crm", String(16)),
    Column("retention_days", Integer, nullable=False),
    Column("requests_per_minute", Integer, nullable=False),
    Column("config", PortableJSON(), nullable=False),
    _ts("created_at"),
    _ts("updated_at"),
    Column("burst", Integer),  # most requests admitted at once; NULL: a tenth of requests_per_minute
)

processing_requests = Table(
    "processing_requests",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("request_id", String(36), primary_key=True),
    Column("call_id", String(128), nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("error", Text),
    Column("processing_time_ms", BigInteger),
    _ts("created_at"),
    _ts("updated_at"),
    Index("ix_processing_requests_call", "tenant_id", "call_id", unique=True),
    Index("ix_processing_requests_status", "tenant_id", "status", "created_at"),
    **_interleaved(),
)

call_records = Table(
    "call_records",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("call_id", String(128), primary_key=True),
    Column("resource_id", String(128)),
    Column("caller_phone", String(32)),
    Column("duration_s", Integer),
    Column("answered", Boolean),
    _ts("started_at", nullable=True),
    Column("recording_url", Text),
    Column("recording_path", Text),
    Column("transcript", Text),
    Column("transcript_confidence", Float),
    Column("ai_analysis", PortableJSON()),
    Column("lead_score", Integer),
    Column("lead_status", String(16)),
    Column("customer_name", String(256)),
    Column("customer_phone", String(32)),
    Column("customer_email", String(320)),
    Column("hubspot_contact_id", String(64)),
    Column("salesforce_lead_id", String(64)),
    Column("raw_payload", PortableJSON(), nullable=False),
    _ts("created_at"),
    _ts("updated_at"),
    _ts("purged_at", nullable=True),
    Column("transcript_embedding", PortableJSON()),
    Column("transcript_segments", PortableJSON()),
    Column("transcript_language", String(16)),
    Column("call_class", String(32)),
    Column("call_class_reason", String(500)),
    Column("hubspot_call_id", String(64)),  # the call engagement (Calls object) logged in HubSpot
    Column("salesforce_task_id", String(64)),  # the call logged as a Task in Salesforce
    # "open" while a contact value heard on the call waits for a person to confirm it (the review queue), then "done"
    Column("review_status", String(16)),
    Index("ix_call_records_created", "tenant_id", "created_at"),
    Index("ix_call_records_review", "tenant_id", "review_status", "created_at"),
    Index("ix_call_records_class", "tenant_id", "call_class", "created_at"),
    **_interleaved(),
)

crm_integrations = Table(
    "crm_integrations",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("crm_type", String(16), primary_key=True),
    Column("status", String(16), nullable=False),
    Column("priority", Integer, nullable=False),
    Column("connection_id", String(250), nullable=False),
    _ts("created_at"),
    _ts("updated_at"),
    **_interleaved(),
)

crm_sync_log = Table(
    "crm_sync_log",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("call_id", String(128), primary_key=True),
    Column("crm_type", String(16), primary_key=True),
    Column("role", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("record_id", String(64)),
    Column("cross_ref_id", String(64)),
    Column("attempts", Integer, nullable=False),
    Column("error", Text),
    _ts("created_at"),
    _ts("updated_at"),
    Index("ix_crm_sync_log_updated", "tenant_id", "crm_type", "updated_at"),
    **_interleaved(),
)

# The call's ids in a CRM the runbooks name no call_records columns for (domain.crm.CRMS: call_fields None), so a
# new CRM needs no migration of its own.
call_crm_links = Table(
    "call_crm_links",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("call_id", String(128), primary_key=True),
    Column("crm_type", String(16), primary_key=True),
    Column("record_id", String(64)),
    Column("engagement_id", String(64)),
    _ts("updated_at"),
    **_interleaved(),
)

crm_circuits = Table(
    "crm_circuits",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("crm_type", String(16), primary_key=True),
    Column("state", String(16), nullable=False),
    Column("consecutive_failures", Integer, nullable=False),
    _ts("opened_until", nullable=True),
    _ts("updated_at"),
    **_interleaved(),
)

alerts = Table(
    "alerts",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("alert_id", String(36), primary_key=True),
    Column("kind", String(64), nullable=False),
    Column("severity", String(8), nullable=False),
    Column("dedupe_key", String(256), nullable=False),
    Column("message", Text, nullable=False),
    Column("status", String(16), nullable=False),
    _ts("created_at"),
    _ts("resolved_at", nullable=True),
    Index("ix_alerts_open", "tenant_id", "dedupe_key", "status"),
)

health_snapshots = Table(
    "health_snapshots",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("snapshot_id", String(36), primary_key=True),
    _ts("taken_at"),
    Column("status", String(16), nullable=False),
    Column("services", PortableJSON(), nullable=False),
    Column("metrics", PortableJSON(), nullable=False),
    Index("ix_health_snapshots_taken", "tenant_id", "taken_at"),
)

etl_runs = Table(
    "etl_runs",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("run_id", String(250), primary_key=True),
    Column("source_system", String(32), nullable=False),
    Column("status", String(16), nullable=False),
    _ts("started_at"),
    _ts("completed_at", nullable=True),
    Column("rows_processed", BigInteger),
    Column("error_message", Text),
    Index("ix_etl_runs_source", "tenant_id", "source_system", "started_at"),
)


# Sales intelligence (runbook 004): CRM mirrors, identity resolution, account recommendations.

sf_accounts = Table(
    "sf_accounts",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("account_id", String(32), primary_key=True),
    Column("website", String(255)),
    Column("domain", String(255)),
    Column("industry", String(120)),
    _ts("system_modstamp"),
    _ts("synced_at"),
    Column("account_name", String(255)),  # the runbook's name for it; last, as migration 0012 added it
    Index("ix_sf_accounts_domain", "tenant_id", "domain"),
    **_interleaved(),
)

sf_contacts = Table(
    "sf_contacts",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("contact_id", String(32), primary_key=True),
    Column("account_id", String(32)),
    Column("first_name", String(120)),
    Column("last_name", String(120)),
    Column("email", String(320)),
    Column("phone", String(40)),
    Column("email_normalized", String(320)),
    Column("phone_e164", String(20)),
    _ts("system_modstamp"),
    _ts("synced_at"),
    Index("ix_sf_contacts_email", "tenant_id", "email_normalized"),
    Index("ix_sf_contacts_phone", "tenant_id", "phone_e164"),
    **_interleaved(),
)

sf_opportunities = Table(
    "sf_opportunities",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("opportunity_id", String(32), primary_key=True),
    Column("account_id", String(32)),
    Column("name", String(255)),
    Column("stage_name", String(80)),
    Column("amount", Float),
    Column("is_closed", Boolean),
    _ts("close_date", nullable=True),
    _ts("system_modstamp"),
    _ts("synced_at"),
    **_interleaved(),
)

manual_mappings = Table(
    "manual_mappings",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("identity", String(320), primary_key=True),  # a normalised email or an E.164 phone
    Column("contact_id", String(32), nullable=False),
    Column("created_by", String(120), nullable=False),
    _ts("created_at"),
    **_interleaved(),
)

entity_matches = Table(
    "entity_matches",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("source_type", String(16), primary_key=True),
    Column("source_id", String(128), primary_key=True),
    Column("contact_id", String(32)),
    Column("account_id", String(32)),
    Column("method", String(16), nullable=False),
    Column("confidence", Float, nullable=False),
    _ts("matched_at"),
    **_interleaved(),
)

account_recommendations = Table(
    "account_recommendations",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("score_date", String(10), primary_key=True),
    Column("account_id", String(32), primary_key=True),
    Column("priority_score", Float, nullable=False),
    Column("budget_likelihood", Float, nullable=False),
    Column("engagement_score", Float, nullable=False),
    Column("recommended_action", String(255), nullable=False),
    _ts("created_at"),
    Index("ix_account_recommendations_priority", "tenant_id", "score_date", "priority_score"),
    **_interleaved(),
)

gmail_messages = Table(
    "gmail_messages",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("message_id", String(64), primary_key=True),
    Column("mailbox", String(320), nullable=False),
    Column("thread_id", String(64)),
    _ts("sent_at"),
    Column("subject", Text),
    Column("snippet", Text),
    Column("body", Text),
    Column("embedding", PortableJSON()),
    _ts("ingested_at"),
    Index("ix_gmail_messages_sent", "tenant_id", "sent_at"),
    **_interleaved(),
)

gmail_participants = Table(
    "gmail_participants",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("message_id", String(64), primary_key=True),
    Column("email", String(320), primary_key=True),
    Column("role", String(8), primary_key=True),  # from, to, cc
    Column("sf_contact_id", String(32)),
    _ts("ingested_at"),
    **_interleaved(),
)

dialpad_calls = Table(
    "dialpad_calls",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("call_id", String(64), primary_key=True),
    _ts("call_time"),
    Column("duration_s", Integer),
    Column("participants", PortableJSON(), nullable=False),
    Column("transcript", Text),
    Column("embedding", PortableJSON()),
    _ts("ingested_at"),
    Index("ix_dialpad_calls_time", "tenant_id", "call_time"),
    **_interleaved(),
)

hubspot_contacts = Table(
    "hubspot_contacts",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("contact_id", String(32), primary_key=True),
    Column("email", String(320)),
    Column("phone", String(40)),
    Column("first_name", String(120)),
    Column("last_name", String(120)),
    Column("company", String(255)),
    _ts("last_modified"),
    _ts("synced_at"),
    **_interleaved(),
)

hubspot_companies = Table(
    "hubspot_companies",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("company_id", String(32), primary_key=True),
    Column("name", String(255)),
    Column("domain", String(255)),
    _ts("last_modified"),
    _ts("synced_at"),
    **_interleaved(),
)

# Who may see a tenant in the dashboard: Airflow user names (the auth manager's), granted per tenant.
tenant_members = Table(
    "tenant_members",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("username", String(256), primary_key=True),
    _ts("created_at"),
    Index("ix_tenant_members_user", "username"),
    **_interleaved(),
)

# What ops decided about contact values the pipeline was unsure of: who, when, what was heard and what it became
# (old -> new). The audit trail, and labeled data for the extraction corpus (`leadline reviews export`).
contact_reviews = Table(
    "contact_reviews",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("call_id", String(128), primary_key=True),
    Column("field", String(32), primary_key=True),
    Column("reviewed_at", UtcDateTime(), primary_key=True),
    Column("decision", String(16), nullable=False),  # confirmed | corrected | rejected
    Column("heard_value", String(320)),
    Column("confidence", Float),
    Column("previous_value", String(320)),
    Column("final_value", String(320)),
    Column("heard_words", Text),
    Column("reviewer", String(256), nullable=False),
    **_interleaved(),
)

# Erasures of one person's data (`leadline privacy erase`): who asked, when, by phone or email, how many rows of
# each table were removed or anonymised, and the CRM records to delete there. No PII: not the phone or email.
privacy_erasures = Table(
    "privacy_erasures",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("erasure_id", String(36), primary_key=True),
    Column("requested_by", String(256), nullable=False),
    Column("identifier_kind", String(8), nullable=False),  # phone | email
    Column("counts", PortableJSON(), nullable=False),  # table -> rows removed or anonymised
    Column("crm_records", PortableJSON(), nullable=False),  # [{"crm", "object", "id", "deleted"}]
    _ts("erased_at"),
    **_interleaved(),
)

# What each intake instance saw per minute: requests by outcome (accepted, duplicate or the rejection reason) and
# brute-force blocks started, per tenant (`_unknown` when the body names no registered tenant, so the label set
# stays bounded). Each instance writes its own rows once per minute, so there are only inserts. No addresses.
intake_counts = Table(
    "intake_counts",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("window_start", UtcDateTime(), primary_key=True),
    Column("event", String(32), primary_key=True),
    Column("instance_id", String(36), primary_key=True),
    Column("count", BigInteger, nullable=False),
    Index("ix_intake_counts_window", "window_start"),
)

# Views, as the latest migration that (re)creates each defines it (the migrations stay the only writers of
# the schema; the Spanner DDL renders these, and a test compares them with what the migrations created).
VIEWS = {
    # One row per message or call whose address entity resolution could not tie to a CRM contact: email
    # participants without a Salesforce contact, and callers without a match (runbook 004 reads email_address and
    # sent_at, and counts the rows per address).
    "v_unmatched_emails": """
SELECT c.tenant_id, c.customer_email AS email_address, 'call' AS source, c.call_id AS source_id, c.created_at AS sent_at
FROM call_records c
LEFT JOIN entity_matches m
  ON m.tenant_id = c.tenant_id AND m.source_type = 'call' AND m.source_id = c.call_id
WHERE c.customer_email IS NOT NULL AND m.contact_id IS NULL
UNION ALL
SELECT DISTINCT p.tenant_id, p.email, 'gmail', p.message_id, g.sent_at
FROM gmail_participants p
JOIN gmail_messages g ON g.tenant_id = p.tenant_id AND g.message_id = p.message_id
WHERE p.sf_contact_id IS NULL
""",
}
