"""health_check (dag.test) against seeded stores: one tenant's red SLO is its P3 alert and a broad one a
system-wide alert, availability from the stored probes (escalating P2 -> P1), and the intake's security alerts
from its per-minute counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from leadline.store.intake import IncomingCall, record_calls
from leadline.store.intake_counts import save_intake_counts
from leadline.store.ops import save_snapshot
from leadline.store.schema import SYSTEM_TENANT, alerts, processing_requests

HEALTHY = {"database": "healthy", "storage": "healthy", "speech_api": "healthy", "vertex_ai": "healthy"}


def alert_rows(engine, kind: str) -> list[tuple]:
    """(tenant, key, severity, status) of every alert of `kind`, in a stable order."""
    with engine.connect() as conn:
        rows = conn.execute(select(alerts.c.tenant_id, alerts.c.dedupe_key, alerts.c.severity, alerts.c.status)
                            .where(alerts.c.kind == kind)
                            .order_by(alerts.c.tenant_id, alerts.c.dedupe_key, alerts.c.created_at)).all()
    return [tuple(r) for r in rows]


def finish(engine, tenant: str, completed: int, failed: int, batch: str = "A") -> None:
    """`completed` + `failed` of the tenant's calls finished just now."""
    calls = [f"{batch}{n}" for n in range(completed + failed)]
    record_calls(engine, [IncomingCall(tenant, c, None, None, None, 90, True, None, None, {}) for c in calls])
    with engine.begin() as conn:
        for n, call_id in enumerate(calls):
            conn.execute(update(processing_requests).where(processing_requests.c.tenant_id == tenant,
                                                           processing_requests.c.call_id == call_id)
                         .values(status="failed" if n < failed else "completed", processing_time_ms=20_000,
                                 updated_at=datetime.now(UTC)))


def test_one_tenant_failing_is_its_p3_then_a_second_makes_it_broad_then_all_resolve(dagbag, store_conn,
                                                                                     seeded_engine):
    health = dagbag.get_dag("health_check")
    finish(seeded_engine, "acme", completed=1, failed=3)
    finish(seeded_engine, "globex", completed=20, failed=0)
    health.test()
    assert alert_rows(seeded_engine, "slo") == [("acme", "slo:error_rate", "P3", "open")]

    finish(seeded_engine, "globex", completed=0, failed=4, batch="B")  # 4 of 24: globex is red too, so broad
    health.test()
    assert alert_rows(seeded_engine, "slo") == [(SYSTEM_TENANT, "slo:error_rate", "P2", "open"),
                                                ("acme", "slo:error_rate", "P3", "open")]  # acme is still red
    with seeded_engine.connect() as conn:
        message = conn.execute(select(alerts.c.message).where(alerts.c.tenant_id == SYSTEM_TENANT)).scalar_one()
    assert message.endswith("red on their own: acme, globex")

    with seeded_engine.begin() as conn:
        conn.execute(update(processing_requests).values(status="completed"))
    health.test()
    assert [row[3] for row in alert_rows(seeded_engine, "slo")] == ["resolved", "resolved"]


def test_availability_below_target_alerts_and_escalates_to_p1_below_99_percent(dagbag, store_conn, seeded_engine):
    now = datetime.now(UTC)
    for n in range(299):  # a day of probes, three of them with the database down: 297 of 300 with this run's
        services = {**HEALTHY, "database": "unhealthy"} if n < 3 else HEALTHY
        save_snapshot(seeded_engine, now - timedelta(minutes=5 * (n + 1)), "healthy", services, {})
    save_snapshot(seeded_engine, now - timedelta(days=31), "unhealthy", {**HEALTHY, "database": "unhealthy"}, {})
    health = dagbag.get_dag("health_check")
    health.test()
    assert alert_rows(seeded_engine, "slo") == [(SYSTEM_TENANT, "slo:availability_database", "P2", "open")]
    with seeded_engine.connect() as conn:
        message = conn.execute(select(alerts.c.message)).scalar_one()
    assert message.startswith("SLO availability_database is red: 0.99 (share of healthy probes over 30 days")

    save_snapshot(seeded_engine, now - timedelta(hours=30), "unhealthy", {**HEALTHY, "database": "unhealthy"}, {})
    health.test()  # 298 of 302: below 99 %, critical
    assert alert_rows(seeded_engine, "slo") == [(SYSTEM_TENANT, "slo:availability_database", "P2", "resolved"),
                                                (SYSTEM_TENANT, "slo:availability_database", "P1", "open")]


def test_intake_counts_raise_brute_force_and_auth_failure_alerts_per_tenant(dagbag, store_conn, seeded_engine):
    minute = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=5)
    save_intake_counts(seeded_engine, "intake-1", minute, {
        ("acme", "accepted"): 20, ("acme", "invalid_signature"): 8, ("acme", "block_started"): 1,
        ("globex", "accepted"): 50, ("globex", "invalid_signature"): 2,
        ("_unknown", "unknown_tenant"): 30, ("_unknown", "block_started"): 1})
    save_intake_counts(seeded_engine, "intake-2", minute, {("acme", "invalid_signature"): 4})
    # two hours ago: outside the window
    save_intake_counts(seeded_engine, "intake-1", minute - timedelta(hours=2), {("globex", "invalid_signature"): 90})
    health = dagbag.get_dag("health_check")
    run = health.test()
    assert alert_rows(seeded_engine, "security") == [
        (SYSTEM_TENANT, "security:potential_brute_force", "P2", "open"),
        ("acme", "security:high_auth_failure_rate", "P2", "open"),
        ("acme", "security:potential_brute_force", "P2", "open")]
    with seeded_engine.connect() as conn:
        message = conn.execute(select(alerts.c.message).where(
            alerts.c.dedupe_key == "security:high_auth_failure_rate")).scalar_one()
    assert message == ("HighAuthFailureRate: 12 of 32 webhook requests for tenant acme failed authentication in the "
                       "last 60 min (> 10% of at least 20): invalid_signature 12")  # both instances summed
    [security] = [ti for ti in run.get_task_instances() if ti.task_id == "check_intake_security"]
    assert security.state == "success"

    health.test()  # still within the window: nothing new
    assert len(alert_rows(seeded_engine, "security")) == 3

    from leadline.store.intake_counts import purge_intake_counts_all_tenants

    purge_intake_counts_all_tenants(seeded_engine, datetime.now(UTC))
    health.test()
    assert {row[3] for row in alert_rows(seeded_engine, "security")} == {"resolved"}
