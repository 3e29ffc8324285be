"""Per-minute counts of what this intake instance saw, by tenant and event, written to the store once a minute
(not per request) so health_check can alert on brute force and auth failures across every instance."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from leadline.store.intake_counts import save_intake_counts

log = logging.getLogger(__name__)

FLUSH_EVERY_S = 5.0


def _minute(now: float) -> int:
    return int(now // 60) * 60


class IntakeCounts:
    def __init__(self, engine: Engine):
        self._engine = engine
        self.instance_id = uuid.uuid4().hex
        self._minutes: dict[int, Counter] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def add(self, tenant_id: str, event: str, now: float) -> None:
        minute = _minute(now)
        with self._lock:
            counter = self._minutes.get(minute)
            if counter is None:
                counter = self._minutes[minute] = Counter()
                self._ensure_started()
            counter[(tenant_id, event)] += 1

    def _ensure_started(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="leadline-intake-counts", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(FLUSH_EVERY_S):
            self.flush(before=_minute(time.time()))

    def flush(self, before: float | None = None) -> None:
        """Store the minutes that ended before `before` (all of them when None); a minute the store refused
        stays queued for the next flush."""
        with self._lock:
            done = {m: c for m, c in self._minutes.items() if before is None or m < before}
            for minute in done:
                del self._minutes[minute]
        for minute, counter in sorted(done.items()):
            try:
                save_intake_counts(self._engine, self.instance_id, datetime.fromtimestamp(minute, UTC), counter)
            except IntegrityError:  # stored by an earlier flush whose commit reply was lost
                continue
            except SQLAlchemyError as exc:
                log.warning("intake counts for %s not stored yet: %s", minute, type(exc).__name__)
                with self._lock:
                    self._minutes.setdefault(minute, Counter()).update(counter)

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        self.flush()
