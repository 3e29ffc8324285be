"""Alert delivery: the `alerts` table and the log always, then the severity's routes from the operations runbook
(000, "Monitoring and Alerting"): Slack channels, and email to ops through Airflow's SMTP provider.

A Slack channel is an incoming webhook, so a channel is a connection: `leadline_slack_<channel>` when it exists,
else the base `leadline_slack`; email goes out when the `leadline_smtp` connection exists (its extra `to`
lists the recipients). PagerDuty, which the runbook also pages for critical alerts, is not wired here."""

from __future__ import annotations

import copy
import logging

from airflow.sdk.bases.notifier import BaseNotifier

log = logging.getLogger(__name__)

# severity -> where it goes. The runbook's CRITICAL = P1 (slack-critical; escalated at once, so ops are mailed),
# HIGH = P2 (slack-alerts + email-ops, as for the CRM sync failure alert), MEDIUM = P3 and LOW = P4
# (slack-alerts), and the business alert "High Value Lead" is INFO (slack-sales).
ROUTES: dict[str, tuple[str, ...]] = {
    "P1": ("slack-critical", "email-ops"),
    "P2": ("slack-alerts", "email-ops"),
    "P3": ("slack-alerts",),
    "P4": ("slack-alerts",),
    "INFO": ("slack-sales",),
}


class AlertNotifier(BaseNotifier):
    """Raises one alert per dedupe key; the message must already be PII-masked. As a task callback its key and
    message are Jinja templates rendered with the task's context (`{{ run_id }}`, `{{ ti.task_id }}`,
    `{{ exception }}`)."""

    template_fields = ("message", "dedupe_key")

    def __init__(self, *, tenant_id: str, dedupe_key: str, message: str, severity: str = "INFO",
                 kind: str = "high_value_lead", slack_conn_id: str = "leadline_slack",
                 store_conn_id: str = "leadline_db", smtp_conn_id: str = "leadline_smtp", once: bool = False) -> None:
        super().__init__()
        self.tenant_id = tenant_id
        self.dedupe_key = dedupe_key
        self.message = message
        self.severity = severity
        self.kind = kind
        self.slack_conn_id = slack_conn_id
        self.store_conn_id = store_conn_id
        self.smtp_conn_id = smtp_conn_id
        self.once = once  # True: never again for this key, even after the alert was resolved

    def _slack_hook(self, channel: str = ""):
        """The webhook hook for `channel` (`<slack_conn_id>_<channel>`, else the base connection), or None."""
        from leadline.hooks.connections import optional_connection

        chosen = next((conn_id for conn_id in (f"{self.slack_conn_id}_{channel}" if channel else "",
                                               self.slack_conn_id)
                       if conn_id and optional_connection(conn_id) is not None), None)
        if chosen is None:
            return None
        from airflow.providers.slack.hooks.slack_webhook import SlackWebhookHook

        return SlackWebhookHook(slack_webhook_conn_id=chosen)

    def _email_ops(self) -> bool:
        """Mail the alert to ops through the SMTP provider when `smtp_conn_id` is configured."""
        from leadline.hooks.connections import optional_connection

        conn = optional_connection(self.smtp_conn_id)
        recipients = [r.strip() for r in str((conn.extra_dejson if conn else {}).get("to", "")).split(",")
                      if r.strip()]
        if conn is None or not recipients:
            return False
        from html import escape

        from airflow.providers.smtp.hooks.smtp import SmtpHook

        with SmtpHook(smtp_conn_id=self.smtp_conn_id) as smtp:
            smtp.send_email_smtp(to=recipients, subject=f"[Leadline {self.severity}] {self.kind}",
                                 html_content=f"<pre>{escape(self.message)}</pre>")
        return True

    def deliver(self) -> list[str]:
        """Send the message along its severity's routes; returns the routes that delivered."""
        delivered = []
        for route in ROUTES.get(self.severity, ("slack-alerts",)):
            try:
                if route.startswith("slack-"):
                    slack = self._slack_hook(route.removeprefix("slack-"))
                    if slack is not None:
                        slack.send(text=f"[{self.severity}] {self.message}")
                        delivered.append(route)
                elif route == "email-ops" and self._email_ops():
                    delivered.append(route)
            except Exception as exc:  # one route down must not stop the others, nor un-raise the alert
                log.error("alert %s: route %s failed (%s)", self.dedupe_key, route, type(exc).__name__)
        return delivered

    def send(self) -> bool:
        from leadline.hooks.store import LeadlineStoreHook
        from leadline.store.alerts import raise_alert

        engine = LeadlineStoreHook(self.store_conn_id).get_conn()
        if not raise_alert(engine, self.tenant_id, self.kind, self.severity, self.dedupe_key, self.message,
                           once=self.once):
            log.info("alert %s already raised; not sent again", self.dedupe_key)
            return False
        log.warning("[%s] %s", self.severity, self.message)
        self.deliver()
        return True

    def __call__(self, *args) -> None:
        # Rendering replaces the templates with their values on the instance, and a callback instance is shared
        # by every task of its DAG (default_args) and every run in one process (dag.test): render a copy.
        super(AlertNotifier, copy.copy(self)).__call__(*args)

    def notify(self, context) -> None:
        self.send()
