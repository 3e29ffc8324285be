"""maintenance_daily cleans Airflow's own metadata database (`airflow db clean` in a subprocess, through the
`airflow_metadata_db` connection): runs older than the retention go with their task instances, recent ones stay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

AGES_DAYS = (40, 10, 1)


def states(run) -> dict[str, str]:
    return {ti.task_id: ti.state for ti in run.get_task_instances()}


def aged_runs(dagbag) -> dict[int, str]:
    """One resume_tenant run per age, its run and task instance started that many days ago: run ids by age."""
    from airflow.models import DagRun, TaskInstance
    from airflow.utils.session import create_session
    from sqlalchemy import update

    runs = {age: dagbag.get_dag("resume_tenant").test(run_conf={"tenant_id": "globex"}).run_id for age in AGES_DAYS}
    with create_session() as session:
        for age, run_id in runs.items():
            started = datetime.now(UTC) - timedelta(days=age)
            session.execute(update(DagRun).where(DagRun.dag_id == "resume_tenant", DagRun.run_id == run_id)
                            .values(start_date=started))
            session.execute(update(TaskInstance).where(TaskInstance.dag_id == "resume_tenant",
                                                       TaskInstance.run_id == run_id).values(start_date=started))
    return runs


def kept(runs: dict[int, str]) -> dict[int, tuple[bool, int]]:
    """Per age: whether its run is still in the metadata database, and how many task instances it has left."""
    from airflow.models import DagRun, TaskInstance
    from airflow.utils.session import create_session
    from sqlalchemy import func, select

    with create_session() as session:
        return {age: (session.scalar(select(func.count()).select_from(DagRun).where(DagRun.run_id == run_id)) == 1,
                      session.scalar(select(func.count()).select_from(TaskInstance)
                                     .where(TaskInstance.run_id == run_id)))
                for age, run_id in runs.items()}


def test_runs_older_than_the_retention_are_cleaned_and_ops_can_set_it(dagbag, store_conn, seeded_engine,
                                                                      monkeypatch):
    from airflow.sdk.definitions.param import ParamValidationError

    runs = aged_runs(dagbag)
    assert kept(runs) == {40: (True, 1), 10: (True, 1), 1: (True, 1)}
    maintenance = dagbag.get_dag("maintenance_daily")
    # as in a task process under Airflow 3's supervisor: the inherited database URL leads nowhere, so the cleanup
    # can only reach the database through the connection
    for name in ("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", "AIRFLOW__CORE__SQL_ALCHEMY_CONN"):
        monkeypatch.setenv(name, "airflow-db-not-allowed:///")
    run = maintenance.test()  # the default retention: 30 days
    assert set(states(run).values()) == {"success"}
    assert kept(runs) == {40: (False, 0), 10: (True, 1), 1: (True, 1)}

    off = maintenance.test(run_conf={"metadata_retention_days": 0})
    assert states(off)["clean_airflow_metadata"] == "success"
    assert kept(runs) == {40: (False, 0), 10: (True, 1), 1: (True, 1)}

    maintenance.test(run_conf={"metadata_retention_days": 7})
    assert kept(runs) == {40: (False, 0), 10: (False, 0), 1: (True, 1)}

    with pytest.raises(ParamValidationError):
        maintenance.test(run_conf={"metadata_retention_days": 3})  # under a week: refused before any run starts


def test_without_the_metadata_connection_the_cleanup_fails_at_once_and_the_rest_succeeds(dagbag, store_conn,
                                                                                         seeded_engine, monkeypatch):
    monkeypatch.delenv("AIRFLOW_CONN_AIRFLOW_METADATA_DB")
    started = datetime.now(UTC)
    run = dagbag.get_dag("maintenance_daily").test()
    result = states(run)
    assert result.pop("clean_airflow_metadata") == "failed"
    assert set(result.values()) == {"success"}
    [ti] = [ti for ti in run.get_task_instances() if ti.task_id == "clean_airflow_metadata"]
    assert ti.try_number == 1 and datetime.now(UTC) - started < timedelta(seconds=60)  # no retries: a setup error
