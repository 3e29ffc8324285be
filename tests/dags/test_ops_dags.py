"""Ops DAGs run for real (dag.test) against seeded stores."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from leadline.domain.backups import backup_file_name
from leadline.store.calls import get_call
from leadline.store.intake import IncomingCall, record_calls
from leadline.store.processing import get_request
from leadline.store.schema import alerts, call_records, health_snapshots, processing_requests, tenants


def states(run) -> dict[str, str]:
    return {ti.task_id: ti.state for ti in run.get_task_instances()}


def open_alerts(engine, key_prefix: str = "") -> list:
    with engine.connect() as conn:
        return conn.execute(select(alerts).where(alerts.c.status == "open",
                                                 alerts.c.dedupe_key.like(f"{key_prefix}%"))).all()


def latest_health(engine):
    with engine.connect() as conn:
        return conn.execute(select(health_snapshots).order_by(health_snapshots.c.taken_at.desc())).first()


def test_healthy_store_is_green(dagbag, store_conn, seeded_engine):
    run = dagbag.get_dag("health_check").test()
    assert states(run) == {"check_health": "success", "check_intake_security": "success"}
    snapshot = latest_health(seeded_engine)
    assert snapshot.status == "healthy"
    assert set(snapshot.services.values()) == {"healthy"}
    assert {m["level"] for m in snapshot.metrics.values()} == {"green"}
    assert open_alerts(seeded_engine) == []


def test_backlog_of_60_is_red_alerts_once_and_resolves_when_drained(dagbag, store_conn, seeded_engine):
    record_calls(seeded_engine, [IncomingCall("acme", f"Q{i}", None, None, None, 90, True, None, None, {})
                                 for i in range(60)])
    dagbag.get_dag("health_check").test()
    snapshot = latest_health(seeded_engine)
    assert snapshot.status == "degraded"
    assert snapshot.metrics["processing_queue"] == {"level": "red", "value": 60,
                                                    "rule": "0 pending green, > 50 pending red"}
    [alert] = open_alerts(seeded_engine, "slo:")  # all 60 are acme's: its alert, not a system-wide one
    assert (alert.tenant_id, alert.dedupe_key, alert.severity) == ("acme", "slo:processing_queue", "P3")
    assert alert.message == ("SLO processing_queue is red for tenant acme alone: 60 (0 pending green, > 50 pending "
                             "red); single tenant affected")

    dagbag.get_dag("health_check").test()  # the condition persists: no second alert
    assert len(open_alerts(seeded_engine, "slo:")) == 1

    with seeded_engine.begin() as conn:
        conn.execute(update(processing_requests).values(status="completed", processing_time_ms=30_000,
                                                        updated_at=datetime.now(UTC)))
    dagbag.get_dag("health_check").test()
    assert open_alerts(seeded_engine, "slo:") == []
    assert latest_health(seeded_engine).status == "healthy"
    with seeded_engine.connect() as conn:
        assert conn.execute(select(alerts.c.status)).scalars().all() == ["resolved"]


def test_stuck_request_is_requeued_then_processed(dagbag, store_conn, seeded_engine, recordings_server):
    record_calls(seeded_engine, [IncomingCall("acme", "STUCK1", None, "+15550142678", None, 71, True, None,
                                              f"{recordings_server}/hot_lead.wav", {})])
    with seeded_engine.begin() as conn:
        conn.execute(update(processing_requests).values(status="processing", attempts=1,
                                                        updated_at=datetime.now(UTC) - timedelta(hours=2)))
    run = dagbag.get_dag("maintenance_daily").test()
    assert set(states(run).values()) == {"success"}
    request = get_request(seeded_engine, "acme", "STUCK1")
    assert (request["status"], request["error"]) == ("pending", "requeued: stuck for over 30 min")

    dagbag.get_dag("call_dispatch").test()
    dagbag.get_dag("call_processing").test(run_conf={"tenant_id": "acme", "call_id": "STUCK1"})
    request = get_request(seeded_engine, "acme", "STUCK1")
    assert (request["status"], request["attempts"]) == ("completed", 2)


def test_stuck_request_fails_after_max_attempts(dagbag, store_conn, seeded_engine):
    record_calls(seeded_engine, [IncomingCall("acme", "STUCK2", None, None, None, 71, True, None, None, {})])
    with seeded_engine.begin() as conn:
        conn.execute(update(processing_requests).values(status="dispatched", attempts=3,
                                                        updated_at=datetime.now(UTC) - timedelta(hours=2)))
    dagbag.get_dag("maintenance_daily").test()
    request = get_request(seeded_engine, "acme", "STUCK2")
    assert request["status"] == "failed" and "after 3 attempts" in request["error"]


def test_failed_requests_retried_by_tenant_and_reason_only_when_not_a_dry_run(dagbag, store_conn, seeded_engine):
    calls = [("acme", "F404", "fetch_recording: recording download failed: HTTP 404"),
             ("acme", "F500", "fetch_recording: recording download failed: HTTP 500"),
             ("globex", "G404", "fetch_recording: recording download failed: HTTP 404")]
    record_calls(seeded_engine, [IncomingCall(t, c, None, None, None, 71, True, None, None, {}) for t, c, _ in calls])
    for tenant, call_id, reason in calls:
        with seeded_engine.begin() as conn:
            conn.execute(update(processing_requests).where(processing_requests.c.tenant_id == tenant,
                                                           processing_requests.c.call_id == call_id)
                         .values(status="failed", error=reason))
    dag = dagbag.get_dag("maintenance_daily")
    # "404" is the reason filter as text even though the DAG renders its params as native objects
    conf = {"retry_tenant_id": "acme", "retry_reason_contains": "404"}
    dry = dag.test(run_conf={**conf, "retry_dry_run": True})
    assert states(dry)["retry_failed_requests"] == "success"
    assert get_request(seeded_engine, "acme", "F404")["status"] == "failed"
    dag.test(run_conf={**conf, "retry_dry_run": False})
    assert [get_request(seeded_engine, t, c)["status"] for t, c, _ in calls] == ["pending", "failed", "failed"]


def _old_and_new_calls(engine, tmp_path: Path) -> dict[str, Path]:
    now = datetime.now(UTC)
    recordings = {}
    for tenant in ("acme", "globex"):
        for label, age in (("old", 40), ("new", 1)):
            call_id = f"{label.upper()}-{tenant}"
            path = tmp_path / f"{call_id}.wav"
            path.write_bytes(b"RIFF")
            recordings[call_id] = path
            record_calls(engine, [IncomingCall(tenant, call_id, None, None, None, 90, True, None,
                                               "https://r.example/x.wav", {"k": 1})])
            with engine.begin() as conn:
                conn.execute(update(call_records).where(call_records.c.call_id == call_id).values(
                    transcript="secret words", recording_path=path.as_uri(), lead_score=80,
                    created_at=now - timedelta(days=age)))
    with engine.begin() as conn:
        conn.execute(update(tenants).where(tenants.c.tenant_id == "acme").values(retention_days=30))
    return recordings


def test_retention_purges_only_old_calls_of_their_own_tenant(dagbag, store_conn, seeded_engine, tmp_path):
    recordings = _old_and_new_calls(seeded_engine, tmp_path)
    run = dagbag.get_dag("maintenance_daily").test()
    purged = get_call(seeded_engine, "acme", "OLD-acme")
    assert purged.transcript is None and purged.recording_path is None and purged.purged_at
    assert purged.lead_score == 80  # the audit row stays
    assert not recordings["OLD-acme"].exists()
    for tenant, call_id in (("globex", "OLD-globex"), ("acme", "NEW-acme"), ("globex", "NEW-globex")):
        kept = get_call(seeded_engine, tenant, call_id)
        assert kept.transcript == "secret words" and kept.purged_at is None
        assert recordings[call_id].exists()
    assert set(states(run).values()) == {"success"}


def test_maintenance_backfill_over_seven_days_is_idempotent(dagbag, store_conn, seeded_engine, tmp_path):
    from tests.helpers import store_snapshot

    _old_and_new_calls(seeded_engine, tmp_path)
    dag = dagbag.get_dag("maintenance_daily")
    # the seven days before today, whatever today is: the old call (40 days) is past retention (30) on each of them
    today = datetime.now(UTC).replace(hour=6, minute=0, second=0, microsecond=0)
    days = [today - timedelta(days=7 - i) for i in range(7)]

    def backfill() -> tuple:
        for day in days:
            # Airflow's own cleanup is tested in test_airflow_upkeep; here its CLI would add ~5 s to each of 14 runs
            run = dag.test(logical_date=day, run_conf={"metadata_retention_days": 0})
            assert set(states(run).values()) == {"success"}
        with seeded_engine.connect() as conn:
            calls = conn.execute(select(call_records.c.call_id, call_records.c.transcript, call_records.c.purged_at)
                                 .order_by(call_records.c.call_id)).all()
        return store_snapshot(seeded_engine)[1], calls

    first = backfill()
    second = backfill()
    assert first == second
    assert [c.call_id for c in first[1] if c.purged_at] == ["OLD-acme"]


@pytest.fixture
def backups(monkeypatch, tmp_path):
    folder = tmp_path / "backups"
    monkeypatch.setenv("LEADLINE_BACKUP_DIR", str(folder))
    return folder


def test_backup_is_created_restored_and_counted(dagbag, store_conn, seeded_engine, backups):
    run = dagbag.get_dag("backup_verification").test()
    assert states(run) == {"create_backup": "success", "restore_latest_backup": "success",
                           "verify_counts": "success", "drop_restored_copy": "success"}
    assert len(list(backups.glob("leadline-*.db"))) == 1
    assert list(backups.glob("restore-check-*")) == []


def test_stale_backup_is_caught(dagbag, store_conn, seeded_engine, backups):
    dagbag.get_dag("backup_verification").test()
    [backup] = backups.glob("leadline-*.db")
    # the only backup there was taken 30 h ago (its name says when; a copied file's mtime would not)
    backup.rename(backups / backup_file_name(datetime.now(UTC) - timedelta(hours=30), ".db"))
    run = dagbag.get_dag("backup_verification").test(mark_success_pattern="create_backup")
    result = states(run)
    # the setup failed before making a copy: nothing to tear down
    assert result["restore_latest_backup"] == "failed" and result["drop_restored_copy"] == "upstream_failed"
    [alert] = open_alerts(seeded_engine, "backup:")
    assert "30.0 h old" in alert.message and alert.severity == "P2"


def test_corrupt_backup_is_caught(dagbag, store_conn, seeded_engine, backups):
    dagbag.get_dag("backup_verification").test()
    [backup] = backups.glob("leadline-*.db")
    backup.write_bytes(b"this is not a database" * 100)
    run = dagbag.get_dag("backup_verification").test(mark_success_pattern="create_backup")
    assert states(run)["restore_latest_backup"] == "failed"
    assert "cannot be restored" in open_alerts(seeded_engine, "backup:")[0].message
    assert list(backups.glob("restore-check-*")) == []


def test_backup_counts_that_disagree_fail(dagbag, store_conn, seeded_engine, backups):
    dagbag.get_dag("backup_verification").test()
    record_calls(seeded_engine, [IncomingCall("acme", f"N{i}", None, None, None, 90, True, None, None, {})
                                 for i in range(20)])  # live grew far beyond the tolerance
    run = dagbag.get_dag("backup_verification").test(mark_success_pattern="create_backup")
    result = states(run)
    assert result["verify_counts"] == "failed" and result["drop_restored_copy"] == "success"  # teardown ran
    assert list(backups.glob("restore-check-*")) == []
    assert "call_records: backup 0 vs live 20" in open_alerts(seeded_engine, "backup:")[0].message


def test_pause_resume_and_reprocess(dagbag, store_conn, seeded_engine):
    dagbag.get_dag("pause_tenant").test(run_conf={"tenant_id": "globex"})
    with seeded_engine.connect() as conn:
        assert conn.execute(select(tenants.c.status).where(tenants.c.tenant_id == "globex")).scalar() == "paused"
    dagbag.get_dag("resume_tenant").test(run_conf={"tenant_id": "globex"})
    with seeded_engine.connect() as conn:
        assert conn.execute(select(tenants.c.status).where(tenants.c.tenant_id == "globex")).scalar() == "active"

    record_calls(seeded_engine, [IncomingCall("acme", "R1", None, None, None, 90, True, None, None, {})])
    with seeded_engine.begin() as conn:
        conn.execute(update(processing_requests).values(status="completed"))
        conn.execute(update(call_records).values(transcript="t", lead_score=50))
    run = dagbag.get_dag("reprocess_calls").test(run_conf={"tenant_id": "acme", "call_ids": ["R1"]})
    assert states(run) == {"requeue_calls": "success"}
    assert get_request(seeded_engine, "acme", "R1")["status"] == "pending"
    assert get_call(seeded_engine, "acme", "R1").lead_score is None
    bad = dagbag.get_dag("reprocess_calls").test(run_conf={"tenant_id": "globex", "call_ids": ["R1"]})
    assert states(bad) == {"requeue_calls": "failed"}  # another tenant's call id: refused
    with seeded_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(processing_requests)
                            .where(processing_requests.c.status == "pending")).scalar() == 1


def test_weekly_report_per_tenant(dagbag, store_conn, seeded_engine, tmp_path):
    from airflow.models import DagRun

    # the report week ends where the manual run's data interval ends (the last whole cron interval before now,
    # not now): ages count from that end, so the test holds on any day of the week
    from airflow.serialization.encoders import coerce_to_core_timetable

    dag = dagbag.get_dag("maintenance_weekly")
    logical_date = datetime.now(UTC)
    now = coerce_to_core_timetable(dag.timetable).infer_manual_data_interval(run_after=logical_date).end
    record_calls(seeded_engine, [IncomingCall("acme", f"W{i}", None, None, None, 90, True, None, None, {})
                                 for i in range(6)])
    with seeded_engine.begin() as conn:
        for i, (status, score) in enumerate([("completed", 95), ("completed", 72), ("completed", 30),
                                             ("failed", None), ("completed", 55), ("completed", 81)]):
            age = timedelta(days=2) if i < 4 else timedelta(days=9)  # four this week, two the week before
            conn.execute(update(processing_requests).where(processing_requests.c.call_id == f"W{i}").values(
                status=status, processing_time_ms=20_000, created_at=now - age,
                error="fetch_recording: recording download failed: HTTP 404" if status == "failed" else None))
            conn.execute(update(call_records).where(call_records.c.call_id == f"W{i}").values(
                lead_score=score, created_at=now - age))
    run = dag.test(logical_date=logical_date)
    assert states(run) == {"weekly_reports": "success"}
    end = DagRun.find(dag_id="maintenance_weekly")[-1].data_interval_end
    assert end == now
    report = tmp_path / "artifacts" / "acme" / "reports" / f"weekly-{end:%Y-%m-%d}.html"
    html = report.read_text()
    assert "<svg" in html and "fetch_recording (1)" in html
    assert "<td>calls</td><td>4</td><td>2</td>" in html.replace("\n", "").replace("  ", "")
    assert "+100.0 %" in html
    assert (tmp_path / "artifacts" / "globex" / "reports").is_dir()


def test_intake_health_carries_the_latest_slo_levels(dagbag, store_conn, seeded_engine, intake_client):
    assert "slo" not in intake_client.get("/v1/health").json()
    dagbag.get_dag("health_check").test()
    report = intake_client.get("/v1/health").json()
    assert report["status"] == "healthy" and report["slo"]["processing_queue"] == "green"
    assert set(report["services"]) == {"database", "storage", "speech_api", "vertex_ai"}


@pytest.mark.postgres
def test_backup_verification_on_postgresql(dagbag, monkeypatch, backups, tmp_path, postgres_url):
    from sqlalchemy import create_engine, text

    from leadline.store.engine import create_store_engine
    from leadline.store.migrate import upgrade
    from tests.conftest import PG_ADMIN_URL, seed_tenants

    engine = create_store_engine(postgres_url)
    try:
        upgrade(engine)
        seed_tenants(engine, monkeypatch)
        monkeypatch.setenv("AIRFLOW_CONN_LEADLINE_DB", postgres_url)
        monkeypatch.setenv("LEADLINE_STORAGE_URL", (tmp_path / "artifacts").as_uri())
        run = dagbag.get_dag("backup_verification").test()
        assert states(run) == {"create_backup": "success", "restore_latest_backup": "success",
                               "verify_counts": "success", "drop_restored_copy": "success"}
        assert len(list(backups.glob("leadline-*.dump"))) == 1
        admin = create_engine(PG_ADMIN_URL)
        with admin.connect() as conn:  # the scratch database is gone
            assert conn.execute(text("SELECT count(*) FROM pg_database WHERE datname LIKE 'leadline_restore_%'")
                                ).scalar() == 0
        admin.dispose()
    finally:
        engine.dispose()


def test_the_teardown_drops_only_a_scratch_copy_the_restore_made(seeded_engine, tmp_path):
    from leadline.domain.backups import BackupError
    from leadline.hooks.database_dump import drop_scratch

    live = seeded_engine.url.render_as_string(hide_password=False)
    other = tmp_path / "leadline.db"
    other.write_bytes(b"not a scratch copy")
    for url in (live, f"sqlite:///{other}"):
        with pytest.raises(BackupError, match="not a scratch copy"):
            drop_scratch(seeded_engine, url)
    assert other.exists() and Path(seeded_engine.url.database).exists()
    scratch = tmp_path / "restore-check-run_1.db"
    scratch.write_bytes(b"")
    drop_scratch(seeded_engine, f"sqlite:///{scratch}")
    assert not scratch.exists()
