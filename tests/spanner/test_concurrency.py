"""Concurrent writers on Spanner, which aborts a conflicting transaction instead of making it wait: the intake
retries an aborted transaction whole and never stores a call twice; two dispatchers claim every call exactly
once."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from google.cloud.spanner_dbapi.transaction_helper import TransactionRetryHelper
from sqlalchemy import func, select

import leadline.store.intake as intake_module
from leadline.store import engine as store_engine
from leadline.store.intake import record_calls
from leadline.store.processing import claim_pending
from leadline.store.schema import call_records, processing_requests
from tests.spanner.test_store_backends import _call

pytestmark = pytest.mark.spanner


@pytest.fixture
def contention(monkeypatch) -> Counter:
    """The conflicts between the store's transactions, counted where each is resolved: `replayed`, a transaction
    Spanner aborted that the Spanner DB API ran again itself (it goes on when the replay reads the same data);
    `retried_whole`, an aborted transaction that run_transaction ran again from the start; `refused_as_duplicate`,
    an intake batch whose insert found a row another writer had just stored, judged again call by call."""
    seen: Counter = Counter()
    real_replay = TransactionRetryHelper.retry_transaction

    def replay(helper, *args, **kwargs):
        seen["replayed"] += 1
        return real_replay(helper, *args, **kwargs)

    def counted_when_true(kind: str, predicate):
        def counting(exc) -> bool:
            found = predicate(exc)
            seen[kind] += found
            return found
        return counting

    monkeypatch.setattr(TransactionRetryHelper, "retry_transaction", replay)
    # run_transaction asks is_aborted only while it has an attempt left, so each True is a whole retry
    monkeypatch.setattr(store_engine, "is_aborted", counted_when_true("retried_whole", store_engine.is_aborted))
    monkeypatch.setattr(intake_module, "is_duplicate_key",
                        counted_when_true("refused_as_duplicate", intake_module.is_duplicate_key))
    return seen


def _stored(engine) -> tuple[Counter, Counter]:
    with engine.connect() as conn:
        calls = Counter(tuple(r) for r in conn.execute(select(call_records.c.tenant_id, call_records.c.call_id)))
        requests = Counter(tuple(r) for r in conn.execute(
            select(processing_requests.c.tenant_id, processing_requests.c.call_id)))
    return calls, requests


def test_concurrent_intake_of_the_same_and_different_calls_stores_each_once(spanner_store, contention):
    writers, rounds = 6, 4
    start = threading.Barrier(writers)

    def deliver(writer: int) -> list:
        start.wait()
        results = []
        for n in range(rounds):
            # every writer delivers the shared calls (CallRail retrying a webhook), plus calls of its own
            batch = [_call("acme", f"S{n}"), _call("globex", f"S{n}"), _call("acme", f"W{writer}-{n}")]
            results += list(zip(batch, record_calls(spanner_store, batch), strict=True))
        return results

    with ThreadPoolExecutor(writers) as pool:
        outcomes = [item for chunk in pool.map(deliver, range(writers)) for item in chunk]

    created = Counter(call.key for call, result in outcomes if result.created)
    request_ids: dict = {}
    for call, result in outcomes:
        assert result.request_id, call.key
        request_ids.setdefault(call.key, set()).add(result.request_id)
    expected = {("acme", f"S{n}") for n in range(rounds)} | {("globex", f"S{n}") for n in range(rounds)}
    expected |= {("acme", f"W{w}-{n}") for w in range(writers) for n in range(rounds)}
    assert set(created) == expected and set(created.values()) == {1}  # each call created exactly once
    assert all(len(ids) == 1 for ids in request_ids.values())  # every delivery answered with the one request
    calls, requests = _stored(spanner_store)
    assert set(calls) == set(requests) == expected
    assert set(calls.values()) == set(requests.values()) == {1}
    with spanner_store.connect() as conn:
        stored_ids = dict(((r.tenant_id, r.call_id), r.request_id) for r in conn.execute(
            select(processing_requests.c.tenant_id, processing_requests.c.call_id, processing_requests.c.request_id)))
    assert {key: ids.pop() for key, ids in request_ids.items()} == stored_ids
    # every conflict counted was resolved (no writer failed, each call is stored once): there must have been some
    assert contention.total() > 0, "the writers never conflicted: they ran one after another and proved nothing"


def test_two_intakes_racing_on_one_call_store_it_once(spanner_store, contention):
    """Two transactions both read that a call is new, then both insert it: one commits; the other is aborted
    (and runs again) or refused as a duplicate (and judged again on its own), finds the first one's row and
    answers with its request."""
    both_read = threading.Barrier(2)
    real_existing = intake_module._existing_requests
    calls = 0
    lock = threading.Lock()

    def existing_then_wait(conn, keys):
        nonlocal calls
        found = real_existing(conn, keys)
        with lock:
            calls += 1
            first_round = calls <= 2
        if first_round:
            both_read.wait(timeout=30)
        return found

    intake_module._existing_requests = existing_then_wait
    try:
        with ThreadPoolExecutor(2) as pool:
            results = list(pool.map(lambda _: record_calls(spanner_store, [_call("acme", "RACE")])[0], range(2)))
    finally:
        intake_module._existing_requests = real_existing
    assert sorted(r.created for r in results) == [False, True]
    assert results[0].request_id == results[1].request_id
    calls_stored, requests_stored = _stored(spanner_store)
    assert calls_stored == Counter({("acme", "RACE"): 1}) and requests_stored == Counter({("acme", "RACE"): 1})
    # both read the call as new, so the second to write cannot have gone through on what it read
    assert contention["retried_whole"] + contention["refused_as_duplicate"] >= 1, dict(contention)


def test_two_dispatchers_claim_every_call_exactly_once(spanner_store, contention):
    backlog = [_call(tenant, f"{tenant[0].upper()}{i}") for tenant in ("acme", "globex") for i in range(25)]
    record_calls(spanner_store, backlog)
    contention.clear()  # only the dispatchers' conflicts count
    start = threading.Barrier(2)

    def dispatcher(_n: int) -> list:
        start.wait()
        mine = []
        while batch := claim_pending(spanner_store, limit=4, per_tenant=2):
            mine += batch
        return mine

    with ThreadPoolExecutor(2) as pool:
        first, second = pool.map(dispatcher, range(2))
    claimed = [(c.tenant_id, c.call_id) for c in first + second]
    assert len(claimed) == len(set(claimed)) == len(backlog)  # every call, none twice
    assert set(claimed) == {call.key for call in backlog}
    with spanner_store.connect() as conn:
        statuses = dict(conn.execute(select(processing_requests.c.status, func.count())
                                     .group_by(processing_requests.c.status)).all())
    assert statuses == {"dispatched": len(backlog)}
    assert contention.total() > 0, "the dispatchers never conflicted: they claimed one after another"
