"""The structured result of analysing a call: one contract for every analyzer backend (Vertex AI, rules)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, model_validator

Intent = Literal["high", "medium", "low", "none"]
Timeline = Literal["immediate", "within_month", "1-3_months", "exploring"]
CallClass = Literal["new_lead", "existing_customer", "spam_or_robocall", "wrong_number", "vendor_or_solicitation",
                    "incomplete"]
CALL_CLASSES: tuple[str, ...] = CallClass.__args__
# Never a lead: not scored, never synced to a CRM.
NON_LEAD_CLASSES = ("spam_or_robocall", "wrong_number", "vendor_or_solicitation", "incomplete")


class FieldConfidence(BaseModel):
    """How sure the analyzer is of each field, 0..1 (0 when the field is empty)."""

    model_config = ConfigDict(extra="forbid")

    customer_name: float = Field(default=0.0, ge=0, le=1)
    customer_phone: float = Field(default=0.0, ge=0, le=1)
    customer_email: float = Field(default=0.0, ge=0, le=1)
    project: float = Field(default=0.0, ge=0, le=1)
    timeline: float = Field(default=0.0, ge=0, le=1)
    budget: float = Field(default=0.0, ge=0, le=1)
    call_class: float = Field(default=0.0, ge=0, le=1)


class LeadAnalysis(BaseModel):
    """Validated output of an analyzer; `None` means "not provided" (the runbook: never guess)."""

    model_config = ConfigDict(extra="forbid")

    call_class: CallClass = "new_lead"
    class_reason: str = Field(default="", max_length=300)
    intent: Intent = "none"
    customer_name: str | None = Field(default=None, max_length=120)
    customer_phone: str | None = Field(default=None, pattern=r"^\+1\d{10}$")
    customer_email: EmailStr | None = None
    project_phrase: str | None = Field(default=None, max_length=120)
    project_category: str | None = Field(default=None, max_length=80)
    timeline_phrase: str | None = Field(default=None, max_length=120)
    timeline: Timeline | None = None
    budget_min: int | None = Field(default=None, ge=0)
    budget_max: int | None = Field(default=None, ge=0)
    caller_location: str | None = Field(default=None, max_length=80)
    in_service_area: bool | None = None
    summary: str = Field(default="", max_length=1000)
    confidence: FieldConfidence = Field(default_factory=FieldConfidence)
    analyzer: str = "rules"
    fallback_reason: str | None = Field(default=None, max_length=300)

    @model_validator(mode="before")
    @classmethod
    def _accept_stored_v1(cls, data):
        """Analyses stored before call classes named the category `project_type`."""
        if isinstance(data, dict) and "project_type" in data:
            data = dict(data)
            data.setdefault("project_category", data.pop("project_type"))
        return data

    @property
    def is_lead(self) -> bool:
        return self.call_class not in NON_LEAD_CLASSES


LLM_FILLED_BY_LEADLINE = ("analyzer", "fallback_reason")


def json_schema_for_llm() -> dict:
    """The response schema handed to Gemini: the model's fields minus the ones Leadline fills itself."""
    schema = LeadAnalysis.model_json_schema()
    for name in LLM_FILLED_BY_LEADLINE:
        schema["properties"].pop(name)
    return schema
