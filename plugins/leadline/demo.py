"""`make demo`: start the embedded stack, post signed webhooks for the sample calls, wait for each to be
processed by Airflow, print the results, and keep the stack up to explore (Ctrl-C stops it)."""

from __future__ import annotations

import argparse
import json
import os
import secrets
import time
from pathlib import Path

import httpx
from sqlalchemy import select

from leadline.config import leadline_home
from leadline.domain.masking import mask_phone
from leadline.domain.signature import sign
from leadline.stack import EmbeddedStack
from leadline.store.engine import create_store_engine
from leadline.store.processing import TERMINAL
from leadline.store.schema import call_records, processing_requests
from leadline.store.tenants import Tenant, add_tenant, get_tenant

TENANT = "demo-tenant-001"
SAMPLE_CALLS = [
    ("hot_lead.wav", "71", "+15550142678"),
    ("no_contact.mp3", "61", "+15550199876"),
    ("short_call.wav", "12", "+15550123456"),
    ("missing_recording.wav", "95", "+15550100000"),
]


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
                config={"callrail_company_id": "12345", "ai_config": {"lead_scoring_threshold": 70},
                        "phrase_hints": ["roof replacement", "shingles"]},
            ))


def post_calls(stack: EmbeddedStack, secret: str, run_tag: str) -> list[str]:
    call_ids = []
    for index, (recording, duration, phone) in enumerate(SAMPLE_CALLS, start=1):
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
               processing_requests.c.processing_time_ms, call_records.c.lead_score, call_records.c.caller_phone)
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


def print_table(rows, api_port: int) -> None:
    header = f"{'tenant':<16} {'call':<14} {'status':<10} {'score':>5} {'phone':<14} {'seconds':>7}  reason"
    print("\n" + header + "\n" + "-" * len(header))
    for r in rows:
        seconds = f"{r.processing_time_ms / 1000:.1f}" if r.processing_time_ms else "-"
        score = "-" if r.lead_score is None else str(r.lead_score)
        print(f"{TENANT:<16} {r.call_id:<14} {r.status:<10} {score:>5} {mask_phone(r.caller_phone):<14} "
              f"{seconds:>7}  {r.error or ''}")
    print(f"\nAirflow UI: http://127.0.0.1:{api_port}  (DAGs call_dispatch and call_processing)")
    print(f"Dashboard:  http://127.0.0.1:{api_port}/leadline/ui/  (also 'Leadline' in the Airflow UI navigation)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--exit", action="store_true", help="stop the stack after printing the results")
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args()

    stack = EmbeddedStack(leadline_home() / "demo")
    os.environ.update({k: v for k, v in stack.env.items() if k.startswith(("AIRFLOW", "LEADLINE"))})
    print(f"preparing Airflow and the Leadline store under {stack.home} ...")
    stack.prepare()
    engine = create_store_engine(stack.store_url)
    secret_file = stack.home / "secrets" / "demo-webhook-secret"
    ensure_tenant(engine, secret_file)
    print("starting Airflow (api-server, scheduler, dag-processor, triggerer), intake and recordings server ...")
    stack.start()
    try:
        call_ids = post_calls(stack, secret_file.read_text().strip(), time.strftime("%H%M%S"))
        rows = wait_for(engine, call_ids, args.timeout)
        print_table(rows, stack.api_port)
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
