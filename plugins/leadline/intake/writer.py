"""Group commit: the intake's handlers hand their calls to one writer thread, which stores
whatever has queued up (waiting up to LINGER_S for more once the first call is in) in a single transaction,
and answers each handler only after commit: one wake-up of the event loop per batch, not per call."""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time

from sqlalchemy import Engine

from leadline.store.intake import IncomingCall, IntakeResult, record_calls

log = logging.getLogger(__name__)

_STOP = object()
# A batch's first call waits at most this long for company: a few ms of latency buys several calls per
# transaction (and per event-loop wake-up) under load.
LINGER_S = 0.002


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

    def submit(self, call: IncomingCall) -> asyncio.Future:
        self._ensure_started()
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._queue.put((call, future, loop))
        return future

    def _ensure_started(self) -> None:
        if self._thread is not None:
            return
        with self._lock:
            if self._thread is None:
                thread = threading.Thread(target=self._run, name="leadline-intake-writer", daemon=True)
                thread.start()
                self._thread = thread

    def close(self) -> None:
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
            deadline = time.monotonic() + LINGER_S
            while len(batch) < self._max_batch:
                try:
                    item = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
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
