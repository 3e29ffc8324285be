"""Backups with verification (operations runbook: daily backup, 7-day retention, restore and count).

Embedded store: SQLite's online backup API. The verify DAG restores the latest backup to a scratch copy
(setup), checks it, and deletes the copy in a teardown that runs even when a check fails."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from leadline.operators.ops import StoreOperator

MAX_BACKUP_AGE = timedelta(hours=26)


def backup_dir() -> Path:
    import os

    from leadline.config import leadline_home

    return Path(os.environ.get("LEADLINE_BACKUP_DIR", leadline_home() / "backups"))


class CreateBackupOperator(StoreOperator):
    def __init__(self, *, retention_days: int = 7, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.retention_days = retention_days

    def execute(self, context) -> dict:
        from airflow.sdk.exceptions import AirflowFailException

        engine = self.engine
        if engine.dialect.name != "sqlite":
            raise AirflowFailException(f"backups for {engine.dialect.name} are not supported by this task")
        folder = backup_dir()
        folder.mkdir(parents=True, exist_ok=True)
        now = datetime.now(UTC)
        target = folder / f"leadline-{now:%Y%m%dT%H%M%S}.db"
        source = sqlite3.connect(engine.url.database)
        destination = sqlite3.connect(target)
        try:
            source.backup(destination)  # consistent online copy, writers keep going
        finally:
            destination.close()
            source.close()
        expired = [p for p in folder.glob("leadline-*.db")
                   if datetime.fromtimestamp(p.stat().st_mtime, UTC) < now - timedelta(days=self.retention_days)]
        for path in expired:
            path.unlink()
        self.log.info("backup %s written (%s bytes); %s expired backups removed", target.name,
                      target.stat().st_size, len(expired))
        return {"backup": target.name, "bytes": target.stat().st_size, "expired_removed": len(expired)}


class RestoreLatestBackupOperator(StoreOperator):
    """Setup: copies the newest backup to a scratch database; fails when it is stale or unreadable."""

    def execute(self, context) -> str:
        from airflow.sdk.exceptions import AirflowFailException

        backups = sorted(backup_dir().glob("leadline-*.db"), key=lambda p: p.stat().st_mtime)
        if not backups:
            raise AirflowFailException("no backup found")
        latest = backups[-1]
        age = datetime.now(UTC) - datetime.fromtimestamp(latest.stat().st_mtime, UTC)
        if age > MAX_BACKUP_AGE:
            raise AirflowFailException(f"latest backup {latest.name} is {age.total_seconds() / 3600:.1f} h old "
                                       f"(limit {MAX_BACKUP_AGE.total_seconds() / 3600:.0f} h)")
        scratch = latest.with_name(f"restore-check-{context['run_id'].replace(':', '_')}.db")
        try:
            source = sqlite3.connect(f"file:{latest}?mode=ro", uri=True)
            destination = sqlite3.connect(scratch)
            source.backup(destination)
            verdict = destination.execute("PRAGMA integrity_check").fetchone()[0]
            destination.close()
            source.close()
        except sqlite3.DatabaseError as exc:
            scratch.unlink(missing_ok=True)  # a failed setup leaves nothing for the teardown
            raise AirflowFailException(f"backup {latest.name} cannot be restored: {exc}") from exc
        if verdict != "ok":
            scratch.unlink(missing_ok=True)
            raise AirflowFailException(f"backup {latest.name} failed the integrity check: {verdict}")
        return str(scratch)


class VerifyBackupCountsOperator(StoreOperator):
    """The runbook's counts on the restored copy against the live store, within a tolerance for rows
    written since the backup was taken."""

    template_fields: Sequence[str] = ("restored_path",)

    def __init__(self, *, restored_path: str, tolerance: float = 0.05, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.restored_path = restored_path
        self.tolerance = tolerance

    def execute(self, context) -> dict:
        from airflow.sdk.exceptions import AirflowFailException
        from sqlalchemy import create_engine

        from leadline.sql import named_query

        restored_engine = create_engine(f"sqlite:///{self.restored_path}")
        try:
            with restored_engine.connect() as conn:
                restored = dict(conn.execute(named_query("backup_counts")).all())
        finally:
            restored_engine.dispose()
        with self.engine.connect() as conn:
            live = dict(conn.execute(named_query("backup_counts")).all())
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


class DropRestoredCopyOperator(StoreOperator):
    template_fields: Sequence[str] = ("restored_path",)

    def __init__(self, *, restored_path: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.restored_path = restored_path

    def execute(self, context) -> None:
        if self.restored_path and self.restored_path != "None":
            Path(self.restored_path).unlink(missing_ok=True)


def alert_backup_failure(context) -> None:
    from leadline.notifier import AlertNotifier
    from leadline.store.schema import SYSTEM_TENANT

    AlertNotifier(tenant_id=SYSTEM_TENANT, dedupe_key=f"backup:{context['run_id']}", kind="backup", severity="P2",
                  message=f"backup verification failed at {context['ti'].task_id}: {context.get('exception')}"
                  ).send()
