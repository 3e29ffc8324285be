"""AnalysisHook (`leadline_llm`): Vertex AI Gemini with a JSON response schema when the connection is a
Google Cloud one, the rule-based analyzer otherwise; the rules are also the fallback when the LLM fails,
with the reason recorded on the analysis (`analyzer="rules_fallback"`, `fallback_reason`)."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from leadline.domain.analysis import LeadAnalysis, json_schema_for_llm
from leadline.domain.context import BusinessContext
from leadline.hooks.google import GoogleBackedHook

log = logging.getLogger(__name__)

GOOGLE_CONN_TYPES = ("google_cloud_platform", "gcpvertex")
DEFAULT_MODEL = "gemini-2.5-flash"
PROMPTS_DIR = Path(os.environ.get("LEADLINE_PROMPTS_DIR", Path(__file__).resolve().parents[3] / "include/prompts"))


@dataclass(frozen=True)
class CallForAnalysis:
    """What an analyzer gets: the transcript (with its speaker-labelled segments when the recogniser gave
    them), the tenant's business context and phrase hints, the call's date and spoken language."""

    transcript: str
    segments: list[dict] = field(default_factory=list)
    context: BusinessContext = field(default_factory=lambda: BusinessContext.from_tenant_config(None))
    phrase_hints: list[str] = field(default_factory=list)
    call_date: date | None = None
    language: str | None = None

    def labelled_transcript(self) -> str:
        if not any(s.get("speaker") for s in self.segments):
            return self.transcript
        return "\n".join(f"{s.get('speaker') or 'unknown'}: {s['text'].strip()}" for s in self.segments)


def render_prompt(call: CallForAnalysis) -> str:
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(PROMPTS_DIR), autoescape=False,  # noqa: S701 - plain text
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True, trim_blocks=True)
    return env.get_template("lead_extraction.j2").render(
        transcript=call.labelled_transcript(), speakers=any(s.get("speaker") for s in call.segments),
        business=call.context, phrase_hints=call.phrase_hints,
        call_date=(call.call_date or date.today()).isoformat())


def analyze_with_rules(call: CallForAnalysis) -> LeadAnalysis:
    from leadline.domain.rules import analyze_transcript  # imported on use: the rules load parser data

    return analyze_transcript(call.transcript, segments=call.segments or None, context=call.context,
                              call_date=call.call_date, language=call.language)


class AnalysisHook(GoogleBackedHook):
    """Call analysis: Vertex AI Gemini on a Google Cloud connection (credentials through the Google
    provider, see hooks.google), the rule-based analyzer otherwise."""

    conn_name_attr = "llm_conn_id"
    default_conn_name = "leadline_llm"
    conn_type = "leadline_llm"
    hook_name = "Leadline call analysis (rules; Vertex AI on a Google Cloud connection)"
    google_conn_types = GOOGLE_CONN_TYPES
    google_backend = "vertex"
    embedded_backend = "rules"

    def __init__(self, llm_conn_id: str = default_conn_name, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.llm_conn_id = llm_conn_id

    def get_conn(self):
        """A google-genai client on Vertex AI (None for the rule-based backend), one per hook."""
        return self.genai_client if self.uses_google else None

    @property
    def model(self) -> str:
        return self.extra.get("model", DEFAULT_MODEL)

    def _vertex(self, call: CallForAnalysis, model: str) -> LeadAnalysis:
        from google.genai import types

        response = self.get_conn().models.generate_content(
            model=model,
            contents=render_prompt(call),
            config=types.GenerateContentConfig(
                temperature=0.0,
                response_mime_type="application/json",
                response_json_schema=json_schema_for_llm(),
            ),
        )
        analysis = LeadAnalysis.model_validate_json(response.text or "")
        return analysis.model_copy(update={"analyzer": f"vertex:{model}"})

    def analyze(self, call: CallForAnalysis, model: str | None = None) -> LeadAnalysis:
        if self.backend == "rules":
            return analyze_with_rules(call)
        model = model or self.model
        try:
            return self._vertex(call, model)
        except Exception as exc:  # any LLM failure or invalid output: the rules still give a lead
            reason = f"vertex:{model} failed: {type(exc).__name__}"
            log.warning("%s; falling back to the rule-based analyzer", reason)
            return analyze_with_rules(call).model_copy(update={"analyzer": "rules_fallback",
                                                               "fallback_reason": reason})

    def test_connection(self) -> tuple[bool, str]:
        """Vertex: one countTokens request to the model (free; checks credentials, project, region, model)."""
        if self.backend == "rules":
            return True, "rules analyzer ready"
        try:
            self.get_conn().models.count_tokens(model=self.model, contents="ping")
        except Exception as exc:
            return False, f"vertex:{self.model}: {type(exc).__name__}: {exc}"
        return True, f"vertex:{self.model} reachable"
