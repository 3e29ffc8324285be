"""The tenants and their calls: requests, call records, CRM integrations, sync log, links and breakers, members,
contact reviews and erasures. Per-call tables interleave in `tenants` on Spanner."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Float, Index, Integer, String, Table, Text

from leadline.store.schema.base import PortableJSON, UtcDateTime, interleaved_in_tenants, metadata, timestamp

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
    timestamp("created_at"),
    timestamp("updated_at"),
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
    timestamp("created_at"),
    timestamp("updated_at"),
    Index("ix_processing_requests_call", "tenant_id", "call_id", unique=True),
    Index("ix_processing_requests_status", "tenant_id", "status", "created_at"),
    **interleaved_in_tenants(),
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
    timestamp("started_at", nullable=True),
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
    timestamp("created_at"),
    timestamp("updated_at"),
    timestamp("purged_at", nullable=True),
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
    **interleaved_in_tenants(),
)

crm_integrations = Table(
    "crm_integrations",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("crm_type", String(16), primary_key=True),
    Column("status", String(16), nullable=False),
    Column("priority", Integer, nullable=False),
    Column("connection_id", String(250), nullable=False),
    timestamp("created_at"),
    timestamp("updated_at"),
    **interleaved_in_tenants(),
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
    timestamp("created_at"),
    timestamp("updated_at"),
    Index("ix_crm_sync_log_updated", "tenant_id", "crm_type", "updated_at"),
    **interleaved_in_tenants(),
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
    timestamp("updated_at"),
    **interleaved_in_tenants(),
)

crm_circuits = Table(
    "crm_circuits",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("crm_type", String(16), primary_key=True),
    Column("state", String(16), nullable=False),
    Column("consecutive_failures", Integer, nullable=False),
    timestamp("opened_until", nullable=True),
    timestamp("updated_at"),
    **interleaved_in_tenants(),
)

# Who may see a tenant in the dashboard: Airflow user names (the auth manager's), granted per tenant.
tenant_members = Table(
    "tenant_members",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("username", String(256), primary_key=True),
    timestamp("created_at"),
    Index("ix_tenant_members_user", "username"),
    **interleaved_in_tenants(),
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
    **interleaved_in_tenants(),
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
    timestamp("erased_at"),
    **interleaved_in_tenants(),
)
