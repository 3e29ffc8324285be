"""Daily account scoring: every Salesforce account of each tenant, one recommendation row per day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from leadline.operators.base import StoreOperator
from leadline.operators.intervals import interval_end


class AccountScoringOperator(StoreOperator):
    """Scores every Salesforce account of each tenant for the run's date; a rerun replaces that date."""

    def __init__(self, *, lookback_days: int = 30, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.lookback_days = lookback_days

    def execute(self, context) -> dict:
        from leadline.store.etl import etl_run
        from leadline.store.intelligence import replace_account_recommendations
        from leadline.store.tenants import list_tenants

        as_of = interval_end(context)
        score_date = f"{as_of:%Y-%m-%d}"
        since = as_of - timedelta(days=self.lookback_days)
        scored: dict[str, int] = {}
        with self.engine.connect() as conn:
            tenants = list_tenants(conn)
        for tenant in tenants:
            tenant_id = tenant.tenant_id
            with etl_run(self.engine, tenant_id, "account_scoring", context["run_id"]) as run:
                result = self._score(tenant_id, as_of, since)
                replace_account_recommendations(self.engine, tenant_id, score_date, result.to_dict("records"),
                                                datetime.now(UTC))
                run.rows_processed = scored[tenant_id] = len(result)
        self.log.info("accounts scored for %s: %s", score_date, scored)
        return {"score_date": score_date, "accounts": scored}

    def _score(self, tenant_id: str, as_of: datetime, since: datetime):
        import pandas as pd

        from leadline.domain.account_scoring import score_accounts
        from leadline.store.intelligence import account_activity

        frame = account_activity(self.engine, tenant_id, since, as_of)
        last_touch = pd.concat([pd.to_datetime(frame["last_call"], utc=True),
                                pd.to_datetime(frame["last_email"], utc=True)], axis=1).max(axis=1)
        frame["days_since_touch"] = (pd.Timestamp(as_of) - last_touch).dt.total_seconds() / 86400
        return score_accounts(frame)
