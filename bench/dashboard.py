"""Dashboard latency with 100K calls in the store.

    python bench/dashboard.py [--calls 100000] [--requests 30]

Seeds a fresh SQLite store (home .leadline/bench-dashboard) with --calls calls of one tenant over 30 days
(plus 10 % as many for a second tenant), starts the Airflow API server with the Leadline plugin (port 18380),
logs in as a tenant user through Airflow's /auth/token, then requests every page and API endpoint --requests
times each, sequentially, and prints one JSON line: p95 over all pages and over all API calls, and the p95
and slowest time of each endpoint. The issue's target: no page over 1 s.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "plugins"), str(ROOT / "devtools")]

from leadline.config import leadline_home  # noqa: E402
from leadline_dev.stack import EmbeddedStack, stopped_on_exit  # noqa: E402

USERS = {"alice": ("user", "bench-password-alice")}


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[94] if len(values) > 1 else values[0]


def seed(store_url: str, calls: int) -> str:
    from leadline.store.engine import create_store_engine
    from leadline.store.migrate import upgrade
    from leadline_dev.sandbox.seed import add_tenants_with_members, insert_call_history

    engine = create_store_engine(store_url)
    upgrade(engine)
    add_tenants_with_members(engine, {"acme": "alice", "globex": None})
    now = datetime.now(UTC)
    insert_call_history(engine, "acme", calls, days=30, now=now, prefix="AC")
    insert_call_history(engine, "globex", calls // 10, days=30, now=now, prefix="GX")
    engine.dispose()
    return f"AC{calls - 5:07d}"  # a recent, completed call


def main() -> None:
    import httpx

    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args()

    home = leadline_home() / "bench-dashboard"
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    stack = EmbeddedStack(home, api_port=18380, intake_port=18381, recordings_port=18382, users=USERS,
                          only=("api-server",))
    call_id = seed(stack.store_url, args.calls)
    stack.prepare()
    with stopped_on_exit(stack):  # also on SIGTERM (a timeout): no service outlives the benchmark
        stack.start()
        today = datetime.now(UTC).date().isoformat()
        pages = {
            "overview": "/leadline/ui/",
            "calls": "/leadline/ui/calls?tenant=acme",
            "calls_filtered": f"/leadline/ui/calls?tenant=acme&status=completed&min_score=80&max_score=95&date={today}",
            "calls_page_100": "/leadline/ui/calls?tenant=acme&page=100",
            "call_detail": f"/leadline/ui/calls/acme/{call_id}",
            "accounts": "/leadline/ui/accounts?tenant=acme",
            "etl": "/leadline/ui/etl?tenant=acme",
        }
        apis = {
            "api_overview": "/leadline/api/v1/tenants/acme/overview",
            "api_calls": "/leadline/api/v1/tenants/acme/calls",
            "api_calls_filtered": "/leadline/api/v1/tenants/acme/calls?status=failed&date=" + today,
            "api_call": f"/leadline/api/v1/tenants/acme/calls/{call_id}",
            "api_accounts": "/leadline/api/v1/tenants/acme/accounts",
        }
        token = stack.token("alice")
        timings: dict[str, list[float]] = {}
        with httpx.Client(base_url=f"http://127.0.0.1:{stack.api_port}", cookies={"_token": token},
                          timeout=30) as client:
            for name, path in {**pages, **apis}.items():
                client.get(path).raise_for_status()  # warm: first use builds engines and template caches
                for _ in range(args.requests):
                    started = time.perf_counter()
                    client.get(path).raise_for_status()
                    timings.setdefault(name, []).append((time.perf_counter() - started) * 1000)
    page_times = [t for name in pages for t in timings[name]]
    api_times = [t for name in apis for t in timings[name]]
    print(json.dumps({
        "calls": args.calls + args.calls // 10,
        "requests_per_endpoint": args.requests,
        "page_p95_ms": round(p95(page_times), 1),
        "page_max_ms": round(max(page_times), 1),
        "api_p95_ms": round(p95(api_times), 1),
        "endpoints": {name: {"p95_ms": round(p95(t), 1), "max_ms": round(max(t), 1)} for name, t in timings.items()},
    }))


if __name__ == "__main__":
    main()
