"""Backups with verification (operations runbook: daily backup, 7-day retention, restore and count). The verify
DAG restores the latest backup to a scratch copy (setup), checks it, and deletes the copy in a teardown that runs
even when a check fails. The mechanics per store are hooks': files for SQLite and PostgreSQL
(leadline.hooks.database_dump), the database admin API for Cloud Spanner (leadline.hooks.spanner_backups; the
connection's optional extra `admin_endpoint`, host:port, names a plaintext admin service to use instead of Cloud
Spanner's); the counts are the store's SQL (leadline.store.backups). An admin service without the backup API (the
Spanner emulator answers 501) skips the task with that reason; the tasks after it skip too."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from leadline.operators.base import StoreOperator


def _failed(exc: Exception):
    from airflow.sdk.exceptions import AirflowFailException

    return AirflowFailException(str(exc))


def _skipped(exc: Exception):
    from airflow.sdk.exceptions import AirflowSkipException

    return AirflowSkipException(str(exc))


def _run_tag(context) -> str:
    return "".join(c if c.isalnum() else "_" for c in context["run_id"]).lower()[-40:]


class BackupOperator(StoreOperator):
    """A store operator that also reaches the store's backup mechanics (Spanner: its database admin API)."""

    def __init__(self, *, admin_timeout_s: float = 3600, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.admin_timeout_s = admin_timeout_s

    @property
    def on_spanner(self) -> bool:
        return self.engine.dialect.name.startswith("spanner")  # sqlalchemy-spanner: "spanner+spanner"

    def spanner_backups(self):
        from leadline.hooks.spanner_backups import SpannerBackupsHook

        return SpannerBackupsHook(self.store_conn_id, timeout_s=self.admin_timeout_s)


class CreateBackupOperator(BackupOperator):
    def __init__(self, *, retention_days: int = 7, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.retention_days = retention_days

    def execute(self, context) -> dict:
        from leadline.domain.backups import BackupError, spanner_backup_id
        from leadline.hooks.database_dump import backup_dir, create_backup
        from leadline.hooks.spanner_backups import BackupsUnavailable

        try:
            if self.on_spanner:
                when = context.get("logical_date") or context["dag_run"].run_after
                backups = self.spanner_backups()
                result = backups.create(spanner_backup_id(backups.database_id, when), self.retention_days)
            else:
                result = create_backup(self.engine, backup_dir(), self.retention_days)
        except BackupsUnavailable as exc:
            raise _skipped(exc) from exc
        except BackupError as exc:
            raise _failed(exc) from exc
        self.log.info("backup %s written (%s bytes); %s expired backups removed", result["backup"],
                      result["bytes"], result["expired_removed"])
        return result


class RestoreLatestBackupOperator(BackupOperator):
    """Setup: copies the newest backup to a scratch database; fails when it is stale or unreadable."""

    def execute(self, context) -> str:
        from leadline.domain.backups import BackupError, spanner_scratch_id
        from leadline.hooks.database_dump import backup_dir, latest_backup, restore_to_scratch
        from leadline.hooks.spanner_backups import BackupsUnavailable

        try:
            if self.on_spanner:
                backups = self.spanner_backups()
                latest = backups.latest_ready()
                self.log.info("restoring backup %s (created %s)", latest.name, latest.create_time.isoformat())
                return backups.restore(latest.name, spanner_scratch_id(backups.database_id, context["run_id"]))
            return restore_to_scratch(self.engine, latest_backup(self.engine, backup_dir()), _run_tag(context))
        except BackupsUnavailable as exc:
            raise _skipped(exc) from exc
        except BackupError as exc:
            raise _failed(exc) from exc


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
