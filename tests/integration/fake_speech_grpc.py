"""Speech-to-Text v1 over gRPC, as production calls it, on a local port: a real grpc server with the
google.cloud.speech.v1.Speech service (LongRunningRecognize) and the google.longrunning.Operations service
(GetOperation, ListOperations) that the client's operation future and the hook's health probe use.

Like Google, it:
- wants an OAuth token on every call (UNAUTHENTICATED otherwise);
- validates the request (fake_speech.refusal) and answers INVALID_ARGUMENT with the field at fault;
- answers LongRunningRecognize with an operation that is not done, and stays not done (its metadata's
  progress growing) for the first `pending_polls` GetOperation calls; then done, with the results.

Production reaches it through the connection as it reaches Google: `api_endpoint` (a loopback host:port, which
the Speech backend reaches over gRPC local credentials: no TLS, the token still sent) and credentials (the
`static_token` extra). The server listens with local credentials too, so only such a client gets in.
`journal` keeps every call (method, request, metadata); `calls(method)` counts them.
"""

from __future__ import annotations

import itertools
import json
import threading
from concurrent import futures

import grpc
from google.cloud import speech_v1
from google.longrunning import operations_pb2, operations_pb2_grpc
from google.protobuf import any_pb2

from tests.integration.fake_errors import UNAUTHENTICATED, Refusal, bearer_token
from tests.integration.fake_speech import INLINE_CONTENT_LIMIT, UriReader, recognition_response, refusal

SPEECH_SERVICE = "google.cloud.speech.v1.Speech"
RESPONSE_TYPE = "type.googleapis.com/google.cloud.speech.v1.LongRunningRecognizeResponse"
TOKEN = "test-token"  # the pre-issued OAuth token the fake expects


def _pack(message):
    """A proto-plus message in a google.protobuf.Any, as operations carry their metadata and response."""
    packed = any_pb2.Any()
    packed.Pack(type(message).pb(message))
    return packed


class FakeSpeechGrpc:
    def __init__(self, pending_polls: int = 3, read_uri: UriReader | None = None):
        self.pending_polls, self.read_uri = pending_polls, read_uri
        self.journal: list[dict] = []
        self._operations: dict[str, dict] = {}
        self._ids = itertools.count(7612202767953098924)  # operation names are numbers, as Speech v1 gives them
        self._lock = threading.Lock()
        self.server = self._build_server()

    def _build_server(self):
        # Google takes up to 10 MB of inline audio: the server must accept messages a little larger than that
        server = grpc.server(futures.ThreadPoolExecutor(max_workers=4),
                             options=[("grpc.max_receive_message_length", INLINE_CONTENT_LIMIT + 1024 * 1024)])
        recognize = grpc.unary_unary_rpc_method_handler(
            self.long_running_recognize, request_deserializer=speech_v1.LongRunningRecognizeRequest.deserialize,
            response_serializer=operations_pb2.Operation.SerializeToString)
        server.add_generic_rpc_handlers([grpc.method_handlers_generic_handler(
            SPEECH_SERVICE, {"LongRunningRecognize": recognize})])
        operations_pb2_grpc.add_OperationsServicer_to_server(_Operations(self), server)
        self.port = server.add_secure_port("127.0.0.1:0", grpc.local_server_credentials(
            grpc.LocalConnectionType.LOCAL_TCP))
        return server

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.port}"

    def calls(self, method: str) -> int:
        return sum(1 for entry in self.journal if entry["method"] == method)

    def requests(self, method: str = "LongRunningRecognize") -> list:
        return [entry["request"] for entry in self.journal if entry["method"] == method]

    def admit(self, method: str, request, context) -> None:
        """Journals the call and refuses it, as Google does, when it carries no token."""
        metadata = dict(context.invocation_metadata())
        with self._lock:
            self.journal.append({"method": method, "request": request, "metadata": metadata})
        if bearer_token(metadata.items()) is None:
            UNAUTHENTICATED.abort(context)

    def long_running_recognize(self, request, context):
        self.admit("LongRunningRecognize", request, context)
        refused = refusal(request.config, request.audio, self.read_uri)
        if refused:
            refused.abort(context)
        name = str(next(self._ids))
        with self._lock:
            self._operations[name] = {"config": request.config, "uri": request.audio.uri, "polls": 0}
        return operations_pb2.Operation(name=name, metadata=_pack(self._progress(name, 0)))

    def operation(self, name: str):
        """The operation's state at this poll: not done for the first `pending_polls` polls, then done."""
        with self._lock:
            state = self._operations.get(name)
            if state is None:
                return None
            state["polls"] += 1
            polls = state["polls"]
        if polls <= self.pending_polls:
            progress = polls * 100 // (self.pending_polls + 1)
            return operations_pb2.Operation(name=name, metadata=_pack(self._progress(name, progress)))
        return operations_pb2.Operation(name=name, done=True, metadata=_pack(self._progress(name, 100)),
                                        response=_pack(recognition_response(state["config"])))

    def _progress(self, name: str, percent: int):
        return speech_v1.LongRunningRecognizeMetadata(progress_percent=percent, uri=self._operations[name]["uri"])

    def __enter__(self) -> FakeSpeechGrpc:
        self.server.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.stop(grace=None)


class _Operations(operations_pb2_grpc.OperationsServicer):
    """google.longrunning.Operations for the fake's recognitions."""

    def __init__(self, fake: FakeSpeechGrpc):
        self.fake = fake

    def GetOperation(self, request, context):  # noqa: N802 - the gRPC method's name
        self.fake.admit("GetOperation", request, context)
        found = self.fake.operation(request.name)
        if found is None:
            Refusal("NOT_FOUND", f"Operation {request.name} not found.").abort(context)
        return found

    def ListOperations(self, request, context):  # noqa: N802 - the gRPC method's name
        self.fake.admit("ListOperations", request, context)
        return operations_pb2.ListOperationsResponse()


def speech_connection_json(fake: FakeSpeechGrpc, **extra) -> str:
    """The `leadline_speech` connection production would have, pointed at the fake; operations are polled every
    50 ms at first instead of every second, so that a test waits on several polls in well under a second."""
    return json.dumps({"conn_type": "google_cloud_platform",
                       "extra": {"api_endpoint": fake.endpoint, "static_token": TOKEN, "operation_poll_s": 0.05,
                                 **extra}})
