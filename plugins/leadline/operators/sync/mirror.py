"""A CRM's records mirrored per tenant over the run's data interval: one operator shape for every CRM, the
CRM's hook doing the querying (`mirror_records`) and each CRM module only mapping records to mirror rows."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, ClassVar

from leadline.operators.base import StoreOperator
from leadline.operators.intervals import data_interval
from leadline.operators.sync import ALL_OBJECTS, chosen_objects, full_sync

MirrorRow = Callable[[dict, datetime], dict]


class MirrorSyncOperator(StoreOperator):
    """Records of `objects` modified in the run's data interval, for every tenant with an active integration
    with `crm_type`; `object_type` limits the run to one object, and a `full` sync takes every record."""

    crm_type: ClassVar[str]
    objects: ClassVar[dict[str, tuple[str, MirrorRow]]]  # object -> (mirror table, mirror row of a record)
    template_fields: Sequence[str] = ("object_type", "sync_type")

    def __init__(self, *, object_type: str = ALL_OBJECTS, sync_type: str = "incremental", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.object_type = object_type
        self.sync_type = sync_type

    def execute(self, context) -> dict:
        from leadline.hooks.crm import crm_hook
        from leadline.store.etl import active_crm_connections_all_tenants, etl_run, replace_rows

        objects = chosen_objects(self.object_type, self.objects)
        start, end = data_interval(context)
        window = (None, None) if full_sync(self.sync_type) else (start, end)
        done: dict[str, int] = {}
        for tenant_id, connection_id in active_crm_connections_all_tenants(self.engine, self.crm_type).items():
            with etl_run(self.engine, tenant_id, self.crm_type, context["run_id"]) as run:
                hook = crm_hook(self.crm_type, connection_id)
                for name in objects:
                    mirror, row = self.objects[name]
                    records = hook.mirror_records(name, *window)
                    # synced_at is the interval's end, so a rerun of the same interval writes identical rows
                    replace_rows(self.engine, tenant_id, mirror, [row(r, end) for r in records])
                    run.rows_processed += len(records)
            done[tenant_id] = run.rows_processed
        self.log.info("%s rows synced per tenant (%s, %s): %s", self.crm_type, ", ".join(objects), self.sync_type,
                      done)
        return done
