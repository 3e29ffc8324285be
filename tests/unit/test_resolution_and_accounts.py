"""Entity resolution and account scoring, pure and vectorised."""

from __future__ import annotations

import math

import pandas as pd

from leadline.domain.account_scoring import score_accounts
from leadline.domain.resolution import normalize_emails, normalize_phones, resolve


def test_email_normalisation():
    emails = pd.Series(["J.Doe+quotes@Gmail.com", " jane.doe@acme.io ", "x+y@googlemail.com", None, "bad"])
    assert normalize_emails(emails).tolist()[:3] == ["jdoe@gmail.com", "jane.doe@acme.io", "x@googlemail.com"]
    assert normalize_emails(emails).isna().tolist()[3:] == [True, True]


def test_phone_normalisation():
    phones = pd.Series(["(555) 201-3344", "1-555-201-3344", "+44 20 7946 0958", None, "n/a"])
    assert normalize_phones(phones).tolist()[:3] == ["+15552013344", "+15552013344", "+442079460958"]
    assert normalize_phones(phones).isna().tolist()[3:] == [True, True]


CONTACTS = pd.DataFrame([
    {"contact_id": "C1", "account_id": "A1", "email": "jane.doe@acme.io", "phone": "5552013344",
     "name": "Jane Doe", "account_domain": "acme.io"},
    {"contact_id": "C2", "account_id": "A2", "email": "bob@globex.com", "phone": "5550001111",
     "name": "Robert Smith", "account_domain": "globex.com"},
    {"contact_id": "C3", "account_id": "A1", "email": "sam@acme.io", "phone": None,
     "name": "Samantha Jones", "account_domain": "acme.io"},
])


def test_resolution_order_and_methods():
    people = pd.DataFrame([
        {"source_id": "p-email", "email": "Jane.Doe@ACME.io", "phone": None, "name": None},
        {"source_id": "p-phone", "email": "other@mail.net", "phone": "+1 555 000 1111", "name": None},
        {"source_id": "p-fuzzy", "email": "s.jones@acme.io", "phone": None, "name": "Samantha Jone"},
        {"source_id": "p-free", "email": "samantha@gmail.com", "phone": None, "name": "Samantha Jones"},
        {"source_id": "p-none", "email": "nobody@nowhere.org", "phone": None, "name": "Nobody"},
    ])
    matches = resolve(people, CONTACTS, pd.DataFrame(columns=["identity", "contact_id"])).set_index("source_id")
    assert matches.loc["p-email", ["contact_id", "method"]].tolist() == ["C1", "email"]
    assert matches.loc["p-phone", ["contact_id", "account_id", "method"]].tolist() == ["C2", "A2", "phone"]
    assert matches.loc["p-fuzzy", ["contact_id", "method"]].tolist() == ["C3", "fuzzy"]
    assert 0.8 < matches.loc["p-fuzzy", "confidence"] < 0.9
    assert "p-free" not in matches.index and "p-none" not in matches.index  # no guessing across gmail.com


def test_manual_mapping_wins_over_automatic_match():
    people = pd.DataFrame([{"source_id": "p1", "email": "jane.doe@acme.io", "phone": None, "name": None}])
    manual = pd.DataFrame([{"identity": "jane.doe@acme.io", "contact_id": "C2"}])
    [row] = resolve(people, CONTACTS, manual).to_dict("records")
    assert (row["contact_id"], row["account_id"], row["method"], row["confidence"]) == ("C2", "A2", "manual", 1.0)


def test_account_scores_by_hand():
    accounts = pd.DataFrame([
        # 5 calls, last 2 days ago, $25k open, best lead 90, average 80
        {"account_id": "A1", "calls_30d": 5, "emails_30d": 0, "days_since_touch": 2.0, "open_amount": 25_000.0,
         "open_opportunities": 1, "max_lead_score": 90.0, "avg_lead_score": 80.0},
        # never touched, no pipeline
        {"account_id": "A2", "calls_30d": None, "emails_30d": None, "days_since_touch": float("nan"),
         "open_amount": None, "open_opportunities": None, "max_lead_score": None, "avg_lead_score": None},
        # 10+ touches today, $100k open, best 100, average 100
        {"account_id": "A3", "calls_30d": 12, "emails_30d": 0, "days_since_touch": 0.0, "open_amount": 100_000.0,
         "open_opportunities": 2, "max_lead_score": 100.0, "avg_lead_score": 100.0},
    ])
    out = score_accounts(accounts).set_index("account_id")
    engagement_a1 = round(100 * 0.5 * (0.5 + 0.5 * math.exp(-2 / 14)), 1)  # 46.7
    budget_a1 = round(0.6 * 0.5 + 0.4 * 0.9, 3)  # 0.66
    assert out.loc["A1", "engagement_score"] == engagement_a1 == 46.7
    assert out.loc["A1", "budget_likelihood"] == budget_a1
    assert out.loc["A1", "priority_score"] == round(0.4 * 46.7 + 35 * 0.66 + 0.25 * 80, 1) == 61.8
    assert out.loc["A1", "recommended_action"] == "Follow up this week"
    assert out.loc["A2"].tolist()[:3] == [0.0, 0.0, 0.0]
    assert out.loc["A2", "recommended_action"] == "Nurture"
    assert out.loc["A3", ["priority_score", "budget_likelihood", "engagement_score"]].tolist() == [100.0, 1.0, 100.0]
    assert out.loc["A3", "recommended_action"] == "Call today: open opportunity with recent engagement"
