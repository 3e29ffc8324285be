"""The standalone intake's HTTP server: uvicorn with the two limits it lacks in front of the internet.

uvicorn's httptools protocol waits for a request's headers forever (a client that connects and trickles a byte
a minute holds a connection and its memory indefinitely) and accepts headers of any size. This protocol gives
every request `header_timeout_s` from its first byte (or from the connection) to its last header line, answering
408 otherwise, and refuses headers over `max_header_bytes` with 431. Bodies are timed by the webhook itself
(IntakeSettings.body_timeout_s), so the same limit holds where the intake is mounted in the Airflow API server.

uvicorn's own X-Forwarded-For handling is off: which proxies to believe is the intake's configuration
(LEADLINE_TRUSTED_PROXIES), read by the webhook (domain/client_address.py)."""

from __future__ import annotations

import asyncio
import logging

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from leadline.config import IntakeSettings

log = logging.getLogger(__name__)

_REFUSALS = {408: b"408 Request Timeout", 431: b"431 Request Header Fields Too Large"}


class HeadersTooLarge(Exception):
    pass


class GuardedHttpProtocol(HttpToolsProtocol):
    header_timeout_s = 10.0
    max_header_bytes = 16 * 1024

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self._header_bytes = 0
        self._bytes_before_headers_end = 0
        self._headers_too_large = False
        self._header_deadline: asyncio.TimerHandle | None = None
        super().connection_made(transport)
        self._arm_header_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_header_deadline()
        super().connection_lost(exc)

    def _arm_header_deadline(self) -> None:
        if self._header_deadline is None:
            self._header_deadline = self.loop.call_later(self.header_timeout_s, self._headers_too_slow)

    def _disarm_header_deadline(self) -> None:
        if self._header_deadline is not None:
            self._header_deadline.cancel()
            self._header_deadline = None

    def _headers_too_slow(self) -> None:
        self._header_deadline = None
        log.info("intake connection closed: request headers not received within %gs", self.header_timeout_s)
        self._refuse(408, "request headers not received in time")

    def _refuse(self, status: int, reason: str) -> None:
        if self.transport.is_closing():
            return
        body = reason.encode()
        self.transport.write(b"HTTP/1.1 " + _REFUSALS[status] + b"\r\ncontent-type: text/plain; charset=utf-8\r\n"
                             b"content-length: " + str(len(body)).encode() + b"\r\nconnection: close\r\n\r\n" + body)
        self.transport.close()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self._header_deadline is not None and not self.transport.is_closing():
            # headers still incomplete: httptools reports a header only once it ends, so a single endless line
            # is caught here, by the bytes received since the request began
            self._bytes_before_headers_end += len(data)
            if self._bytes_before_headers_end > self.max_header_bytes:
                self._headers_too_large = True
                self.send_400_response("request headers too large")

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._header_bytes = self._bytes_before_headers_end = 0
        self._arm_header_deadline()

    def _count_header_bytes(self, size: int) -> None:
        self._header_bytes += size
        if self._header_bytes > self.max_header_bytes:
            self._headers_too_large = True
            raise HeadersTooLarge  # stops the parser; uvicorn answers the parse error through send_400_response

    def on_url(self, url: bytes) -> None:
        self._count_header_bytes(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count_header_bytes(len(name) + len(value) + 4)
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._disarm_header_deadline()
        super().on_headers_complete()

    def send_400_response(self, msg: str) -> None:
        if self._headers_too_large:
            log.info("intake request refused: headers over %s bytes", self.max_header_bytes)
            self._refuse(431, f"request headers must be at most {self.max_header_bytes} bytes")
        else:
            super().send_400_response(msg)


def guarded_protocol(settings: IntakeSettings) -> type[GuardedHttpProtocol]:
    return type("IntakeHttpProtocol", (GuardedHttpProtocol,), {
        "header_timeout_s": settings.header_timeout_s, "max_header_bytes": settings.max_header_bytes})


def serve(app, settings: IntakeSettings, host: str, port: int, log_level: str, access_log: bool) -> None:
    uvicorn.run(app, host=host, port=port, log_level=log_level, access_log=access_log,
                http=guarded_protocol(settings), proxy_headers=False, server_header=False)
