"""Gmail messages and participants mirrored per tenant over the run's data interval."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from leadline.operators.base import StoreOperator
from leadline.operators.intervals import data_interval
from leadline.operators.sync import full_sync


class SyncGmailOperator(StoreOperator):
    """Messages and participants of each tenant's configured mailboxes (config `gmail_mailboxes`,
    connection `gmail_conn_id`) sent in the run's data interval; message_id is the natural key. `mailbox`
    limits the run to that one configured mailbox, and a `full` sync takes every message, whatever the interval."""

    template_fields: Sequence[str] = ("mailbox", "sync_type")

    def __init__(self, *, mailbox: str = "", sync_type: str = "incremental", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.mailbox = mailbox
        self.sync_type = sync_type

    def _mailboxes(self, tenants) -> dict[str, list[str]]:
        """Tenant id -> the configured mailboxes this run syncs (all of them, or the one asked for)."""
        wanted = self.mailbox.strip().lower()
        chosen = {t.tenant_id: [m for m in t.config.get("gmail_mailboxes", []) if not wanted or m.lower() == wanted]
                  for t in tenants}
        chosen = {tenant_id: mailboxes for tenant_id, mailboxes in chosen.items() if mailboxes}
        if wanted and not chosen:
            from airflow.sdk.exceptions import AirflowFailException

            from leadline.domain.masking import mask_email

            raise AirflowFailException(f"mailbox {mask_email(wanted)} is not configured for any tenant "
                                       "(tenant config gmail_mailboxes)")
        return chosen

    def execute(self, context) -> dict:
        from leadline.domain.gmail import distinct_rows, message_rows
        from leadline.hooks.rest import GmailHook
        from leadline.store.etl import etl_run, replace_gmail_messages
        from leadline.store.tenants import list_tenants

        start, end = data_interval(context)
        bounds = () if full_sync(self.sync_type) else (int(start.timestamp()), int(end.timestamp()))
        with self.engine.connect() as conn:
            tenants = {t.tenant_id: t for t in list_tenants(conn) if (t.config or {}).get("gmail_mailboxes")}
        done: dict[str, int] = {}
        for tenant_id, mailboxes in self._mailboxes(tenants.values()).items():
            hook = GmailHook(tenants[tenant_id].config.get("gmail_conn_id", GmailHook.default_conn_name))
            with etl_run(self.engine, tenant_id, "gmail", context["run_id"]) as run:
                messages, participants = [], []
                for mailbox in mailboxes:
                    for message in hook.messages(mailbox, *bounds):
                        row, people = message_rows(mailbox, message, end)
                        messages.append(row)
                        participants += people
                messages, participants = distinct_rows(messages, participants)
                replace_gmail_messages(self.engine, tenant_id, messages, participants)
                run.rows_processed = len(messages)
            done[tenant_id] = run.rows_processed
        return done
