"""On Spanner the create_backup task waits for its backup in the triggerer (triggers.SpannerBackupTrigger): it
starts the backup, defers, and resumes to read it and apply the retention, against the admin fake
(tests/integration/fake_spanner_admin.py). The restore_latest_backup task likewise starts RestoreDatabase and
waits for its operation in the triggerer (triggers.SpannerRestoreTrigger). dag.test runs the triggers inline; the
direct tests run them themselves to follow each deferral."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from tests.spanner import test_spanner_backups as backup_tests
from tests.spanner.test_spanner_backups import TASKS, admin_client, backups_of, open_alerts, states, use_store, xcom

pytestmark = pytest.mark.spanner

db = backup_tests.db  # the store database and the admin fake of the backup tests
admin_fake = backup_tests.admin_fake

CONTEXT = {"run_id": "manual__1", "logical_date": datetime(2026, 11, 1, 2, tzinfo=UTC)}


@pytest.fixture
def trigger_events(monkeypatch) -> list[dict]:
    """The payloads the trigger yields, as the triggerer would hand them to the task."""
    from leadline.triggers import SpannerBackupTrigger

    events: list[dict] = []
    run_trigger = SpannerBackupTrigger.run

    async def recording_events(self):
        async for event in run_trigger(self):
            events.append(event.payload)
            yield event

    monkeypatch.setattr(SpannerBackupTrigger, "run", recording_events)
    return events


def deferred(call):
    """Runs `call`, which must defer; the deferral (trigger, method, kwargs, timeout)."""
    from airflow.exceptions import TaskDeferred

    with pytest.raises(TaskDeferred) as deferral:
        call()
    return deferral.value


def awaited(trigger) -> dict:
    return asyncio.run(anext(trigger.run())).payload


def test_the_dags_backup_is_awaited_by_the_trigger_and_read_on_resume(dagbag, db, admin_fake, trigger_events,
                                                                     monkeypatch):
    use_store(monkeypatch, db, admin_endpoint=admin_fake.endpoint)
    admin_fake.snapshot_delay_s = 1.0  # the backup is still CREATING when the trigger first polls
    run = dagbag.get_dag("backup_verification").test()
    assert states(run) == dict.fromkeys(TASKS, "success")
    created = xcom(run, "create_backup")
    assert trigger_events == [{"status": "ready", "backup": created["backup"]}]  # the backup's name only
    assert backups_of(admin_fake, db)[created["backup"].rsplit("/", 1)[-1]].state.name == "READY"
    # the task never waited itself: its backup was polled with GetBackup (the trigger's, then the resumed
    # task's read), never through the CreateBackup operation
    assert admin_fake.calls["CreateBackup"] == 1 and admin_fake.calls["GetBackup"] >= 2
    new = admin_client(admin_fake).get_backup(name=created["backup"])
    assert created == {"backup": new.name, "database": new.database, "bytes": int(new.size_bytes),
                       "create_time": new.create_time.isoformat(), "expire_time": new.expire_time.isoformat(),
                       "expired_removed": 0}
    assert abs(new.expire_time - new.create_time - timedelta(days=7)) < timedelta(seconds=5)


def test_the_trigger_carries_a_connection_id_and_a_backup_name_only(db, admin_fake, monkeypatch):
    from leadline.operators.backup import CreateBackupOperator
    from leadline.triggers import SpannerBackupTrigger

    use_store(monkeypatch, db, admin_endpoint=admin_fake.endpoint)
    deferral = deferred(lambda: CreateBackupOperator(task_id="create_backup", retention_days=7).execute(CONTEXT))
    name = f"{db.instance_path}/backups/{backups_of(admin_fake, db).popitem()[0]}"
    classpath, kwargs = deferral.trigger.serialize()
    assert (classpath, kwargs) == ("leadline.triggers.SpannerBackupTrigger",
                                   {"store_conn_id": "leadline_db", "backup_name": name})
    assert deferral.method_name == "execute_complete"
    assert deferral.timeout == timedelta(seconds=3600)
    polls = admin_fake.calls["GetBackup"]
    assert awaited(SpannerBackupTrigger(**kwargs)) == {"status": "ready", "backup": name}
    assert admin_fake.calls["GetBackup"] > polls


def test_a_failed_backup_fails_the_resumed_task_as_the_waiting_task_fails(db, admin_fake, monkeypatch):
    from airflow.sdk.exceptions import AirflowFailException

    from leadline.operators.backup import CreateBackupOperator

    use_store(monkeypatch, db, admin_endpoint=admin_fake.endpoint)
    admin_fake.fail_operation("CreateBackup", "disk quota exceeded")
    with pytest.raises(AirflowFailException) as waiting:
        CreateBackupOperator(task_id="create_backup", deferrable=False).execute(CONTEXT)
    assert "failed: 500 backup failed: disk quota exceeded" in str(waiting.value)

    admin_fake.fail_operation("CreateBackup", "disk quota exceeded")
    operator = CreateBackupOperator(task_id="create_backup")
    deferral = deferred(lambda: operator.execute(CONTEXT))
    event = awaited(deferral.trigger)
    assert event["status"] == "failed"
    with pytest.raises(AirflowFailException) as resumed:
        operator.execute_complete(CONTEXT, event=event, **deferral.kwargs)
    assert str(resumed.value) == str(waiting.value)
    assert backups_of(admin_fake, db) == {}


def test_a_pending_scheduled_backup_is_awaited_first_then_ours_and_a_rerun_reuses_it(db, admin_fake, monkeypatch):
    from google.cloud.spanner_admin_database_v1 import types

    from leadline.operators.backup import CreateBackupOperator

    use_store(monkeypatch, db, admin_endpoint=admin_fake.endpoint)
    admin_fake.snapshot_delay_s = 3.0  # long enough that our CreateBackup meets it pending, even on a busy machine
    scheduled = admin_client(admin_fake).create_backup(
        parent=db.instance_path, backup_id="pipeline-daily-backup-1", backup=types.Backup(
            database=f"{db.instance_path}/databases/{db.database}",
            expire_time=datetime.now(UTC) + timedelta(days=30)))
    operator = CreateBackupOperator(task_id="create_backup")
    first = deferred(lambda: operator.execute(CONTEXT))
    assert first.trigger.backup_name == f"{db.instance_path}/backups/pipeline-daily-backup-1"
    assert first.kwargs == {"operation": None}
    event = awaited(first.trigger)
    assert event == {"status": "ready", "backup": first.trigger.backup_name} and scheduled.done()
    ours = deferred(lambda: operator.execute_complete(CONTEXT, event=event, **first.kwargs))
    assert ours.trigger.backup_name == f"{db.instance_path}/backups/leadline-{db.database}-20261101-020000"
    assert ours.kwargs["operation"].startswith(f"{ours.trigger.backup_name}/operations/")
    result = operator.execute_complete(CONTEXT, event=awaited(ours.trigger), **ours.kwargs)
    assert result["backup"] == ours.trigger.backup_name

    rerun = deferred(lambda: operator.execute(CONTEXT))  # a retry of the same run: ALREADY_EXISTS, reused
    assert rerun.trigger.backup_name == result["backup"] and rerun.kwargs == {"operation": None}
    assert operator.execute_complete(CONTEXT, event=awaited(rerun.trigger), **rerun.kwargs) == result
    assert admin_fake.calls["CreateBackup"] == 4
    assert set(backups_of(admin_fake, db)) == {"pipeline-daily-backup-1", result["backup"].rsplit("/", 1)[-1]}
    assert open_alerts(db.engine) == []


# -- the restore: RestoreDatabase started in the task, its operation awaited by the trigger ------------------------

def fresh_backup(db) -> str:
    """A READY backup of the store made now (the newest, so the one restore_latest_backup restores)."""
    from leadline.hooks.spanner_backups import SpannerBackupsHook

    return SpannerBackupsHook(timeout_s=60).create("manual-backup-20261207", retention_days=7)["backup"]


class RestorePolls(list):
    """Each poll the restore trigger made: the operation's state, and whether the copy's data was in by then."""

    def __init__(self) -> None:
        super().__init__()
        self.copied = threading.Event()


@pytest.fixture
def restore_polls(monkeypatch) -> RestorePolls:
    from leadline.hooks.spanner_restores import SpannerRestores

    polls = RestorePolls()
    poll = SpannerRestores.restore_state

    def counted(self, operation_name):
        state = poll(self, operation_name)
        polls.append((state, polls.copied.is_set()))
        return state

    monkeypatch.setattr(SpannerRestores, "restore_state", counted)
    return polls


def test_the_restore_defers_on_its_operation_polled_until_done_and_resumes_with_the_copys_url(
        db, admin_fake, restore_polls, monkeypatch):
    from leadline.operators.backup import DropRestoredCopyOperator, RestoreLatestBackupOperator
    from leadline.triggers import SpannerRestoreTrigger

    use_store(monkeypatch, db, admin_endpoint=admin_fake.endpoint)
    backup = fresh_backup(db)
    copy_in, database_states = admin_fake._copy_in, []

    def copied_then_still_running(snapshot, target):  # the data is in and the database READY, the operation not
        copy_in(snapshot, target)                       # done yet: only the operation says the restore is over
        database_states.append(admin_fake.emulator_admin.get_database(name=target).state.name)
        restore_polls.copied.set()
        time.sleep(2.0)

    monkeypatch.setattr(admin_fake, "_copy_in", copied_then_still_running)
    deferral = deferred(lambda: RestoreLatestBackupOperator(task_id="restore_latest_backup").execute(CONTEXT))
    [(restored_from, target)] = admin_fake.restores
    assert restored_from == backup
    classpath, kwargs = deferral.trigger.serialize()
    assert classpath == "leadline.triggers.SpannerRestoreTrigger"
    assert kwargs == {"store_conn_id": "leadline_db", "operation_name": kwargs["operation_name"]}  # nothing else
    assert kwargs["operation_name"].startswith(f"{target}/operations/")
    assert deferral.method_name == "execute_complete" and deferral.timeout == timedelta(seconds=3600)
    assert not deferral.kwargs  # the resumed task reads the rest from the operation and the run

    polls = admin_fake.calls["GetOperation"]
    event = awaited(SpannerRestoreTrigger(**kwargs))
    assert event == {"status": "restored", "operation": kwargs["operation_name"]}
    # polled until the operation was done, every poll one GetOperation: while the copy was READY it kept waiting
    assert [state for state, _ in restore_polls] == ["RESTORING"] * (len(restore_polls) - 1) + ["RESTORED"]
    assert ("RESTORING", True) in restore_polls and database_states == ["READY"]
    assert admin_fake.calls["GetOperation"] == polls + len(restore_polls)

    resumed = RestoreLatestBackupOperator(task_id="restore_latest_backup")  # a new task process
    restored_url = resumed.execute_complete(CONTEXT, event=event)
    assert restored_url == f"spanner+spanner:///{target}"
    assert target.rsplit("/", 1)[-1] in db.databases(admin_fake)
    DropRestoredCopyOperator(task_id="drop_restored_copy", restored_url=restored_url).execute(CONTEXT)
    assert target.rsplit("/", 1)[-1] not in db.databases(admin_fake)


def test_a_failed_restore_fails_the_resumed_task_as_the_waiting_task_fails(db, admin_fake, monkeypatch):
    from airflow.sdk.exceptions import AirflowFailException

    from leadline.operators.backup import RestoreLatestBackupOperator

    use_store(monkeypatch, db, admin_endpoint=admin_fake.endpoint)
    backup_id = fresh_backup(db).rsplit("/", 1)[-1]
    admin_fake.fail_operation("RestoreDatabase", "disk quota exceeded")
    with pytest.raises(AirflowFailException) as waiting:
        RestoreLatestBackupOperator(task_id="restore_latest_backup", deferrable=False).execute(CONTEXT)
    assert str(waiting.value) == f"restore of {backup_id} failed: 500 restore failed: disk quota exceeded"

    admin_fake.fail_operation("RestoreDatabase", "disk quota exceeded")
    deferral = deferred(lambda: RestoreLatestBackupOperator(task_id="restore_latest_backup").execute(CONTEXT))
    event = awaited(deferral.trigger)
    assert event == {"status": "failed", "operation": deferral.trigger.operation_name}
    with pytest.raises(AirflowFailException) as resumed:
        RestoreLatestBackupOperator(task_id="restore_latest_backup").execute_complete(CONTEXT, event=event)
    assert str(resumed.value) == str(waiting.value)
    targets = {target.rsplit("/", 1)[-1] for _, target in admin_fake.restores}
    assert len(admin_fake.restores) == 2 and len(targets) == 1  # the same scratch id, made and dropped twice
    assert not targets & set(db.databases(admin_fake))  # the half-made copy is gone


def test_the_spanner_restore_looks_the_store_connection_up_once(db, admin_fake, monkeypatch):
    from leadline.hooks.store import LeadlineStoreHook
    from leadline.operators.backup import RestoreLatestBackupOperator

    use_store(monkeypatch, db, admin_endpoint=admin_fake.endpoint)
    fresh_backup(db)
    looked_up: list[str] = []
    get_connection = LeadlineStoreHook.get_connection

    def counted(conn_id):
        looked_up.append(conn_id)
        return get_connection(conn_id)

    monkeypatch.setattr(LeadlineStoreHook, "get_connection", staticmethod(counted))
    deferred(lambda: RestoreLatestBackupOperator(task_id="restore_latest_backup").execute(CONTEXT))
    assert looked_up == ["leadline_db"]  # the operator's and the backups hook's, shared
