"""What keeps the intake's latency flat under load: SQLite batches committed on the event loop but never waiting
there for another writer's lock, and one tenant lookup at a time when a cached entry expires."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time

from sqlalchemy import func, select

from leadline.config import IntakeSettings
from leadline.intake.service import Intake
from leadline.intake.writer import GroupCommitWriter
from leadline.store.intake import IncomingCall
from leadline.store.schema import processing_requests


def _call(call_id: str) -> IncomingCall:
    return IncomingCall("acme", call_id, None, "+15551234567", None, 60, True, None, None, {"call_id": call_id})


def test_a_batch_finding_sqlite_locked_is_stored_by_the_thread_without_blocking_the_loop(seeded_engine):
    database = seeded_engine.url.database
    writer = GroupCommitWriter(seeded_engine)

    async def scenario() -> tuple[float, object, bool]:
        holder = sqlite3.connect(database, check_same_thread=False)
        holder.execute("BEGIN IMMEDIATE")  # an Airflow task mid-transaction on the same file
        future = writer.submit(_call("LOCKED1"))
        started = time.monotonic()
        ticks = 0
        while time.monotonic() - started < 0.5:  # the loop keeps turning while the file is locked
            await asyncio.sleep(0.01)
            ticks += 1
        pending_while_locked = not future.done()
        holder.commit()
        holder.close()
        return ticks, await asyncio.wait_for(future, 15), pending_while_locked

    try:
        ticks, result, pending_while_locked = asyncio.run(scenario())
    finally:
        writer.close()
    assert pending_while_locked and result.created
    assert ticks >= 20  # ~50 possible; the loop waited at most the inline lock wait once
    with seeded_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(processing_requests)
                            .where(processing_requests.c.call_id == "LOCKED1")).scalar_one() == 1


def test_an_expired_tenant_is_looked_up_once_however_many_webhooks_wait(seeded_engine, store_url, tmp_path):
    intake = Intake(IntakeSettings(store_url=store_url, storage_url=tmp_path.as_uri()))
    lookups = []
    original = intake.tenants.lookup

    def slow_lookup(tenant_id):
        lookups.append(threading.get_ident())
        time.sleep(0.05)
        return original(tenant_id)

    intake.tenants.lookup = slow_lookup

    async def scenario():
        first = await asyncio.gather(*(intake._tenant("acme") for _ in range(50)))
        intake.tenants._ttl_s = 0.0  # the entry expires: served stale while one refresh runs
        again = await asyncio.gather(*(intake._tenant("acme") for _ in range(50)))
        await asyncio.sleep(0.2)
        return first, again

    first, again = asyncio.run(scenario())
    assert len(lookups) == 2  # one to load, one to refresh, for 100 webhooks
    assert {e.tenant.tenant_id for e in first + again} == {"acme"}
    intake.writer.close()
