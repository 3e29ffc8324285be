"""Backups of the store and their verification (operations runbook: daily backup, 7-day retention, restore and
count), per dialect: SQLite through its online backup API; PostgreSQL through pg_dump (custom format), restored
with pg_restore into a scratch database on the same server; Cloud Spanner in leadline.store.spanner_backups.
Failures raise BackupError with a reason a person can act on; the operators turn it into a failed task."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.engine import URL, Engine, make_url

from leadline.config import leadline_home
from leadline.store.engine import create_store_engine
from leadline.store.named_sql import named_query
from leadline.store.tenant_scope import ALL_TENANTS

MAX_BACKUP_AGE = timedelta(hours=26)
SUFFIX = {"sqlite": ".db", "postgresql": ".dump"}
SQLITE_SCRATCH_PREFIX, POSTGRES_SCRATCH_PREFIX = "restore-check-", "leadline_restore_"  # what drop_scratch may drop


class BackupError(Exception):
    pass


def backup_dir() -> Path:
    return Path(os.environ.get("LEADLINE_BACKUP_DIR", leadline_home() / "backups"))


def _libpq(url: URL) -> tuple[list[str], dict[str, str]]:
    """Connection arguments for the PostgreSQL client tools; the password goes in the environment, not argv.
    A backup is cross-tenant work: its sessions take the all-tenants scope of the row-level security policies
    (migration 0014), which a store role that is not a superuser is subject to."""
    args = ["--host", url.host or "127.0.0.1", "--port", str(url.port or 5432),
            "--username", url.username or "postgres"]
    env = {**os.environ, "PGOPTIONS": f"-c leadline.tenant_id={ALL_TENANTS}",
           **({"PGPASSWORD": url.password} if url.password else {})}
    return args, env


def _admin_engine(url: URL) -> Engine:
    return create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")


def _drop_database(admin: Engine, database: str) -> None:
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def create_backup(engine: Engine, folder: Path, retention_days: int) -> dict:
    """Writes a consistent online copy of the store into `folder` and removes backups past retention."""
    dialect = engine.dialect.name
    if dialect not in SUFFIX:
        raise BackupError(f"backups for {dialect} are not supported by this task")
    folder.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC)
    target = folder / f"leadline-{now:%Y%m%dT%H%M%S}{SUFFIX[dialect]}"
    if dialect == "sqlite":
        source, destination = sqlite3.connect(engine.url.database), sqlite3.connect(target)
        try:
            source.backup(destination)  # writers keep going meanwhile
        finally:
            destination.close()
            source.close()
    else:
        args, env = _libpq(engine.url)
        result = subprocess.run(["pg_dump", *args, "--format=custom", "--no-owner", "--enable-row-security",
                                 "--file", str(target),
                                 engine.url.database], env=env, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            target.unlink(missing_ok=True)
            raise BackupError(f"pg_dump failed: {result.stderr.strip()[:500]}")
    expired = [p for p in folder.glob(f"leadline-*{SUFFIX[dialect]}")
               if datetime.fromtimestamp(p.stat().st_mtime, UTC) < now - timedelta(days=retention_days)]
    for path in expired:
        path.unlink()
    return {"backup": target.name, "bytes": target.stat().st_size, "expired_removed": len(expired)}


def latest_backup(engine: Engine, folder: Path) -> Path:
    """The newest backup for the store's dialect; fails when there is none or it is older than 26 h."""
    backups = sorted(folder.glob(f"leadline-*{SUFFIX.get(engine.dialect.name, '.db')}"),
                     key=lambda p: p.stat().st_mtime)
    if not backups:
        raise BackupError("no backup found")
    latest = backups[-1]
    age = datetime.now(UTC) - datetime.fromtimestamp(latest.stat().st_mtime, UTC)
    if age > MAX_BACKUP_AGE:
        raise BackupError(f"latest backup {latest.name} is {age.total_seconds() / 3600:.1f} h old "
                          f"(limit {MAX_BACKUP_AGE.total_seconds() / 3600:.0f} h)")
    return latest


def restore_to_scratch(engine: Engine, backup: Path, tag: str) -> str:
    """Restores `backup` into a scratch copy named after `tag`; returns its URL without a password. A failed
    restore leaves nothing behind."""
    if engine.dialect.name == "postgresql":
        return _restore_postgres(engine.url, backup, f"{POSTGRES_SCRATCH_PREFIX}{tag}")
    scratch = backup.with_name(f"{SQLITE_SCRATCH_PREFIX}{tag}.db")
    try:
        with closing(sqlite3.connect(f"file:{backup}?mode=ro", uri=True)) as source, \
                closing(sqlite3.connect(scratch)) as destination:
            source.backup(destination)
            verdict = destination.execute("PRAGMA integrity_check").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        scratch.unlink(missing_ok=True)
        raise BackupError(f"backup {backup.name} cannot be restored: {exc}") from exc
    if verdict != "ok":
        scratch.unlink(missing_ok=True)
        raise BackupError(f"backup {backup.name} failed the integrity check: {verdict}")
    return f"sqlite:///{scratch}"


def _restore_postgres(url: URL, dump: Path, database: str) -> str:
    admin = _admin_engine(url)
    try:
        _drop_database(admin, database)
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{database}"')
        args, env = _libpq(url)
        result = subprocess.run(["pg_restore", *args, "--no-owner", "--exit-on-error", "--dbname", database,
                                 str(dump)], env=env, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            _drop_database(admin, database)
            raise BackupError(f"backup {dump.name} cannot be restored: {result.stderr.strip()[:300]}")
    finally:
        admin.dispose()
    return url.set(database=database, password=None).render_as_string(hide_password=False)


def runbook_counts(engine: Engine) -> dict[str, int]:
    """The runbook's row counts per table (include/sql/backup_counts.sql)."""
    with engine.connect() as conn:
        return dict(conn.execute(named_query("backup_counts")).all())


def restored_counts(live: Engine, restored_url: str) -> dict[str, int]:
    """The counts on a restored copy; its URL carries no password, the copy lives on the live store's server."""
    restored = make_url(restored_url)
    if restored.get_backend_name() == "postgresql":
        restored = restored.set(password=live.url.password)
    engine = create_store_engine(restored.render_as_string(hide_password=False))
    try:
        return runbook_counts(engine)
    finally:
        engine.dispose()


def drop_scratch(live: Engine, restored_url: str, admin_endpoint: str | None = None) -> None:
    url = make_url(restored_url)
    if url.get_backend_name() == "spanner":
        from leadline.store.spanner_backups import SpannerBackups, spanner_ids

        store = SpannerBackups(live.url, admin_endpoint)
        project, instance_id, database_id = spanner_ids(url)
        if (project, instance_id) != (store.project, store.instance_id):
            raise BackupError(f"the restored copy {database_id} is not on the store's instance")
        store.drop(database_id)
        return
    scratch = Path(url.database or "").name if url.get_backend_name() == "sqlite" else url.database or ""
    prefix = SQLITE_SCRATCH_PREFIX if url.get_backend_name() == "sqlite" else POSTGRES_SCRATCH_PREFIX
    if not scratch.startswith(prefix) or url.database == live.url.database:
        raise BackupError(f"refusing to drop {scratch!r}: not a scratch copy made by the restore")
    if url.get_backend_name() == "sqlite":
        Path(url.database).unlink(missing_ok=True)
        return
    admin = _admin_engine(live.url)
    try:
        _drop_database(admin, url.database)
    finally:
        admin.dispose()
