"""A tenant's business context: what it sells, where, and what a qualified lead means for it.

Lives in the tenant's `config["business_context"]`; the Gemini prompt renders it, the rule-based analyzer
uses the services as its project vocabulary, and scoring applies the qualification.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Service(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=80)
    synonyms: list[str] = Field(default_factory=list, max_length=50)


class ServiceArea(BaseModel):
    model_config = ConfigDict(extra="forbid")

    description: str = ""
    cities: list[str] = Field(default_factory=list, max_length=200)


class Qualification(BaseModel):
    """What makes a lead worth a sales rep's time, beyond the score threshold."""

    model_config = ConfigDict(extra="forbid")

    min_budget: int | None = Field(default=None, ge=0)
    require_service_area: bool = False


class BusinessContext(BaseModel):
    model_config = ConfigDict(extra="ignore")

    business_name: str = ""
    industry: str = ""
    services: list[Service] = Field(default_factory=list, max_length=100)
    service_area: ServiceArea = Field(default_factory=ServiceArea)
    qualification: Qualification = Field(default_factory=Qualification)

    @classmethod
    def from_tenant_config(cls, config: dict | None) -> BusinessContext:
        """The tenant's context; a tenant that has not described its services gets home-improvement ones."""
        context = cls.model_validate((config or {}).get("business_context") or {})
        return context if context.services else context.model_copy(update={"services": DEFAULT_SERVICES})


DEFAULT_SERVICES = [Service(name=name, synonyms=synonyms) for name, synonyms in (
    ("roof replacement", ["new roof", "replace the roof", "reroof", "roof replaced"]),
    ("roof repair", ["roof leak", "leaking roof", "missing shingles", "storm damage", "hail damage"]),
    ("kitchen remodel", ["kitchen renovation", "new kitchen", "kitchen cabinets", "countertops"]),
    ("bathroom remodel", ["bathroom renovation", "new bathroom", "shower", "tub"]),
    ("hvac", ["air conditioning", "ac", "furnace", "heat pump", "heating", "cooling"]),
    ("solar", ["solar panels", "solar system", "battery storage"]),
    ("windows", ["window replacement", "new windows", "doors"]),
    ("siding", ["vinyl siding", "new siding"]),
    ("plumbing", ["water heater", "leak", "drain", "pipes", "sewer"]),
    ("flooring", ["hardwood", "tile", "carpet", "floors"]),
    ("deck", ["new deck", "deck repair", "patio"]),
    ("home addition", ["addition", "extra room"]),
    ("basement finishing", ["basement", "finish the basement"]),
)]
