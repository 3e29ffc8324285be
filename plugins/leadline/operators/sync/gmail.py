"""Gmail messages and participants mirrored per tenant over the run's data interval."""

from __future__ import annotations

from leadline.operators.base import StoreOperator
from leadline.operators.intervals import data_interval


class SyncGmailOperator(StoreOperator):
    """Messages and participants of each tenant's configured mailboxes (config `gmail_mailboxes`,
    connection `gmail_conn_id`) sent in the run's data interval; message_id is the natural key."""

    def execute(self, context) -> dict:
        from leadline.domain.gmail import distinct_rows, message_rows
        from leadline.hooks.rest import GmailHook
        from leadline.store.etl import etl_run, replace_gmail_messages
        from leadline.store.tenants import list_tenants

        start, end = data_interval(context)
        done: dict[str, int] = {}
        with self.engine.connect() as conn:
            tenants = [t for t in list_tenants(conn) if (t.config or {}).get("gmail_mailboxes")]
        for tenant in tenants:
            hook = GmailHook(tenant.config.get("gmail_conn_id", GmailHook.default_conn_name))
            with etl_run(self.engine, tenant.tenant_id, "gmail", context["run_id"]) as run:
                messages, participants = [], []
                for mailbox in tenant.config["gmail_mailboxes"]:
                    for message in hook.messages(mailbox, int(start.timestamp()), int(end.timestamp())):
                        row, people = message_rows(mailbox, message, end)
                        messages.append(row)
                        participants += people
                messages, participants = distinct_rows(messages, participants)
                replace_gmail_messages(self.engine, tenant.tenant_id, messages, participants)
                run.rows_processed = len(messages)
            done[tenant.tenant_id] = run.rows_processed
        return done
