"""Sandbox state: in memory, guarded by one lock; faults are drawn from a seeded RNG."""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from typing import Any

from leadline.domain.crm import CRM_TYPES

# every CRM of Leadline's registry has its handlers in leadline_dev.sandbox.<crm_type> (sandbox.app mounts them)
SERVICES = (*CRM_TYPES, "callrail", "gmail", "dialpad")


@dataclass
class Faults:
    rate_429: float = 0.0
    rate_5xx: float = 0.0
    timeout_rate: float = 0.0
    latency_ms: int = 0
    retry_after_s: float = 1.0
    down: bool = False  # every request answers 503

    def draw(self, rng: random.Random) -> str | None:
        if self.down:
            return "5xx"
        roll = rng.random()
        if roll < self.rate_429:
            return "429"
        if roll < self.rate_429 + self.rate_5xx:
            return "5xx"
        if roll < self.rate_429 + self.rate_5xx + self.timeout_rate:
            return "timeout"
        return None


@dataclass
class SandboxState:
    seed: int = 1234
    lock: threading.Lock = field(default_factory=threading.Lock)
    rng: random.Random = field(init=False)
    faults: dict[str, Faults] = field(default_factory=lambda: {s: Faults() for s in SERVICES})
    journal: list[dict[str, Any]] = field(default_factory=list)
    hubspot_contacts: dict[str, dict[str, Any]] = field(default_factory=dict)
    hubspot_companies: dict[str, dict[str, Any]] = field(default_factory=dict)
    hubspot_calls: dict[str, dict[str, Any]] = field(default_factory=dict)  # Calls objects (engagements)
    hubspot_associations: set[tuple[str, str, str, str]] = field(default_factory=set)  # (from type, id, to type, id)
    salesforce: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    callrail_calls: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    recordings: dict[str, bytes] = field(default_factory=dict)
    gmail: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # mailbox -> full messages
    dialpad_calls: list[dict[str, Any]] = field(default_factory=list)
    # a plug-in CRM's records: service -> collection -> id -> record (what the built-in vendors keep above)
    records: dict[str, dict[str, dict[str, dict[str, Any]]]] = field(default_factory=dict)
    next_id: int = 1000

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def reset(self) -> None:
        with self.lock:
            self.rng = random.Random(self.seed)
            self.faults = {s: Faults() for s in SERVICES}
            self.journal.clear()
            self.hubspot_contacts.clear()
            self.hubspot_companies.clear()
            self.hubspot_calls.clear()
            self.hubspot_associations.clear()
            self.salesforce.clear()
            self.callrail_calls.clear()
            self.recordings.clear()
            self.gmail.clear()
            self.dialpad_calls.clear()
            self.records.clear()

    def collection(self, service: str, name: str) -> dict[str, dict[str, Any]]:
        """A plug-in CRM's collection of records by id (call with the lock held)."""
        return self.records.setdefault(service, {}).setdefault(name, {})

    def new_id(self, prefix: str = "") -> str:
        self.next_id += 1
        return f"{prefix}{self.next_id}"
