"""CRM sync bookkeeping: one log row per (tenant, call, CRM), and a circuit breaker per (tenant, CRM)
kept in the store so it survives task restarts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, Engine, and_, case, exists, func, insert, literal, not_, null, or_, select, update
from sqlalchemy.exc import IntegrityError

from leadline.domain.call import CallRecord
from leadline.domain.crm import CRM_CALL_FIELDS
from leadline.store.calls import call_records_with_links, set_crm_ids
from leadline.store.schema import call_crm_links, call_records, crm_circuits, crm_integrations, crm_sync_log

FAILURES_TO_OPEN = 5
COOLDOWN = timedelta(seconds=60)


def active_integration(engine: Engine, tenant_id: str, crm_type: str) -> str | None:
    """The Airflow connection id of the tenant's active integration with this CRM (None: none, or inactive)."""
    with engine.connect() as conn:
        row = conn.execute(select(crm_integrations.c.connection_id, crm_integrations.c.status).where(
            crm_integrations.c.tenant_id == tenant_id, crm_integrations.c.crm_type == crm_type)).first()
    return row.connection_id if row is not None and row.status == "active" else None


def _linked(crm_type: str, kind: str):
    """The condition "the call has its `kind` id in `crm_type`": the runbook's column, else a call_crm_links row."""
    fields = CRM_CALL_FIELDS.get(crm_type)
    if fields is not None:
        return call_records.c[getattr(fields, kind)].is_not(None)
    links = call_crm_links.c
    return exists().where(links.tenant_id == call_records.c.tenant_id, links.call_id == call_records.c.call_id,
                          links.crm_type == crm_type, links[f"{kind}_id"].is_not(None))


def _calls(engine: Engine, tenant_id: str, start: datetime, end: datetime, *conditions) -> list[CallRecord]:
    with engine.connect() as conn:
        rows = conn.execute(select(call_records).where(
            call_records.c.tenant_id == tenant_id, call_records.c.created_at >= start,
            call_records.c.created_at < end, *conditions).order_by(call_records.c.call_id)).mappings().all()
        return call_records_with_links(conn, tenant_id, list(rows))


def scored_calls_without_record(engine: Engine, tenant_id: str, crm_type: str, start: datetime,
                                end: datetime) -> list[CallRecord]:
    """The tenant's scored calls created in [start, end) with no record in `crm_type` yet."""
    return _calls(engine, tenant_id, start, end, call_records.c.lead_score.is_not(None),
                  not_(_linked(crm_type, "record")))


def calls_without_engagement(engine: Engine, tenant_id: str, crm_type: str, start: datetime, end: datetime
                             ) -> list[CallRecord]:
    """The tenant's calls created in [start, end) synced to `crm_type` whose call is not logged there yet."""
    return _calls(engine, tenant_id, start, end, _linked(crm_type, "record"), not_(_linked(crm_type, "engagement")))


def _log_sync(conn: Connection, *, tenant_id: str, call_id: str, crm_type: str, role: str, status: str,
              record_id: str | None, cross_ref_id: str | None, attempts: int, error: str | None) -> None:
    now = datetime.now(UTC)
    key = and_(crm_sync_log.c.tenant_id == tenant_id, crm_sync_log.c.call_id == call_id,
               crm_sync_log.c.crm_type == crm_type)
    existing = conn.execute(select(crm_sync_log.c.attempts, crm_sync_log.c.record_id).where(key)).first()
    values = {"role": role, "status": status, "cross_ref_id": cross_ref_id, "error": error, "updated_at": now}
    if existing is None:
        conn.execute(insert(crm_sync_log).values(tenant_id=tenant_id, call_id=call_id, crm_type=crm_type,
                                                 record_id=record_id, attempts=attempts, created_at=now, **values))
    else:
        conn.execute(update(crm_sync_log).where(key).values(
            record_id=record_id or existing.record_id, attempts=existing.attempts + attempts, **values))


def record_sync(engine: Engine, *, tenant_id: str, call_id: str, crm_type: str, role: str, status: str,
                record_id: str | None, cross_ref_id: str | None, attempts: int, error: str | None) -> None:
    """Upsert the call's log row for this CRM; attempts accumulate across reruns."""
    with engine.begin() as conn:
        _log_sync(conn, tenant_id=tenant_id, call_id=call_id, crm_type=crm_type, role=role, status=status,
                  record_id=record_id, cross_ref_id=cross_ref_id, attempts=attempts, error=error)


def record_synced_lead(engine: Engine, *, tenant_id: str, call_id: str, crm_type: str, role: str, record_id: str,
                       cross_ref_id: str | None, attempts: int) -> None:
    """A lead upserted: its log row and the call's record id in that CRM, in one transaction (a log that says
    synced always has the id on the call)."""
    with engine.begin() as conn:
        _log_sync(conn, tenant_id=tenant_id, call_id=call_id, crm_type=crm_type, role=role, status="synced",
                  record_id=record_id, cross_ref_id=cross_ref_id, attempts=attempts, error=None)
        set_crm_ids(conn, tenant_id, crm_type, "record", {call_id: record_id})


def synced_record(engine: Engine, tenant_id: str, call_id: str, crm_type: str) -> str | None:
    with engine.connect() as conn:
        return conn.execute(select(crm_sync_log.c.record_id).where(
            crm_sync_log.c.tenant_id == tenant_id, crm_sync_log.c.call_id == call_id,
            crm_sync_log.c.crm_type == crm_type, crm_sync_log.c.status == "synced")).scalar()


def sync_success_rate(engine: Engine, tenant_id: str, crm_type: str, since: datetime) -> float | None:
    """Share of calls synced among those attempted since `since` (None when nothing was attempted)."""
    with engine.connect() as conn:
        total, synced = conn.execute(
            select(func.count(), func.sum(case((crm_sync_log.c.status == "synced", 1), else_=0)))
            .where(crm_sync_log.c.tenant_id == tenant_id, crm_sync_log.c.crm_type == crm_type,
                   crm_sync_log.c.updated_at >= since)
        ).one()
    return None if not total else synced / total


@dataclass(frozen=True)
class Circuit:
    state: str
    consecutive_failures: int
    opened_until: datetime | None

    def wait_s(self, now: datetime) -> float:
        """Seconds before a call may go through (0 when closed or ready for a half-open trial)."""
        if self.state != "open" or self.opened_until is None:
            return 0.0
        return max(0.0, (self.opened_until - now).total_seconds())


def circuit(engine: Engine, tenant_id: str, crm_type: str) -> Circuit:
    with engine.connect() as conn:
        row = conn.execute(select(crm_circuits).where(crm_circuits.c.tenant_id == tenant_id,
                                                      crm_circuits.c.crm_type == crm_type)).mappings().first()
    if row is None:
        return Circuit("closed", 0, None)
    return Circuit(row["state"], row["consecutive_failures"], row["opened_until"])


def _circuit_key(tenant_id: str, crm_type: str):
    return and_(crm_circuits.c.tenant_id == tenant_id, crm_circuits.c.crm_type == crm_type)


def _save_circuit(engine: Engine, tenant_id: str, crm_type: str, **values) -> None:
    now = datetime.now(UTC)
    for attempt in range(2):
        try:
            with engine.begin() as conn:
                if conn.execute(update(crm_circuits).where(_circuit_key(tenant_id, crm_type))
                                .values(**values, updated_at=now)).rowcount == 0:
                    conn.execute(insert(crm_circuits).values(tenant_id=tenant_id, crm_type=crm_type, **values,
                                                             updated_at=now))
            return
        except IntegrityError:  # a concurrent writer created the row first: the UPDATE finds it now
            if attempt:
                raise


def record_success(engine: Engine, tenant_id: str, crm_type: str) -> None:
    _save_circuit(engine, tenant_id, crm_type, state="closed", consecutive_failures=0, opened_until=None)


def record_failure(engine: Engine, tenant_id: str, crm_type: str, now: datetime | None = None) -> Circuit:
    """Count one failure in a single UPDATE (no read-then-write race between concurrent tasks): the circuit
    opens at FAILURES_TO_OPEN consecutive failures, and a failed half-open trial (state still open) re-opens
    it for another cool-down. SET expressions see the row as it was before the statement."""
    now = now or datetime.now(UTC)
    c = crm_circuits.c
    opens = or_(c.consecutive_failures + 1 >= FAILURES_TO_OPEN, c.state == "open")
    count = update(crm_circuits).where(_circuit_key(tenant_id, crm_type)).values(
        consecutive_failures=c.consecutive_failures + 1,
        state=case((opens, "open"), else_="closed"),
        opened_until=case((opens, literal(now + COOLDOWN, c.opened_until.type)), else_=null()),
        updated_at=now)
    first_opens = FAILURES_TO_OPEN <= 1
    for attempt in range(2):
        try:
            with engine.begin() as conn:
                if conn.execute(count).rowcount == 0:  # the first failure ever for this (tenant, CRM)
                    conn.execute(insert(crm_circuits).values(
                        tenant_id=tenant_id, crm_type=crm_type, state="open" if first_opens else "closed",
                        consecutive_failures=1, opened_until=now + COOLDOWN if first_opens else None, updated_at=now))
                row = conn.execute(select(c.state, c.consecutive_failures, c.opened_until)
                                   .where(_circuit_key(tenant_id, crm_type))).one()
            return Circuit(row.state, row.consecutive_failures, row.opened_until)
        except IntegrityError:  # a concurrent first failure inserted the row: count on it instead
            if attempt:
                raise
    raise AssertionError("unreachable")


def record_sync_many(engine: Engine, tenant_id: str, crm_type: str, role: str, synced: dict[str, str],
                     failed: dict[str, str], cross_refs: dict[str, str | None]) -> None:
    """The bulk path's log rows and the synced calls' record ids: one transaction, one row per call (each batch
    request is one attempt)."""
    now = datetime.now(UTC)
    outcomes = [(call_id, "synced", record_id, None) for call_id, record_id in synced.items()]
    outcomes += [(call_id, "failed", None, error) for call_id, error in failed.items()]
    with engine.begin() as conn:
        existing = dict(conn.execute(select(crm_sync_log.c.call_id, crm_sync_log.c.attempts).where(
            crm_sync_log.c.tenant_id == tenant_id, crm_sync_log.c.crm_type == crm_type,
            crm_sync_log.c.call_id.in_([o[0] for o in outcomes]))).all()) if outcomes else {}
        fresh = [o for o in outcomes if o[0] not in existing]
        if fresh:
            conn.execute(insert(crm_sync_log), [
                {"tenant_id": tenant_id, "call_id": call_id, "crm_type": crm_type, "role": role, "status": status,
                 "record_id": record_id, "cross_ref_id": cross_refs.get(call_id), "attempts": 1, "error": error,
                 "created_at": now, "updated_at": now} for call_id, status, record_id, error in fresh])
        for call_id, status, record_id, error in (o for o in outcomes if o[0] in existing):
            conn.execute(update(crm_sync_log).where(
                crm_sync_log.c.tenant_id == tenant_id, crm_sync_log.c.crm_type == crm_type,
                crm_sync_log.c.call_id == call_id).values(
                status=status, record_id=record_id, error=error, attempts=existing[call_id] + 1, updated_at=now))
        set_crm_ids(conn, tenant_id, crm_type, "record", synced)
