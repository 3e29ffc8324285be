"""Backup files of the store and their restore check (operations runbook: daily backup, 7-day retention, restore
and count): SQLite through its online backup API; PostgreSQL through pg_dump (custom format), restored with
pg_restore into a scratch database on the same server. Cloud Spanner's backups are leadline.hooks.spanner_backups'.
Failures raise BackupError with a reason a person can act on; the operators turn it into a failed task."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.engine import URL, Engine, make_url

from leadline.config import leadline_home
from leadline.domain.backups import BackupError, backup_file_name, backup_file_time, require_fresh
from leadline.store.backups import copy_sqlite, create_database, drop_database
from leadline.store.tenant_scope import ALL_TENANTS

SUFFIX = {"sqlite": ".db", "postgresql": ".dump"}
SQLITE_SCRATCH_PREFIX, POSTGRES_SCRATCH_PREFIX = "restore-check-", "leadline_restore_"  # what drop_scratch may drop


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


def _run_client_tool(url: URL, tool: str, *args: str) -> subprocess.CompletedProcess:
    """Runs a PostgreSQL client tool (pg_dump, pg_restore) against the server of `url`; the caller reads the
    result's return code and stderr."""
    connection_args, env = _libpq(url)
    return subprocess.run([tool, *connection_args, *args], env=env, capture_output=True, text=True, check=False)


def create_backup(engine: Engine, folder: Path, retention_days: int) -> dict:
    """Writes a consistent online copy of the store into `folder` and removes backups past retention."""
    dialect = engine.dialect.name
    if dialect not in SUFFIX:
        raise BackupError(f"backups for {dialect} are not supported by this task")
    folder.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC)
    target = folder / backup_file_name(now, SUFFIX[dialect])
    if dialect == "sqlite":
        copy_sqlite(engine.url.database, target)
    else:
        result = _run_client_tool(engine.url, "pg_dump", "--format=custom", "--no-owner", "--enable-row-security",
                                  "--file", str(target), engine.url.database)
        if result.returncode != 0:
            target.unlink(missing_ok=True)
            raise BackupError(f"pg_dump failed: {result.stderr.strip()[:500]}")
    oldest_kept = now - timedelta(days=retention_days)
    expired = [path for path, taken in _backups(folder, SUFFIX[dialect]) if taken < oldest_kept]
    for path in expired:
        path.unlink()
    return {"backup": target.name, "bytes": target.stat().st_size, "expired_removed": len(expired)}


def latest_backup(engine: Engine, folder: Path) -> Path:
    """The newest backup for the store's dialect; fails when there is none or it is older than 26 h."""
    backups = _backups(folder, SUFFIX.get(engine.dialect.name, ".db"))
    if not backups:
        raise BackupError("no backup found")
    latest, taken = max(backups, key=lambda backup: backup[1])
    require_fresh(latest.name, datetime.now(UTC) - taken)
    return latest


def _backups(folder: Path, suffix: str) -> list[tuple[Path, datetime]]:
    """This task's backups in `folder` with the time each was taken (from its name)."""
    return [(path, taken) for path in folder.glob(f"leadline-*{suffix}")
            if (taken := backup_file_time(path.name, suffix)) is not None]


def restore_to_scratch(engine: Engine, backup: Path, tag: str) -> str:
    """Restores `backup` into a scratch copy named after `tag`; returns its URL without a password. A failed
    restore leaves nothing behind."""
    if engine.dialect.name == "postgresql":
        return _restore_postgres(engine.url, backup, f"{POSTGRES_SCRATCH_PREFIX}{tag}")
    scratch = backup.with_name(f"{SQLITE_SCRATCH_PREFIX}{tag}.db")
    try:
        verdict = copy_sqlite(backup, scratch, read_only=True, check=True)
    except sqlite3.DatabaseError as exc:
        scratch.unlink(missing_ok=True)
        raise BackupError(f"backup {backup.name} cannot be restored: {exc}") from exc
    if verdict != "ok":
        scratch.unlink(missing_ok=True)
        raise BackupError(f"backup {backup.name} failed the integrity check: {verdict}")
    return f"sqlite:///{scratch}"


def _restore_postgres(url: URL, dump: Path, database: str) -> str:
    create_database(url, database)
    result = _run_client_tool(url, "pg_restore", "--no-owner", "--exit-on-error", "--dbname", database, str(dump))
    if result.returncode != 0:
        drop_database(url, database)
        raise BackupError(f"backup {dump.name} cannot be restored: {result.stderr.strip()[:300]}")
    return url.set(database=database, password=None).render_as_string(hide_password=False)


def drop_scratch(live: Engine, restored_url: str) -> None:
    """Deletes a scratch copy restore_to_scratch made (SQLite file, PostgreSQL database); refuses anything else."""
    url = make_url(restored_url)
    scratch = Path(url.database or "").name if url.get_backend_name() == "sqlite" else url.database or ""
    prefix = SQLITE_SCRATCH_PREFIX if url.get_backend_name() == "sqlite" else POSTGRES_SCRATCH_PREFIX
    if not scratch.startswith(prefix) or url.database == live.url.database:
        raise BackupError(f"refusing to drop {scratch!r}: not a scratch copy made by the restore")
    if url.get_backend_name() == "sqlite":
        Path(url.database).unlink(missing_ok=True)
        return
    drop_database(live.url, url.database)
