"""Google's error model (AIP-193) as the local fakes answer it, over REST and over gRPC: a canonical status, a
message, and for a bad request the field at fault as a google.rpc.BadRequest field violation, which the client
libraries surface as the exception's `details`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NoReturn

from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

HTTP_CODES = {"INVALID_ARGUMENT": 400, "UNAUTHENTICATED": 401, "PERMISSION_DENIED": 403, "NOT_FOUND": 404,
              "UNAVAILABLE": 503}
BAD_REQUEST_TYPE = "type.googleapis.com/google.rpc.BadRequest"


@dataclass(frozen=True)
class Refusal:
    status: str  # the canonical code's name, e.g. INVALID_ARGUMENT
    message: str
    field: str | None = None  # only for INVALID_ARGUMENT: the request field at fault, e.g. config.model

    @property
    def http_code(self) -> int:
        return HTTP_CODES[self.status]

    def rest_body(self) -> dict:
        error = {"code": self.http_code, "message": self.message, "status": self.status}
        if self.field:
            error["details"] = [{"@type": BAD_REQUEST_TYPE,
                                 "fieldViolations": [{"field": self.field, "description": self.message}]}]
        return {"error": error}

    def abort(self, context) -> NoReturn:
        """Ends a gRPC call with this status, its details in the grpc-status-details-bin trailer as Google's do."""
        status = status_pb2.Status(code=code_pb2.Code.Value(self.status), message=self.message)
        if self.field:
            detail = any_pb2.Any()
            detail.Pack(error_details_pb2.BadRequest(field_violations=[
                error_details_pb2.BadRequest.FieldViolation(field=self.field, description=self.message)]))
            status.details.append(detail)
        context.abort_with_status(rpc_status.to_status(status))
        raise AssertionError("abort_with_status always raises")


UNAUTHENTICATED = Refusal("UNAUTHENTICATED", "Request is missing required authentication credential. Expected "
                                             "OAuth 2 access token, login cookie or other valid authentication "
                                             "credential.")


def bearer_token(metadata) -> str | None:
    """The OAuth token of a gRPC call's metadata (the client's credentials put it there), or None."""
    value = dict(metadata).get("authorization", "")
    return value.removeprefix("Bearer ") if value.startswith("Bearer ") else None
