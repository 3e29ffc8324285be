"""Daily account scoring for 100K accounts on the embedded store (SQLite): read the inputs, score, and
replace the day's recommendations, through the same operator the account_scoring DAG runs.

    python bench/scoring.py [--accounts 100000]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "plugins"), str(ROOT / "devtools")]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=100_000)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="leadline-scoring-bench-"))
    store_url = f"sqlite:///{workdir / 'leadline.db'}"
    os.environ.update({"AIRFLOW_HOME": str(workdir / "airflow"), "AIRFLOW_CONN_LEADLINE_DB": store_url})

    from sqlalchemy import func, insert, select

    from leadline.operators.accounts import AccountScoringOperator
    from leadline.store.engine import create_store_engine
    from leadline.store.migrate import upgrade
    from leadline.store.schema import (
        account_recommendations,
        call_records,
        entity_matches,
        sf_accounts,
        sf_opportunities,
    )
    from leadline.store.tenants import Tenant, add_tenant

    engine = create_store_engine(store_url)
    upgrade(engine)
    rng = random.Random(3)
    as_of = datetime(2026, 11, 23, 8, tzinfo=UTC)
    n = args.accounts
    with engine.begin() as conn:
        add_tenant(conn, Tenant("bench", "Bench", "active", "env:UNUSED"))
        conn.execute(insert(sf_accounts), [{"tenant_id": "bench", "account_id": f"A{i}", "account_name": f"Account {i}",
                                            "system_modstamp": as_of, "synced_at": as_of} for i in range(n)])
        conn.execute(insert(sf_opportunities), [
            {"tenant_id": "bench", "opportunity_id": f"O{i}", "account_id": f"A{rng.randrange(n)}",
             "amount": float(rng.randrange(1000, 100_000)), "is_closed": rng.random() < 0.3,
             "system_modstamp": as_of, "synced_at": as_of} for i in range(n // 2)])
        calls = [{"tenant_id": "bench", "call_id": f"K{i}", "lead_score": rng.randrange(0, 101),
                  "raw_payload": {}, "created_at": as_of - timedelta(days=rng.random() * 40),
                  "updated_at": as_of} for i in range(n)]
        conn.execute(insert(call_records), calls)
        conn.execute(insert(entity_matches), [
            {"tenant_id": "bench", "source_type": "call", "source_id": c["call_id"],
             "account_id": f"A{rng.randrange(n)}", "contact_id": None, "method": "email", "confidence": 0.99,
             "matched_at": as_of} for c in calls])
    operator = AccountScoringOperator(task_id="score_accounts")
    started = time.perf_counter()
    operator.execute({"data_interval_end": as_of, "run_id": "bench"})
    seconds = time.perf_counter() - started
    with engine.connect() as conn:
        written = conn.execute(select(func.count()).select_from(account_recommendations)).scalar_one()
    print(json.dumps({"accounts": n, "recommendations": written, "seconds": round(seconds, 2)}))


if __name__ == "__main__":
    main()
