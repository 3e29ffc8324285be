"""Triggers that run in the triggerer: waiting costs no worker slot and no task process."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from functools import partial
from typing import Any

from airflow.triggers.base import BaseTrigger, TriggerEvent


class PendingCallsTrigger(BaseTrigger):
    """Polls the store's queue until a pending processing request exists. It carries the store's connection id,
    never its URL: the serialized trigger is stored in Airflow's database, and a URL would hold the password."""

    def __init__(self, store_conn_id: str, poll_interval_s: float = 1.0) -> None:
        super().__init__()
        self.store_conn_id = store_conn_id
        self.poll_interval_s = poll_interval_s

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return ("leadline.triggers.PendingCallsTrigger",
                {"store_conn_id": self.store_conn_id, "poll_interval_s": self.poll_interval_s})

    async def run(self) -> AsyncIterator[TriggerEvent]:
        from sqlalchemy.exc import SQLAlchemyError

        from leadline.hooks.store import LeadlineStoreHook
        from leadline.store.connection_uri import sqlalchemy_url
        from leadline.store.engine import create_store_engine
        from leadline.store.processing import count_pending

        connection = await LeadlineStoreHook.aget_connection(self.store_conn_id)
        engine = await asyncio.to_thread(create_store_engine, sqlalchemy_url(connection))
        try:
            while True:
                try:
                    pending = await asyncio.to_thread(count_pending, engine)
                except SQLAlchemyError as exc:  # the store is briefly unreachable: keep waiting, don't fail
                    self.log.warning("store unavailable, polling again: %s", type(exc).__name__)
                    pending = 0
                if pending:
                    yield TriggerEvent({"pending": pending})
                    return
                await asyncio.sleep(self.poll_interval_s)
        finally:
            engine.dispose()


def _transient(exceptions) -> tuple[type[Exception], ...]:
    """Google API errors a poll waits out (the operation goes on server-side); any other fails the wait."""
    return (exceptions.ServiceUnavailable, exceptions.DeadlineExceeded, exceptions.InternalServerError,
            exceptions.TooManyRequests, exceptions.Aborted)


async def _until_settled(log, poll: Callable[[], str], pending: str) -> str:
    """Calls `poll` (a Spanner admin read, in a thread) with the admin API's growing waits until it answers other
    than `pending`, and returns that answer. Transient Google errors are waited out; a BackupError (the thing is
    gone, or its read refused) is FAILED, which the resumed task reads again to report."""
    from google.api_core import exceptions

    from leadline.domain.backups import BackupError
    from leadline.hooks.spanner_admin import poll_waits

    for wait in poll_waits():
        try:  # the admin client is built (credentials included) in the thread of the first poll
            state = await asyncio.to_thread(poll)
        except _transient(exceptions) as exc:
            log.warning("Spanner admin API unavailable, polling again: %s", type(exc).__name__)
            state = pending
        except BackupError:
            state = "FAILED"
        if state != pending:
            return state
        await asyncio.sleep(wait)
    raise AssertionError("poll_waits is endless")


class SpeechOperationTrigger(BaseTrigger):
    """Waits in the triggerer for a Speech-to-Text recognition the transcribe task started, so a call's
    recognition (up to 15 minutes) holds no worker slot. It carries the speech connection's id and the
    operation's name only: no credentials, and its event names the operation, never the transcript (PII), which
    the resumed task reads itself."""

    def __init__(self, speech_conn_id: str, operation_name: str) -> None:
        super().__init__()
        self.speech_conn_id = speech_conn_id
        self.operation_name = operation_name

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return ("leadline.triggers.SpeechOperationTrigger",
                {"speech_conn_id": self.speech_conn_id, "operation_name": self.operation_name})

    async def run(self) -> AsyncIterator[TriggerEvent]:
        from google.api_core import exceptions

        from leadline.hooks.speech import SpeechHook

        hook = await SpeechHook.for_trigger(self.speech_conn_id)
        for wait in hook.poll_waits():
            try:  # the client is built (credentials included) in the thread of the first poll
                done = await asyncio.to_thread(hook.recognition_done, self.operation_name)
            except _transient(exceptions) as exc:
                self.log.warning("Speech-to-Text unavailable, polling again: %s", type(exc).__name__)
                done = False
            if done:
                yield TriggerEvent({"status": "done", "operation": self.operation_name})
                return
            await asyncio.sleep(wait)


class SpannerBackupTrigger(BaseTrigger):
    """Waits in the triggerer for a Cloud Spanner backup to be READY (the create_backup task's, or the pending one
    of the backup schedule it must wait for first), so a backup of up to an hour holds no worker slot. It carries
    the store connection's id and the backup's name only: no credentials, no URL. It polls GetBackup with growing
    waits and yields once the backup is READY or no longer being created (failed: Spanner removes it); the
    resumed task reads the backup again and says why."""

    def __init__(self, store_conn_id: str, backup_name: str) -> None:
        super().__init__()
        self.store_conn_id = store_conn_id
        self.backup_name = backup_name

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return ("leadline.triggers.SpannerBackupTrigger",
                {"store_conn_id": self.store_conn_id, "backup_name": self.backup_name})

    async def run(self) -> AsyncIterator[TriggerEvent]:
        from leadline.hooks.spanner_backups import SpannerBackupsHook

        hook = await SpannerBackupsHook.for_trigger(self.store_conn_id)
        # gone (its creation failed) or refused: FAILED, and the resumed task reports which
        state = await _until_settled(self.log, partial(hook.backup_state, self.backup_name), "CREATING")
        yield TriggerEvent({"status": "ready" if state == "READY" else "failed", "backup": self.backup_name})


class SpannerRestoreTrigger(BaseTrigger):
    """Waits in the triggerer for the restore_latest_backup task's RestoreDatabase operation, so a copy of the
    store (as long as Spanner takes) holds no worker slot. It carries the store connection's id and the
    operation's name only: no credentials, no data. It polls the operation itself (GetOperation), never the
    database, which may read READY while its data is still being copied, with growing waits, and yields once
    the operation is done or can no longer be read; the resumed task reads the operation again and says why."""

    def __init__(self, store_conn_id: str, operation_name: str) -> None:
        super().__init__()
        self.store_conn_id = store_conn_id
        self.operation_name = operation_name

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return ("leadline.triggers.SpannerRestoreTrigger",
                {"store_conn_id": self.store_conn_id, "operation_name": self.operation_name})

    async def run(self) -> AsyncIterator[TriggerEvent]:
        from leadline.hooks.spanner_backups import SpannerBackupsHook

        hook = await SpannerBackupsHook.for_trigger(self.store_conn_id)
        # an operation that is gone, or whose read is refused, is FAILED: the resumed task reports which
        state = await _until_settled(self.log, partial(hook.restore_state, self.operation_name), "RESTORING")
        yield TriggerEvent({"status": "restored" if state == "RESTORED" else "failed",
                            "operation": self.operation_name})
