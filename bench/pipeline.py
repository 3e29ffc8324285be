"""End-to-end latency of the per-call pipeline on the embedded stack.

    python bench/pipeline.py [--calls 20] [--interval 10]

Starts a fresh embedded stack of its own (home .leadline/bench, ports 18080-18082), processes one warm-up call
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
import sqlite3
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "plugins"))

from leadline.config import leadline_home  # noqa: E402
from leadline.demo import TENANT, ensure_tenant  # noqa: E402
from leadline.stack import EmbeddedStack  # noqa: E402
from leadline.store.engine import create_store_engine  # noqa: E402


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[94] if len(values) > 1 else values[0]


def task_work_s(airflow_db: Path, run_id: str) -> float:
    with sqlite3.connect(airflow_db) as db:
        rows = db.execute(
            "SELECT SUM((julianday(end_date) - julianday(start_date)) * 86400) FROM task_instance "
            "WHERE dag_id = 'call_processing' AND run_id = ? AND end_date IS NOT NULL", (run_id,)).fetchone()
    return rows[0] or 0.0


def main() -> None:
    import httpx

    from leadline.domain.signature import sign

    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=20)
    parser.add_argument("--interval", type=float, default=10.0)
    parser.add_argument("--timeout", type=float, default=1800)
    args = parser.parse_args()

    home = leadline_home() / "bench"
    shutil.rmtree(home, ignore_errors=True)
    stack = EmbeddedStack(home, api_port=18080, intake_port=18081, recordings_port=18082)
    os.environ.update({k: v for k, v in stack.env.items() if k.startswith(("AIRFLOW", "LEADLINE"))})
    stack.prepare()
    engine = create_store_engine(stack.store_url)
    secret_file = stack.home / "secrets" / "demo-webhook-secret"
    ensure_tenant(engine, secret_file)
    stack.start()
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
                rows = conn.exec_driver_sql(
                    "SELECT call_id, status, processing_time_ms FROM processing_requests WHERE tenant_id = ? "
                    f"AND call_id LIKE '{prefix}%'", (TENANT,)).all()
            if sum(r.status in ("completed", "failed", "skipped") for r in rows) == count:
                return rows
            if time.monotonic() > deadline:
                raise TimeoutError("calls did not finish in time")
            time.sleep(1)

    tag = time.strftime("B%H%M%S")
    try:
        post(f"W{tag}")
        [warmup] = wait_for(f"W{tag}", 1)
        for i in range(args.calls):
            post(f"{tag}{i:03d}")
            time.sleep(args.interval)
        rows = wait_for(tag, args.calls)
    finally:
        stack.stop()
    airflow_db = stack.home / "airflow" / "airflow.db"
    end_to_end = [r.processing_time_ms / 1000 for r in rows]
    work = [task_work_s(airflow_db, f"call__{TENANT}__{r.call_id}") for r in rows]
    overhead = [e - w for e, w in zip(end_to_end, work, strict=True)]
    print(json.dumps({
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
