"""Backups with verification (operations runbook: daily backup, 7-day retention, restore and count).

SQLite: the online backup API; PostgreSQL: pg_dump custom format, restored with pg_restore into a scratch
database on the same server. The verify DAG restores the latest backup to a scratch copy (setup), checks
it, and deletes the copy in a teardown that runs even when a check fails."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from leadline.operators.base import StoreOperator

MAX_BACKUP_AGE = timedelta(hours=26)
SUFFIX = {"sqlite": ".db", "postgresql": ".dump"}


def _libpq(url) -> tuple[list[str], dict[str, str]]:
    """Connection arguments for the PostgreSQL client tools; the password goes in the environment, not argv."""
    import os

    args = ["--host", url.host or "127.0.0.1", "--port", str(url.port or 5432),
            "--username", url.username or "postgres"]
    env = {**os.environ, **({"PGPASSWORD": url.password} if url.password else {})}
    return args, env


def _admin_engine(url):
    from sqlalchemy import create_engine

    return create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")


def backup_dir() -> Path:
    import os

    from leadline.config import leadline_home

    return Path(os.environ.get("LEADLINE_BACKUP_DIR", leadline_home() / "backups"))


class CreateBackupOperator(StoreOperator):
    def __init__(self, *, retention_days: int = 7, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.retention_days = retention_days

    def execute(self, context) -> dict:
        import subprocess

        from airflow.sdk.exceptions import AirflowFailException

        engine = self.engine
        dialect = engine.dialect.name
        if dialect not in SUFFIX:
            raise AirflowFailException(f"backups for {dialect} are not supported by this task")
        folder = backup_dir()
        folder.mkdir(parents=True, exist_ok=True)
        now = datetime.now(UTC)
        target = folder / f"leadline-{now:%Y%m%dT%H%M%S}{SUFFIX[dialect]}"
        if dialect == "sqlite":
            source = sqlite3.connect(engine.url.database)
            destination = sqlite3.connect(target)
            try:
                source.backup(destination)  # consistent online copy, writers keep going
            finally:
                destination.close()
                source.close()
        else:
            args, env = _libpq(engine.url)
            result = subprocess.run(["pg_dump", *args, "--format=custom", "--no-owner", "--file", str(target),
                                     engine.url.database], env=env, capture_output=True, text=True, check=False)
            if result.returncode != 0:
                target.unlink(missing_ok=True)
                raise AirflowFailException(f"pg_dump failed: {result.stderr.strip()[:500]}")
        expired = [p for p in folder.glob(f"leadline-*{SUFFIX[dialect]}")
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

        dialect = self.engine.dialect.name
        backups = sorted(backup_dir().glob(f"leadline-*{SUFFIX.get(dialect, '.db')}"), key=lambda p: p.stat().st_mtime)
        if not backups:
            raise AirflowFailException("no backup found")
        latest = backups[-1]
        age = datetime.now(UTC) - datetime.fromtimestamp(latest.stat().st_mtime, UTC)
        if age > MAX_BACKUP_AGE:
            raise AirflowFailException(f"latest backup {latest.name} is {age.total_seconds() / 3600:.1f} h old "
                                       f"(limit {MAX_BACKUP_AGE.total_seconds() / 3600:.0f} h)")
        run_tag = "".join(c if c.isalnum() else "_" for c in context["run_id"]).lower()[-40:]
        if dialect == "postgresql":
            return self._restore_postgres(latest, f"leadline_restore_{run_tag}")
        scratch = latest.with_name(f"restore-check-{run_tag}.db")
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
        return f"sqlite:///{scratch}"

    def _restore_postgres(self, dump: Path, database: str) -> str:
        import subprocess

        from airflow.sdk.exceptions import AirflowFailException

        url = self.engine.url
        admin = _admin_engine(url)
        try:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
                conn.exec_driver_sql(f'CREATE DATABASE "{database}"')
            args, env = _libpq(url)
            result = subprocess.run(["pg_restore", *args, "--no-owner", "--exit-on-error", "--dbname", database,
                                     str(dump)], env=env, capture_output=True, text=True, check=False)
            if result.returncode != 0:
                with admin.connect() as conn:
                    conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
                raise AirflowFailException(f"backup {dump.name} cannot be restored: {result.stderr.strip()[:300]}")
        finally:
            admin.dispose()
        return url.set(database=database, password=None).render_as_string(hide_password=False)


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
        from sqlalchemy import create_engine
        from sqlalchemy.engine import make_url

        from leadline.sql import named_query

        # the XCom carries no password: the scratch database lives on the live store's server
        restored = make_url(self.restored_url)
        if restored.get_backend_name() == "postgresql":
            restored = restored.set(password=self.engine.url.password)
        restored_engine = create_engine(restored)
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
    template_fields: Sequence[str] = ("restored_url",)

    def __init__(self, *, restored_url: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.restored_url = restored_url

    def execute(self, context) -> None:
        from sqlalchemy.engine import make_url

        if not self.restored_url or self.restored_url == "None":
            return
        url = make_url(self.restored_url)
        if url.get_backend_name() == "sqlite":
            Path(url.database).unlink(missing_ok=True)
            return
        admin = _admin_engine(self.engine.url)
        try:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')
        finally:
            admin.dispose()


def alert_backup_failure(context) -> None:
    from leadline.notifier import AlertNotifier
    from leadline.store.schema import SYSTEM_TENANT

    AlertNotifier(tenant_id=SYSTEM_TENANT, dedupe_key=f"backup:{context['run_id']}", kind="backup", severity="P2",
                  message=f"backup verification failed at {context['ti'].task_id}: {context.get('exception')}"
                  ).send()
