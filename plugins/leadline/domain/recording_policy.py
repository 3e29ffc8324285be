"""Where a recording may be fetched from: a webhook names the URL, so without a policy any tenant could make
Leadline fetch from its own network (metadata servers, internal services) and store the answer.

- https only; http where the tenant's config allows it (`recording_allow_http`);
- a host on the tenant's `recording_hosts` (a name matches itself and its subdomains), CallRail's by default;
  `LEADLINE_RECORDING_HOSTS` sets the deployment's default list instead (the local stacks name 127.0.0.1);
- no user:password in the URL;
- every address the host resolves to is public, unless the allowed entry is that very IP literal (a local
  stack's own recordings server); the fetch then connects to the address that was checked (no DNS rebinding).
Every redirect hop is checked the same way. A refusal says what was refused, never what the host answered."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

DEFAULT_HOSTS = ("callrail.com",)


class RecordingUrlRefused(ValueError):
    """The URL or an address it resolves to is outside the tenant's recording policy."""


@dataclass(frozen=True)
class RecordingPolicy:
    hosts: tuple[str, ...] = DEFAULT_HOSTS
    allow_http: bool = False

    @classmethod
    def from_config(cls, config: dict[str, Any] | None, default_hosts: Iterable[str] = DEFAULT_HOSTS,
                    default_allow_http: bool = False) -> RecordingPolicy:
        config = config or {}
        hosts = config.get("recording_hosts") or list(default_hosts)
        if not isinstance(hosts, list | tuple) or not all(isinstance(h, str) and h.strip() for h in hosts):
            raise RecordingUrlRefused("recording_hosts must be a list of host names")
        allow_http = config.get("recording_allow_http", default_allow_http)
        return cls(tuple(h.strip().lower().rstrip(".") for h in hosts), allow_http is True)

    def allowed_host(self, host: str) -> bool:
        return any(host == entry or host.endswith("." + entry) for entry in self.hosts)


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int


def check_url(url: str, policy: RecordingPolicy) -> Target:
    """The URL's scheme, host and port when the policy allows them; RecordingUrlRefused otherwise."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise RecordingUrlRefused("recording URL is malformed") from exc
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower().rstrip(".")
    if scheme not in ("https", "http") or (scheme == "http" and not policy.allow_http):
        raise RecordingUrlRefused(f"recording URL scheme {scheme or '(none)'} is not allowed for this tenant "
                                  "(https only unless recording_allow_http)")
    if parts.username is not None or parts.password is not None:
        raise RecordingUrlRefused("recording URL must not carry credentials")
    if not host or not policy.allowed_host(host):
        raise RecordingUrlRefused(f"recording host {host or '(none)'} is not among the tenant's recording_hosts")
    return Target(scheme, host, port or (443 if scheme == "https" else 80))


def check_named_url(url: str, policy: RecordingPolicy) -> Target:
    """What can be checked before any DNS lookup, when the webhook arrives: check_url, and a host that is an IP
    literal must be public or itself an allowed entry. The fetch checks again, hop by hop, after resolving."""
    target = check_url(url, policy)
    if _ip_literal(target.host) is not None:
        check_addresses(target, [target.host.strip("[]")], policy)
    return target


def check_addresses(target: Target, addresses: Iterable[str], policy: RecordingPolicy) -> str:
    """The address to connect to: the first one, once every one is public (or the host is an allowed IP literal
    itself); RecordingUrlRefused otherwise."""
    resolved = [ipaddress.ip_address(a.split("%")[0]) for a in addresses]
    if not resolved:
        raise RecordingUrlRefused(f"recording host {target.host} does not resolve")
    literal = _ip_literal(target.host)
    for address in resolved:
        if literal is not None and address == literal and target.host in policy.hosts:
            continue
        if not address.is_global:
            raise RecordingUrlRefused(f"recording host {target.host} resolves to a non-public address")
    return str(resolved[0])


def _ip_literal(host: str):
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None
