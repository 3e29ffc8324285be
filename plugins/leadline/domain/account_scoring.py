"""Daily account scoring (runbook 004), vectorised over all accounts of a tenant.

engagement_score (0-100): touches in the last 30 days (calls count 1, emails 0.5; 10 touches = full),
  damped by recency: x (0.5 + 0.5 * exp(-days since last touch / 14)).
budget_likelihood (0-1): 0.6 * min(1, open opportunity amount / 50,000) + 0.4 * best call lead score / 100.
priority_score (0-100): 0.4 * engagement + 35 * budget_likelihood + 0.25 * average call lead score.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

FULL_TOUCHES = 10
RECENCY_DAYS = 14
FULL_PIPELINE_AMOUNT = 50_000


def score_accounts(accounts: pd.DataFrame) -> pd.DataFrame:
    """accounts: account_id, calls_30d, emails_30d, days_since_touch (NaN: never), open_amount,
    open_opportunities, max_lead_score, avg_lead_score. Returns account_id and the four outputs."""
    a = accounts.fillna({"calls_30d": 0, "emails_30d": 0, "open_amount": 0.0, "open_opportunities": 0,
                         "max_lead_score": 0.0, "avg_lead_score": 0.0})
    touches = a["calls_30d"] + 0.5 * a["emails_30d"]
    recency = np.exp(-a["days_since_touch"].astype(float) / RECENCY_DAYS).fillna(0.0)
    engagement = (100 * np.minimum(1.0, touches / FULL_TOUCHES) * (0.5 + 0.5 * recency)).round(1)
    budget = (0.6 * np.minimum(1.0, a["open_amount"] / FULL_PIPELINE_AMOUNT) + 0.4 * a["max_lead_score"] / 100)
    budget = budget.clip(0, 1).round(3)
    priority = (0.4 * engagement + 35 * budget + 0.25 * a["avg_lead_score"]).round(1)
    quiet = a["days_since_touch"].isna() | (a["days_since_touch"] > 30)
    has_pipeline = a["open_opportunities"] > 0
    action = np.select(
        [(priority >= 70) & has_pipeline, priority >= 70, engagement >= 40, quiet & has_pipeline],
        ["Call today: open opportunity with recent engagement", "Call today and open an opportunity",
         "Follow up this week", "Re-engage: open opportunity gone quiet"],
        default="Nurture",
    )
    return pd.DataFrame({"account_id": a["account_id"], "priority_score": priority, "budget_likelihood": budget,
                         "engagement_score": engagement, "recommended_action": action})
