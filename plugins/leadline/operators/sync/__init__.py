"""Syncs, one module per source: each reads its run's data interval, so a backfill repeats. A run triggered by
hand may ask for a full sync instead (every record the source has, whatever the interval), as runbook 004's
manual ETL triggers do."""

SYNC_TYPES = ("incremental", "full")
ALL_OBJECTS = "all"  # the object_type that limits a sync to no single object


def full_sync(sync_type: str) -> bool:
    """Whether a run's `sync_type` asks for every record; an unknown one fails the task with the reason."""
    if sync_type not in SYNC_TYPES:
        from airflow.sdk.exceptions import AirflowFailException

        raise AirflowFailException(f"sync_type {sync_type!r} is not one of {', '.join(SYNC_TYPES)}")
    return sync_type == "full"


def chosen_objects(object_type: str, objects) -> list[str]:
    """The objects a run syncs: all of `objects`, or the one its `object_type` names; an unknown one fails the
    task with the reason."""
    if object_type == ALL_OBJECTS:
        return list(objects)
    if object_type not in objects:
        from airflow.sdk.exceptions import AirflowFailException

        raise AirflowFailException(f"object_type {object_type!r} is not one of {', '.join(objects)}")
    return [object_type]
