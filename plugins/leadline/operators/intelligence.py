"""Sales intelligence: Salesforce sync over the data interval, CallRail reconciliation, entity
resolution and daily account scoring. Every run writes an etl_runs row per tenant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from leadline.operators.ops import StoreOperator, _interval_end

SOQL = {
    "Account": "SELECT Id, Name, Website, Industry, SystemModstamp FROM Account",
    "Contact": "SELECT Id, AccountId, FirstName, LastName, Email, Phone, SystemModstamp FROM Contact",
    "Opportunity": "SELECT Id, AccountId, Name, StageName, Amount, IsClosed, CloseDate, SystemModstamp "
                   "FROM Opportunity",
}


def _soql_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _sf_time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _domain(website: str | None) -> str | None:
    if not website:
        return None
    host = website.lower().split("//")[-1].split("/")[0]
    return host.removeprefix("www.") or None


def _interval(context) -> tuple[datetime, datetime]:
    end = _interval_end(context)
    start = context.get("data_interval_start") or end - timedelta(days=1)
    return start, end


def _replace_rows(engine, table, tenant_id: str, key: str, rows: list[dict]) -> None:
    """Upsert by natural id: delete the ids present, insert them again, in one transaction."""
    from sqlalchemy import delete, insert

    if not rows:
        return
    with engine.begin() as conn:
        ids = [r[key] for r in rows]
        for start in range(0, len(ids), 500):
            conn.execute(delete(table).where(table.c.tenant_id == tenant_id, table.c[key].in_(ids[start:start + 500])))
        conn.execute(insert(table), [{"tenant_id": tenant_id, **r} for r in rows])


class SyncSalesforceOperator(StoreOperator):
    """Accounts, contacts and opportunities whose SystemModstamp falls in the run's data interval."""

    def execute(self, context) -> dict:
        from leadline.domain.normalize import e164
        from leadline.hooks.salesforce import LeadlineSalesforceHook
        from leadline.store.etl import etl_run
        from leadline.store.schema import sf_accounts, sf_contacts, sf_opportunities
        from leadline.store.tenants import list_tenants

        start, end = _interval(context)
        window = f" WHERE SystemModstamp >= {_soql_time(start)} AND SystemModstamp < {_soql_time(end)}"
        now = end  # synced_at is the interval's end, so a rerun of the same interval writes identical rows
        done: dict[str, int] = {}
        with self.engine.connect() as conn:
            tenants = list_tenants(conn)
        for tenant in tenants:
            connection_id = self._salesforce_connection(tenant.tenant_id)
            if connection_id is None:
                continue
            with etl_run(self.engine, tenant.tenant_id, "salesforce", context["run_id"]) as run:
                salesforce = LeadlineSalesforceHook(connection_id)
                fetched = {name: salesforce.query_all(soql + window) for name, soql in SOQL.items()}
                _replace_rows(self.engine, sf_accounts, tenant.tenant_id, "account_id", [{
                    "account_id": r["Id"], "name": r.get("Name"), "website": r.get("Website"),
                    "domain": _domain(r.get("Website")), "industry": r.get("Industry"),
                    "system_modstamp": _sf_time(r["SystemModstamp"]), "synced_at": now} for r in fetched["Account"]])
                _replace_rows(self.engine, sf_contacts, tenant.tenant_id, "contact_id", [{
                    "contact_id": r["Id"], "account_id": r.get("AccountId"), "first_name": r.get("FirstName"),
                    "last_name": r.get("LastName"), "email": r.get("Email"), "phone": r.get("Phone"),
                    "email_normalized": (r.get("Email") or "").strip().lower() or None,
                    "phone_e164": e164(r.get("Phone")), "system_modstamp": _sf_time(r["SystemModstamp"]),
                    "synced_at": now} for r in fetched["Contact"]])
                _replace_rows(self.engine, sf_opportunities, tenant.tenant_id, "opportunity_id", [{
                    "opportunity_id": r["Id"], "account_id": r.get("AccountId"), "name": r.get("Name"),
                    "stage_name": r.get("StageName"), "amount": r.get("Amount"), "is_closed": r.get("IsClosed"),
                    "close_date": _sf_time(r.get("CloseDate") and f"{r['CloseDate']}T00:00:00+00:00"),
                    "system_modstamp": _sf_time(r["SystemModstamp"]), "synced_at": now}
                    for r in fetched["Opportunity"]])
                run.rows_processed = sum(len(v) for v in fetched.values())
            done[tenant.tenant_id] = run.rows_processed
        self.log.info("salesforce rows synced per tenant: %s", done)
        return done

    def _salesforce_connection(self, tenant_id: str) -> str | None:
        from sqlalchemy import select

        from leadline.store.schema import crm_integrations

        with self.engine.connect() as conn:
            return conn.execute(select(crm_integrations.c.connection_id).where(
                crm_integrations.c.tenant_id == tenant_id, crm_integrations.c.crm_type == "salesforce",
                crm_integrations.c.status == "active")).scalar()


def full_name(first, last):
    from sqlalchemy import func

    return func.trim(func.coalesce(first, "") + " " + func.coalesce(last, ""))


class EntityResolutionOperator(StoreOperator):
    """Matches every caller of each tenant to its Salesforce contacts (manual mappings win) and replaces
    the tenant's call matches; the match rate goes to etl_runs and the XCom."""

    def execute(self, context) -> dict:
        import pandas as pd
        from sqlalchemy import delete, insert, select

        from leadline.domain.resolution import resolve
        from leadline.store.etl import etl_run
        from leadline.store.schema import call_records, entity_matches, manual_mappings, sf_accounts, sf_contacts
        from leadline.store.tenants import list_tenants

        rates: dict[str, float | None] = {}
        with self.engine.connect() as conn:
            tenants = list_tenants(conn)
        for tenant in tenants:
            t = tenant.tenant_id
            with etl_run(self.engine, t, "entity_resolution", context["run_id"]) as run, self.engine.connect() as conn:
                people = pd.read_sql(select(
                    call_records.c.call_id.label("source_id"), call_records.c.customer_email.label("email"),
                    call_records.c.customer_phone.label("phone"), call_records.c.customer_name.label("name"),
                ).where(call_records.c.tenant_id == t), conn)
                contacts = pd.read_sql(select(
                    sf_contacts.c.contact_id, sf_contacts.c.account_id, sf_contacts.c.email, sf_contacts.c.phone,
                    full_name(sf_contacts.c.first_name, sf_contacts.c.last_name).label("name"),
                    sf_accounts.c.domain.label("account_domain"),
                ).select_from(sf_contacts.outerjoin(sf_accounts, (sf_accounts.c.tenant_id == sf_contacts.c.tenant_id)
                                                     & (sf_accounts.c.account_id == sf_contacts.c.account_id)))
                    .where(sf_contacts.c.tenant_id == t), conn)
                manual = pd.read_sql(select(manual_mappings.c.identity, manual_mappings.c.contact_id)
                                     .where(manual_mappings.c.tenant_id == t), conn)
                matches = resolve(people, contacts, manual)
                now = datetime.now(UTC)
                with self.engine.begin() as write:
                    write.execute(delete(entity_matches).where(entity_matches.c.tenant_id == t,
                                                               entity_matches.c.source_type == "call"))
                    if len(matches):
                        write.execute(insert(entity_matches), [
                            {"tenant_id": t, "source_type": "call", "matched_at": now, **row}
                            for row in matches.astype(object).where(matches.notna(), None).to_dict("records")])
                identifiable = people[people["email"].notna() | people["phone"].notna()]
                rates[t] = round(len(matches) / len(identifiable), 4) if len(identifiable) else None
                run.rows_processed = len(matches)
        self.log.info("match rate per tenant: %s", rates)
        return {"match_rate": rates}


class AccountScoringOperator(StoreOperator):
    """Scores every Salesforce account of each tenant for the run's date; a rerun replaces that date."""

    def __init__(self, *, lookback_days: int = 30, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.lookback_days = lookback_days

    def execute(self, context) -> dict:
        from sqlalchemy import delete, insert

        from leadline.store.etl import etl_run
        from leadline.store.schema import account_recommendations
        from leadline.store.tenants import list_tenants

        as_of = _interval_end(context)
        score_date = f"{as_of:%Y-%m-%d}"
        since = as_of - timedelta(days=self.lookback_days)
        scored: dict[str, int] = {}
        with self.engine.connect() as conn:
            tenants = list_tenants(conn)
        for tenant in tenants:
            t = tenant.tenant_id
            with etl_run(self.engine, t, "account_scoring", context["run_id"]) as run:
                result = self._score(t, as_of, since)
                with self.engine.begin() as write:
                    write.execute(delete(account_recommendations).where(
                        account_recommendations.c.tenant_id == t, account_recommendations.c.score_date == score_date))
                    if len(result):
                        write.execute(insert(account_recommendations), [
                            {"tenant_id": t, "score_date": score_date, "created_at": datetime.now(UTC), **row}
                            for row in result.to_dict("records")])
                run.rows_processed = scored[t] = len(result)
        self.log.info("accounts scored for %s: %s", score_date, scored)
        return {"score_date": score_date, "accounts": scored}

    def _score(self, t: str, as_of: datetime, since: datetime):
        import pandas as pd
        from sqlalchemy import and_, func, select

        from leadline.domain.account_scoring import score_accounts
        from leadline.store.schema import call_records, entity_matches, sf_accounts, sf_opportunities

        with self.engine.connect() as conn:
            accounts = pd.read_sql(select(sf_accounts.c.account_id).where(sf_accounts.c.tenant_id == t), conn)
            calls = pd.read_sql(select(
                entity_matches.c.account_id,
                func.count().label("calls_30d"),
                func.max(call_records.c.created_at).label("last_call"),
                func.max(call_records.c.lead_score).label("max_lead_score"),
                func.avg(call_records.c.lead_score).label("avg_lead_score"),
            ).select_from(entity_matches.join(call_records, and_(
                call_records.c.tenant_id == entity_matches.c.tenant_id,
                call_records.c.call_id == entity_matches.c.source_id)))
                .where(entity_matches.c.tenant_id == t, entity_matches.c.source_type == "call",
                       entity_matches.c.account_id.is_not(None), call_records.c.created_at >= since,
                       call_records.c.created_at < as_of)
                .group_by(entity_matches.c.account_id), conn)
            pipeline = pd.read_sql(select(
                sf_opportunities.c.account_id, func.sum(sf_opportunities.c.amount).label("open_amount"),
                func.count().label("open_opportunities"),
            ).where(sf_opportunities.c.tenant_id == t, sf_opportunities.c.is_closed.is_(False))
                .group_by(sf_opportunities.c.account_id), conn)
        frame = accounts.merge(calls, on="account_id", how="left").merge(pipeline, on="account_id", how="left")
        last = pd.to_datetime(frame["last_call"], utc=True)
        frame["days_since_touch"] = (pd.Timestamp(as_of) - last).dt.total_seconds() / 86400
        frame["emails_30d"] = 0  # Gmail sync is not built yet: no email engagement
        return score_accounts(frame)


class SyncCallRailOperator(StoreOperator):
    """Reconciliation: every CallRail call in the data interval that the webhook missed is stored and
    queued through the intake's own write path (duplicates are recognised and left alone)."""

    def execute(self, context) -> dict:
        from leadline.domain.normalize import e164
        from leadline.hooks.callrail import CallRailHook
        from leadline.store.etl import etl_run
        from leadline.store.intake import IncomingCall, record_calls
        from leadline.store.tenants import list_tenants

        start, end = _interval(context)
        recovered: dict[str, int] = {}
        with self.engine.connect() as conn:
            tenants = [t for t in list_tenants(conn) if (t.config or {}).get("callrail_account_id")]
        for tenant in tenants:
            config = tenant.config
            with etl_run(self.engine, tenant.tenant_id, "callrail", context["run_id"]) as run:
                hook = CallRailHook(config.get("callrail_conn_id", CallRailHook.default_conn_name))
                listed = hook.list_calls(config["callrail_account_id"], start.isoformat(), end.isoformat())
                calls = [IncomingCall(
                    tenant_id=tenant.tenant_id, call_id=c["id"], resource_id=c["id"],
                    caller_phone=e164(c.get("customer_phone_number")), customer_name=c.get("customer_name"),
                    duration_s=int(c["duration"]) if c.get("duration") is not None else None,
                    answered=c.get("answered"), started_at=datetime.fromisoformat(c["start_time"]),
                    recording_url=None, raw_payload=c) for c in listed]
                results = record_calls(self.engine, calls) if calls else []
                run.rows_processed = len(listed)
            recovered[tenant.tenant_id] = sum(r.created for r in results)
        self.log.info("calls recovered from CallRail per tenant: %s", recovered)
        return recovered
