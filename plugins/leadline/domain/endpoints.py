"""Service endpoints as the Google clients take them (host:port)."""

from __future__ import annotations

from urllib.parse import urlsplit

LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")


def is_loopback(endpoint: str | None) -> bool:
    """Whether `endpoint` (host:port, an IPv6 host in brackets) is on this machine: a local stand-in for a Google
    API (an emulator or a fake), reached without TLS."""
    return bool(endpoint) and urlsplit(f"//{endpoint}").hostname in LOOPBACK_HOSTS
