"""Load test of the standalone intake: signed webhooks on loopback, one JSON line of results per offered rate.

    python bench/intake.py [--seconds 60] [--rate 1000 | --rates 1000,2000,3000,4000] [--connections 32]
                           [--warmup 2] [--store sqlite|postgresql]

For each rate: starts `leadline intake serve` on a fresh store (a SQLite file, or a new database on the local
PostgreSQL), drives it at that fixed offered rate from signed requests over keep-alive connections (latency
counted after a --warmup at the same rate), then counts what the store holds: lost = accepted but not stored.
With --rates, a last line gives the saturation point: the first offered rate the intake could not keep up with
(served < 97 % of offered, or p99 over 1 s).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "plugins"), str(ROOT / "devtools")]

from leadline.domain.signature import sign  # noqa: E402
from leadline_dev.stack import terminate_with_parent  # noqa: E402

SECRET = "bench-secret-0123456789"
TENANT = "bench"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def build_request(port: int, seq: int, timestamp: str) -> bytes:
    body = json.dumps({"tenant_id": TENANT, "call_id": f"BENCH{seq:08d}", "duration": "180",
                       "caller_id": "+15551234567", "answered": True}, separators=(",", ":")).encode()
    head = (f"POST /v1/callrail/webhook HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            f"x-timestamp: {timestamp}\r\nx-callrail-signature: {sign(SECRET, timestamp, body)}\r\n\r\n")
    return head.encode() + body


async def read_response(reader: asyncio.StreamReader) -> int:
    status_line = await reader.readline()
    length = 0
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        name, _, value = line.decode().partition(":")
        if name.lower() == "content-length":
            length = int(value)
    await reader.readexactly(length)
    return int(status_line.split()[1])


async def drive(port: int, seconds: float, rate: float, connections: int, warmup_s: float) -> dict:
    """Offer `rate` req/s for warmup_s + seconds; latencies count only the requests due after the warm-up
    (first connections, the tenant's first lookup, SQLAlchemy's statement cache), statuses count all."""
    queue: asyncio.Queue = asyncio.Queue()
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    sent = 0

    async def worker() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        while True:
            item = await queue.get()
            if item is None:
                writer.close()
                return
            scheduled, request = item
            writer.write(request)
            status = await read_response(reader)
            if scheduled >= measured_from:  # latency from when it was due: no coordinated omission
                latencies.append(time.perf_counter() - scheduled)
            statuses[status] = statuses.get(status, 0) + 1

    workers = [asyncio.create_task(worker()) for _ in range(connections)]
    start = time.perf_counter()
    measured_from = start + warmup_s
    seconds += warmup_s
    interval = 1.0 / rate
    timestamp, stamped_at = str(int(time.time())), time.time()
    while True:
        now = time.perf_counter()
        if now - start >= seconds:
            break
        due = int((now - start) / interval) + 1
        if time.time() - stamped_at > 60:
            timestamp, stamped_at = str(int(time.time())), time.time()
        while sent < due:
            queue.put_nowait((start + sent * interval, build_request(port, sent, timestamp)))
            sent += 1
        await asyncio.sleep(0.002)
    for _ in workers:
        queue.put_nowait(None)
    await asyncio.gather(*workers)
    elapsed = time.perf_counter() - measured_from
    return {"sent": sent, "elapsed": elapsed, "latencies": latencies, "statuses": statuses}


@contextmanager
def fresh_store(kind: str, workdir: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{workdir / 'leadline.db'}"
        return
    import psycopg2

    name = f"leadline_bench_{os.getpid()}"
    admin = psycopg2.connect(host="127.0.0.1", user="postgres", dbname="postgres")
    admin.autocommit = True
    admin.cursor().execute(f"CREATE DATABASE {name}")
    try:
        yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    finally:
        admin.cursor().execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()


def stored_count(store_url: str) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(store_url)
    with engine.connect() as conn:
        count = conn.execute(text("SELECT COUNT(*) FROM processing_requests WHERE tenant_id = :t"),
                             {"t": TENANT}).scalar_one()
    engine.dispose()
    return count


def run_at(rate: float, args) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix="leadline-bench-"))
    with fresh_store(args.store, workdir) as store_url:
        env = {**os.environ, "LEADLINE_HOME": str(workdir), "BENCH_SECRET": SECRET,
               "PYTHONPATH": str(ROOT / "plugins")}
        cli = [sys.executable, "-m", "leadline.cli", "--store-url", store_url]
        subprocess.run([*cli, "db", "upgrade"], env=env, check=True, capture_output=True)
        subprocess.run([*cli, "tenants", "add", TENANT, "--name", "Bench", "--webhook-secret-ref",
                        "env:BENCH_SECRET", "--requests-per-minute", str(int(rate * 60 * 2))],
                       env=env, check=True, capture_output=True)
        port = free_port()
        # the server gets SIGTERM if the benchmark dies, however it dies (a timeout's kill included)
        server = subprocess.Popen([*cli, "intake", "serve", "--port", str(port), "--log-level", "warning",
                                   "--no-access-log"], env=env, preexec_fn=terminate_with_parent)
        try:
            for _ in range(200):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                    break
                except OSError:
                    time.sleep(0.05)
            result = asyncio.run(drive(port, args.seconds, rate, args.connections, args.warmup))
        finally:
            server.terminate()
            server.wait(timeout=30)
        stored = stored_count(store_url)
    lat = sorted(result["latencies"])
    q = statistics.quantiles(lat, n=100) if len(lat) > 1 else [0.0] * 99
    accepted = result["statuses"].get(200, 0)
    return {
        "store": args.store,
        "offered_rps": rate,
        "rps": round(len(lat) / result["elapsed"], 1),
        "p50_ms": round(q[49] * 1000, 2),
        "p95_ms": round(q[94] * 1000, 2),
        "p99_ms": round(q[98] * 1000, 2),
        "sent": result["sent"],
        "stored": stored,
        "lost": accepted - stored,
        "non_200": sum(v for k, v in result["statuses"].items() if k != 200),
        "seconds": round(result["elapsed"], 1),
    }


def saturated(line: dict) -> bool:
    return line["rps"] < 0.97 * line["offered_rps"] or line["p99_ms"] > 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60)
    rates = parser.add_mutually_exclusive_group()
    rates.add_argument("--rate", type=float, default=1000)
    rates.add_argument("--rates", help="comma-separated offered rates, swept in order")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds driven at the rate before measuring")
    parser.add_argument("--store", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()
    if not args.rates:
        print(json.dumps(run_at(args.rate, args)), flush=True)
        return
    saturation = None
    for rate in (float(r) for r in args.rates.split(",")):
        line = run_at(rate, args)
        print(json.dumps(line), flush=True)
        if saturated(line):
            saturation = rate
            break
    print(json.dumps({"store": args.store, "saturation_offered_rps": saturation,
                      "note": None if saturation else "kept up with every offered rate"}))


if __name__ == "__main__":
    main()
