"""Two intake processes sharing admission through the local Redis (LEADLINE_REDIS_URL): together they accept no
more than the tenant's limit, a block made by one is honoured by the other, and each writes its minute counts to
the store, which health_check reads."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import redis

from leadline.domain.signature import sign
from leadline.store.engine import create_store_engine
from leadline.store.intake_counts import intake_counts_all_tenants
from leadline_dev.stack import terminate_with_parent
from tests.conftest import ROOT, python_path
from tests.tiers import server_missing

pytestmark = pytest.mark.timeout(300)

REDIS_DB = 11
SECRET = "acme-redis-secret-0123456789"
LIMIT = 30


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def redis_url():
    url = f"redis://127.0.0.1:6379/{REDIS_DB}"
    client = redis.Redis.from_url(url)
    try:
        client.flushdb()
    except redis.ConnectionError:
        server_missing("Redis", "127.0.0.1:6379 is not reachable (LEADLINE_REDIS_URL)")
    yield url
    client.flushdb()


@pytest.fixture
def two_intakes(tmp_path, redis_url):
    store_url = f"sqlite:///{tmp_path / 'leadline.db'}"
    env = {**os.environ, "PYTHONPATH": python_path(ROOT / "plugins"), "LEADLINE_HOME": str(tmp_path),
           "ACME_SECRET": SECRET, "LEADLINE_REDIS_URL": redis_url}
    cli = [sys.executable, "-m", "leadline.cli", "--store-url", store_url]
    for command in (["db", "upgrade"],
                    ["tenants", "add", "acme", "--name", "Acme", "--webhook-secret-ref", "env:ACME_SECRET"],
                    ["tenants", "set-limits", "acme", "--requests-per-minute", str(LIMIT), "--burst", str(LIMIT)]):
        subprocess.run([*cli, *command], env=env, check=True, capture_output=True)
    ports = [free_port(), free_port()]
    servers = [subprocess.Popen([*cli, "intake", "serve", "--port", str(port), "--log-level", "warning"], env=env,
                                preexec_fn=terminate_with_parent) for port in ports]
    try:
        for port in ports:
            deadline = time.monotonic() + 30
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    assert time.monotonic() < deadline, "intake did not start"
                    time.sleep(0.1)
        yield [f"http://127.0.0.1:{port}" for port in ports], servers, create_store_engine(store_url)
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=30)


def post(base: str, call_id: str, secret: str = SECRET) -> httpx.Response:
    body = json.dumps({"tenant_id": "acme", "call_id": call_id, "duration": "60"}).encode()
    ts = str(int(time.time()))
    return httpx.post(f"{base}/v1/callrail/webhook", content=body, timeout=10, headers={
        "content-type": "application/json", "x-timestamp": ts, "x-callrail-signature": sign(secret, ts, body)})


def test_two_instances_share_the_tenant_limit_and_the_blocks(two_intakes):
    bases, servers, engine = two_intakes
    # The sliding window may let one request more through across a minute boundary: start inside a minute.
    if time.time() % 60 > 45:
        time.sleep(61 - time.time() % 60)
    answers = [post(bases[i % 2], f"LIM{i:03d}") for i in range(3 * LIMIT)]
    accepted = [a for a in answers if a.status_code == 200]
    limited = [a for a in answers if a.status_code == 429]
    assert len(accepted) == LIMIT and len(limited) == 2 * LIMIT
    assert {a.json()["error"] for a in limited} == {"rate_limited"}
    assert all(int(a.headers["retry-after"]) >= 1 for a in limited)
    # both instances admitted some: the limit is shared, not split
    assert {bases[i % 2] for i, a in enumerate(answers) if a.status_code == 200} == set(bases)

    failures = [post(bases[0], f"BAD{i}", secret="not-the-secret") for i in range(10)]
    assert [a.status_code for a in failures] == [401] * 10  # the tenth starts a block
    blocked = post(bases[1], "AFTER1")  # the other instance, a valid request from the blocked address
    assert (blocked.status_code, blocked.json()["error"]) == (403, "client_blocked")
    assert 290 <= int(blocked.headers["retry-after"]) <= 300

    for server in servers:  # a clean stop writes the minute's counts
        server.terminate()
        server.wait(timeout=30)
    counts = {(r["tenant_id"], r["event"]): r["count"]
              for r in intake_counts_all_tenants(engine, datetime.now(UTC) - timedelta(minutes=5))}
    assert counts == {("acme", "accepted"): LIMIT, ("acme", "rate_limited"): 2 * LIMIT,
                      ("acme", "invalid_signature"): 10, ("acme", "block_started"): 1,
                      ("_unknown", "client_blocked"): 1}
