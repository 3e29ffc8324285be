"""Group commit: the intake's handlers hand over their calls, which are stored in batches, one transaction each,
and each handler is answered only after its batch committed.

Network stores (PostgreSQL, Spanner): one writer thread commits whatever has queued up while it was busy and
wakes the event loop once per batch. SQLite (a local file; a batch commits in well under a millisecond, mostly
in C): the batch of one event-loop iteration is committed on the loop itself, which avoids the writer thread's
waits for the GIL (several per commit, up to the 5 ms switch interval each, while the loop is busy: the intake's
p99 under load). SQLite only ever waits SQLITE_INLINE_LOCK_WAIT_MS on the loop for another writer's lock (an
Airflow task on the same file); a batch that finds the file locked goes to the writer thread, which waits as
long as the store's busy timeout allows."""

from __future__ import annotations

import asyncio
import logging
import queue
import threading

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from leadline.store.engine import create_store_engine
from leadline.store.intake import IncomingCall, IntakeResult, record_calls

log = logging.getLogger(__name__)

_STOP = object()
SQLITE_INLINE_LOCK_WAIT_MS = 20
# After a batch found the SQLite file locked, batches go to the thread for this long: a task holding the lock for
# seconds must not cost the loop a lock wait per batch.
LOCKED_BACKOFF_S = 1.0


def _resolve(outcomes: list[tuple[asyncio.Future, IntakeResult | None, BaseException | None]]) -> None:
    for future, result, error in outcomes:
        if future.cancelled():
            continue
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)


class GroupCommitWriter:
    def __init__(self, engine: Engine, max_batch: int = 200):
        self._engine = engine
        self._max_batch = max_batch
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._inline_engine = (create_store_engine(engine.url.render_as_string(hide_password=False),
                                                   sqlite_busy_timeout_ms=SQLITE_INLINE_LOCK_WAIT_MS)
                               if engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:")
                               else None)  # a second engine on an in-memory database would see another database
        self._pending: list = []
        self._thread_until = 0.0

    def submit(self, call: IncomingCall) -> asyncio.Future:
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        if self._inline_engine is None or loop.time() < self._thread_until:
            self._ensure_started()
            self._queue.put((call, future, loop))
            return future
        self._pending.append((call, future, loop))
        if len(self._pending) == 1:  # after the handlers already scheduled in this iteration have queued theirs
            loop.call_soon(self._commit_inline)
        return future

    def _commit_inline(self) -> None:
        batch, self._pending = self._pending, []
        try:
            results = record_calls(self._inline_engine, [call for call, _, _ in batch])
        except OperationalError as exc:
            if "locked" not in str(exc.orig):
                _resolve([(future, None, exc) for _, future, _ in batch])
                return
            # another writer holds the file: the thread waits for it, off the loop
            log.warning("store file locked by another writer: batches go through the writer thread for %ss",
                        LOCKED_BACKOFF_S)
            self._thread_until = asyncio.get_running_loop().time() + LOCKED_BACKOFF_S
            self._ensure_started()
            for item in batch:
                self._queue.put(item)
            return
        except Exception as exc:
            log.warning("intake batch of %s calls not stored: %s", len(batch), type(exc).__name__)
            _resolve([(future, None, exc) for _, future, _ in batch])
            return
        _resolve([(future, result, None) for (_, future, _), result in zip(batch, results, strict=True)])

    def _ensure_started(self) -> None:
        if self._thread is not None:
            return
        with self._lock:
            if self._thread is None:
                thread = threading.Thread(target=self._run, name="leadline-intake-writer", daemon=True)
                thread.start()
                self._thread = thread

    def close(self) -> None:
        if self._inline_engine is not None:
            self._inline_engine.dispose()
        if self._thread is not None:
            self._queue.put(_STOP)
            self._thread.join(timeout=10)
            self._thread = None

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is _STOP:
                return
            batch = [item]
            while len(batch) < self._max_batch:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is _STOP:
                    self._queue.put(_STOP)
                    break
                batch.append(item)
            self._commit(batch)

    def _commit(self, batch: list) -> None:
        try:
            results: list = record_calls(self._engine, [call for call, _, _ in batch])
            error = None
        except Exception as exc:
            log.warning("intake batch of %s calls not stored: %s", len(batch), type(exc).__name__)
            results, error = [None] * len(batch), exc
        by_loop: dict[asyncio.AbstractEventLoop, list] = {}
        for (_, future, loop), result in zip(batch, results, strict=True):
            by_loop.setdefault(loop, []).append((future, result, error))
        for loop, outcomes in by_loop.items():
            loop.call_soon_threadsafe(_resolve, outcomes)
