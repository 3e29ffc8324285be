"""Entity resolution, set-based: callers and email participants to CRM contacts.

Order of evidence: manual mapping (always wins) > exact normalised email > E.164 phone > fuzzy name
within the same company domain (rapidfuzz, blocked by domain). Each step is a join or a vectorised
comparison over the whole frame, never a per-row loop."""

from __future__ import annotations

import pandas as pd

from leadline.domain.normalize import e164

GMAIL_DOMAINS = {"gmail.com", "googlemail.com"}
CONFIDENCE = {"manual": 1.0, "email": 0.99, "phone": 0.95}
FUZZY_MIN_SCORE = 88.0
FUZZY_CONFIDENCE_SCALE = 0.9
MATCH_COLUMNS = ["source_id", "contact_id", "account_id", "method", "confidence"]


def normalize_emails(emails: pd.Series) -> pd.Series:
    """Lower-case, drop +tags, and drop dots in Gmail local parts ("J.Doe+x@Gmail.com" -> "jdoe@gmail.com")."""
    lowered = emails.astype("string").str.strip().str.lower()
    parts = lowered.str.extract(r"^(?P<local>[^@]+)@(?P<domain>[^@]+)$")
    local = parts["local"].str.replace(r"\+.*$", "", regex=True)
    local = local.where(~parts["domain"].isin(GMAIL_DOMAINS), local.str.replace(".", "", regex=False))
    return (local + "@" + parts["domain"]).astype("string")


def normalize_phones(phones: pd.Series) -> pd.Series:
    """E.164 for North American numbers by digit count (vectorised); other shapes through phonenumbers."""
    raw = phones.astype("string")
    digits = raw.str.replace(r"\D", "", regex=True)
    out = pd.Series(pd.NA, index=phones.index, dtype="string")
    ten = digits.str.len() == 10
    eleven = (digits.str.len() == 11) & digits.str.startswith("1")
    out[ten.fillna(False)] = "+1" + digits[ten.fillna(False)]
    out[eleven.fillna(False)] = "+" + digits[eleven.fillna(False)]
    rest = raw.notna() & out.isna() & (digits.str.len() > 0).fillna(False)
    if rest.any():
        unique = {value: e164(value) for value in raw[rest].unique()}
        out[rest] = raw[rest].map(unique)
    return out


def email_domain(emails: pd.Series) -> pd.Series:
    return emails.str.extract(r"@(.+)$")[0].astype("string")


def _take(matched: pd.DataFrame, method: str, confidence) -> pd.DataFrame:
    matched = matched.assign(method=method, confidence=confidence)
    return matched[MATCH_COLUMNS].drop_duplicates("source_id")


def resolve(participants: pd.DataFrame, contacts: pd.DataFrame, manual: pd.DataFrame) -> pd.DataFrame:
    """participants: source_id, email, phone, name. contacts: contact_id, account_id, email, phone, name,
    account_domain. manual: identity, contact_id. Returns one row per matched source_id."""
    people = participants.assign(email_n=normalize_emails(participants["email"]),
                                 phone_n=normalize_phones(participants["phone"]))
    people["domain"] = email_domain(people["email_n"])
    crm = contacts.assign(email_n=normalize_emails(contacts["email"]), phone_n=normalize_phones(contacts["phone"]))
    crm["domain"] = crm["account_domain"].astype("string").str.lower().fillna(email_domain(crm["email_n"]))
    account_of = crm.drop_duplicates("contact_id").set_index("contact_id")["account_id"]

    found = []
    remaining = people
    if len(manual):
        keyed = pd.concat([people[["source_id", "email_n"]].rename(columns={"email_n": "identity"}),
                           people[["source_id", "phone_n"]].rename(columns={"phone_n": "identity"})]).dropna()
        hits = keyed.merge(manual[["identity", "contact_id"]], on="identity")
        hits["account_id"] = hits["contact_id"].map(account_of)
        found.append(_take(hits, "manual", CONFIDENCE["manual"]))
        remaining = remaining[~remaining["source_id"].isin(found[-1]["source_id"])]
    for method, key in (("email", "email_n"), ("phone", "phone_n")):
        index = crm.dropna(subset=[key]).drop_duplicates(key)[[key, "contact_id", "account_id"]]
        hits = remaining.dropna(subset=[key]).merge(index, on=key)
        found.append(_take(hits, method, CONFIDENCE[method]))
        remaining = remaining[~remaining["source_id"].isin(found[-1]["source_id"])]
    found.append(_fuzzy(remaining, crm))
    matches = pd.concat([f for f in found if len(f)], ignore_index=True) if any(len(f) for f in found) else \
        pd.DataFrame(columns=MATCH_COLUMNS)
    return matches.reset_index(drop=True)


def _fuzzy(people: pd.DataFrame, crm: pd.DataFrame) -> pd.DataFrame:
    """Best name match per person among contacts of the same company domain (free-mail domains excluded:
    a shared gmail.com says nothing about the company). Candidate pairs come from one join on the domain
    and are scored in one element-wise rapidfuzz call."""
    from rapidfuzz import fuzz, process

    free_mail = GMAIL_DOMAINS | {"outlook.com", "yahoo.com", "hotmail.com", "icloud.com", "aol.com"}
    candidates = people.dropna(subset=["name", "domain"])
    candidates = candidates[~candidates["domain"].isin(free_mail)][["source_id", "name", "domain"]]
    pool = crm.dropna(subset=["name", "domain"])[["contact_id", "account_id", "name", "domain"]]
    pairs = candidates.merge(pool, on="domain", suffixes=("", "_crm"))
    if pairs.empty:
        return pd.DataFrame(columns=MATCH_COLUMNS)
    pairs["score"] = process.cpdist(pairs["name"].str.lower().tolist(), pairs["name_crm"].str.lower().tolist(),
                                    scorer=fuzz.token_sort_ratio, workers=1)
    best = pairs.loc[pairs.groupby("source_id")["score"].idxmax()]
    best = best[best["score"] >= FUZZY_MIN_SCORE]
    return best.assign(method="fuzzy", confidence=(best["score"] / 100 * FUZZY_CONFIDENCE_SCALE).round(3))[
        MATCH_COLUMNS]
