"""File backups (SQLite, PostgreSQL dumps) are dated by the name they were given, not by their mtime: a copy
keeps the name and loses the mtime, and the retention and the age check must agree with the clock that named it."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

from leadline.domain.backups import backup_file_name
from leadline.hooks.database_dump import create_backup, latest_backup
from leadline.store.engine import create_store_engine


def test_retention_removes_backups_dated_past_it_by_their_names(tmp_path):
    engine = create_store_engine(f"sqlite:///{tmp_path / 'store.db'}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE kept (x INTEGER)")
    folder = tmp_path / "backups"
    folder.mkdir()
    now = datetime.now(UTC)
    expired = folder / backup_file_name(now - timedelta(days=8), ".db")
    young = folder / backup_file_name(now - timedelta(days=6), ".db")
    stray = folder / "leadline-latest.db"  # not one of the task's dated backups: never touched
    for path in (expired, young, stray):
        path.write_bytes(b"an earlier backup")
    os.utime(young, (0, 0))  # copied from an archive: an mtime of 1970 does not make it old
    os.utime(expired, None)  # nor does a fresh mtime make an 8-day-old backup young

    result = create_backup(engine, folder, retention_days=7)

    assert result["expired_removed"] == 1
    assert not expired.exists() and young.exists() and stray.exists()
    assert latest_backup(engine, folder).name == result["backup"]
    engine.dispose()
