"""End-to-end latency of the per-call pipeline on the embedded or the Celery stack.

    python bench/pipeline.py [--stack embedded|celery] [--calls 20] [--interval 10]

Starts a fresh stack of its own (home .leadline/bench-<stack>, ports 18080-18082; the Celery stack also uses
18090-18091, Redis database 7 and PostgreSQL databases leadline_bench_*), processes one warm-up call
(its end-to-end time is reported as cold_start_s: the first runs pay for process start-up and DAG parsing),
then posts N signed webhooks for the 71 s sample call one every --interval seconds, waits for all of them,
and prints one JSON line:
end-to-end (webhook stored -> request finished) p50/p95, task work p95 (sum of the call's task
durations from Airflow's metadata) and orchestration overhead p95 (end-to-end minus task work).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "plugins"), str(ROOT / "devtools")]

from leadline.config import leadline_home  # noqa: E402
from leadline.store.engine import create_store_engine  # noqa: E402
from leadline_dev.celery_stack import CeleryStack  # noqa: E402
from leadline_dev.demo import TENANT, ensure_tenant  # noqa: E402
from leadline_dev.stack import EmbeddedStack, stopped_on_exit  # noqa: E402


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[94] if len(values) > 1 else values[0]


def task_work_s(metadata, run_id: str) -> float:
    from datetime import datetime

    from sqlalchemy import text

    def parsed(value):
        return value if isinstance(value, datetime) else datetime.fromisoformat(value)

    with metadata.connect() as conn:
        rows = conn.execute(text(
            "SELECT start_date, end_date FROM task_instance WHERE dag_id = 'call_processing' AND run_id = :run "
            "AND start_date IS NOT NULL AND end_date IS NOT NULL"), {"run": run_id}).all()
    return sum((parsed(r.end_date) - parsed(r.start_date)).total_seconds() for r in rows)


def main() -> None:
    import httpx
    from sqlalchemy import create_engine, text

    from leadline.domain.signature import sign

    parser = argparse.ArgumentParser()
    parser.add_argument("--stack", choices=("embedded", "celery"), default="embedded")
    parser.add_argument("--calls", type=int, default=20)
    parser.add_argument("--interval", type=float, default=10.0)
    parser.add_argument("--timeout", type=float, default=1800)
    args = parser.parse_args()

    home = leadline_home() / f"bench-{args.stack}"
    shutil.rmtree(home, ignore_errors=True)
    ports = {"api_port": 18080, "intake_port": 18081, "recordings_port": 18082}
    stack = (CeleryStack(home, name="leadline_bench", sandbox_port=18090, sandbox_tls_port=18091, redis_db=7, **ports)
             if args.stack == "celery" else EmbeddedStack(home, **ports))
    os.environ.update({k: v for k, v in stack.env.items() if k.startswith(("AIRFLOW", "LEADLINE"))})
    stack.prepare()
    engine = create_store_engine(stack.store_url)
    secret_file = stack.home / "secrets" / "demo-webhook-secret"
    ensure_tenant(engine, secret_file)
    secret = secret_file.read_text().strip()

    def post(call_id: str) -> None:
        body = json.dumps({"call_id": call_id, "tenant_id": TENANT, "caller_id": "+15550142678",
                           "duration": "71", "recording_url":
                           f"http://127.0.0.1:{stack.recordings_port}/hot_lead.wav"}).encode()
        ts = str(int(time.time()))
        httpx.post(f"http://127.0.0.1:{stack.intake_port}/v1/callrail/webhook", content=body,
                   headers={"content-type": "application/json", "x-timestamp": ts,
                            "x-callrail-signature": sign(secret, ts, body)}).raise_for_status()

    def wait_for(prefix: str, count: int) -> list:
        deadline = time.monotonic() + args.timeout
        while True:
            with engine.connect() as conn:
                rows = conn.execute(text(
                    "SELECT call_id, status, processing_time_ms FROM processing_requests WHERE tenant_id = :tenant "
                    "AND call_id LIKE :prefix"), {"tenant": TENANT, "prefix": f"{prefix}%"}).all()
            if sum(r.status in ("completed", "failed", "skipped") for r in rows) == count:
                return rows
            if time.monotonic() > deadline:
                raise TimeoutError("calls did not finish in time")
            time.sleep(1)

    tag = time.strftime("B%H%M%S")
    with stopped_on_exit(stack):  # also on SIGTERM (a timeout): no service outlives the benchmark
        stack.start()
        post(f"W{tag}")
        [warmup] = wait_for(f"W{tag}", 1)
        for i in range(args.calls):
            post(f"{tag}{i:03d}")
            time.sleep(args.interval)
        rows = wait_for(tag, args.calls)
    metadata = create_engine(stack.metadata_url)
    end_to_end = [r.processing_time_ms / 1000 for r in rows]
    work = [task_work_s(metadata, f"call__{TENANT}__{r.call_id}") for r in rows]
    overhead = [e - w for e, w in zip(end_to_end, work, strict=True)]
    print(json.dumps({
        "stack": args.stack,
        "cold_start_s": round(warmup.processing_time_ms / 1000, 2),
        "calls": len(rows),
        "completed": sum(r.status == "completed" for r in rows),
        "p50_s": round(statistics.median(end_to_end), 2),
        "p95_s": round(p95(end_to_end), 2),
        "overhead_p95_s": round(p95(overhead), 2),
        "task_work_p95_s": round(p95(work), 2),
    }))


if __name__ == "__main__":
    main()
