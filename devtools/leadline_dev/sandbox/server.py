"""Runs the sandbox app twice over one state: plain HTTP (HubSpot, CallRail, controls) and HTTPS
(Salesforce: simple-salesforce only speaks https://{instance}), with a CA made at start by trustme."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import uvicorn

from leadline_dev.sandbox.app import create_sandbox_app
from leadline_dev.sandbox.state import SandboxState


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SandboxServer:
    def __init__(self, cert_dir: Path, http_port: int = 0, https_port: int = 0, host: str = "127.0.0.1",
                 cert_names: tuple[str, ...] = ()):
        """`cert_names`: more host names for the TLS certificate (the compose service name, say)."""
        self.host = host
        self.cert_names = ("127.0.0.1", "localhost", *cert_names)
        self.http_port = http_port or _free_port()
        self.https_port = https_port or _free_port()
        self.cert_dir = cert_dir
        self.state = SandboxState()
        self.app = create_sandbox_app(self.state)
        self._servers: list[uvicorn.Server] = []
        self._threads: list[threading.Thread] = []

    @property
    def http_url(self) -> str:
        return f"http://{self.host}:{self.http_port}"

    @property
    def https_url(self) -> str:
        return f"https://{self.host}:{self.https_port}"

    @property
    def ca_bundle(self) -> str:
        return str(self.cert_dir / "sandbox-ca.pem")

    def _certificates(self) -> tuple[str, str]:
        import trustme

        self.cert_dir.mkdir(parents=True, exist_ok=True)
        ca = trustme.CA()
        server_cert = ca.issue_cert(*self.cert_names)
        ca.cert_pem.write_to_path(self.ca_bundle)
        chain, key = self.cert_dir / "sandbox-server.pem", self.cert_dir / "sandbox-server.key"
        server_cert.private_key_pem.write_to_path(str(key))
        with chain.open("wb") as out:
            for blob in server_cert.cert_chain_pems:
                out.write(blob.bytes())
        return str(chain), str(key)

    def start(self) -> SandboxServer:
        chain, key = self._certificates()
        configs = [
            uvicorn.Config(self.app, host=self.host, port=self.http_port, log_level="warning"),
            uvicorn.Config(self.app, host=self.host, port=self.https_port, log_level="warning",
                           ssl_certfile=chain, ssl_keyfile=key),
        ]
        for config in configs:
            server = uvicorn.Server(config)
            thread = threading.Thread(target=server.run, daemon=True, name=f"sandbox-{config.port}")
            thread.start()
            self._servers.append(server)
            self._threads.append(thread)
        deadline = time.monotonic() + 15
        while not all(s.started for s in self._servers):
            if time.monotonic() > deadline:
                raise TimeoutError("sandbox did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        for server in self._servers:
            server.should_exit = True
        for thread in self._threads:
            thread.join(timeout=10)

    def serve_forever(self) -> None:
        self.start()
        try:
            while all(t.is_alive() for t in self._threads):
                time.sleep(1)
        finally:
            self.stop()


def main(argv: list[str] | None = None) -> None:
    """`python -m leadline_dev.sandbox.server`: serve the sandbox (HTTP, and HTTPS for Salesforce)."""
    import argparse

    from leadline.config import leadline_home

    parser = argparse.ArgumentParser(prog="python -m leadline_dev.sandbox.server", description=main.__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--tls-port", type=int, default=8091)
    parser.add_argument("--cert-dir", default=str(leadline_home() / "sandbox-certs"))
    parser.add_argument("--cert-name", action="append", default=[],
                        help="another host name for the TLS certificate (repeatable)")
    args = parser.parse_args(argv)
    server = SandboxServer(Path(args.cert_dir), args.port, args.tls_port, args.host, tuple(args.cert_name))
    print(f"sandbox: HubSpot/CallRail {server.http_url}, Salesforce {server.https_url}, CA {server.ca_bundle}")
    server.serve_forever()


if __name__ == "__main__":
    main()
