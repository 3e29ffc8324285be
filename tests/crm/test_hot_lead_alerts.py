"""Hot-lead alerts that fire: a call scoring above 90 raises one alert (however often it is re-run), through the
notifier to Slack (the Slack provider's webhook hook against a local HTTP receiver) and the alerts table, with a
masked summary and links to the call page and the CRM records; and alert routing per severity (Slack channel per
severity, email to ops through the SMTP provider) against local receivers."""

from __future__ import annotations

import email
import http.server
import json
import socketserver
import threading
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from leadline.store.calls import get_call
from leadline.store.schema import alerts
from leadline.store.tenants import set_config_section
from leadline_dev.synthetic_calls import render_call
from tests.crm.conftest import configure_tenant_crms
from tests.helpers import SECRETS, call_payload, encode, signed_headers

SAMPLES = json.loads((Path(__file__).resolve().parents[2] / "devtools/leadline_dev/sample_calls.json").read_text())
HOT = next(c for c in SAMPLES["calls"] if c["name"] == "hot_lead")


class SlackReceiver:
    """A local Slack incoming-webhook endpoint: records each POSTed message by path (one path per channel)."""

    def __init__(self):
        self.messages: list[tuple[str, dict]] = []
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                receiver.messages.append((self.path, json.loads(body)))
                self.send_response(200)
                self.send_header("content-type", "text/plain")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def on(self, channel: str) -> list[str]:
        return [m["text"] for path, m in self.messages if path == f"/services/{channel}"]


class SmtpReceiver:
    """A small SMTP server on a socket (no SMTP library in the lock for serving): keeps each message's
    envelope recipients and data."""

    def __init__(self):
        self.mails: list[dict] = []
        receiver = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                def reply(line: str) -> None:
                    self.wfile.write(line.encode() + b"\r\n")
                    self.wfile.flush()

                reply("220 localhost test SMTP")
                mail: dict = {"to": []}
                while line := self.rfile.readline():
                    command = line.decode().strip()
                    verb = command.split(" ", 1)[0].upper()
                    if verb in ("EHLO", "HELO"):
                        reply("250-localhost\r\n250 8BITMIME")
                    elif verb == "MAIL":
                        mail = {"from": command.split(":", 1)[1].strip(), "to": []}
                        reply("250 OK")
                    elif verb == "RCPT":
                        mail["to"].append(command.split(":", 1)[1].strip().strip("<>"))
                        reply("250 OK")
                    elif verb == "DATA":
                        reply("354 End data with <CR><LF>.<CR><LF>")
                        data = []
                        while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                            data.append(chunk)
                        mail["data"] = b"".join(data).decode()
                        receiver.mails.append(mail)
                        reply("250 OK queued")
                    elif verb == "QUIT":
                        reply("221 Bye")
                        return
                    else:
                        reply("250 OK")

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.port = self.server.server_address[1]


@pytest.fixture
def receivers(monkeypatch):
    slack, smtp = SlackReceiver(), SmtpReceiver()
    for channel in ("critical", "alerts", "sales"):
        monkeypatch.setenv(f"AIRFLOW_CONN_LEADLINE_SLACK_{channel.upper()}", json.dumps(
            {"conn_type": "slackwebhook", "password": f"{slack.url}/services/{channel}"}))
    monkeypatch.setenv("AIRFLOW_CONN_LEADLINE_SMTP", json.dumps({
        "conn_type": "smtp", "host": "127.0.0.1", "port": smtp.port,
        "extra": {"disable_ssl": True, "disable_tls": True, "from_email": "leadline@example.com",
                  "to": "ops@example.com, oncall@example.com", "timeout": 5, "retry_limit": 0}}))
    yield slack, smtp
    stop(slack.server)
    stop(smtp.server)


def stop(server: socketserver.BaseServer) -> None:
    server.shutdown()
    server.server_close()  # shutdown() leaves the listening socket open


def test_hot_lead_alert_fires_once_to_slack_and_the_alerts_table(
        crm_sandbox, seeded_engine, dagbag, store_conn, intake_client, receivers, monkeypatch, tmp_path):
    slack, smtp = receivers
    monkeypatch.setenv("LEADLINE_PUBLIC_URL", "https://leads.example.com/leadline")
    monkeypatch.setenv("LEADLINE_LINK_KEY", "alert-test-key")
    configure_tenant_crms(seeded_engine)
    with seeded_engine.begin() as conn:
        set_config_section(conn, "acme", "business_context", SAMPLES["business_context"])
        set_config_section(conn, "acme", "crm_config", {
            "hubspot_portal_id": "424242", "salesforce_instance_url": "https://acme.my.salesforce.com"})
    wav = tmp_path / "hot_lead.wav"
    render_call(HOT["turns"], wav)
    httpx.put(f"{crm_sandbox.http_url}/_sandbox/recordings/CAL-HOT-ALERT", content=wav.read_bytes())
    body = encode(call_payload(call_id="CAL-HOT-ALERT", duration=HOT["duration"], caller_id=HOT["caller_id"],
                               recording_url=f"{crm_sandbox.http_url}/_sandbox/recordings/CAL-HOT-ALERT"))
    assert intake_client.post("/v1/callrail/webhook", content=body,
                              headers=signed_headers(SECRETS["acme"], body)).status_code == 200

    for force in (False, True, True):  # the run and two forced re-runs of the same call
        run = dagbag.get_dag("call_processing").test(
            run_conf={"tenant_id": "acme", "call_id": "CAL-HOT-ALERT", "force": force})
        states = {ti.task_id: ti.state for ti in run.get_task_instances()}
        assert set(states.values()) == {"success"}, states
    call = get_call(seeded_engine, "acme", "CAL-HOT-ALERT")
    assert call.lead_score > 90

    with seeded_engine.connect() as conn:
        rows = conn.execute(select(alerts).where(alerts.c.tenant_id == "acme")).mappings().all()
    assert [(r["kind"], r["severity"], r["dedupe_key"]) for r in rows] == [
        ("high_value_lead", "INFO", "high_value_lead:CAL-HOT-ALERT")]
    [text] = slack.on("sales")  # INFO goes to the sales channel, once
    assert slack.on("alerts") == slack.on("critical") == [] and smtp.mails == []
    assert text == f"[INFO] {rows[0]['message']}"
    # masked: no name, phone or email of the caller, in Slack or in the table
    heard_email = next(e["value"] for e in call.ai_analysis["contact"]["evidence"] if e["field"] == "customer_email")
    for secret in (call.customer_name, heard_email, call.customer_phone, "Whitfield",
                   call.customer_phone[2:]):
        assert secret and secret not in text
    assert f"score {call.lead_score}" in text and "Summary: " in text
    assert "Call page: https://leads.example.com/leadline/ui/calls/acme/CAL-HOT-ALERT" in text
    assert (f"HubSpot contact: https://app.hubspot.com/contacts/424242/record/0-1/{call.hubspot_contact_id}"
            in text)
    assert f"HubSpot call: https://app.hubspot.com/contacts/424242/record/0-48/{call.hubspot_call_id}" in text
    assert (f"Salesforce lead: https://acme.my.salesforce.com/lightning/r/Lead/{call.salesforce_lead_id}/view"
            in text)
    assert f"Salesforce task: https://acme.my.salesforce.com/lightning/r/Task/{call.salesforce_task_id}/view" in text

    # resolving the alert does not make a re-run raise it again: one alert per call
    from leadline.store.alerts import resolve_alerts

    assert resolve_alerts(seeded_engine, "acme", "high_value_lead:CAL-HOT-ALERT") == 1
    dagbag.get_dag("call_processing").test(run_conf={"tenant_id": "acme", "call_id": "CAL-HOT-ALERT", "force": True})
    assert len(slack.on("sales")) == 1


@pytest.mark.parametrize(("severity", "channel", "emailed"), [
    ("P1", "critical", True), ("P2", "alerts", True), ("P3", "alerts", False), ("P4", "alerts", False),
    ("INFO", "sales", False)])
def test_alert_routing_per_severity(seeded_engine, store_conn, receivers, severity, channel, emailed):
    from leadline.notifier import AlertNotifier

    slack, smtp = receivers
    assert AlertNotifier(tenant_id="acme", dedupe_key=f"route:{severity}", kind="crm_sync", severity=severity,
                         message="CRM sync success rate 82% < 90% for hubspot").send()
    assert slack.on(channel) == [f"[{severity}] CRM sync success rate 82% < 90% for hubspot"]
    assert sum(len(slack.on(c)) for c in ("critical", "alerts", "sales")) == 1
    if emailed:
        [mail] = smtp.mails
        assert sorted(mail["to"]) == ["oncall@example.com", "ops@example.com"]
        message = email.message_from_string(mail["data"])
        assert message["Subject"] == f"[Leadline {severity}] crm_sync"
        [html] = [part.get_payload(decode=True).decode() for part in message.walk()
                  if part.get_content_type() == "text/html"]
        assert html == "<pre>CRM sync success rate 82% &lt; 90% for hubspot</pre>"
    else:
        assert smtp.mails == []


def test_routes_fall_back_to_the_base_slack_connection_and_skip_unconfigured_email(
        seeded_engine, store_conn, monkeypatch):
    from leadline.notifier import AlertNotifier

    slack = SlackReceiver()
    monkeypatch.setenv("AIRFLOW_CONN_LEADLINE_SLACK", json.dumps(
        {"conn_type": "slackwebhook", "password": f"{slack.url}/services/base"}))
    assert AlertNotifier(tenant_id="acme", dedupe_key="fallback", severity="P2", message="backlog").send()
    assert slack.on("base") == ["[P2] backlog"]  # no leadline_slack_alerts: the base webhook; no SMTP: no mail
    stop(slack.server)


def test_a_failing_route_does_not_stop_the_others(seeded_engine, store_conn, receivers, monkeypatch):
    from leadline.notifier import AlertNotifier

    slack, smtp = receivers
    monkeypatch.setenv("AIRFLOW_CONN_LEADLINE_SLACK_CRITICAL", json.dumps(
        {"conn_type": "slackwebhook", "password": "http://127.0.0.1:9/services/down"}))
    assert AlertNotifier(tenant_id="acme", dedupe_key="down", severity="P1", message="store down").send()
    assert len(smtp.mails) == 1
