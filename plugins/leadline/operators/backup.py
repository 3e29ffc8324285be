"""Backups with verification (operations runbook: daily backup, 7-day retention, restore and count). The verify
DAG restores the latest backup to a scratch copy (setup), checks it, and deletes the copy in a teardown that runs
even when a check fails. The mechanics per store live in leadline.store.backups: files for SQLite and PostgreSQL,
the database admin API for Cloud Spanner (the connection's optional extra `admin_endpoint`, host:port, names a
plaintext admin service to use instead of Cloud Spanner's). An admin service without the backup API (the Spanner
emulator answers 501) skips the task with that reason; the tasks after it skip too."""

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

    @property
    def admin_endpoint(self) -> str | None:
        from leadline.hooks.store import LeadlineStoreHook

        return LeadlineStoreHook(self.store_conn_id).connection.extra_dejson.get("admin_endpoint") or None

    def spanner_backups(self):
        from leadline.store.spanner_backups import SpannerBackups

        return SpannerBackups(self.engine.url, self.admin_endpoint, timeout_s=self.admin_timeout_s)


class CreateBackupOperator(BackupOperator):
    def __init__(self, *, retention_days: int = 7, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.retention_days = retention_days

    def execute(self, context) -> dict:
        from leadline.store.backups import BackupError, backup_dir, create_backup
        from leadline.store.spanner_backups import BackupsUnavailable

        try:
            if self.on_spanner:
                when = context.get("logical_date") or context["dag_run"].run_after
                backups = self.spanner_backups()
                result = backups.create(backups.backup_id(when), self.retention_days)
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
        from leadline.store.backups import BackupError, backup_dir, latest_backup, restore_to_scratch
        from leadline.store.spanner_backups import BackupsUnavailable

        try:
            if self.on_spanner:
                backups = self.spanner_backups()
                latest = backups.latest_ready()
                self.log.info("restoring backup %s (created %s)", latest.name, latest.create_time.isoformat())
                return backups.restore(latest.name, backups.scratch_id(context["run_id"]))
            return restore_to_scratch(self.engine, latest_backup(self.engine, backup_dir()), _run_tag(context))
        except BackupsUnavailable as exc:
            raise _skipped(exc) from exc
        except BackupError as exc:
            raise _failed(exc) from exc


class VerifyBackupCountsOperator(StoreOperator):
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

        restored = restored_counts(self.engine, self.restored_url)
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
        from leadline.store.backups import drop_scratch

        if self.restored_url and self.restored_url != "None":
            drop_scratch(self.engine, self.restored_url, self.admin_endpoint if self.on_spanner else None)
