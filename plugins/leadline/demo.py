"""`make demo`: start the embedded stack, post signed webhooks for the sample calls, wait for each to be
processed by Airflow, print what was extracted from each, and keep the stack up to explore (Ctrl-C stops it).

The sample calls (include/demo/sample_calls.json) are rendered once as CallRail-style stereo recordings by
espeak-ng: a hot lead that crosses 90 and raises its alert, an existing customer, a wrong number, a robocall
and a vendor; plus a call too short to score and one whose recording is missing."""

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
from leadline.domain.masking import mask_email, mask_phone
from leadline.domain.signature import sign
from leadline.stack import RECORDINGS_DIR, EmbeddedStack
from leadline.store.alerts import open_alerts
from leadline.store.engine import create_store_engine
from leadline.store.processing import TERMINAL
from leadline.store.schema import call_records, processing_requests
from leadline.store.tenants import Tenant, add_tenant, get_tenant, set_config_section

TENANT = "demo-tenant-001"
SAMPLES = Path(__file__).resolve().parents[2] / "include" / "demo" / "sample_calls.json"
EXTRA_CALLS = [("short_call.wav", "12", "+14155550155"), ("missing_recording.wav", "95", "+14155550166")]


def sample_recordings(target: Path) -> list[tuple[str, str, str]]:
    """Renders the scripted sample calls (cached by their text) next to the short-call fixture."""
    from leadline.synthetic_calls import render_call

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


def ensure_tenant(engine, secret_file: Path) -> None:
    if not secret_file.exists():
        secret_file.parent.mkdir(parents=True, exist_ok=True)
        secret_file.write_text(secrets.token_hex(32))
        secret_file.chmod(0o600)
    with engine.begin() as conn:
        if get_tenant(conn, TENANT) is None:
            add_tenant(conn, Tenant(
                tenant_id=TENANT, name="Demo Company LLC", status="active",
                webhook_secret_ref=f"file:{secret_file}",
                config={"callrail_company_id": "12345", "ai_config": {"lead_scoring_threshold": 70}},
            ))
        samples = json.loads(SAMPLES.read_text())
        set_config_section(conn, TENANT, "business_context", samples["business_context"])
        set_config_section(conn, TENANT, "phrase_hints", samples["phrase_hints"])


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
        print(f"posted {call_id} ({recording}): {response.json()['status']}")
    return call_ids


def wait_for(engine, call_ids: list[str], timeout_s: float) -> list:
    deadline = time.monotonic() + timeout_s
    query = (
        select(processing_requests.c.call_id, processing_requests.c.status, processing_requests.c.error,
               processing_requests.c.processing_time_ms, call_records.c.lead_score, call_records.c.caller_phone,
               call_records.c.customer_name, call_records.c.customer_phone, call_records.c.customer_email,
               call_records.c.call_class, call_records.c.ai_analysis)
        .join(call_records, (call_records.c.tenant_id == processing_requests.c.tenant_id)
              & (call_records.c.call_id == processing_requests.c.call_id))
        .where(processing_requests.c.tenant_id == TENANT, processing_requests.c.call_id.in_(call_ids))
        .order_by(processing_requests.c.call_id)
    )
    while True:
        with engine.connect() as conn:
            rows = conn.execute(query).all()
        done = [r for r in rows if r.status in TERMINAL]
        print(f"\r{len(done)}/{len(call_ids)} calls finished", end="", flush=True)
        if len(done) == len(call_ids) or time.monotonic() > deadline:
            print()
            return rows
        time.sleep(2)


def _budget(lead: dict) -> str:
    low, high = lead.get("budget_min"), lead.get("budget_max")
    if low is None and high is None:
        return "-"
    return f"${low or high:,}" if low in (None, high) else f"${low:,}-{high:,}" if high else f">=${low:,}"


def print_table(rows, api_port: int, engine) -> None:
    """What the pipeline made of each call: the caller as the CRM will see it (phone and email masked)."""
    header = (f"{'call':<14} {'class':<22} {'status':<9} {'score':>5}  {'name':<16} {'phone':<13} {'email':<22} "
              f"{'project':<19} {'timeline':<12} {'budget':<8} reason")
    print("\n" + header + "\n" + "-" * len(header))
    for r in rows:
        lead = (r.ai_analysis or {}).get("lead", {})
        score = "-" if r.lead_score is None else str(r.lead_score)
        print(f"{r.call_id:<14} {(r.call_class or '-'):<22} {r.status:<9} {score:>5}  "
              f"{(r.customer_name or '-'):<16.16} "
              f"{mask_phone(r.customer_phone or r.caller_phone):<13} {mask_email(r.customer_email) or '-':<22.22} "
              f"{(lead.get('project_category') or '-'):<19.19} {(lead.get('timeline') or '-'):<12} "
              f"{_budget(lead):<8} {r.error or lead.get('class_reason') or ''}")
    for alert in open_alerts(engine, TENANT, "high_value_lead", [f"high_value_lead:{r.call_id}" for r in rows]):
        print(f"\nALERT ({alert['severity']}): {alert['message']}")
    print(f"\nAirflow UI: http://127.0.0.1:{api_port}  (DAGs call_dispatch and call_processing)")
    print(f"Dashboard:  http://127.0.0.1:{api_port}/leadline/ui/  (also 'Leadline' in the Airflow UI navigation)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--exit", action="store_true", help="stop the stack after printing the results")
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args()

    home = leadline_home() / "demo"
    print("rendering the sample calls (espeak-ng, stereo: agent left, caller right) ...")
    calls = sample_recordings(home / "recordings")
    stack = EmbeddedStack(home, recordings_dir=home / "recordings")
    os.environ.update({k: v for k, v in stack.env.items() if k.startswith(("AIRFLOW", "LEADLINE"))})
    print(f"preparing Airflow and the Leadline store under {stack.home} ...")
    stack.prepare()
    engine = create_store_engine(stack.store_url)
    secret_file = stack.home / "secrets" / "demo-webhook-secret"
    ensure_tenant(engine, secret_file)
    print("starting Airflow (api-server, scheduler, dag-processor, triggerer), intake and recordings server ...")
    stack.start()
    try:
        call_ids = post_calls(stack, secret_file.read_text().strip(), time.strftime("%H%M%S"), calls)
        rows = wait_for(engine, call_ids, args.timeout)
        print_table(rows, stack.api_port, engine)
        if not args.exit:
            print("The stack keeps running; press Ctrl-C to stop it.")
            while True:
                time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        print("stopping ...")
        stack.stop()


if __name__ == "__main__":
    main()
