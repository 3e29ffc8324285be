"""backup_verification with the store on Cloud Spanner: on the emulator (which answers 501 for backups) the run
skips with that reason and raises no alert; against the local admin fake (tests/integration/fake_spanner_admin.py,
driven through the real google-cloud-spanner admin client, its data kept on the emulator) the runbook's whole
path runs: backup with a 7-day expire_time, newest READY backup restored to a temporary database, counts, the
temporary database dropped, also when a check fails, and retention."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.engine import make_url

from leadline.store.schema import alerts

pytestmark = pytest.mark.spanner

TASKS = ("create_backup", "restore_latest_backup", "verify_counts", "drop_restored_copy")


@dataclass
class Store:
    project: str
    instance: str
    database: str
    engine: Engine

    @property
    def instance_path(self) -> str:
        return f"projects/{self.project}/instances/{self.instance}"

    def databases(self, fake) -> list[str]:
        """The database ids on the instance, as the emulator lists them."""
        return fake.emulator_databases(self.instance_path)


@pytest.fixture
def db(spanner_store_url, monkeypatch) -> Store:
    """A migrated store database of its own on the tier's emulator (tests/spanner/conftest.py), seeded with the
    test tenants."""
    from leadline.store.engine import create_store_engine
    from tests.conftest import seed_tenants

    _, project, _, instance, _, database = make_url(spanner_store_url).database.strip("/").split("/")
    engine = create_store_engine(spanner_store_url)
    seed_tenants(engine, monkeypatch)
    yield Store(project, instance, database, engine)
    engine.dispose()


@pytest.fixture
def admin_fake(spanner_host, db):
    from tests.integration.fake_spanner_admin import FakeSpannerAdmin

    with FakeSpannerAdmin(spanner_host, db.project) as fake:
        yield fake


def use_store(monkeypatch, db: Store, **extra) -> None:
    """The `leadline_db` connection as Composer has it (gcpspanner with project, instance and database extras)."""
    monkeypatch.setenv("AIRFLOW_CONN_LEADLINE_DB", json.dumps({"conn_type": "gcpspanner", "extra": {
        "project_id": db.project, "instance_id": db.instance, "database_id": db.database, **extra}}))


def states(run) -> dict[str, str]:
    return {ti.task_id: ti.state for ti in run.get_task_instances()}


def open_alerts(engine) -> list:
    with engine.connect() as conn:
        return conn.execute(select(alerts).where(alerts.c.status == "open",
                                                 alerts.c.dedupe_key.like("backup:%"))).all()


def xcom(run, task_id: str):
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    with create_session() as session:
        row = session.scalars(select(XComModel).filter_by(dag_id=run.dag_id, run_id=run.run_id, task_id=task_id,
                                                          key="return_value")).one()
        return XComModel.deserialize_value(row)


def backups_of(fake, db: Store) -> dict:
    """The fake's backups of the store database, by backup id."""
    return {name.rsplit("/", 1)[-1]: fake.backups[name].backup for name in fake.backup_names()
            if fake.backups[name].backup.database == f"{db.instance_path}/databases/{db.database}"}


def admin_client(fake):
    from leadline.hooks.spanner_backups import spanner_admin_client

    return spanner_admin_client(fake.project, fake.endpoint)


# -- the emulator: a clear skip, never a daily failure ----------------------------------------------------------

def test_on_the_emulator_the_run_skips_with_the_501_and_raises_no_alert(dagbag, db, monkeypatch):
    use_store(monkeypatch, db)
    run = dagbag.get_dag("backup_verification").test()
    assert states(run) == dict.fromkeys(TASKS, "skipped")
    assert run.state == "success"
    assert open_alerts(db.engine) == []


def test_the_skip_names_the_501(db, monkeypatch):
    from airflow.sdk.exceptions import AirflowSkipException

    from leadline.operators.backup import CreateBackupOperator, RestoreLatestBackupOperator

    use_store(monkeypatch, db)
    context = {"run_id": "manual__1", "logical_date": datetime(2026, 11, 1, 2, tzinfo=UTC)}
    with pytest.raises(AirflowSkipException, match=r"CreateBackup answered 501 Not Implemented \(gRPC UNIMPL"):
        CreateBackupOperator(task_id="create_backup").execute(context)
    with pytest.raises(AirflowSkipException, match=r"ListBackups answered 501"):
        RestoreLatestBackupOperator(task_id="restore_latest_backup").execute(context)


def test_the_hooks_connection_test_calls_the_admin_api(db, admin_fake, monkeypatch):
    from leadline.hooks.spanner_backups import SpannerBackupsHook

    use_store(monkeypatch, db)
    ok, message = SpannerBackupsHook().test_connection()
    assert not ok and "BackupsUnavailable" in message and "ListBackups answered 501" in message
    use_store(monkeypatch, db, admin_endpoint=admin_fake.endpoint)
    SpannerBackupsHook(timeout_s=60).create("manual-backup-20261101", retention_days=7)
    reachable = f"database admin API reachable; backups of {db.database}: 1"
    assert SpannerBackupsHook().test_connection() == (True, reachable)
    assert admin_fake.calls["GetDatabase"] >= 1 and admin_fake.calls["ListBackups"] >= 1


# -- the full path against the admin fake ------------------------------------------------------------------------

def test_full_path_green_against_the_admin_fake(dagbag, db, admin_fake, monkeypatch):
    from leadline.hooks.spanner_backups import SpannerBackupsHook
    from leadline.store.backups import runbook_counts
    from leadline.store.intake import IncomingCall, record_calls

    use_store(monkeypatch, db, admin_endpoint=admin_fake.endpoint)
    record_calls(db.engine, [IncomingCall(tenant, f"C{i}", None, None, None, 90, True, None, None, {})
                          for tenant in ("acme", "globex") for i in range(6)])
    # a runbook manual backup from three hours ago: the restore must take the newest READY one, ours
    store = SpannerBackupsHook(timeout_s=60)
    store.create("manual-backup-20261101", retention_days=7)
    admin_fake.backdate("manual-backup-20261101", timedelta(hours=3))

    run = dagbag.get_dag("backup_verification").test()
    assert states(run) == dict.fromkeys(TASKS, "success")
    created = xcom(run, "create_backup")
    backup = backups_of(admin_fake, db)[created["backup"].rsplit("/", 1)[-1]]
    assert backup.state.name == "READY"
    assert abs((backup.expire_time - backup.create_time) - timedelta(days=7)) < timedelta(seconds=5)
    [(restored_from, target)] = admin_fake.restores
    assert restored_from == created["backup"]
    assert xcom(run, "restore_latest_backup") == f"spanner+spanner:///{target}"
    assert xcom(run, "verify_counts") == {"tables": runbook_counts(db.engine)}
    assert {k: runbook_counts(db.engine)[k] for k in ("tenants", "call_records", "processing_requests")} == {
        "tenants": 3, "call_records": 12, "processing_requests": 12}
    # the real client's long-running operations were polled, and the temporary database is gone
    assert admin_fake.calls["GetOperation"] >= 2
    assert db.databases(admin_fake).count(target.rsplit("/", 1)[-1]) == 0
    assert db.database in db.databases(admin_fake)
    assert open_alerts(db.engine) == []


def test_counts_that_disagree_fail_the_check_and_the_teardown_still_drops_the_copy(dagbag, db, admin_fake,
                                                                                   monkeypatch):
    from leadline.store.intake import IncomingCall, record_calls

    use_store(monkeypatch, db, admin_endpoint=admin_fake.endpoint)
    dagbag.get_dag("backup_verification").test()
    record_calls(db.engine, [IncomingCall("acme", f"N{i}", None, None, None, 90, True, None, None, {})
                          for i in range(20)])  # live grew far beyond the tolerance since the backup
    run = dagbag.get_dag("backup_verification").test(mark_success_pattern="create_backup")
    result = states(run)
    assert result["verify_counts"] == "failed" and result["drop_restored_copy"] == "success"
    assert run.state == "failed"
    targets = [target.rsplit("/", 1)[-1] for _, target in admin_fake.restores]
    assert len(targets) == 2 and not set(targets) & set(db.databases(admin_fake))
    [alert] = open_alerts(db.engine)
    assert alert.severity == "P2" and "call_records: backup 0 vs live 20" in alert.message


def test_a_failed_restore_leaves_no_database_and_alerts(dagbag, db, admin_fake, monkeypatch):
    use_store(monkeypatch, db, admin_endpoint=admin_fake.endpoint)
    admin_fake.fail_operation("RestoreDatabase", "disk quota exceeded")
    run = dagbag.get_dag("backup_verification").test()
    result = states(run)
    assert result["create_backup"] == "success" and result["restore_latest_backup"] == "failed"
    assert result["drop_restored_copy"] == "upstream_failed"  # the setup cleaned up after itself
    [(_, target)] = admin_fake.restores
    assert target.rsplit("/", 1)[-1] not in db.databases(admin_fake)
    assert "disk quota exceeded" in open_alerts(db.engine)[0].message


def test_a_stale_newest_backup_fails_the_restore(dagbag, db, admin_fake, monkeypatch):
    from leadline.hooks.spanner_backups import SpannerBackupsHook

    use_store(monkeypatch, db, admin_endpoint=admin_fake.endpoint)
    SpannerBackupsHook(timeout_s=60).create("leadline-20261101-020000", 7)
    admin_fake.backdate("leadline-20261101-020000", timedelta(hours=30))
    run = dagbag.get_dag("backup_verification").test(mark_success_pattern="create_backup")
    assert states(run)["restore_latest_backup"] == "failed" and admin_fake.restores == []
    [alert] = open_alerts(db.engine)
    assert "30.0 h old" in alert.message and alert.severity == "P2"


# -- retention ---------------------------------------------------------------------------------------------------

def test_retention_expire_time_and_the_dags_own_older_backups(dagbag, db, admin_fake, monkeypatch):
    from leadline.hooks.spanner_backups import SpannerBackupsHook

    use_store(monkeypatch, db, admin_endpoint=admin_fake.endpoint)
    store = SpannerBackupsHook(timeout_s=60)
    store.create("leadline-under-14d", retention_days=14)  # made while the retention was longer
    store.create("pre-maintenance-20261020", retention_days=14)  # runbook: --retention-period=14d
    store.create("leadline-expired", retention_days=7)
    for backup_id in ("leadline-under-14d", "pre-maintenance-20261020", "leadline-expired"):
        admin_fake.backdate(backup_id, timedelta(days=8))

    run = dagbag.get_dag("backup_verification").test()
    assert states(run) == dict.fromkeys(TASKS, "success")
    created = xcom(run, "create_backup")
    kept = backups_of(admin_fake, db)
    # Spanner deleted the one past its expire_time; the DAG deleted its own backup older than 7 days; the
    # runbook's pre-maintenance backup keeps its own 14 days
    assert set(kept) == {"pre-maintenance-20261020", created["backup"].rsplit("/", 1)[-1]}
    assert created["expired_removed"] == 1
    assert admin_fake.calls["DeleteBackup"] == 1
    new = admin_client(admin_fake).get_backup(name=created["backup"])  # read back through the real client
    assert abs(new.expire_time - new.create_time - timedelta(days=7)) < timedelta(seconds=5)
    assert datetime.fromisoformat(created["expire_time"]) == new.expire_time


def test_retention_outside_spanners_bounds_is_refused(db, admin_fake, monkeypatch):
    from leadline.domain.backups import BackupError
    from leadline.hooks.spanner_backups import SpannerBackupsHook

    use_store(monkeypatch, db, admin_endpoint=admin_fake.endpoint)
    store = SpannerBackupsHook(timeout_s=60)
    with pytest.raises(BackupError, match="outside Spanner's 6 hours to 366 days"):
        store.create("leadline-too-long", retention_days=400)
    assert admin_fake.calls["CreateBackup"] == 0


# -- the admin API's own rules -----------------------------------------------------------------------------------

def test_a_pending_scheduled_backup_is_waited_for_and_a_rerun_reuses_its_backup(db, admin_fake, monkeypatch):
    from google.cloud.spanner_admin_database_v1 import types

    from leadline.hooks.spanner_backups import SpannerBackupsHook

    use_store(monkeypatch, db, admin_endpoint=admin_fake.endpoint)
    admin_fake.snapshot_delay_s = 3.0  # long enough that our CreateBackup meets it pending, even on a busy machine
    client = admin_client(admin_fake)
    scheduled = client.create_backup(parent=db.instance_path, backup_id="pipeline-daily-backup-1", backup=types.Backup(
        database=f"{db.instance_path}/databases/{db.database}", expire_time=datetime.now(UTC) + timedelta(days=30)))
    store = SpannerBackupsHook(timeout_s=60)
    first = store.create("leadline-20261101-020000", 7)  # one pending backup per database: waits, then creates
    assert scheduled.done() and first["backup"].endswith("/leadline-20261101-020000")
    again = store.create("leadline-20261101-020000", 7)  # a retry of the same run
    # the schedule's, ours refused while it was pending, ours again, the retry's (ALREADY_EXISTS: reused)
    assert again["backup"] == first["backup"] and admin_fake.calls["CreateBackup"] == 4
    assert set(backups_of(admin_fake, db)) == {"pipeline-daily-backup-1", "leadline-20261101-020000"}
