"""Backups with verification (operations runbook: daily backup, 7-day retention, restore and count). The verify
DAG restores the latest backup to a scratch copy (setup), checks it, and deletes the copy in a teardown that runs
even when a check fails. The mechanics per store are hooks': files for SQLite and PostgreSQL
(leadline.hooks.database_dump), the database admin API for Cloud Spanner (leadline.hooks.spanner_backups; the
connection's optional extra `admin_endpoint`, host:port, names a plaintext admin service to use instead of Cloud
Spanner's); the counts are the store's SQL (leadline.store.backups). On Spanner the backup and the restore wait
for their admin operations in the triggerer (leadline.triggers). An admin service without the backup API (the
Spanner emulator answers 501) skips the task with that reason; the tasks after it skip too."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from leadline.operators.base import StoreOperator


def _failed(exc: Exception):
    from airflow.sdk.exceptions import AirflowFailException

    return AirflowFailException(str(exc))


def _skipped(exc: Exception):
    from airflow.sdk.exceptions import AirflowSkipException

    return AirflowSkipException(str(exc))


@contextmanager
def _reported():
    """A backup API the endpoint lacks skips the task; a refusal or failure fails it without retries."""
    from leadline.domain.backups import BackupError
    from leadline.hooks.spanner_backups import BackupsUnavailable

    try:
        yield
    except BackupsUnavailable as exc:
        raise _skipped(exc) from exc
    except BackupError as exc:
        raise _failed(exc) from exc


def _spanner_backup_id(context, backups) -> str:
    from leadline.domain.backups import spanner_backup_id

    return spanner_backup_id(backups.database_id, context.get("logical_date") or context["dag_run"].run_after)


def _run_tag(context) -> str:
    return "".join(c if c.isalnum() else "_" for c in context["run_id"]).lower()[-40:]


class BackupOperator(StoreOperator):
    """A store operator that also reaches the store's backup mechanics (Spanner: its database admin API)."""

    def __init__(self, *, admin_timeout_s: float = 3600, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.admin_timeout_s = admin_timeout_s

    @property
    def on_spanner(self) -> bool:
        """From the connection's URL: a Spanner task that only calls the admin API builds no engine."""
        from leadline.store.connection_uri import is_spanner

        return is_spanner(self.store_hook.sqlalchemy_url())

    def spanner_backups(self):
        from leadline.hooks.spanner_backups import SpannerBackupsHook

        return SpannerBackupsHook(self.store_conn_id, timeout_s=self.admin_timeout_s, store=self.store_hook)


class CreateBackupOperator(BackupOperator):
    """The day's backup. On Spanner, `deferrable` (the default) starts it and waits for it in the triggerer
    (triggers.SpannerBackupTrigger), so a backup of up to an hour holds no worker slot; the task resumes in
    `execute_complete` to read it and apply the retention. SQLite and PostgreSQL back up in the task."""

    def __init__(self, *, retention_days: int = 7, deferrable: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.retention_days = retention_days
        self.deferrable = deferrable

    def execute(self, context) -> dict:
        from leadline.hooks.database_dump import backup_dir, create_backup

        with _reported():
            if self.on_spanner:
                backups = self.spanner_backups()
                backup_id = _spanner_backup_id(context, backups)
                if self.deferrable:
                    self._defer_on(backups.start_backup(backup_id, self.retention_days))
                result = backups.create(backup_id, self.retention_days)
            else:
                result = create_backup(self.engine, backup_dir(), self.retention_days)
        return self._written(result)

    def execute_complete(self, context, event: dict, operation: str | None = None) -> dict:
        """Resumed once the trigger saw the backup READY or gone. When it was the schedule's pending backup,
        ours is started now and awaited in turn; ours is read again (the event names it only), and its failure
        reported with its CreateBackup operation's error, as the task's own wait reports it."""
        with _reported():
            backups = self.spanner_backups()
            backup_id = _spanner_backup_id(context, backups)
            if event["backup"] != backups.backup_name(backup_id):
                self._defer_on(backups.start_backup(backup_id, self.retention_days, after_pending=True))
            result = backups.finish_backup(backups.ready_backup(event["backup"], operation), self.retention_days)
        return self._written(result)

    def _defer_on(self, started) -> None:
        from leadline.triggers import SpannerBackupTrigger

        self.log.info("waiting in the triggerer for backup %s%s", started.name,
                      "" if started.ours else " (another backup of the database, pending: ours follows)")
        self.defer(trigger=SpannerBackupTrigger(self.store_conn_id, started.name), method_name="execute_complete",
                   kwargs={"operation": started.operation_name}, timeout=timedelta(seconds=self.admin_timeout_s))

    def _written(self, result: dict) -> dict:
        self.log.info("backup %s written (%s bytes); %s expired backups removed", result["backup"],
                      result["bytes"], result["expired_removed"])
        return result


class RestoreLatestBackupOperator(BackupOperator):
    """Setup: copies the newest backup to a scratch database and returns the copy's URL; fails when the backup
    is stale or unreadable. On Spanner, `deferrable` (the default) starts the RestoreDatabase operation and waits
    for it in the triggerer (triggers.SpannerRestoreTrigger), so a long copy holds no worker slot; the task
    resumes in `execute_complete` with the copy's URL, or fails as its own wait would. SQLite and PostgreSQL
    restore in the task."""

    def __init__(self, *, deferrable: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.deferrable = deferrable

    def execute(self, context) -> str:
        from leadline.domain.backups import spanner_scratch_id
        from leadline.hooks.database_dump import backup_dir, latest_backup, restore_to_scratch

        with _reported():
            if not self.on_spanner:
                return restore_to_scratch(self.engine, latest_backup(self.engine, backup_dir()), _run_tag(context))
            backups = self.spanner_backups()
            latest = backups.latest_ready()
            database_id = spanner_scratch_id(backups.database_id, context["run_id"])
            self.log.info("restoring backup %s (created %s)", latest.name, latest.create_time.isoformat())
            if not self.deferrable:
                return backups.restore(latest.name, database_id)
            self._defer_on(backups.start_restore(latest.name, database_id).operation.name)

    def execute_complete(self, context, event: dict) -> str:
        """Resumed once the trigger saw the RestoreDatabase operation done (or unreadable): reads it again (the
        event names it only; the copy is this run's scratch database), and returns the copy's URL or fails with
        its error, the half-made copy dropped."""
        from leadline.domain.backups import spanner_scratch_id

        with _reported():
            backups = self.spanner_backups()
            return backups.finish_restore(event["operation"], spanner_scratch_id(backups.database_id,
                                                                                 context["run_id"]))

    def _defer_on(self, operation_name: str) -> None:
        from leadline.triggers import SpannerRestoreTrigger

        self.log.info("waiting in the triggerer for restore operation %s", operation_name)
        self.defer(trigger=SpannerRestoreTrigger(self.store_conn_id, operation_name), method_name="execute_complete",
                   timeout=timedelta(seconds=self.admin_timeout_s))


class VerifyBackupCountsOperator(BackupOperator):
    """The runbook's counts on the restored copy against the live store, within a tolerance for rows
    written since the backup was taken."""

    template_fields: Sequence[str] = ("restored_url",)

    def __init__(self, *, restored_url: str, tolerance: float = 0.05, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.restored_url = restored_url
        self.tolerance = tolerance

    def execute(self, context) -> dict:
        from airflow.sdk.exceptions import AirflowFailException

        from leadline.store.backups import restored_counts, runbook_counts

        # a Spanner copy is reached as the store is: with the connection's credentials, an inline key among them
        credentials = self.spanner_backups().credentials() if self.on_spanner else None
        restored = restored_counts(self.engine, self.restored_url, credentials)
        live = runbook_counts(self.engine)
        problems = []
        for table, live_count in live.items():
            backup_count = restored.get(table, 0)
            allowed = max(1, int(live_count * self.tolerance))
            if backup_count > live_count or live_count - backup_count > allowed:
                problems.append(f"{table}: backup {backup_count} vs live {live_count}")
        if restored.get("tenants", 0) == 0 and live.get("tenants", 0) > 0:
            problems.append("restored copy has no tenants")
        if problems:
            raise AirflowFailException("backup counts disagree: " + "; ".join(problems))
        return {"tables": restored}


class DropRestoredCopyOperator(BackupOperator):
    template_fields: Sequence[str] = ("restored_url",)

    def __init__(self, *, restored_url: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.restored_url = restored_url

    def execute(self, context) -> None:
        from leadline.hooks.database_dump import drop_scratch

        if not self.restored_url or self.restored_url == "None":
            return
        if self.on_spanner:
            self.spanner_backups().drop_copy(self.restored_url)
        else:
            drop_scratch(self.engine, self.restored_url)
