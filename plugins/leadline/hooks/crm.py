"""The one CRM interface: what Leadline needs from a CRM, implemented by one hook class per CRM.

Adding a CRM means writing its hook (a class with the members of `CrmHook`) and naming it in `domain.crm.CRMS`;
`crm_sync`, the CRM operators and the erasure only ever see this interface."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar, Protocol, runtime_checkable

from leadline.domain.crm import CRMS

if TYPE_CHECKING:
    from datetime import datetime

    from leadline.domain.crm import Lead
    from leadline.domain.engagement import Engagement

# crm_type -> "module:Class" of its hook, from the one registry (domain.crm.CRMS)
CRM_HOOKS: dict[str, str] = {crm_type: plugin.hook for crm_type, plugin in CRMS.items()}


@dataclass
class BulkResult:
    """Outcome of a bulk upsert: {call_id: record id}, {call_id: error}, and the HTTP attempts it took."""

    synced: dict[str, str] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    attempts: int = 0


@runtime_checkable
class CrmHook(Protocol):
    """A CRM as Leadline uses it. `cross_ref` is the record id of the same lead in the tenant's other CRM
    (written on the record so each CRM points at the other)."""

    crm_type: ClassVar[str]  # the key in CRM_HOOKS and in tenants.primary_crm / secondary_crm
    batch_limit: ClassVar[int]  # most records one bulk request takes

    def upsert_lead(self, lead: Lead, cross_ref: str | None = None, /, *, known_id: str | None = None
                    ) -> tuple[str, int]:
        """Create or update the lead's record: (record id, HTTP attempts); raises CrmError. `known_id`: the record
        an earlier sync of this call made, updated in place (a reviewed email must not make a second contact)."""
        ...

    def bulk_upsert(self, leads: list[Lead], cross_refs: dict[str, str | None]) -> BulkResult:
        """Upsert many leads in batches of at most `batch_limit`; per-record rejections land in `failed`,
        a failed request raises CrmError."""
        ...

    def upsert_engagement(self, engagement: Engagement, record_id: str, /) -> tuple[str, int]:
        """Log the call on the record `record_id` (the lead/contact), idempotent by call id:
        (engagement id, HTTP attempts); raises CrmError."""
        ...

    def bulk_upsert_engagements(self, items: list[tuple[Engagement, str]]) -> BulkResult:
        """Log many calls ((engagement, record id) pairs) in batches of at most `batch_limit`."""
        ...

    def find_contact(self, phone: str | None, email: str | None, /) -> tuple[str | None, int]:
        """The existing customer's record (by email, then phone), for logging their call: (id or None, attempts)."""
        ...

    def mirror_records(self, object_name: str, start: datetime | None = None, end: datetime | None = None, /
                       ) -> list[dict]:
        """Sales intelligence's mirror: the `object_name` records modified in [start, end), every one without a
        window, as the CRM's API names their fields."""
        ...

    def delete_record(self, object_name: str, record_id: str, /) -> bool:
        """Erasure: deletes one record an erasure plan names (store.privacy: "contact", "lead", "call", "task",
        ...), with the hook's retries. False when this CRM has no such object; raises CrmError when it refuses."""
        ...

    def test_connection(self) -> tuple[bool, str]: ...


def chunks(items: list, size: int) -> list[list]:
    return [items[i:i + size] for i in range(0, len(items), size)]


def crm_hook_class(crm_type: str) -> type[CrmHook]:
    try:
        module, _, name = CRM_HOOKS[crm_type].partition(":")
    except KeyError:
        raise LookupError(f"unknown CRM type {crm_type!r} (known: {', '.join(sorted(CRM_HOOKS))})") from None
    return getattr(importlib.import_module(module), name)


def crm_hook(crm_type: str, conn_id: str) -> CrmHook:
    """The hook for `crm_type` on the Airflow connection `conn_id`."""
    return crm_hook_class(crm_type)(conn_id)
