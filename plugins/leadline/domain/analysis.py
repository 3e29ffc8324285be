"""The structured result of analysing a call, shared by every analyzer backend (Vertex AI, rules)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field

Intent = Literal["high", "medium", "low", "none"]
Timeline = Literal["immediate", "within_month", "1-3_months", "exploring"]


class LeadAnalysis(BaseModel):
    """Validated output of an analyzer; `None` means "not provided" (the runbook: never guess)."""

    model_config = ConfigDict(extra="forbid")

    customer_name: str | None = Field(default=None, max_length=120)
    customer_phone: str | None = Field(default=None, pattern=r"^\+1\d{10}$")
    customer_email: EmailStr | None = None
    project_type: str | None = Field(default=None, max_length=80)
    timeline: Timeline | None = None
    budget_min: int | None = Field(default=None, ge=0)
    budget_max: int | None = Field(default=None, ge=0)
    intent: Intent = "none"
    summary: str = Field(default="", max_length=1000)
    analyzer: str = "rules"


def json_schema_for_llm() -> dict:
    """The response schema handed to Gemini: the model's fields minus the ones Leadline fills itself."""
    schema = LeadAnalysis.model_json_schema()
    schema["properties"].pop("analyzer")
    return schema
