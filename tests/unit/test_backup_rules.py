"""The backup rules every store shares (leadline.domain.backups): the newest backup's age limit, Spanner's
retention bounds, and the names of the DAG's Spanner backups and temporary databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from leadline.domain.backups import (
    BackupError,
    backup_file_name,
    backup_file_time,
    require_fresh,
    spanner_backup_id,
    spanner_retention,
    spanner_scratch_id,
)


def test_a_backup_older_than_26_hours_is_stale():
    require_fresh("leadline-1.db", timedelta(hours=26))
    with pytest.raises(BackupError, match=r"latest backup leadline-1.db is 30.0 h old \(limit 26 h\)"):
        require_fresh("leadline-1.db", timedelta(hours=30))


@pytest.mark.parametrize("days", [0.2, 367])
def test_a_retention_outside_spanners_bounds_is_refused(days):
    with pytest.raises(BackupError, match="outside Spanner's 6 hours to 366 days"):
        spanner_retention(days)


def test_a_retention_within_the_bounds_is_the_expire_time_offset():
    assert spanner_retention(7) == timedelta(days=7)
    assert spanner_retention(0.25) == timedelta(hours=6)


def test_the_backup_id_is_per_database_and_run_and_fits_spanners_limit():
    when = datetime(2026, 11, 1, 2, 0, 0)
    backup_id = spanner_backup_id("leadline-production-db", when)
    assert backup_id == "leadline-leadline-production-db-20261101-020000"
    assert backup_id == spanner_backup_id("leadline-production-db", when) and len(backup_id) <= 60


def test_the_scratch_id_is_one_per_run_and_at_most_30_characters():
    first, second = (spanner_scratch_id("leadline-production-db", tag) for tag in ("manual__1", "manual__2"))
    assert first != second and first == spanner_scratch_id("leadline-production-db", "manual__1")
    assert first.startswith("leadline-prod-test-") and len(first) <= 30


def test_a_file_backup_is_dated_by_its_name_in_utc():
    taken = datetime(2031, 2, 3, 4, 5, 6, tzinfo=timezone(timedelta(hours=-8)))
    name = backup_file_name(taken, ".dump")
    assert name == "leadline-20310203T120506.dump"
    assert backup_file_time(name, ".dump") == taken.astimezone(UTC)


@pytest.mark.parametrize("name", ["leadline-20310203T120506.db", "leadline-latest.dump", "other-20310203T120506.dump",
                                  "leadline-20311303T120506.dump"])
def test_a_file_that_is_not_a_dated_backup_has_no_time(name):
    assert backup_file_time(name, ".dump") is None


def test_a_backup_dated_in_the_future_is_refused_not_taken_as_fresh():
    require_fresh("leadline-1.db", -timedelta(minutes=4))
    with pytest.raises(BackupError, match=r"leadline-1.db is dated 2.0 h in the future"):
        require_fresh("leadline-1.db", -timedelta(hours=2))


def test_poll_waits_grow_by_half_up_to_their_ceiling():
    from itertools import islice

    from leadline.domain.polling import backoff_waits

    assert list(islice(backoff_waits(1.0, 3.0), 5)) == [1.0, 1.5, 2.25, 3.0, 3.0]
