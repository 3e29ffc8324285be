"""The call as each CRM logs it (a HubSpot Calls object, a Salesforce Task), and the signed, expiring link to
its recording. Pure logic: the hooks send these, the intake app checks the links."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from leadline.domain.crm import CRMS, crm_link

if TYPE_CHECKING:
    from leadline.domain.call import CallRecord

# HubSpot's default call outcomes (hs_call_disposition takes the outcome's GUID)
HUBSPOT_DISPOSITIONS = {
    "connected": "f240bbac-87c9-4f6e-bf70-924b57d47db7",
    "no_answer": "73a0d17f-1163-4015-bdd5-ec830791da20",
    "wrong_number": "17b47fee-58de-441e-a44c-c6300d46f273",
}
SALESFORCE_DISPOSITIONS = {"connected": "Connected", "no_answer": "No answer", "wrong_number": "Wrong number"}
HUBSPOT_CALL_ID_PROPERTY = "leadline_call_id"  # a unique-value custom property: the upsert key
SALESFORCE_TASK_EXTERNAL_ID = "Leadline_Call_Id__c"
LINK_TTL_S = 7 * 24 * 3600  # how long a recording link in a CRM stays valid
RECORDING_PATH = "/v1/recordings/{tenant_id}/{call_id}"


@dataclass(frozen=True)
class Engagement:
    """One call as a CRM activity. `body` is what the rep reads; `record_id` is set per CRM when syncing."""

    tenant_id: str
    call_id: str
    started_at: datetime
    duration_s: int | None
    answered: bool | None
    call_class: str | None
    score: int | None
    title: str
    body: str
    recording_link: str | None

    @property
    def outcome(self) -> str:
        if self.call_class == "wrong_number":
            return "wrong_number"
        return "connected" if self.answered is not False else "no_answer"


def _facts(lead: dict[str, Any]) -> list[str]:
    facts = []
    if lead.get("project_category") or lead.get("project_phrase"):
        facts.append(f"Project: {lead.get('project_category') or lead.get('project_phrase')}")
    if lead.get("timeline") or lead.get("timeline_phrase"):
        facts.append(f"Timeline: {lead.get('timeline') or lead.get('timeline_phrase')}")
    if lead.get("budget_min") is not None or lead.get("budget_max") is not None:
        low, high = lead.get("budget_min"), lead.get("budget_max")
        facts.append("Budget: " + (f"${low:,}–${high:,}" if low is not None and high is not None
                                   else f"${(high if high is not None else low):,}"))
    if lead.get("caller_location"):
        area = {True: " (in service area)", False: " (outside service area)"}.get(lead.get("in_service_area"), "")
        facts.append(f"Location: {lead['caller_location']}{area}")
    if lead.get("intent") and lead.get("intent") != "none":
        facts.append(f"Intent: {lead['intent']}")
    return facts


_FIELD_LABELS = {"customer_name": "Name", "customer_phone": "Phone", "customer_email": "Email"}


def _unsure(contact: dict[str, Any]) -> list[str]:
    review = set(contact.get("needs_review") or ())
    return [f"- {_FIELD_LABELS.get(e['field'], e['field'])}: heard \"{e['value']}\" (please confirm; confidence "
            f"{e['confidence']:.2f})" for e in contact.get("evidence") or () if e["field"] in review]


def call_body(call: CallRecord, recording_link: str | None, with_transcript: bool) -> str:
    """What the rep reads on the activity: summary, class, score with its factors, key facts, the recording
    link, and the transcript only when the tenant chose it for this CRM."""
    analysis = call.ai_analysis or {}
    lead, scoring = call.lead, analysis.get("scoring") or {}
    lines = [lead.get("summary") or "(no summary)", "", f"Call class: {call.call_class or 'unknown'}"]
    if call.lead_score is not None:
        factors = scoring.get("factors") or {}
        detail = ", ".join(f"{name} {value:g}" if isinstance(value, int | float) else f"{name} {value}"
                           for name, value in factors.items())
        lines.append(f"Lead score: {call.lead_score}/100" + (f" ({detail})" if detail else ""))
    facts = _facts(lead)
    if facts:
        lines += ["", "Key facts:", *(f"- {fact}" for fact in facts)]
    unsure = _unsure(analysis.get("contact") or {})
    if unsure:
        lines += ["", "Needs review (heard, not confirmed; not written to the contact's fields):", *unsure]
    if recording_link:
        lines += ["", f"Recording (link expires): {recording_link}"]
    if with_transcript and call.transcript:
        lines += ["", "Transcript:", call.transcript]
    return "\n".join(lines)


def engagement_from_call(call: CallRecord, recording_link: str | None, with_transcript: bool) -> Engagement:
    started = call.started_at or call.created_at or datetime.now(UTC)
    if started.tzinfo is None:
        started = started.replace(tzinfo=UTC)
    subject = call.lead.get("project_category") or call.lead.get("project_phrase")
    title = "Inbound call" + (f": {subject}" if subject else "")
    if call.lead_score is not None:
        title += f" (score {call.lead_score})"
    return Engagement(tenant_id=call.tenant_id, call_id=call.call_id, started_at=started,
                      duration_s=call.duration_s, answered=call.answered,
                      call_class=call.call_class, score=call.lead_score, title=title[:255],
                      body=call_body(call, recording_link, with_transcript), recording_link=recording_link)


def hubspot_call_properties(engagement: Engagement) -> dict[str, str]:
    properties = {
        HUBSPOT_CALL_ID_PROPERTY: engagement.call_id,
        "hs_timestamp": engagement.started_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "hs_call_direction": "INBOUND",
        "hs_call_duration": str((engagement.duration_s or 0) * 1000),
        "hs_call_disposition": HUBSPOT_DISPOSITIONS[engagement.outcome],
        "hs_call_status": "COMPLETED" if engagement.outcome != "no_answer" else "NO_ANSWER",
        "hs_call_title": engagement.title,
        "hs_call_body": engagement.body[:65000],
    }
    if engagement.recording_link:
        properties["hs_call_recording_url"] = engagement.recording_link
    return properties


def salesforce_task_fields(engagement: Engagement, who_id: str) -> dict[str, Any]:
    return {
        "TaskSubtype": "Call",
        "Type": "Call",
        "Status": "Completed",
        "CallType": "Inbound",
        "CallDurationInSeconds": engagement.duration_s or 0,
        "CallDisposition": SALESFORCE_DISPOSITIONS[engagement.outcome],
        "Subject": engagement.title,
        "Description": engagement.body[:32000],
        "ActivityDate": engagement.started_at.date().isoformat(),
        "WhoId": who_id,
    }


# --- signed, expiring recording links -------------------------------------------------------------------------

def _signature(key: str, tenant_id: str, call_id: str, expires: int) -> str:
    message = f"{tenant_id}\n{call_id}\n{expires}".encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


def recording_link(base_url: str, key: str, tenant_id: str, call_id: str, now: datetime,
                   ttl_s: int = LINK_TTL_S) -> str:
    """`{base}/v1/recordings/{tenant}/{call}?expires=…&sig=…`: an HMAC-SHA256 over tenant, call and expiry.
    The expiry is rounded up to the hour, so both CRMs and re-runs within the hour write the same link."""
    expires = -(-(int(now.timestamp()) + ttl_s) // 3600) * 3600
    path = RECORDING_PATH.format(tenant_id=quote(tenant_id, safe=""), call_id=quote(call_id, safe=""))
    query = urlencode({"expires": expires, "sig": _signature(key, tenant_id, call_id, expires)})
    return f"{base_url.rstrip('/')}{path}?{query}"


def link_problem(key: str, tenant_id: str, call_id: str, expires: str | int | None, sig: str | None,
                 now: datetime) -> str | None:
    """None when the link is genuine and unexpired; else why not."""
    try:
        expires_at = int(expires)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "missing or malformed expiry"
    if not sig or not hmac.compare_digest(sig, _signature(key, tenant_id, call_id, expires_at)):
        return "bad signature"
    if now.timestamp() > expires_at:
        return "link expired"
    return None


# --- links for alerts -----------------------------------------------------------------------------------------

def crm_record_links(crm_config: dict[str, Any], call: CallRecord) -> dict[str, str]:
    """Where a rep opens the call's CRM records, by label ("HubSpot contact", "Salesforce task", ...): deep links
    where the tenant's crm_config allows (domain.crm.crm_link), else the bare record ids."""
    links: dict[str, str] = {}
    for crm_type, plugin in CRMS.items():
        for kind, record_id in (("record", call.crm_record_id(crm_type)),
                                ("engagement", call.crm_engagement_id(crm_type))):
            if record_id:
                links[f"{plugin.label} {getattr(plugin, kind).noun}"] = crm_link(crm_type, kind, record_id,
                                                                                 crm_config)
    return links


def masked_text(text: str, secrets: list[str | None], masks: list[str]) -> str:
    """`text` with each known personal value (name, phone, email) replaced by its mask."""
    for secret, mask in zip(secrets, masks, strict=True):
        if secret:
            text = text.replace(secret, mask)
            for part in (secret.split() if " " in secret else []):
                if len(part) > 2:
                    text = text.replace(part, mask)
    return text
