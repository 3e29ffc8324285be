"""The standalone intake (uvicorn with the intake's protocol, real sockets) against slow, oversized, vanishing and
proxied clients: slow headers or bodies get 408 and lose their connection, oversized headers 431, a client that
leaves mid-body one quiet log line; the brute-force block keys on the real client behind trusted proxies only."""

from __future__ import annotations

import logging
import socket
import threading
import time
from dataclasses import replace

import httpx
import pytest
import uvicorn

from leadline.domain.client_address import parse_networks
from leadline.intake.app import create_app
from leadline.intake.server import guarded_protocol
from tests.helpers import SECRETS, call_payload, encode, signed_headers

WEBHOOK = "/v1/callrail/webhook"


class IntakeServer:
    def __init__(self, settings):
        config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=0, log_level="info",
                                http=guarded_protocol(settings), proxy_headers=False, lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> IntakeServer:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the intake did not start")
            time.sleep(0.05)
        self.port = self.server.servers[0].sockets[0].getsockname()[1]
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)

    def connect(self) -> socket.socket:
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=30)
        return sock

    def post(self, body: bytes, headers: dict[str, str]) -> httpx.Response:
        return httpx.post(f"http://127.0.0.1:{self.port}{WEBHOOK}", content=body, headers=headers, timeout=30)


def read_all(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


@pytest.fixture
def slow_client_settings(intake_settings, seeded_engine):
    return replace(intake_settings, header_timeout_s=1.0, body_timeout_s=1.0, max_header_bytes=4096)


def test_headers_that_never_finish_get_408_and_the_connection_closes(slow_client_settings):
    with IntakeServer(slow_client_settings) as intake, intake.connect() as sock:
        sock.sendall(b"POST /v1/callrail/webhook HTTP/1.1\r\nhost: intake\r\n")
        started = time.monotonic()
        answer = read_all(sock)
        assert answer.startswith(b"HTTP/1.1 408 "), answer
        assert time.monotonic() - started < 10


def test_a_connection_that_sends_nothing_is_closed(slow_client_settings):
    with IntakeServer(slow_client_settings) as intake, intake.connect() as sock:
        assert read_all(sock).startswith(b"HTTP/1.1 408 ")


def test_oversized_headers_get_431(slow_client_settings):
    with IntakeServer(slow_client_settings) as intake, intake.connect() as sock:
        sock.sendall(b"POST /v1/callrail/webhook HTTP/1.1\r\nhost: intake\r\nx-padding: " + b"a" * 8192 + b"\r\n\r\n")
        assert read_all(sock).startswith(b"HTTP/1.1 431 ")


def test_one_endless_header_line_gets_431_before_the_header_deadline(slow_client_settings):
    with IntakeServer(slow_client_settings) as intake, intake.connect() as sock:
        sock.sendall(b"POST /v1/callrail/webhook HTTP/1.1\r\nhost: intake\r\nx-padding: " + b"a" * 8192)
        assert read_all(sock).startswith(b"HTTP/1.1 431 ")  # not the 408 the deadline would give


def test_headers_and_body_in_one_write_are_served(slow_client_settings, seeded_engine):
    body = encode(call_payload("acme", "ONE-WRITE", customer_name="x" * 200))
    head = "".join(f"{name}: {value}\r\n" for name, value in signed_headers(SECRETS["acme"], body).items())
    with IntakeServer(slow_client_settings) as intake, intake.connect() as sock:
        sock.sendall(f"POST {WEBHOOK} HTTP/1.1\r\nhost: intake\r\nconnection: close\r\n{head}"
                     f"content-length: {len(body)}\r\n\r\n".encode() + body)
        assert read_all(sock).startswith(b"HTTP/1.1 200 ")


def test_a_body_that_stops_arriving_gets_408_and_nothing_is_stored(slow_client_settings, seeded_engine):
    body = encode(call_payload("acme", "SLOW-BODY"))
    head = "".join(f"{name}: {value}\r\n" for name, value in signed_headers(SECRETS["acme"], body).items())
    with IntakeServer(slow_client_settings) as intake, intake.connect() as sock:
        sock.sendall(f"POST {WEBHOOK} HTTP/1.1\r\nhost: intake\r\n{head}content-length: {len(body)}\r\n\r\n".encode()
                     + body[:20])
        answer = read_all(sock)
    assert answer.startswith(b"HTTP/1.1 408 ") and b"request_timeout" in answer, answer
    with seeded_engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM call_records").scalar() == 0


def test_a_client_leaving_mid_body_logs_one_quiet_line(slow_client_settings, caplog):
    body = encode(call_payload("acme", "GONE"))
    head = "".join(f"{name}: {value}\r\n" for name, value in signed_headers(SECRETS["acme"], body).items())
    caplog.set_level(logging.INFO)
    with IntakeServer(slow_client_settings) as intake:
        with intake.connect() as sock:
            sock.sendall(f"POST {WEBHOOK} HTTP/1.1\r\nhost: intake\r\n{head}content-length: {len(body)}\r\n\r\n"
                         .encode() + body[:20])
            time.sleep(0.3)
        deadline = time.monotonic() + 10
        while "went away" not in caplog.text and time.monotonic() < deadline:
            time.sleep(0.05)
    assert "webhook client went away before its body arrived: client=127.0.0.1" in caplog.text
    assert "Exception in ASGI application" not in caplog.text and "Traceback" not in caplog.text


def bad_signature(intake: IntakeServer, forwarded_for: str | None) -> httpx.Response:
    body = encode(call_payload("acme", "FORGED"))
    headers = signed_headers("not-the-secret", body)
    if forwarded_for:
        headers["X-Forwarded-For"] = forwarded_for
    return intake.post(body, headers)


def signed(intake: IntakeServer, call_id: str, forwarded_for: str) -> httpx.Response:
    body = encode(call_payload("acme", call_id))
    return intake.post(body, {**signed_headers(SECRETS["acme"], body), "X-Forwarded-For": forwarded_for})


def test_behind_a_trusted_proxy_the_block_keys_on_the_real_client(intake_settings, seeded_engine):
    settings = replace(intake_settings, trusted_proxies=parse_networks("127.0.0.0/8"))
    with IntakeServer(settings) as intake:
        for _ in range(settings.signature_failures_before_block):
            assert bad_signature(intake, "203.0.113.5").status_code == 401
        assert bad_signature(intake, "203.0.113.5").status_code == 403
        # what the attacker writes to the left of the proxy's entry is never read
        assert signed(intake, "SPOOF", "203.0.113.9, 203.0.113.5").status_code == 403
        # every other sender behind the same front end is still served
        assert signed(intake, "OTHER", "198.51.100.7").status_code == 200


def test_without_trusted_proxies_a_rotated_forwarded_for_does_not_evade_the_block(intake_settings, seeded_engine):
    with IntakeServer(intake_settings) as intake:
        for n in range(intake_settings.signature_failures_before_block):
            assert bad_signature(intake, f"203.0.113.{n}").status_code == 401
        assert bad_signature(intake, "198.51.100.1").status_code == 403
        assert signed(intake, "AFTER", "198.51.100.2").status_code == 403
