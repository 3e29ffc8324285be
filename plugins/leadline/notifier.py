"""Alert delivery: the `alerts` table and the log always, Slack when a `leadline_slack` connection exists."""

from __future__ import annotations

import logging

from airflow.sdk.bases.notifier import BaseNotifier

log = logging.getLogger(__name__)


class AlertNotifier(BaseNotifier):
    """Raises one alert per dedupe key; the message must already be PII-masked."""

    template_fields = ("message",)

    def __init__(self, *, tenant_id: str, dedupe_key: str, message: str, severity: str = "INFO",
                 kind: str = "high_value_lead", slack_conn_id: str = "leadline_slack",
                 store_conn_id: str = "leadline_db") -> None:
        super().__init__()
        self.tenant_id = tenant_id
        self.dedupe_key = dedupe_key
        self.message = message
        self.severity = severity
        self.kind = kind
        self.slack_conn_id = slack_conn_id
        self.store_conn_id = store_conn_id

    def _slack_hook(self):
        from leadline.hooks.connections import optional_connection

        if optional_connection(self.slack_conn_id) is None:
            return None
        from airflow.providers.slack.hooks.slack_webhook import SlackWebhookHook

        return SlackWebhookHook(slack_webhook_conn_id=self.slack_conn_id)

    def send(self) -> bool:
        from leadline.hooks.store import LeadlineStoreHook
        from leadline.store.alerts import raise_alert

        engine = LeadlineStoreHook(self.store_conn_id).get_conn()
        if not raise_alert(engine, self.tenant_id, self.kind, self.severity, self.dedupe_key, self.message):
            log.info("alert %s already open; not sent again", self.dedupe_key)
            return False
        log.warning("[%s] %s", self.severity, self.message)
        slack = self._slack_hook()
        if slack is not None:
            slack.send(text=f"[{self.severity}] {self.message}")
        return True

    def notify(self, context) -> None:
        self.send()
