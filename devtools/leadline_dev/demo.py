"""`make demo`: start the embedded stack with the CRM sandbox, register the demo tenant with HubSpot as primary and
Salesforce as secondary CRM (the CLI a user would use), post signed webhooks for the sample calls, wait for each to
be processed by Airflow, print what was extracted from each and where it went, and keep the stack up to explore
(Ctrl-C or SIGTERM stops it and every process it started).

The sample calls (sample_calls.json beside this module) are rendered once as CallRail-style stereo recordings by
espeak-ng: a hot lead that crosses 90 and raises its alert, an existing customer, a wrong number, a robocall
and a vendor; plus a call too short to score and one whose recording is missing. Each webhook declares its
recording's length (a sample's `duration` is its rendered length, rounded): fetch_recording would put a
disagreeing one right anyway (domain.durations), and the demo shows the calls as they are."""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import secrets
import shutil
import time
from pathlib import Path

import httpx
from sqlalchemy import select

from leadline.config import leadline_home
from leadline.domain.masking import mask_email, mask_name, mask_phone
from leadline.domain.signature import sign
from leadline.store.alerts import open_alerts
from leadline.store.engine import create_store_engine
from leadline.store.processing import TERMINAL
from leadline.store.schema import call_records, processing_requests
from leadline.store.tenants import get_tenant, set_config_section
from leadline_dev.stack import RECORDINGS_DIR, EmbeddedStack, stopped_on_exit

TENANT = "demo-tenant-001"
SAMPLES = Path(__file__).resolve().parent / "sample_calls.json"
EXTRA_CALLS = [("short_call.wav", "12", "+14155550155"), ("missing_recording.wav", "95", "+14155550166")]
# the sample whose failure is the point: its webhook names a recording that does not exist
DELIBERATE_FAILURE = "missing_recording.wav"


def sample_recordings(target: Path) -> list[tuple[str, str, str]]:
    """Renders the scripted sample calls (cached by their text) next to the short-call fixture."""
    from leadline_dev.synthetic_calls import render_call

    samples = json.loads(SAMPLES.read_text())
    target.mkdir(parents=True, exist_ok=True)
    calls = []
    for call in samples["calls"]:
        digest = hashlib.sha256(json.dumps(call["turns"]).encode()).hexdigest()[:12]
        name = f"{call['name']}-{digest}.wav"
        if not (target / name).exists():
            render_call(call["turns"], target / name)
        calls.append((name, call["duration"], call["caller_id"]))
    shutil.copy(RECORDINGS_DIR / "short_call.wav", target / "short_call.wav")
    return calls + EXTRA_CALLS


def ensure_tenant(engine, secret_file: Path, crms: bool = False) -> None:
    """The demo tenant, registered the way an operator would (`leadline tenants ...`); with `crms`, HubSpot as
    primary and Salesforce as secondary CRM through the stack's sandbox connections."""
    from leadline.cli import main as leadline

    if not secret_file.exists():
        secret_file.parent.mkdir(parents=True, exist_ok=True)
        secret_file.write_text(secrets.token_hex(32))
        secret_file.chmod(0o600)
    samples = json.loads(SAMPLES.read_text())
    context_file = secret_file.parent.parent / "business_context.json"
    context_file.write_text(json.dumps(samples["business_context"]))
    store = ["--store-url", str(engine.url.render_as_string(hide_password=False))]
    with engine.connect() as conn:
        known = get_tenant(conn, TENANT) is not None
    commands = [] if known else [[
        "tenants", "add", TENANT, "--name", "Demo Company LLC", "--webhook-secret-ref", f"file:{secret_file}",
        "--lead-scoring-threshold", "70", "--config", json.dumps({"callrail_company_id": "12345"}),
        *(["--primary-crm", "hubspot", "--secondary-crm", "salesforce"] if crms else [])]]
    commands.append(["tenants", "set-context", TENANT, "--file", str(context_file)])
    if crms:
        commands += [["tenants", "set-crm", TENANT, "hubspot", "hubspot_sandbox"],
                     ["tenants", "set-crm", TENANT, "salesforce", "salesforce_sandbox"]]
    for command in commands:
        print("$ leadline " + " ".join(command[:4]) + (" ..." if len(command) > 4 else ""))
        leadline([*store, *command])
    with engine.begin() as conn:
        set_config_section(conn, TENANT, "phrase_hints", samples["phrase_hints"])


def seed_existing_customer(stack: EmbeddedStack) -> None:
    """The business already has the existing-customer sample's caller in both CRMs (a contact), so the demo shows
    that call logged on her record instead of a new lead."""
    from leadline_dev.sandbox.app import DEFAULT_TOKENS

    [call] = [c for c in json.loads(SAMPLES.read_text())["calls"] if c["name"] == "existing_customer"]
    httpx.post(f"{stack.sandbox_url}/crm/v3/objects/contacts", timeout=10,
               headers={"Authorization": f"Bearer {DEFAULT_TOKENS['hubspot']}"},
               json={"properties": {"firstname": "Linda", "lastname": "Park", "phone": call["caller_id"],
                                    "lifecyclestage": "customer"}}
               ).raise_for_status()
    httpx.post(f"{stack.sandbox_url}/_sandbox/salesforce/Contact", timeout=10, json=[
        {"Id": "0030000000LPARK", "FirstName": "Linda", "LastName": "Park", "Phone": call["caller_id"]}]
               ).raise_for_status()


def post_calls(stack: EmbeddedStack, secret: str, run_tag: str, calls: list[tuple[str, str, str]]) -> list[str]:
    call_ids = []
    for index, (recording, duration, phone) in enumerate(calls, start=1):
        call_id = f"CAL{run_tag}{index:02d}"
        body = json.dumps({
            "call_id": call_id, "tenant_id": TENANT, "caller_id": phone, "duration": duration, "answered": True,
            "recording_url": f"http://127.0.0.1:{stack.recordings_port}/{recording}",
        }).encode()
        timestamp = str(int(time.time()))
        response = httpx.post(
            f"http://127.0.0.1:{stack.intake_port}/v1/callrail/webhook", content=body,
            headers={"content-type": "application/json", "x-timestamp": timestamp,
                     "x-callrail-signature": sign(secret, timestamp, body)},
        )
        response.raise_for_status()
        call_ids.append(call_id)
        why = " (fails on purpose: no such recording)" if recording == DELIBERATE_FAILURE else ""
        print(f"posted {call_id} ({recording}): {response.json()['status']}{why}")
    return call_ids


def wait_for(engine, call_ids: list[str], timeout_s: float) -> list:
    deadline = time.monotonic() + timeout_s
    query = (
        select(processing_requests.c.call_id, processing_requests.c.status, processing_requests.c.error,
               processing_requests.c.processing_time_ms, call_records.c.lead_score, call_records.c.caller_phone,
               call_records.c.customer_name, call_records.c.customer_phone, call_records.c.customer_email,
               call_records.c.call_class, call_records.c.ai_analysis, call_records.c.hubspot_contact_id,
               call_records.c.salesforce_lead_id, call_records.c.hubspot_call_id, call_records.c.salesforce_task_id)
        .join(call_records, (call_records.c.tenant_id == processing_requests.c.tenant_id)
              & (call_records.c.call_id == processing_requests.c.call_id))
        .where(processing_requests.c.tenant_id == TENANT, processing_requests.c.call_id.in_(call_ids))
        .order_by(processing_requests.c.call_id)
    )
    while True:
        with engine.connect() as conn:
            rows = conn.execute(query).all()
        done = [r for r in rows if r.status in TERMINAL]
        progress = " ".join(f"{r.call_id[-2:]}:{r.status}" for r in rows)
        print(f"\r{len(done)}/{len(call_ids)} finished  {progress}", end="", flush=True)
        if len(done) == len(call_ids) or time.monotonic() > deadline:
            print()
            return rows
        time.sleep(2)


def _budget(lead: dict) -> str:
    low, high = lead.get("budget_min"), lead.get("budget_max")
    if low is None and high is None:
        return "-"
    return f"${low or high:,}" if low in (None, high) else f"${low:,}-{high:,}" if high else f">=${low:,}"


def _review_line(row) -> str:
    """The fields held back from the CRM because nobody confirmed them (masked: the demo prints to a terminal)."""
    contact = (row.ai_analysis or {}).get("contact") or {}
    unsure = [e for e in contact.get("evidence", []) if e["field"] in contact.get("needs_review", [])]
    masks = {"customer_email": mask_email, "customer_phone": mask_phone, "customer_name": mask_name}
    heard = ", ".join(f"{e['field'].removeprefix('customer_')} heard as {masks[e['field']](e['value'])} "
                      f"(confidence {e['confidence']:.2f})" for e in unsure)
    return (f"NEEDS REVIEW, not written to the CRM fields: {heard}; the CRM call note asks the rep to confirm"
            if heard else "")


def print_table(rows, stack: EmbeddedStack, engine, deliberate: set[str]) -> None:
    """What the pipeline made of each call, two lines a call to fit a terminal: the call and the caller as the
    CRM will see it (phone and email masked), then the lead's facts and the records it became in HubSpot and
    Salesforce (the contact/lead and the call logged on it), then why it ended as it did."""
    header = (f"{'call':<13} {'class':<22} {'status':<9} {'score':>5}  {'name':<16} {'phone':<12} {'email':<16}\n"
              f"{'':<13} {'project':<22} {'timeline':<12} {'budget':<8} {'hubspot contact/call':<20} "
              f"salesforce lead/task")
    print("\n" + header + "\n" + "-" * 110)
    for r in rows:
        lead = (r.ai_analysis or {}).get("lead", {})
        score = "-" if r.lead_score is None else str(r.lead_score)
        print(f"{r.call_id:<13} {(r.call_class or '-'):<22} {r.status:<9} {score:>5}  "
              f"{(r.customer_name or '-'):<16.16} {mask_phone(r.customer_phone or r.caller_phone):<12} "
              f"{mask_email(r.customer_email) or '-':<16.16}")
        print(f"{'':<13} {(lead.get('project_category') or '-'):<22.22} {(lead.get('timeline') or '-'):<12} "
              f"{_budget(lead):<8} {(r.hubspot_contact_id or '-') + '/' + (r.hubspot_call_id or '-'):<20} "
              f"{(r.salesforce_lead_id or '-') + '/' + (r.salesforce_task_id or '-')}")
        why = r.error or lead.get("class_reason") or ""
        if r.call_id in deliberate:
            why += " (on purpose: this sample names a recording that does not exist)"
        print(f"{'':<13} {why}")
        review = _review_line(r)
        if review:
            print(f"{'':<13} {review}")
    alerts = open_alerts(engine, TENANT, "high_value_lead", [f"high_value_lead:{r.call_id}" for r in rows])
    for alert in alerts:
        print(f"\nALERT ({alert['severity']}): {alert['message']}")
    scored = [r for r in rows if r.lead_score is not None]
    hottest = max(scored, key=lambda r: r.lead_score).call_id if scored else rows[0].call_id
    base = f"http://127.0.0.1:{stack.api_port}"
    print(f"\nThe run of {hottest} in Airflow: {base}/dags/call_processing/runs/call__{TENANT}__{hottest}")
    print(f"Its page on the dashboard:    {base}/leadline/ui/calls/{TENANT}/{hottest}")
    if any(_review_line(r) for r in rows):
        print(f"Values waiting for review:    {base}/leadline/ui/reviews?tenant={TENANT}")
    if stack.sandbox:
        print(f"What the CRMs received:       {stack.sandbox_url}/_sandbox/records")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--exit", action="store_true", help="stop the stack after printing the results")
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args()

    home = leadline_home() / "demo"
    print("rendering the sample calls (espeak-ng, stereo: agent left, caller right) ...")
    calls = sample_recordings(home / "recordings")
    stack = EmbeddedStack(home, recordings_dir=home / "recordings", sandbox=True)
    os.environ.update({k: v for k, v in stack.env.items() if k.startswith(("AIRFLOW", "LEADLINE"))})
    try:
        with stopped_on_exit(stack):
            print(f"preparing Airflow and the Leadline store under {stack.home} ...")
            stack.prepare()
            engine = create_store_engine(stack.store_url)
            secret_file = stack.home / "secrets" / "demo-webhook-secret"
            ensure_tenant(engine, secret_file, crms=True)
            print("starting Airflow (api-server, scheduler, dag-processor, triggerer), the intake, the CRM sandbox "
                  "and a recordings server ...")
            stack.start()
            seed_existing_customer(stack)
            call_ids = post_calls(stack, secret_file.read_text().strip(), time.strftime("%H%M%S"), calls)
            rows = wait_for(engine, call_ids, args.timeout)
            deliberate = {call_id for call_id, (recording, *_) in zip(call_ids, calls, strict=True)
                          if recording == DELIBERATE_FAILURE}
            print_table(rows, stack, engine, deliberate)
            if not args.exit:
                print("\nThe stack keeps running; Ctrl-C stops it.", flush=True)
                while all(p.poll() is None for p in stack.processes.values()):
                    time.sleep(2)
                print("a service exited; stopping")
    except KeyboardInterrupt:
        pass
    print("stopped")


if __name__ == "__main__":
    main()
