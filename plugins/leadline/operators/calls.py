"""The per-call steps: fetch_recording -> transcribe -> analyze -> score -> (sync_crm) -> notify."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from leadline.operators.base import CallOperator
from leadline.operators.transcribe import TranscribeOperator  # noqa: F401 - the DAG takes every step from here

if TYPE_CHECKING:
    from leadline.domain.call import CallRecord
    from leadline.domain.durations import CallDuration


class FetchRecordingOperator(CallOperator):
    """Downloads the call's recording, normalises it to a 16 kHz 16-bit WAV (stereo kept: one party per channel)
    and stores it under the tenant's prefix (file:// embedded, gs:// in production). First step: opens the
    attempt. The recording streams through temporary files, never whole in memory."""

    template_fields = (*CallOperator.template_fields, "storage_url")

    def __init__(self, *, storage_url: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.storage_url = storage_url

    def execute(self, context) -> dict:
        from airflow.sdk import ObjectStoragePath
        from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

        from leadline import audio
        from leadline.config import default_storage_url
        from leadline.store.calls import record_recording
        from leadline.store.processing import TERMINAL, get_request, start_processing

        request = get_request(self.engine, self.tenant_id, self.call_id)
        if request is None:
            raise AirflowFailException(f"no processing request for call {self.call_id} of tenant {self.tenant_id}")
        if request["status"] in TERMINAL and not self.forced(context):
            raise AirflowSkipException(f"call already {request['status']}; trigger with force=true to reprocess")
        attempt = start_processing(self.engine, self.tenant_id, self.call_id)
        call = self.load_call()
        self._check_recording_consent(call)
        base = (self.storage_url or default_storage_url()).rstrip("/")
        target = ObjectStoragePath(f"{base}/{self.tenant_id}/recordings/{self.call_id}.wav")
        if target.exists() and not self.forced(context):
            info = audio.wav_info(target)
        else:
            url = call.recording_url or self._recording_url_from_callrail(call)
            try:
                with audio.fetched(url, self._recording_policy()) as (local, info):
                    target.parent.mkdir(parents=True, exist_ok=True)
                    audio.copy_file(local, target)
            except (audio.UnsupportedAudio, audio.RecordingRefused) as exc:
                raise AirflowFailException(str(exc)) from exc
        record_recording(self.engine, self.tenant_id, self.call_id, str(target))
        seconds = round(info.duration_s, 2)
        self.log.info("call %s attempt %s: recording stored (%.1f s of audio, %s channel(s))", self.call_id,
                      attempt, seconds, info.channels)
        duration = self._reconcile_duration(call, seconds)
        return {"recording_path": str(target), "audio_seconds": seconds, "channels": info.channels,
                "attempt": attempt, "duration_s": duration.seconds, "duration_source": duration.source}

    def _reconcile_duration(self, call: CallRecord, audio_seconds: float) -> CallDuration:
        """The call's duration from here on (domain.durations): the recording's where the webhook's disagrees, or
        where the webhook gave none. Stored on the call before transcription, so every later step (the 60-second
        rule, the score, the CRM engagement, the dashboard) reads the one measured value; the webhook's stays in
        raw_payload."""
        from leadline.domain.durations import call_duration
        from leadline.store.calls import record_duration

        duration = call_duration(call.duration_s, audio_seconds)
        if duration.seconds != call.duration_s:
            record_duration(self.engine, self.tenant_id, self.call_id, duration.seconds)
        if duration.corrected:
            self.log.warning("call %s: the webhook declared %s s, the recording lasts %.1f s; the call's duration "
                             "is now %s s", self.call_id, call.duration_s, audio_seconds, duration.seconds)
        return duration

    def _recording_policy(self):
        """The tenant's recording hosts (config), else the deployment's (config.recording_policy_defaults)."""
        from airflow.sdk.exceptions import AirflowFailException

        from leadline.config import recording_policy_defaults
        from leadline.domain.recording_policy import RecordingPolicy, RecordingUrlRefused

        try:
            return RecordingPolicy.from_config(self.load_tenant().config, *recording_policy_defaults())
        except RecordingUrlRefused as exc:
            raise AirflowFailException(str(exc)) from exc

    def _check_recording_consent(self, call: CallRecord) -> None:
        """The tenant's recording-consent policy (domain.consent): a call that needs consent and has no disclosure
        on record ends here, stored without recording or transcript, with the reason; nothing is downloaded."""
        from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

        from leadline.domain.consent import ConsentPolicy, ConsentPolicyError, decide
        from leadline.store.calls import withhold_recording

        try:
            policy = ConsentPolicy.from_tenant_config(self.load_tenant().config)
        except ConsentPolicyError as exc:
            raise AirflowFailException(str(exc)) from exc
        decision = decide(policy, call.raw_payload, call.caller_phone)
        if decision.allowed:
            return
        withhold_recording(self.engine, self.tenant_id, self.call_id, decision.reason)
        raise AirflowSkipException(decision.reason)

    def _recording_url_from_callrail(self, call: CallRecord) -> str:
        """No URL in the webhook: ask the CallRail API (tenant config `callrail_account_id`)."""
        from airflow.sdk.exceptions import AirflowFailException

        from leadline.hooks.callrail import CallRailHook

        config = self.load_tenant().config or {}
        account_id = config.get("callrail_account_id")
        if not account_id:
            raise AirflowFailException("call has no recording_url and the tenant has no callrail_account_id")
        hook = CallRailHook(config.get("callrail_conn_id", CallRailHook.default_conn_name))
        return hook.recording_url(account_id, call.resource_id or call.call_id)


class AnalyzeOperator(CallOperator):
    """Classifies the call and extracts the caller's details, need, timeline and budget (Vertex AI Gemini, or
    the rules; the rules are the fallback with the reason recorded), using the tenant's business context."""

    def __init__(self, *, llm_conn_id: str = "leadline_llm", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.llm_conn_id = llm_conn_id

    def execute(self, context) -> dict:
        from leadline.domain.analysis import LeadAnalysis
        from leadline.domain.context import BusinessContext
        from leadline.hooks.analysis import AnalysisHook, CallForAnalysis
        from leadline.operators.contact import weigh_contact
        from leadline.store.calls import record_analysis

        call = self.load_call()
        if call.ai_analysis is not None and not self.forced(context):
            analysis = LeadAnalysis.model_validate(call.lead)
            contact = call.ai_analysis.get("contact") or {"needs_review": []}
            self.log.info("call %s already analysed; keeping it", self.call_id)
        else:
            config = self.load_tenant().config or {}
            business = BusinessContext.from_tenant_config(config)
            started = call.started_at or call.created_at
            analysis = AnalysisHook(self.llm_conn_id).analyze(
                CallForAnalysis(transcript=call.transcript or "", segments=call.transcript_segments or [],
                                context=business,
                                phrase_hints=list(config.get("phrase_hints", [])),
                                call_date=started.date() if started else None, language=call.transcript_language),
                (config.get("ai_config") or {}).get("analysis_model"))
            contact = weigh_contact(analysis, call, config, business)
            record_analysis(self.engine, self.tenant_id, self.call_id,
                            ai_analysis={"lead": analysis.model_dump(mode="json"), "contact": contact},
                            call_class=analysis.call_class, class_reason=analysis.class_reason,
                            sure_contact=contact["sure"], needs_review=bool(contact["needs_review"]))
            if analysis.fallback_reason:
                self.log.warning("call %s: %s; analysed by the rules instead", self.call_id, analysis.fallback_reason)
            if contact["needs_review"]:
                self.log.info("call %s: %s unsure, sent to review instead of the CRM", self.call_id,
                              ", ".join(contact["needs_review"]))
        return {"analyzer": analysis.analyzer, "call_class": analysis.call_class, "intent": analysis.intent,
                "has_name": bool(analysis.customer_name), "has_phone": bool(analysis.customer_phone),
                "has_email": bool(analysis.customer_email), "fallback": analysis.fallback_reason is not None,
                "needs_review": list(contact["needs_review"])}


class ScoreOperator(CallOperator):
    """Scores the lead with the runbook's weights and the tenant's qualification. Calls under 60 s and calls
    that are not leads (spam, wrong numbers, vendors, incomplete calls) end here as `skipped` with the
    reason; an existing customer is not scored as a new lead."""

    def execute(self, context) -> dict:
        from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

        from leadline.domain.analysis import LeadAnalysis
        from leadline.domain.context import BusinessContext
        from leadline.domain.durations import call_duration
        from leadline.domain.scoring import score_lead
        from leadline.store.calls import close_unscored, record_customer, record_score

        call = self.load_call()
        if not call.lead:
            raise AirflowFailException(f"call {self.call_id} has no analysis to score: run analyze first")
        tenant = self.load_tenant()
        # fetch_recording stored the recording's duration where the webhook's disagreed; deciding again here is
        # the same pure decision (a no-op then), and covers a call whose recording was fetched before that.
        audio_seconds = (context["ti"].xcom_pull(task_ids="fetch_recording") or {}).get("audio_seconds")
        duration = call_duration(call.duration_s, audio_seconds).seconds
        analysis = LeadAnalysis.model_validate(call.lead)
        threshold = tenant.scoring_threshold
        result = score_lead(analysis, duration, call.transcript_confidence,
                            threshold, BusinessContext.from_tenant_config(tenant.config).qualification)
        if result.status == "skipped":
            status = "skipped" if analysis.is_lead else "not_lead"
            close_unscored(self.engine, self.tenant_id, self.call_id, status, result.reason)
            raise AirflowSkipException(result.reason)
        if result.status == "existing_customer":
            record_customer(self.engine, self.tenant_id, self.call_id)
            self.log.info("call %s is an existing customer's: not scored as a new lead", self.call_id)
            return {"score": None, "qualified": False, "needs_review": result.needs_review, "high_value": False,
                    "call_class": analysis.call_class}
        status = "review" if result.needs_review else ("qualified" if result.qualified else "unqualified")
        scoring = {"factors": result.factors, "qualified": result.qualified, "needs_review": result.needs_review,
                   "threshold": threshold, "disqualified_by": list(result.disqualified_by)}
        record_score(self.engine, self.tenant_id, self.call_id, result.score, status,
                     {**call.ai_analysis, "scoring": scoring})
        self.log.info("call %s scored %s (%s)", self.call_id, result.score, status)
        return {"score": result.score, "qualified": result.qualified, "needs_review": result.needs_review,
                "high_value": result.high_value, "call_class": analysis.call_class}


class NotifyOperator(CallOperator):
    """Raises the high-value lead alert (score > 90) and closes the request as completed."""

    def __init__(self, *, slack_conn_id: str = "leadline_slack", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.slack_conn_id = slack_conn_id

    def execute(self, context) -> dict:
        from leadline.domain.scoring import HIGH_VALUE_SCORE
        from leadline.notifier import AlertNotifier
        from leadline.store.processing import finish

        call = self.load_call()
        alerted = False
        if call.lead_score is not None and call.lead_score > HIGH_VALUE_SCORE:
            message = self.high_value_message(call)
            alerted = AlertNotifier(
                tenant_id=self.tenant_id, dedupe_key=f"high_value_lead:{self.call_id}", message=message,
                slack_conn_id=self.slack_conn_id, store_conn_id=self.store_conn_id, once=True,
            ).send()
        finish(self.engine, self.tenant_id, self.call_id, "completed")
        return {"status": "completed", "high_value_alert": alerted}

    def high_value_message(self, call: CallRecord) -> str:
        """The alert a sales channel reads: score, masked caller and summary, links to the call page and to the
        call's CRM records (no unmasked PII: it goes to Slack and mail)."""
        from urllib.parse import quote

        from leadline.config import public_base_url
        from leadline.domain.engagement import crm_record_links, masked_text
        from leadline.domain.masking import mask_email, mask_name, mask_phone

        phone = call.phone
        summary = masked_text(call.lead.get("summary") or "(no summary)",
                              [call.customer_email, phone, call.customer_name],
                              [mask_email(call.customer_email), mask_phone(phone), mask_name(call.customer_name)])
        page = f"{public_base_url()}/ui/calls/{quote(self.tenant_id, safe='')}/{quote(self.call_id, safe='')}"
        crm_config = (self.load_tenant().config or {}).get("crm_config") or {}
        lines = [f"High-value lead: tenant {self.tenant_id}, call {self.call_id}, score {call.lead_score}",
                 f"Caller: {mask_name(call.customer_name) or 'unknown'} {mask_phone(phone)}".rstrip(),
                 f"Summary: {summary}", f"Call page: {page}"]
        lines += [f"{label}: {link}" for label, link in crm_record_links(crm_config, call).items()]
        return "\n".join(lines)
