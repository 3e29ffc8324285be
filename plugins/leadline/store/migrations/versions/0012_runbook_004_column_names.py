"""runbook 004 column names: sf_accounts.account_name (was name), and v_unmatched_emails as one row per unmatched
message or call with its email_address and sent_at, so the runbook's queries run as written

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

from leadline.store.migrate import is_spanner, view_ddl

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

UNMATCHED_EMAILS_VIEW = """
CREATE VIEW v_unmatched_emails AS
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
"""

# As migration 0005 created it: what a downgrade restores.
PREVIOUS_UNMATCHED_EMAILS_VIEW = """
CREATE VIEW v_unmatched_emails AS
SELECT c.tenant_id, c.customer_email AS email, 'call' AS source, COUNT(*) AS occurrences, MAX(c.created_at) AS last_seen
FROM call_records c
LEFT JOIN entity_matches m
  ON m.tenant_id = c.tenant_id AND m.source_type = 'call' AND m.source_id = c.call_id
WHERE c.customer_email IS NOT NULL AND m.contact_id IS NULL
GROUP BY c.tenant_id, c.customer_email
UNION ALL
SELECT p.tenant_id, p.email, 'gmail' AS source, COUNT(*) AS occurrences, MAX(p.ingested_at) AS last_seen
FROM gmail_participants p
WHERE p.sf_contact_id IS NULL
GROUP BY p.tenant_id, p.email
"""


def _copy_column(source: str, target: str) -> None:
    """Every sf_accounts row's `source` into `target` (Spanner renames no column: add, copy, drop). On Spanner as
    partitioned DML, since one transaction over the whole table could pass its per-commit mutation limit; the
    queued DDL that adds `target` is applied first."""
    statement = f"UPDATE sf_accounts SET {target} = {source} WHERE TRUE"
    bind = op.get_bind()
    if is_spanner(bind):
        op.get_context().impl.flush_ddl()
        bind.connection.dbapi_connection.database.execute_partitioned_dml(statement)
    else:
        op.execute(statement)


def upgrade() -> None:
    op.execute("DROP VIEW v_unmatched_emails")
    op.add_column('sf_accounts', sa.Column('account_name', sa.String(length=255), nullable=True))
    _copy_column("name", "account_name")
    op.drop_column('sf_accounts', 'name')
    op.execute(view_ddl(op.get_bind(), UNMATCHED_EMAILS_VIEW))


def downgrade() -> None:
    op.execute("DROP VIEW v_unmatched_emails")
    op.add_column('sf_accounts', sa.Column('name', sa.String(length=255), nullable=True))
    _copy_column("account_name", "name")
    op.drop_column('sf_accounts', 'account_name')
    op.execute(view_ddl(op.get_bind(), PREVIOUS_UNMATCHED_EMAILS_VIEW))
