"""Cloud Spanner backups of the store through the admin API, the runbooks' way ("Backup Verification", "Backup
Configuration"): a backup with an expire_time, the newest READY one restored to a temporary database and counted
there, then dropped (the restore half: hooks.spanner_restores). An endpoint without the backup API (501, the
emulator) raises BackupsUnavailable: a skip."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any

from airflow.sdk.bases.hook import BaseHook
from sqlalchemy.engine import URL, make_url

from leadline.domain.backups import SPANNER_BACKUP_PREFIX, BackupError, spanner_retention
from leadline.hooks.google import credentials_and_project
from leadline.hooks.spanner_admin import (
    StartedBackup,
    operation_error,
    operation_polling,
    poll_waits,
    spanner_admin_client,
    spanner_ids,
)
from leadline.hooks.spanner_restores import SpannerRestores
from leadline.hooks.store import LeadlineStoreHook, ProviderCredentials
from leadline.store.connection_uri import credential_settings, google_credentials

log = logging.getLogger(__name__)


class BackupsUnavailable(BackupError):
    """The admin endpoint has no backup API: it answered 501 UNIMPLEMENTED (the Cloud Spanner emulator does)."""


class SpannerBackupsHook(SpannerRestores, BaseHook):
    """Backup, restore and drop for the Spanner database of the store connection (`leadline_db`), through its
    database admin API. The admin client authenticates as the store engine does in a task: the connection's Google
    credential extras (key_path, keyfile_dict, key_secret_name, impersonation_chain, ...) through the Google
    provider, else the URL's settings, else the client's default. The connection's optional extra
    `admin_endpoint` (host:port) names a plaintext admin service to use instead of Cloud Spanner's.

    Admin calls that the endpoint does not implement raise BackupsUnavailable; refusals a person must act on (not
    found, permission, precondition) raise BackupError; transient errors propagate unchanged so the task's retries
    take them. An operator that already resolved the store connection hands its LeadlineStoreHook as `store`, so
    the connection is looked up once per task."""

    conn_name_attr = "leadline_conn_id"
    default_conn_name = "leadline_db"
    hook_name = "Leadline store backups (Cloud Spanner)"

    def __init__(self, leadline_conn_id: str = default_conn_name, *, timeout_s: float = 3600,
                 store: LeadlineStoreHook | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.leadline_conn_id = leadline_conn_id
        self.timeout_s = timeout_s
        self.store = store or LeadlineStoreHook(leadline_conn_id)

    @classmethod
    async def for_trigger(cls, leadline_conn_id: str) -> SpannerBackupsHook:
        """A hook for a trigger: the store connection read with the async look-up the triggerer's event loop
        needs (the admin client is built, credentials included, in the thread of the first call)."""
        hook = cls(leadline_conn_id)
        hook.store.connection = await LeadlineStoreHook.aget_connection(leadline_conn_id)
        return hook

    @cached_property
    def url(self) -> URL:
        return make_url(self.store.sqlalchemy_url())

    @cached_property
    def _ids(self) -> tuple[str, str, str]:
        return spanner_ids(self.url)

    @property
    def project(self) -> str:
        return self._ids[0]

    @property
    def instance_id(self) -> str:
        return self._ids[1]

    @property
    def database_id(self) -> str:
        return self._ids[2]

    @property
    def admin_endpoint(self) -> str | None:
        return self.store.connection.extra_dejson.get("admin_endpoint") or None

    def credentials(self):
        """The store engine's credentials (leadline.hooks.store): the provider's when the connection has Google
        credential extras, else those the URL's settings name (None: the client's default)."""
        if ProviderCredentials.of(self.store.connection):  # from the connection read once (a trigger can't again)
            return credentials_and_project(self.store.connection)[0]
        return google_credentials(credential_settings(self.url))

    def get_conn(self):
        """The database admin client, built once per hook."""
        return self.client

    @cached_property
    def client(self):
        endpoint = self.admin_endpoint
        return spanner_admin_client(self.project, endpoint, None if endpoint else self.credentials())

    def test_connection(self) -> tuple[bool, str]:
        """Reads the store database and lists its backups through the admin API."""
        try:
            self._call("GetDatabase", self.client.get_database, name=self.database)
            count = len(self.backups())
        except Exception as exc:
            return False, f"{type(exc).__name__}: {exc}"
        return True, f"database admin API reachable; backups of {self.database_id}: {count}"

    @property
    def instance(self) -> str:
        return f"projects/{self.project}/instances/{self.instance_id}"

    @property
    def database(self) -> str:
        return f"{self.instance}/databases/{self.database_id}"

    # -- calls ------------------------------------------------------------------------------------------------

    def _call(self, what: str, fn, *args, passthrough: tuple[type[Exception], ...] = (), **kwargs):
        from google.api_core import exceptions

        try:
            return fn(*args, **kwargs)
        except passthrough:
            raise
        except exceptions.MethodNotImplemented as exc:
            raise BackupsUnavailable(
                f"Spanner backups are not available at this endpoint: {what} answered {exc.code} Not Implemented "
                f"(gRPC UNIMPLEMENTED{': ' + exc.message if exc.message else ''}); the Cloud Spanner emulator "
                "has no backup API") from exc
        except (exceptions.NotFound, exceptions.PermissionDenied, exceptions.FailedPrecondition,
                exceptions.InvalidArgument, exceptions.AlreadyExists) as exc:
            raise BackupError(f"{what} refused: {exc.code} {exc.message}") from exc

    def _wait(self, what: str, operation):
        from google.api_core import exceptions

        try:
            return operation.result(timeout=self.timeout_s, polling=operation_polling(self.timeout_s))
        except exceptions.GoogleAPICallError as exc:  # the operation finished with an error status
            raise BackupError(f"{what} failed: {exc.code} {exc.message}") from exc
        except TimeoutError as exc:
            raise BackupError(f"{what} did not finish within {self.timeout_s:.0f} s "
                              f"(operation {operation.operation.name})") from exc

    def backups(self, *, ready_only: bool = False) -> list:
        """This database's backups, newest first (the runbook's `--sort-by=~createTime`)."""
        terms = [f"database:{self.database}"] + (["state:READY"] if ready_only else [])
        listed = self._call("ListBackups", self.client.list_backups, request={
            "parent": self.instance, "filter": " AND ".join(f"({t})" for t in terms)})
        ours = [b for b in self._call("ListBackups", list, listed) if b.database == self.database]
        if ready_only:
            ours = [b for b in ours if b.state.name == "READY"]
        return sorted(ours, key=lambda b: b.create_time, reverse=True)

    def backup_name(self, backup_id: str) -> str:
        return f"{self.instance}/backups/{backup_id}"

    def create(self, backup_id: str, retention_days: float, now: datetime | None = None) -> dict:
        """Backs the database up as `backup_id` with expire_time = now + retention (`--retention-period`) and waits
        for it to be READY, in the task (the operator's deferrable path waits in the triggerer instead). A rerun
        finds its backup already there and waits for it instead. Spanner allows one pending backup per database:
        when another one (the backup schedule's) is being created, waits for it first. Then applies the
        retention to this DAG's earlier backups (see apply_retention)."""
        now = now or datetime.now(UTC)
        started = self.start_backup(backup_id, retention_days, now)
        if not started.ours:
            self._wait_ready(started.name)
            started = self.start_backup(backup_id, retention_days, now, after_pending=True)
        if started.operation is not None:
            backup = self._wait(f"backup {backup_id}", started.operation)
        else:
            backup = self._wait_ready(started.name)
        return self.finish_backup(backup, retention_days, now)

    def start_backup(self, backup_id: str, retention_days: float, now: datetime | None = None, *,
                     after_pending: bool = False) -> StartedBackup:
        """Starts CreateBackup of `backup_id`, not waiting for it. Its backup already there (a rerun) is reused;
        another backup of the database being created (Spanner allows one) is returned as the one to wait for
        first, unless `after_pending` (it was waited for already: then the refusal is the task's error)."""
        from google.api_core import exceptions
        from google.cloud.spanner_admin_database_v1 import types

        now = now or datetime.now(UTC)
        request = {"parent": self.instance, "backup_id": backup_id, "backup": types.Backup(
            database=self.database, expire_time=now + spanner_retention(retention_days))}
        try:
            operation = self._call("CreateBackup", self.client.create_backup, request=request,
                                   passthrough=(exceptions.AlreadyExists, exceptions.FailedPrecondition))
        except exceptions.AlreadyExists:  # a rerun of the same run: the backup is there or being made
            return StartedBackup(self.backup_name(backup_id), ours=True)
        except exceptions.FailedPrecondition as exc:
            pending = [b for b in self.backups() if b.state.name == "CREATING"]
            if after_pending or not pending:
                raise BackupError(f"CreateBackup refused: {exc.code} {exc.message}") from exc
            log.info("backup %s of the database is being created; waiting for it first", pending[0].name)
            return StartedBackup(pending[0].name, ours=False)
        return StartedBackup(self.backup_name(backup_id), ours=True, operation=operation)

    def finish_backup(self, backup, retention_days: float, now: datetime | None = None) -> dict:
        """The READY backup's summary (the task's XCom), once the retention is applied."""
        if backup.database != self.database:
            raise BackupError(f"backup {backup.name.rsplit('/', 1)[-1]} exists but is of {backup.database}")
        removed = self.apply_retention(spanner_retention(retention_days), now)
        return {"backup": backup.name, "database": backup.database, "bytes": int(backup.size_bytes),
                "create_time": backup.create_time.isoformat(), "expire_time": backup.expire_time.isoformat(),
                "expired_removed": len(removed)}

    def backup_state(self, name: str) -> str:
        """One poll of a backup (the trigger's): CREATING, READY, ..."""
        return self._call("GetBackup", self.client.get_backup, name=name).state.name

    def ready_backup(self, name: str, operation_name: str | None = None):
        """The backup a deferred wait saw finish, read again. When it is not READY (its creation failed, so
        Spanner removed it), the error is its CreateBackup operation's, as the task's own wait reports it; only
        a missing backup is "gone", a refusal (permissions, no backup API) is reported as itself."""
        from google.api_core import exceptions

        try:
            backup = self._call("GetBackup", self.client.get_backup, name=name, passthrough=(exceptions.NotFound,))
        except exceptions.NotFound:
            backup = None
        if backup is not None and backup.state.name == "READY":
            return backup
        error = operation_name and self._call("GetOperation", operation_error, self.client, operation_name)
        raise BackupError(f"backup {name.rsplit('/', 1)[-1]} failed: "
                          f"{error or 'it is ' + (backup.state.name if backup else 'gone')}")

    def _wait_ready(self, name: str):
        """Polls GetBackup until the backup is READY (a rerun's own backup, or the schedule's pending one)."""
        import time

        deadline = time.monotonic() + self.timeout_s
        for delay in poll_waits():
            backup = self._call("GetBackup", self.client.get_backup, name=name)
            if backup.state.name == "READY":
                return backup
            if time.monotonic() > deadline:
                raise BackupError(f"backup {name} is still {backup.state.name} after {self.timeout_s:.0f} s")
            time.sleep(delay)

    def apply_retention(self, retention: timedelta, now: datetime | None = None) -> list[str]:
        """Spanner deletes a backup at its expire_time, so a backup made under this retention needs nothing more.
        Backups this DAG made under a longer retention (or that Spanner has not collected yet) are deleted once
        they are older than the retention; backups made by hand (runbook: manual-, pre-maintenance-, emergency-)
        keep their own retention."""
        now = now or datetime.now(UTC)
        prefix = f"{self.instance}/backups/{SPANNER_BACKUP_PREFIX}"
        removed = []
        for backup in self.backups(ready_only=True):
            if backup.name.startswith(prefix) and backup.create_time < now - retention:
                self._call("DeleteBackup", self.client.delete_backup, name=backup.name)
                removed.append(backup.name)
        return removed
