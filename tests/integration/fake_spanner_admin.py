"""A local Cloud Spanner database admin service for the backup tests, so the real google-cloud-spanner admin client
(DatabaseAdminClient over gRPC, its pagers and its long-running-operation polling) is driven end to end.

The Cloud Spanner emulator implements databases but answers 501 UNIMPLEMENTED for every backup RPC. This server
speaks the same gRPC service, `google.spanner.admin.database.v1.DatabaseAdmin`, plus `google.longrunning.Operations`
on the same port, and keeps the data real by delegating to an emulator:

- CreateBackup answers at once with a pending operation (CreateBackupMetadata) and a CREATING backup; a worker
  thread then snapshots the source database through the emulator (its DDL from GetDatabaseDdl, every table's rows
  through one read-only snapshot) and marks the backup READY, its operation done with the Backup as response;
- RestoreDatabase checks the backup is READY and the target id free, answers with a pending operation
  (RestoreDatabaseMetadata); a worker creates the target database on the emulator with the snapshot's DDL and
  inserts the rows (parents first), then completes the operation with the Database (restore_info set);
- ListBackups (filter terms `field:value`, `field=value`, `field<"RFC 3339"`, `field>...` joined by AND; small
  pages so the client's pager follows next_page_token), GetBackup, DeleteBackup, UpdateBackup (expire_time);
- GetDatabase, ListDatabases, GetDatabaseDdl and DropDatabase are passed through to the emulator;
- Operations: GetOperation, ListOperations, DeleteOperation, CancelOperation, WaitOperation.

It checks what Cloud Spanner checks: backup and database ids, expire_time between 6 hours and 366 days ahead,
one pending backup per database (FAILED_PRECONDITION), ALREADY_EXISTS, NOT_FOUND; and it deletes a backup once
its expire_time has passed, as Spanner does. Every RPC is counted in `calls` and every accepted restore listed in
`restores`; `backdate()` ages a backup, `fail_operation()` makes the next operation of a kind end in an error,
`snapshot_delay_s` keeps backups CREATING that long.
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent import futures
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import grpc
from google.api_core import exceptions as api_exceptions
from google.auth.credentials import AnonymousCredentials
from google.cloud import spanner
from google.cloud.spanner_admin_database_v1 import types
from google.longrunning import operations_pb2, operations_pb2_grpc
from google.protobuf import empty_pb2
from google.rpc import code_pb2, status_pb2

SERVICE = "google.spanner.admin.database.v1.DatabaseAdmin"
BACKUP_ID = re.compile(r"^[a-z][a-z0-9_\-]{0,58}[a-z0-9]$")
DATABASE_ID = re.compile(r"^[a-z][a-z0-9_\-]{0,28}[a-z0-9]$")
MIN_EXPIRE, MAX_EXPIRE = timedelta(hours=6), timedelta(days=366)
PAGE_SIZE = 2  # small pages: the client's pager must follow next_page_token
INSERT_CHUNK = 500


class Refused(Exception):
    def __init__(self, code: grpc.StatusCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class Snapshot:
    ddl: list[str]
    tables: list[tuple[str, list[str], list[list]]] = field(default_factory=list)  # name, columns, rows

    def rows(self, table: str) -> int:
        return next((len(rows) for name, _, rows in self.tables if name == table), 0)


@dataclass
class StoredBackup:
    backup: types.Backup
    snapshot: Snapshot | None = None
    operation: str | None = None


def _parts(name: str) -> dict[str, str]:
    bits = name.strip("/").split("/")
    return dict(zip(bits[0::2], bits[1::2], strict=False))


def _instance_of(name: str) -> str:
    p = _parts(name)
    return f"projects/{p.get('projects')}/instances/{p.get('instances')}"


def _table_names(ddl: list[str]) -> list[str]:
    names = []
    for statement in ddl:
        match = re.match(r"\s*CREATE\s+TABLE\s+`?(\w+)`?", statement, re.IGNORECASE)
        if match:
            names.append(match.group(1))
    return names


class FakeSpannerAdmin:
    def __init__(self, emulator_host: str, project: str, *, snapshot_delay_s: float = 0.0) -> None:
        self.emulator_host = emulator_host
        self.project = project
        self.snapshot_delay_s = snapshot_delay_s
        self.client = spanner.Client(project=project, credentials=AnonymousCredentials(),
                                     client_options={"api_endpoint": emulator_host}, disable_builtin_metrics=True)
        self.emulator_admin = self.client.database_admin_api
        self.backups: dict[str, StoredBackup] = {}
        self.operations: dict[str, operations_pb2.Operation] = {}
        self.restored: dict[str, types.RestoreInfo] = {}
        self.restores: list[tuple[str, str]] = []  # (backup, target database) per RestoreDatabase accepted
        self.calls: Counter[str] = Counter()
        self._failures: dict[str, str] = {}
        self._lock = threading.RLock()
        self._workers: list[threading.Thread] = []
        self._server: grpc.Server | None = None
        self.endpoint = ""

    # -- lifecycle --------------------------------------------------------------------------------------------

    def start(self) -> str:
        self._server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
        self._server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(SERVICE, self._handlers()),))
        operations_pb2_grpc.add_OperationsServicer_to_server(_Operations(self), self._server)
        port = self._server.add_insecure_port("127.0.0.1:0")
        self._server.start()
        self.endpoint = f"127.0.0.1:{port}"
        return self.endpoint

    def stop(self) -> None:
        for worker in list(self._workers):
            worker.join(timeout=60)
        if self._server is not None:
            self._server.stop(grace=None)

    def __enter__(self) -> FakeSpannerAdmin:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- test controls ----------------------------------------------------------------------------------------

    def now(self) -> datetime:
        return datetime.now(UTC)

    def backdate(self, backup_id_or_name: str, by: timedelta) -> types.Backup:
        """Ages a backup: its create, version and expire times move `by` into the past."""
        with self._lock:
            stored = self._find(backup_id_or_name)
            b = stored.backup
            b.create_time, b.version_time, b.expire_time = (b.create_time - by, b.version_time - by,
                                                             b.expire_time - by)
            return b

    def fail_operation(self, kind: str, message: str) -> None:
        """The next `kind` operation ("CreateBackup" or "RestoreDatabase") ends with INTERNAL and `message`; a
        failed restore leaves its half-made database on the emulator, as a real one may."""
        self._failures[kind] = message

    def backup_names(self) -> list[str]:
        self._expire()
        with self._lock:
            return sorted(self.backups)

    def emulator_databases(self, instance: str) -> list[str]:
        return [d.name.rsplit("/", 1)[-1] for d in self.emulator_admin.list_databases(parent=instance)]

    def _find(self, backup_id_or_name: str) -> StoredBackup:
        for name, stored in self.backups.items():
            if name == backup_id_or_name or name.endswith(f"/backups/{backup_id_or_name}"):
                return stored
        raise KeyError(backup_id_or_name)

    # -- gRPC plumbing ----------------------------------------------------------------------------------------

    def _handlers(self) -> dict[str, grpc.RpcMethodHandler]:
        def unary(fn: Callable, request_type, serialize):
            def handle(request, context):
                self.calls[fn.__name__.lstrip("_")] += 1
                try:
                    return fn(request)
                except Refused as exc:
                    context.abort(exc.code, exc.message)
                except api_exceptions.GoogleAPICallError as exc:  # a pass-through call the emulator refused
                    context.abort(exc.grpc_status_code or grpc.StatusCode.UNKNOWN, exc.message)

            return grpc.unary_unary_rpc_method_handler(handle, request_deserializer=request_type.deserialize,
                                                       response_serializer=serialize)

        op = operations_pb2.Operation.SerializeToString
        empty = empty_pb2.Empty.SerializeToString
        return {
            "CreateBackup": unary(self.CreateBackup, types.CreateBackupRequest, op),
            "GetBackup": unary(self.GetBackup, types.GetBackupRequest, types.Backup.serialize),
            "UpdateBackup": unary(self.UpdateBackup, types.UpdateBackupRequest, types.Backup.serialize),
            "DeleteBackup": unary(self.DeleteBackup, types.DeleteBackupRequest, empty),
            "ListBackups": unary(self.ListBackups, types.ListBackupsRequest, types.ListBackupsResponse.serialize),
            "RestoreDatabase": unary(self.RestoreDatabase, types.RestoreDatabaseRequest, op),
            "GetDatabase": unary(self.GetDatabase, types.GetDatabaseRequest, types.Database.serialize),
            "ListDatabases": unary(self.ListDatabases, types.ListDatabasesRequest,
                                   types.ListDatabasesResponse.serialize),
            "GetDatabaseDdl": unary(self.GetDatabaseDdl, types.GetDatabaseDdlRequest,
                                    types.GetDatabaseDdlResponse.serialize),
            "DropDatabase": unary(self.DropDatabase, types.DropDatabaseRequest, empty),
        }

    def _new_operation(self, name: str, metadata) -> operations_pb2.Operation:
        operation = operations_pb2.Operation(name=f"{name}/operations/{uuid.uuid4().hex[:16]}", done=False)
        operation.metadata.Pack(type(metadata).pb(metadata))
        with self._lock:
            self.operations[operation.name] = operation
        return operation

    def _finish(self, operation_name: str, response=None, error: tuple[int, str] | None = None) -> None:
        with self._lock:
            operation = self.operations[operation_name]
            if operation.done:  # cancelled meanwhile
                return
            if error is not None:
                operation.error.CopyFrom(status_pb2.Status(code=error[0], message=error[1]))
            else:
                operation.response.Pack(type(response).pb(response))
            operation.done = True

    def _in_background(self, work: Callable[[], None]) -> None:
        worker = threading.Thread(target=work, daemon=True)
        self._workers = [w for w in self._workers if w.is_alive()] + [worker]
        worker.start()

    def _expire(self) -> None:
        """Spanner deletes a backup once its expire_time has passed."""
        now = self.now()
        with self._lock:
            for name in [n for n, s in self.backups.items()
                         if s.backup.state == types.Backup.State.READY and s.backup.expire_time <= now]:
                del self.backups[name]

    # -- emulator side ------------------------------------------------------------------------------------------

    def _emulator_database(self, name: str):
        p = _parts(name)
        return self.client.instance(p["instances"]).database(p["databases"])

    def _snapshot(self, database_name: str) -> Snapshot:
        ddl = list(self.emulator_admin.get_database_ddl(database=database_name).statements)
        snapshot = Snapshot(ddl=ddl)
        with self._emulator_database(database_name).snapshot(multi_use=True) as reader:
            for table in _table_names(ddl):
                result = reader.execute_sql(f"SELECT * FROM {table}")
                rows = [list(row) for row in result]
                snapshot.tables.append((table, [f.name for f in result.fields], rows))
        return snapshot

    def _copy_in(self, snapshot: Snapshot, database_name: str) -> None:
        p = _parts(database_name)
        database = self.client.instance(p["instances"]).database(p["databases"], ddl_statements=snapshot.ddl)
        database.create().result(timeout=300)
        for table, columns, rows in snapshot.tables:  # DDL order: an interleaved table after its parent
            for start in range(0, len(rows), INSERT_CHUNK):
                with database.batch() as batch:
                    batch.insert(table, columns, rows[start:start + INSERT_CHUNK])

    def _database_exists(self, name: str) -> bool:
        try:
            self.emulator_admin.get_database(name=name)
        except api_exceptions.NotFound:
            return False
        return True

    # -- DatabaseAdmin: backups -------------------------------------------------------------------------------

    def CreateBackup(self, request: types.CreateBackupRequest) -> operations_pb2.Operation:
        self._expire()
        source, backup_id = request.backup.database, request.backup_id
        if not BACKUP_ID.match(backup_id):
            raise Refused(grpc.StatusCode.INVALID_ARGUMENT, f"Invalid backup id: {backup_id}")
        if _instance_of(source) != request.parent:
            raise Refused(grpc.StatusCode.INVALID_ARGUMENT, "the database must be in the backup's instance")
        if not self._database_exists(source):
            raise Refused(grpc.StatusCode.NOT_FOUND, f"Database not found: {source}")
        now = self.now()
        expire = request.backup.expire_time
        if not now + MIN_EXPIRE <= expire <= now + MAX_EXPIRE:
            raise Refused(grpc.StatusCode.INVALID_ARGUMENT, "expire_time must be between 6 hours and 366 days "
                                                           "from the backup's creation")
        name = f"{request.parent}/backups/{backup_id}"
        with self._lock:
            if name in self.backups:
                raise Refused(grpc.StatusCode.ALREADY_EXISTS, f"Backup already exists: {name}")
            if any(s.backup.database == source and s.backup.state == types.Backup.State.CREATING
                   for s in self.backups.values()):
                raise Refused(grpc.StatusCode.FAILED_PRECONDITION,
                              f"Cannot create a backup of {source}: a backup of it is already being created")
            backup = types.Backup(name=name, database=source, state=types.Backup.State.CREATING, create_time=now,
                                  version_time=now, expire_time=expire,
                                  database_dialect=types.DatabaseDialect.GOOGLE_STANDARD_SQL)
            operation = self._new_operation(name, types.CreateBackupMetadata(
                name=name, database=source, progress=types.OperationProgress(start_time=now)))
            self.backups[name] = StoredBackup(backup, operation=operation.name)
        self._in_background(lambda: self._take_backup(name, operation.name))
        return operation

    def _take_backup(self, name: str, operation_name: str) -> None:
        time.sleep(self.snapshot_delay_s)
        stored = self.backups[name]
        try:
            if "CreateBackup" in self._failures:
                raise RuntimeError(self._failures.pop("CreateBackup"))
            snapshot = self._snapshot(stored.backup.database)
        except Exception as exc:
            with self._lock:
                self.backups.pop(name, None)
            self._finish(operation_name, error=(code_pb2.INTERNAL, f"backup failed: {exc}"))
            return
        with self._lock:
            stored.snapshot = snapshot
            stored.backup.state = types.Backup.State.READY
            stored.backup.size_bytes = sum(len(repr(rows)) for _, _, rows in snapshot.tables)
            self._finish(operation_name, response=stored.backup)

    def _stored(self, name: str) -> StoredBackup:
        self._expire()
        with self._lock:
            if name not in self.backups:
                raise Refused(grpc.StatusCode.NOT_FOUND, f"Backup not found: {name}")
            return self.backups[name]

    def GetBackup(self, request: types.GetBackupRequest) -> types.Backup:
        return self._stored(request.name).backup

    def UpdateBackup(self, request: types.UpdateBackupRequest) -> types.Backup:
        stored = self._stored(request.backup.name)
        if list(request.update_mask.paths) != ["expire_time"]:
            raise Refused(grpc.StatusCode.INVALID_ARGUMENT, "only expire_time can be updated")
        stored.backup.expire_time = request.backup.expire_time
        return stored.backup

    def DeleteBackup(self, request: types.DeleteBackupRequest) -> empty_pb2.Empty:
        self._stored(request.name)
        with self._lock:
            del self.backups[request.name]
        return empty_pb2.Empty()

    def ListBackups(self, request: types.ListBackupsRequest) -> types.ListBackupsResponse:
        self._expire()
        keep = _backup_filter(request.filter)
        with self._lock:
            matching = [s.backup for name, s in sorted(self.backups.items())
                        if _instance_of(name) == request.parent and keep(s.backup)]
        start = int(request.page_token or 0)
        size = request.page_size or PAGE_SIZE
        page = matching[start:start + size]
        following = str(start + size) if start + size < len(matching) else ""
        return types.ListBackupsResponse(backups=page, next_page_token=following)

    # -- DatabaseAdmin: restore and databases -------------------------------------------------------------------

    def RestoreDatabase(self, request: types.RestoreDatabaseRequest) -> operations_pb2.Operation:
        if not DATABASE_ID.match(request.database_id):
            raise Refused(grpc.StatusCode.INVALID_ARGUMENT, f"Invalid database id: {request.database_id}")
        stored = self._stored(request.backup)
        if stored.backup.state != types.Backup.State.READY:
            raise Refused(grpc.StatusCode.FAILED_PRECONDITION, f"Backup {request.backup} is not ready")
        if _instance_of(request.backup) != request.parent:
            raise Refused(grpc.StatusCode.INVALID_ARGUMENT, "this fake restores within the backup's instance")
        target = f"{request.parent}/databases/{request.database_id}"
        if self._database_exists(target):
            raise Refused(grpc.StatusCode.ALREADY_EXISTS, f"Database already exists: {target}")
        b = stored.backup
        info = types.BackupInfo(backup=b.name, version_time=b.version_time, create_time=b.create_time,
                                source_database=b.database)
        operation = self._new_operation(target, types.RestoreDatabaseMetadata(
            name=target, source_type=types.RestoreSourceType.BACKUP, backup_info=info,
            progress=types.OperationProgress(start_time=self.now())))
        restore_info = types.RestoreInfo(source_type=types.RestoreSourceType.BACKUP, backup_info=info)
        self.restores.append((b.name, target))
        self._in_background(lambda: self._restore(stored.snapshot, target, restore_info, operation.name))
        return operation

    def _restore(self, snapshot: Snapshot, target: str, info: types.RestoreInfo, operation_name: str) -> None:
        try:
            self._copy_in(snapshot, target)
            if "RestoreDatabase" in self._failures:
                raise RuntimeError(self._failures.pop("RestoreDatabase"))
        except Exception as exc:
            self._finish(operation_name, error=(code_pb2.INTERNAL, f"restore failed: {exc}"))
            return
        self.restored[target] = info
        self._finish(operation_name, response=types.Database(
            name=target, state=types.Database.State.READY, create_time=self.now(), restore_info=info))

    def GetDatabase(self, request: types.GetDatabaseRequest) -> types.Database:
        database = self.emulator_admin.get_database(request=request)
        if request.name in self.restored:
            database.restore_info = self.restored[request.name]
        return database

    def ListDatabases(self, request: types.ListDatabasesRequest) -> types.ListDatabasesResponse:
        return types.ListDatabasesResponse(databases=list(self.emulator_admin.list_databases(parent=request.parent)))

    def GetDatabaseDdl(self, request: types.GetDatabaseDdlRequest) -> types.GetDatabaseDdlResponse:
        return self.emulator_admin.get_database_ddl(request=request)

    def DropDatabase(self, request: types.DropDatabaseRequest) -> empty_pb2.Empty:
        self.emulator_admin.drop_database(request=request)
        self.restored.pop(request.database, None)
        return empty_pb2.Empty()


class _Operations(operations_pb2_grpc.OperationsServicer):
    """google.longrunning.Operations over the fake's operations (the client polls GetOperation)."""

    def __init__(self, fake: FakeSpannerAdmin) -> None:
        self.fake = fake

    def _get(self, name: str, context) -> operations_pb2.Operation:
        with self.fake._lock:
            operation = self.fake.operations.get(name)
            if operation is None:
                context.abort(grpc.StatusCode.NOT_FOUND, f"Operation not found: {name}")
            copy = operations_pb2.Operation()
            copy.CopyFrom(operation)
            return copy

    def GetOperation(self, request, context):
        self.fake.calls["GetOperation"] += 1
        return self._get(request.name, context)

    def WaitOperation(self, request, context):
        self.fake.calls["WaitOperation"] += 1
        deadline = time.monotonic() + (request.timeout.ToTimedelta().total_seconds() or 60)
        while not self._get(request.name, context).done and time.monotonic() < deadline:
            time.sleep(0.05)
        return self._get(request.name, context)

    def ListOperations(self, request, context):
        self.fake.calls["ListOperations"] += 1
        with self.fake._lock:
            found = [o for n, o in sorted(self.fake.operations.items()) if n.startswith(request.name)]
        return operations_pb2.ListOperationsResponse(operations=found)

    def DeleteOperation(self, request, context):
        self.fake.calls["DeleteOperation"] += 1
        self._get(request.name, context)
        with self.fake._lock:
            del self.fake.operations[request.name]
        return empty_pb2.Empty()

    def CancelOperation(self, request, context):
        """Cancelling a backup's creation stops it and deletes the backup, as the API documents."""
        self.fake.calls["CancelOperation"] += 1
        operation = self._get(request.name, context)
        if not operation.done:
            self.fake._finish(request.name, error=(code_pb2.CANCELLED, "cancelled"))
            with self.fake._lock:
                for name, stored in list(self.fake.backups.items()):
                    if stored.operation == request.name:
                        del self.fake.backups[name]
        return empty_pb2.Empty()


# -- ListBackups filter ---------------------------------------------------------------------------------------

_TERM = re.compile(r'^\s*\(?\s*(\w+)\s*(:|=|!=|<=|>=|<|>)\s*"?([^")]*)"?\s*\)?\s*$')


def _backup_filter(expression: str) -> Callable[[types.Backup], bool]:
    """The documented subset: terms on name, database, state, create_time, expire_time, version_time joined by AND
    (`:` is a substring match on strings, an equality on the state)."""
    if not expression.strip():
        return lambda backup: True
    tests = []
    for term in re.split(r"\s+AND\s+", expression.strip(), flags=re.IGNORECASE):
        match = _TERM.match(term)
        if not match:
            raise Refused(grpc.StatusCode.INVALID_ARGUMENT, f"Invalid filter: {term}")
        tests.append(_term(*match.groups()))
    return lambda backup: all(test(backup) for test in tests)


def _term(field_name: str, op: str, value: str) -> Callable[[types.Backup], bool]:
    if field_name in ("name", "database"):
        if op == ":":
            return lambda b: value in getattr(b, field_name)
        if op in ("=", "!="):
            return lambda b: (getattr(b, field_name) == value) == (op == "=")
    elif field_name == "state" and op in (":", "=", "!="):
        return lambda b: (b.state.name == value.upper()) == (op != "!=")
    elif field_name in ("create_time", "expire_time", "version_time") and op in ("<", ">", "<=", ">=", "="):
        bound = datetime.fromisoformat(value.replace("Z", "+00:00"))
        compare = {"<": lambda a: a < bound, ">": lambda a: a > bound, "<=": lambda a: a <= bound,
                   ">=": lambda a: a >= bound, "=": lambda a: a == bound}[op]
        return lambda b: compare(getattr(b, field_name))
    raise Refused(grpc.StatusCode.INVALID_ARGUMENT, f"Unsupported filter term: {field_name}{op}{value}")
