"""The restore half of the store's Cloud Spanner backups hook (hooks.spanner_backups): the newest READY backup
restored to a temporary database on the store's instance, waited for in the task or in the triggerer
(triggers.SpannerRestoreTrigger), then dropped. A mixin of SpannerBackupsHook, over its admin client, names and
error mapping (`_call`, `_wait`)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.engine import make_url

from leadline.domain.backups import BackupError, require_fresh
from leadline.hooks.spanner_admin import operation_outcome, operation_status, spanner_ids


def _restore_of(backup_name: str) -> str:
    return f"restore of {backup_name.rsplit('/', 1)[-1]}"


class SpannerRestores:
    """Restore, poll and drop; the hook gives `client`, `instance`, `project`, `instance_id`, `database_id`,
    `url`, `backups()`, `_call` and `_wait`."""

    def database_url(self, database_id: str) -> str:
        """Another database of the store's instance, reached with the store URL's credential settings."""
        return self.url.set(database=f"{self.instance}/databases/{database_id}").render_as_string(
            hide_password=False)

    def latest_ready(self, now: datetime | None = None):
        """The newest READY backup of the database; fails when there is none or it is older than 26 h."""
        now = now or datetime.now(UTC)
        backups = self.backups(ready_only=True)
        if not backups:
            raise BackupError(f"no READY Spanner backup of {self.database_id} found")
        latest = backups[0]
        require_fresh(latest.name.rsplit("/", 1)[-1], now - latest.create_time)
        return latest

    def restore(self, backup_name: str, database_id: str) -> str:
        """Restores `backup_name` to a new database `database_id` on the same instance, waiting in the task, and
        returns its URL (the operator's deferrable path waits in the triggerer: start_restore, then
        finish_restore). A failed restore leaves nothing behind."""
        operation = self.start_restore(backup_name, database_id)
        try:
            self._wait(_restore_of(backup_name), operation)
        except BackupError:
            self.drop(database_id)
            raise
        return self.database_url(database_id)

    def start_restore(self, backup_name: str, database_id: str):
        """Starts RestoreDatabase of `backup_name` to a new database `database_id` on the instance, not waiting
        for it; a copy left by an earlier attempt is dropped first. The api_core operation."""
        self.drop(database_id)
        return self._call("RestoreDatabase", self.client.restore_database, request={
            "parent": self.instance, "database_id": database_id, "backup": backup_name})

    def restore_state(self, operation_name: str) -> str:
        """One poll of a RestoreDatabase operation (the trigger's): RESTORING, RESTORED or FAILED. The operation
        is the truth, not the database: a database being restored may already read READY (the admin fake's
        does) while its data is still being copied."""
        done, error = self._call("GetOperation", operation_status, self.client, operation_name)
        return "RESTORING" if not done else "FAILED" if error else "RESTORED"

    def finish_restore(self, operation_name: str, database_id: str) -> str:
        """The URL of the copy `database_id` once its RestoreDatabase operation (awaited in the triggerer) is
        done; the backup it restored is read from the operation. Its failure is reported as the task's own wait
        reports it, and the half-made copy dropped."""
        from google.cloud.spanner_admin_database_v1 import types

        try:
            if not operation_name.startswith(f"{self.instance}/databases/{database_id}/operations/"):
                raise BackupError(f"operation {operation_name} is not the restore to {database_id}")
            operation = self._call("GetOperation", self.client.get_operation, request={"name": operation_name})
            backup = types.RestoreDatabaseMetadata.deserialize(operation.metadata.value).backup_info.backup
            done, error = operation_outcome(operation)
            if error or not done:
                raise BackupError(f"{_restore_of(backup or 'its backup')} failed: "
                                  f"{error or 'its operation ' + operation_name + ' is still running'}")
        except BackupError:
            self.drop(database_id)
            raise
        return self.database_url(database_id)

    def drop(self, database_id: str) -> None:
        """Drops a database on the instance, if it is there (a teardown may run twice). Never the store itself."""
        from google.api_core import exceptions

        if database_id == self.database_id:
            raise BackupError(f"refusing to drop the store database {database_id}")
        try:
            self.client.drop_database(database=f"{self.instance}/databases/{database_id}")
        except exceptions.NotFound:
            pass

    def drop_copy(self, restored_url: str) -> None:
        """Drops the temporary database `restore` made, given its URL; only one on the store's instance."""
        project, instance_id, database_id = spanner_ids(make_url(restored_url))
        if (project, instance_id) != (self.project, self.instance_id):
            raise BackupError(f"the restored copy {database_id} is not on the store's instance")
        self.drop(database_id)
