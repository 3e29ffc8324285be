"""Secret Manager over the wire: a real grpc server on a local port with the
google.cloud.secretmanager.v1.SecretManagerService AccessSecretVersion method, answering from `versions`
(a version's full name -> its value) with a crc32c-checked payload as Google does, and PERMISSION_DENIED with
Google's message for anything else (Secret Manager does not tell a missing secret from one you cannot read).

Production reaches it through LEADLINE_SECRET_MANAGER_ENDPOINT (see leadline.secrets): a loopback endpoint is
dialled in plaintext without credentials, so the server listens plaintext too. `asked` lists the version names
requested, in order.
"""

from __future__ import annotations

import threading
from concurrent import futures

import google_crc32c
import grpc
from google.cloud.secretmanager_v1 import types

from tests.integration.fake_errors import Refusal

SERVICE = "google.cloud.secretmanager.v1.SecretManagerService"


class FakeSecretManager:
    def __init__(self, versions: dict[str, str]):
        self.versions = versions
        self.asked: list[str] = []
        self._lock = threading.Lock()
        self.server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
        access = grpc.unary_unary_rpc_method_handler(
            self.access_secret_version, request_deserializer=types.AccessSecretVersionRequest.deserialize,
            response_serializer=types.AccessSecretVersionResponse.serialize)
        self.server.add_generic_rpc_handlers([grpc.method_handlers_generic_handler(
            SERVICE, {"AccessSecretVersion": access})])
        self.port = self.server.add_insecure_port("127.0.0.1:0")

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.port}"

    def access_secret_version(self, request, context):
        with self._lock:
            self.asked.append(request.name)
        value = self.versions.get(request.name)
        if value is None:
            Refusal("PERMISSION_DENIED", "Permission 'secretmanager.versions.access' denied for resource "
                                         f"'{request.name}' (or it may not exist).").abort(context)
        data = value.encode()
        return types.AccessSecretVersionResponse(name=request.name, payload=types.SecretPayload(
            data=data, data_crc32c=google_crc32c.value(data)))

    def __enter__(self) -> FakeSecretManager:
        self.server.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.stop(grace=None)
