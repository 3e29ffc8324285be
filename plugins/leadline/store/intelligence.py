"""Entity resolution and account scoring: what each reads of one tenant's mirrors, and what it writes back.
The frames returned are the inputs of leadline.domain.resolution and leadline.domain.account_scoring."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
from sqlalchemy import Engine, and_, bindparam, delete, func, insert, literal, select, union_all, update

from leadline.store.schema import (
    account_recommendations,
    call_records,
    entity_matches,
    gmail_messages,
    gmail_participants,
    hubspot_contacts,
    manual_mappings,
    sf_accounts,
    sf_contacts,
    sf_opportunities,
)

# HubSpot contact ids are prefixed in entity_matches so they never collide with Salesforce ids.
HUBSPOT_PREFIX = "hs:"


def _full_name(first, last):
    return func.trim(func.coalesce(first, "") + " " + func.coalesce(last, ""))


def people_to_resolve(engine: Engine, tenant_id: str) -> dict[str, pd.DataFrame]:
    """Source type -> the tenant's callers and distinct email participants (source_id, email, phone, name)."""
    with engine.connect() as conn:
        calls = pd.read_sql(select(
            call_records.c.call_id.label("source_id"), call_records.c.customer_email.label("email"),
            call_records.c.customer_phone.label("phone"), call_records.c.customer_name.label("name"),
        ).where(call_records.c.tenant_id == tenant_id), conn)
        emails = pd.read_sql(select(gmail_participants.c.email.label("source_id"),
                                    gmail_participants.c.email.label("email"))
                             .where(gmail_participants.c.tenant_id == tenant_id).distinct(), conn)
    emails["phone"], emails["name"] = None, None
    return {"call": calls, "gmail": emails}


def resolution_contacts(engine: Engine, tenant_id: str) -> pd.DataFrame:
    """The tenant's Salesforce contacts (with their account's domain) and HubSpot contacts, in one frame."""
    salesforce = select(
        sf_contacts.c.contact_id, sf_contacts.c.account_id, sf_contacts.c.email, sf_contacts.c.phone,
        _full_name(sf_contacts.c.first_name, sf_contacts.c.last_name).label("name"),
        sf_accounts.c.domain.label("account_domain"),
    ).select_from(sf_contacts.outerjoin(sf_accounts, (sf_accounts.c.tenant_id == sf_contacts.c.tenant_id)
                                        & (sf_accounts.c.account_id == sf_contacts.c.account_id))
                  ).where(sf_contacts.c.tenant_id == tenant_id)
    hubspot = select(
        (literal(HUBSPOT_PREFIX) + hubspot_contacts.c.contact_id).label("contact_id"),
        literal(None).label("account_id"), hubspot_contacts.c.email, hubspot_contacts.c.phone,
        _full_name(hubspot_contacts.c.first_name, hubspot_contacts.c.last_name).label("name"),
        literal(None).label("account_domain"),
    ).where(hubspot_contacts.c.tenant_id == tenant_id)
    with engine.connect() as conn:
        return pd.read_sql(union_all(salesforce, hubspot), conn)


def manual_mappings_of(engine: Engine, tenant_id: str) -> pd.DataFrame:
    with engine.connect() as conn:
        return pd.read_sql(select(manual_mappings.c.identity, manual_mappings.c.contact_id)
                           .where(manual_mappings.c.tenant_id == tenant_id), conn)


def replace_entity_matches(engine: Engine, tenant_id: str, source_type: str, matches: list[dict],
                           matched_at: datetime, gmail_contacts: dict[str, str] | None = None) -> None:
    """A tenant's matches of one source type, replaced in one transaction. `gmail_contacts` (email ->
    Salesforce contact id) rewrites gmail_participants.sf_contact_id in the same transaction: unlisted
    addresses are reset, so a match that disappeared does not linger."""
    with engine.begin() as conn:
        conn.execute(delete(entity_matches).where(entity_matches.c.tenant_id == tenant_id,
                                                  entity_matches.c.source_type == source_type))
        if matches:
            conn.execute(insert(entity_matches), [
                {"tenant_id": tenant_id, "source_type": source_type, "matched_at": matched_at, **row}
                for row in matches])
        if gmail_contacts is not None:
            conn.execute(update(gmail_participants).where(gmail_participants.c.tenant_id == tenant_id)
                         .values(sf_contact_id=None))
            if gmail_contacts:
                conn.execute(update(gmail_participants).where(
                    gmail_participants.c.tenant_id == tenant_id, gmail_participants.c.email == bindparam("e"))
                    .values(sf_contact_id=bindparam("c")),
                    [{"e": email, "c": contact_id} for email, contact_id in gmail_contacts.items()])


def account_activity(engine: Engine, tenant_id: str, since: datetime, until: datetime) -> pd.DataFrame:
    """One row per Salesforce account of the tenant: matched calls and emails in [since, until) (count,
    latest, lead scores) and the open pipeline; NaN where an account has none."""
    calls = select(
        entity_matches.c.account_id,
        func.count().label("calls_30d"),
        func.max(call_records.c.created_at).label("last_call"),
        func.max(call_records.c.lead_score).label("max_lead_score"),
        func.avg(call_records.c.lead_score).label("avg_lead_score"),
    ).select_from(entity_matches.join(call_records, and_(
        call_records.c.tenant_id == entity_matches.c.tenant_id,
        call_records.c.call_id == entity_matches.c.source_id))
    ).where(entity_matches.c.tenant_id == tenant_id, entity_matches.c.source_type == "call",
            entity_matches.c.account_id.is_not(None), call_records.c.created_at >= since,
            call_records.c.created_at < until).group_by(entity_matches.c.account_id)
    emails = select(
        sf_contacts.c.account_id,
        func.count(func.distinct(gmail_messages.c.message_id)).label("emails_30d"),
        func.max(gmail_messages.c.sent_at).label("last_email"),
    ).select_from(gmail_participants.join(sf_contacts, and_(
        sf_contacts.c.tenant_id == gmail_participants.c.tenant_id,
        sf_contacts.c.contact_id == gmail_participants.c.sf_contact_id)).join(gmail_messages, and_(
            gmail_messages.c.tenant_id == gmail_participants.c.tenant_id,
            gmail_messages.c.message_id == gmail_participants.c.message_id))
    ).where(gmail_participants.c.tenant_id == tenant_id, gmail_messages.c.sent_at >= since,
            gmail_messages.c.sent_at < until, sf_contacts.c.account_id.is_not(None)
            ).group_by(sf_contacts.c.account_id)
    pipeline = select(
        sf_opportunities.c.account_id, func.sum(sf_opportunities.c.amount).label("open_amount"),
        func.count().label("open_opportunities"),
    ).where(sf_opportunities.c.tenant_id == tenant_id, sf_opportunities.c.is_closed.is_(False)
            ).group_by(sf_opportunities.c.account_id)
    with engine.connect() as conn:
        accounts = pd.read_sql(select(sf_accounts.c.account_id).where(sf_accounts.c.tenant_id == tenant_id), conn)
        frames = [pd.read_sql(query, conn) for query in (calls, emails, pipeline)]
    for frame in frames:
        accounts = accounts.merge(frame, on="account_id", how="left")
    return accounts


def replace_account_recommendations(engine: Engine, tenant_id: str, score_date: str, rows: list[dict],
                                    created_at: datetime) -> None:
    """A tenant's recommendations of one day, replaced in one transaction (a rerun of the day replaces it)."""
    with engine.begin() as conn:
        conn.execute(delete(account_recommendations).where(
            account_recommendations.c.tenant_id == tenant_id, account_recommendations.c.score_date == score_date))
        if rows:
            conn.execute(insert(account_recommendations), [
                {"tenant_id": tenant_id, "score_date": score_date, "created_at": created_at, **row} for row in rows])
