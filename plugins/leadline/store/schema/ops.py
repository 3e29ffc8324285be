"""What operations keep: alerts, health snapshots, ETL runs and intake counts. `alerts` and `etl_runs` also hold
system-wide rows (tenant_id = SYSTEM_TENANT), so they stand alone on Spanner; and the views."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, String, Table, Text

from leadline.store.schema.base import PortableJSON, UtcDateTime, metadata, timestamp

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
    timestamp("created_at"),
    timestamp("resolved_at", nullable=True),
    Index("ix_alerts_open", "tenant_id", "dedupe_key", "status"),
)

health_snapshots = Table(
    "health_snapshots",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("snapshot_id", String(36), primary_key=True),
    timestamp("taken_at"),
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
    timestamp("started_at"),
    timestamp("completed_at", nullable=True),
    Column("rows_processed", BigInteger),
    Column("error_message", Text),
    Index("ix_etl_runs_source", "tenant_id", "source_system", "started_at"),
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
