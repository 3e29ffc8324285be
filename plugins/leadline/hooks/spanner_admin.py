"""The Cloud Spanner database admin client and the small pieces the backups hook (hooks.spanner_backups,
hooks.spanner_restores) and its triggers (triggers.SpannerBackupTrigger, triggers.SpannerRestoreTrigger) share."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import URL

from leadline.domain.backups import BackupError
from leadline.domain.polling import Backoff

# the pacing of every wait for an admin operation: the task's (api_core's polling or a GetBackup loop) and the
# triggers'
BACKOFF = Backoff(first_s=0.25, maximum_s=15.0)


def spanner_ids(url: URL) -> tuple[str, str, str]:
    """(project, instance, database) from `spanner+spanner:///projects/P/instances/I/databases/D`."""
    parts = (url.database or "").strip("/").split("/")
    if len(parts) != 6 or parts[0::2] != ["projects", "instances", "databases"]:
        raise BackupError(f"not a Spanner database URL: {url.render_as_string(hide_password=True)}")
    return parts[1], parts[3], parts[5]


def spanner_admin_client(project: str, admin_endpoint: str | None = None, credentials=None):
    """The database admin client (google-cloud-spanner). Without `admin_endpoint` it is the one the Spanner client
    builds: Cloud Spanner with `credentials` (None: application default credentials), or the emulator when
    SPANNER_EMULATOR_HOST names one (Google's convention, the same the store engine follows). With
    `admin_endpoint` (host:port, a connection extra) it speaks plaintext gRPC with no credentials to that local
    admin service."""
    if admin_endpoint:
        import grpc
        from google.cloud.spanner_admin_database_v1 import DatabaseAdminClient
        from google.cloud.spanner_admin_database_v1.services.database_admin.transports import (
            DatabaseAdminGrpcTransport,
        )

        return DatabaseAdminClient(transport=DatabaseAdminGrpcTransport(channel=grpc.insecure_channel(admin_endpoint)))
    from google.cloud import spanner

    return spanner.Client(project=project, credentials=credentials).database_admin_api


def poll_waits() -> Iterator[float]:
    """The waits between polls of a pending backup or restore (the task's or a trigger's): BACKOFF's."""
    return BACKOFF.waits()


def operation_polling(timeout_s: float):
    """api_core's polling for a task's own wait on an admin operation (`operation.result(polling=...)`), paced as
    poll_waits and given up after `timeout_s`."""
    from google.api_core.future import polling

    return polling.DEFAULT_POLLING.with_delay(initial=BACKOFF.first_s, maximum=BACKOFF.maximum_s,
                                              multiplier=BACKOFF.multiplier).with_timeout(timeout_s)


@dataclass(frozen=True)
class StartedBackup:
    """What start_backup left to wait for."""

    name: str  # the backup to wait for
    ours: bool  # False: another backup of the database is being created; start ours once it is READY
    operation: Any = None  # the CreateBackup operation (api_core) this call started, else None

    @property
    def operation_name(self) -> str | None:
        return self.operation.operation.name if self.operation is not None else None


def operation_outcome(operation) -> tuple[bool, str | None]:
    """Whether a long-running operation (as GetOperation read it) is done, and its error as api_core's wait
    reports it ("500 backup failed: ..."), if it ended with one."""
    from google.api_core import exceptions

    if not (operation.done and operation.HasField("error")):
        return operation.done, None
    exc = exceptions.from_grpc_status(operation.error.code, operation.error.message)
    return True, f"{exc.code} {exc.message}"


def operation_status(client, operation_name: str) -> tuple[bool, str | None]:
    """One read of a long-running operation (GetOperation): its operation_outcome."""
    return operation_outcome(client.get_operation(request={"name": operation_name}))


def operation_error(client, operation_name: str) -> str | None:
    """A finished long-running operation's error as api_core's wait reports it, if any."""
    return operation_status(client, operation_name)[1]
