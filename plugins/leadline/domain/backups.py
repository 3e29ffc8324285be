"""The rules of the store's backups, whatever the store (operations runbook: daily backup, 7-day retention,
restore and count): how old the newest backup may be when it is restored, Spanner's bounds for a backup's
retention, and the names the backup DAG gives its Spanner backups and temporary databases."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

MAX_BACKUP_AGE = timedelta(hours=26)  # a daily backup plus two hours' slack
CLOCK_SKEW = timedelta(minutes=5)  # how far ahead of this clock a backup's time may be
SPANNER_BACKUP_PREFIX = "leadline-"  # the backups this DAG makes; runbook ones (manual-, pre-maintenance-) are left be
SPANNER_MIN_RETENTION = timedelta(hours=6)  # Spanner's bounds for a backup's expire_time
SPANNER_MAX_RETENTION = timedelta(days=366)


class BackupError(Exception):
    """A backup or its verification failed for a reason a person can act on; the operators fail the task."""


BACKUP_FILE_PREFIX = "leadline-"
BACKUP_FILE_STAMP = "%Y%m%dT%H%M%S"  # UTC


def backup_file_name(when: datetime, suffix: str) -> str:
    """A file backup's name carries when it was taken: a copy (gcloud storage cp, rsync, a restore from
    archive) keeps its name but not its modification time, and the age check must not be fooled by either."""
    return f"{BACKUP_FILE_PREFIX}{when.astimezone(UTC):{BACKUP_FILE_STAMP}}{suffix}"


def backup_file_time(name: str, suffix: str) -> datetime | None:
    """When the backup `name` was taken, or None for a file that is not one of this task's backups."""
    stamp = name.removeprefix(BACKUP_FILE_PREFIX).removesuffix(suffix)
    if not (name.startswith(BACKUP_FILE_PREFIX) and name.endswith(suffix)):
        return None
    try:
        return datetime.strptime(stamp, BACKUP_FILE_STAMP).replace(tzinfo=UTC)
    except ValueError:
        return None


def require_fresh(name: str, age: timedelta) -> None:
    """Fails when the newest backup, `name`, is older than MAX_BACKUP_AGE: a daily backup went missing."""
    if age < -CLOCK_SKEW:  # it would pass as the newest for ever, hiding daily backups that stopped
        raise BackupError(f"latest backup {name} is dated {-age.total_seconds() / 3600:.1f} h in the future: the "
                          "clock that named it is wrong")
    if age > MAX_BACKUP_AGE:
        raise BackupError(f"latest backup {name} is {age.total_seconds() / 3600:.1f} h old "
                          f"(limit {MAX_BACKUP_AGE.total_seconds() / 3600:.0f} h)")


def spanner_retention(retention_days: float) -> timedelta:
    """The retention as a backup's expire_time offset; Spanner refuses one outside its bounds."""
    retention = timedelta(days=retention_days)
    if not SPANNER_MIN_RETENTION <= retention <= SPANNER_MAX_RETENTION:
        raise BackupError(f"retention of {retention_days} days is outside Spanner's 6 hours to 366 days")
    return retention


def spanner_backup_id(database_id: str, when: datetime) -> str:
    """This DAG's backup id for a run: `leadline-<database>-<yyyymmdd-hhmmss>` (at most 60 characters), unique
    per store database on a shared instance and the same on every retry of the run."""
    return f"{SPANNER_BACKUP_PREFIX}{database_id}-{when:%Y%m%d-%H%M%S}"


def spanner_scratch_id(database_id: str, tag: str) -> str:
    """The temporary database's id (runbook: pipeline-db-test-<n>): at most 30 characters, one per run."""
    return f"{database_id[:13].rstrip('-_')}-test-{hashlib.sha256(tag.encode()).hexdigest()[:10]}"
