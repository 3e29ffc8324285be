"""Sales intelligence (runbook 004): CRM mirrors, Gmail and Dialpad, identity resolution, account
recommendations."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Float, Index, Integer, String, Table, Text

from leadline.store.schema.base import PortableJSON, interleaved_in_tenants, metadata, timestamp

sf_accounts = Table(
    "sf_accounts",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("account_id", String(32), primary_key=True),
    Column("website", String(255)),
    Column("domain", String(255)),
    Column("industry", String(120)),
    timestamp("system_modstamp"),
    timestamp("synced_at"),
    Column("account_name", String(255)),  # the runbook's name for it; last, as migration 0012 added it
    Index("ix_sf_accounts_domain", "tenant_id", "domain"),
    **interleaved_in_tenants(),
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
    timestamp("system_modstamp"),
    timestamp("synced_at"),
    Index("ix_sf_contacts_email", "tenant_id", "email_normalized"),
    Index("ix_sf_contacts_phone", "tenant_id", "phone_e164"),
    **interleaved_in_tenants(),
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
    timestamp("close_date", nullable=True),
    timestamp("system_modstamp"),
    timestamp("synced_at"),
    **interleaved_in_tenants(),
)

manual_mappings = Table(
    "manual_mappings",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("identity", String(320), primary_key=True),  # a normalised email or an E.164 phone
    Column("contact_id", String(32), nullable=False),
    Column("created_by", String(120), nullable=False),
    timestamp("created_at"),
    **interleaved_in_tenants(),
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
    timestamp("matched_at"),
    **interleaved_in_tenants(),
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
    timestamp("created_at"),
    Index("ix_account_recommendations_priority", "tenant_id", "score_date", "priority_score"),
    **interleaved_in_tenants(),
)

gmail_messages = Table(
    "gmail_messages",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("message_id", String(64), primary_key=True),
    Column("mailbox", String(320), nullable=False),
    Column("thread_id", String(64)),
    timestamp("sent_at"),
    Column("subject", Text),
    Column("snippet", Text),
    Column("body", Text),
    Column("embedding", PortableJSON()),
    timestamp("ingested_at"),
    Index("ix_gmail_messages_sent", "tenant_id", "sent_at"),
    **interleaved_in_tenants(),
)

gmail_participants = Table(
    "gmail_participants",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("message_id", String(64), primary_key=True),
    Column("email", String(320), primary_key=True),
    Column("role", String(8), primary_key=True),  # from, to, cc
    Column("sf_contact_id", String(32)),
    timestamp("ingested_at"),
    **interleaved_in_tenants(),
)

dialpad_calls = Table(
    "dialpad_calls",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("call_id", String(64), primary_key=True),
    timestamp("call_time"),
    Column("duration_s", Integer),
    Column("participants", PortableJSON(), nullable=False),
    Column("transcript", Text),
    Column("embedding", PortableJSON()),
    timestamp("ingested_at"),
    Index("ix_dialpad_calls_time", "tenant_id", "call_time"),
    **interleaved_in_tenants(),
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
    timestamp("last_modified"),
    timestamp("synced_at"),
    **interleaved_in_tenants(),
)

hubspot_companies = Table(
    "hubspot_companies",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("company_id", String(32), primary_key=True),
    Column("name", String(255)),
    Column("domain", String(255)),
    timestamp("last_modified"),
    timestamp("synced_at"),
    **interleaved_in_tenants(),
)
