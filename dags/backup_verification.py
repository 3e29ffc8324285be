"""Daily at 02:00: back up the store (SQLite online backup, pg_dump, or a Cloud Spanner backup through the
database admin API with a 7-day expire_time), then restore the newest backup to a scratch copy (setup; on
Spanner the newest READY backup to a temporary database on the instance), compare the runbook's counts with
the live store, and drop the copy (teardown, runs even on failure). A backup older than 26 h, a failed
restore or counts that disagree fail the run and raise a P2 alert. An admin service without backups (the
Spanner emulator answers 501 UNIMPLEMENTED) skips the run with that reason: no failure, no alert."""

from datetime import UTC, datetime, timedelta

from airflow.sdk import DAG

from leadline.notifier import AlertNotifier
from leadline.operators.backup import (
    CreateBackupOperator,
    DropRestoredCopyOperator,
    RestoreLatestBackupOperator,
    VerifyBackupCountsOperator,
)

with DAG(
    dag_id="backup_verification",
    description="Daily backup, restore check and counts",
    schedule="0 2 * * *",
    start_date=datetime(2026, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    tags=["leadline", "ops", "backup"],
    default_args={"owner": "leadline", "retries": 2, "retry_delay": timedelta(minutes=2),
                  "on_failure_callback": AlertNotifier(
                      tenant_id="_system", kind="backup", severity="P2", dedupe_key="backup:{{ run_id }}",
                      message="backup verification failed at {{ ti.task_id }}: {{ exception }}")},
    doc_md=__doc__,
) as dag:
    create = CreateBackupOperator(task_id="create_backup", retention_days=7)
    restore = RestoreLatestBackupOperator(task_id="restore_latest_backup")
    verify = VerifyBackupCountsOperator(task_id="verify_counts",
                                        restored_url="{{ ti.xcom_pull(task_ids='restore_latest_backup') }}")
    drop = DropRestoredCopyOperator(task_id="drop_restored_copy",
                                    restored_url="{{ ti.xcom_pull(task_ids='restore_latest_backup') }}")
    create >> restore >> verify >> drop.as_teardown(setups=restore)
