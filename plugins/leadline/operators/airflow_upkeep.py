"""Airflow's own upkeep: one DAG run per call grows the metadata database's dag_run, task_instance, xcom, log and
job tables without end, and Cloud Composer cannot upgrade or snapshot an environment whose database passes
20 GB. Its guidance: clean daily, keeping 30 days to start with.

The cleaning is `airflow db clean`, in a subprocess. Airflow 3 bars task code from the metadata database: the
Task SDK's supervisor replaces the ORM session with one that raises, and points sql_alchemy_conn (the setting
and the environment variable a child process would inherit) at "airflow-db-not-allowed:///". Calling
`airflow.utils.db_cleanup.run_cleanup` with a session of our own would still work today, but it is an internal
function of airflow-core, which the Task SDK is dropping from workers; the CLI is the public interface to the
same code. So the database is named by an Airflow connection ops grant explicitly (`airflow_metadata_db`), and
only the child process gets its URL, in its environment (never in argv, which `ps` shows).

Where the platform cleans the database itself (Cloud Composer 3's database retention policy, which deploy.py
sets to 30 days), a retention of 0 turns this task off (LEADLINE_METADATA_RETENTION_DAYS=0 makes it the
default there)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from airflow.sdk import BaseOperator

from leadline.operators.intervals import interval_end

# A week at least: the runs are the evidence for incidents (post-mortems within 24-72 h, the weekly review).
MIN_RETENTION_DAYS = 7
OFF = 0


class AirflowDbCleanOperator(BaseOperator):
    """Deletes the metadata database's records older than `retention_days` before the run's data interval end
    (Airflow keeps each DAG's latest scheduled run), without archive tables, in batches; fails when a table
    could not be cleaned."""

    template_fields: Sequence[str] = ("retention_days",)

    def __init__(self, *, retention_days: int, metadata_conn_id: str = "airflow_metadata_db", batch_size: int = 10_000,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.retention_days = retention_days
        self.metadata_conn_id = metadata_conn_id
        self.batch_size = batch_size

    def execute(self, context) -> dict:
        import os
        import subprocess
        import sys

        from airflow.sdk.exceptions import AirflowException, AirflowFailException

        from leadline.hooks.connections import optional_connection
        from leadline.store.connection_uri import sqlalchemy_url

        days = self.retention_days
        if isinstance(days, bool) or not isinstance(days, int) or (days != OFF and days < MIN_RETENTION_DAYS):
            raise AirflowFailException(f"metadata retention must be {OFF} (off) or at least {MIN_RETENTION_DAYS} "
                                       f"days, got {days!r}")
        if days == OFF:
            self.log.info("metadata retention is off: the platform cleans the Airflow database")
            return {"retention_days": OFF, "clean_before": None}
        conn = optional_connection(self.metadata_conn_id)
        if conn is None:
            raise AirflowFailException(
                f"connection {self.metadata_conn_id} (the Airflow metadata database) is not defined: define it, or "
                f"set the retention to {OFF} where the platform cleans the database itself")
        before = interval_end(context) - timedelta(days=days)
        env = {**os.environ, "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": sqlalchemy_url(conn)}
        env.pop("AIRFLOW__CORE__SQL_ALCHEMY_CONN", None)  # the deprecated name, also pointed away by the Task SDK
        done = subprocess.run(
            [sys.executable, "-m", "airflow", "db", "clean", "--clean-before-timestamp", before.isoformat(),
             "--skip-archive", "--yes", "--error-on-cleanup-failure", "--batch-size", str(self.batch_size)],
            env=env, capture_output=True, text=True, check=False)
        for line in done.stdout.splitlines():  # table names and row counts, no row contents (not --verbose)
            if line.strip():
                self.log.info("db clean: %s", line)
        if done.returncode:
            raise AirflowException(f"airflow db clean exited with {done.returncode}: "
                                   f"{' | '.join(done.stderr.strip().splitlines()[-5:])}")
        return {"retention_days": days, "clean_before": before.isoformat()}
