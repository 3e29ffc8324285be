"""Which address a webhook really came from, for the brute-force block (runbook 002).

Behind a front end (Cloud Run's, a load balancer) every request arrives from the proxy's own address, so keying
the block on the TCP peer would let ten bad signatures from anyone block every sender, CallRail included. Each
proxy appends the address it received the request from to X-Forwarded-For; only the entries a trusted proxy
appended can be believed, so the header is read from the right and the first address not in a trusted range is
the client. Whatever a sender wrote there itself sits further left and is never reached. With no trusted ranges
(the default) the header is ignored."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_networks(spec: str) -> tuple[Network, ...]:
    """Comma-separated addresses or CIDR ranges ("169.254.0.0/16, 10.0.0.1"); a bad entry is a ValueError that
    names it."""
    networks = []
    for entry in filter(None, (part.strip() for part in spec.split(","))):
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError as exc:
            raise ValueError(f"not an address or CIDR range: {entry!r}") from exc
    return tuple(networks)


def _address(text: str) -> Address | None:
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    # an IPv4 peer on a dual-stack socket arrives as ::ffff:a.b.c.d: one client, one key
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


def _trusted(address: Address, networks: Sequence[Network]) -> bool:
    return any(address in network for network in networks)  # an address of the other IP version is in none


def real_client(peer: str | None, forwarded_for: Iterable[str], trusted: Sequence[Network]) -> str:
    """The client address to key the block on. `forwarded_for`: every X-Forwarded-For header value, in order."""
    current = _address(peer) if peer else None
    if current is None:
        return peer or "unknown"
    hops = [hop for value in forwarded_for for hop in value.split(",")]
    while _trusted(current, trusted) and hops:
        previous = _address(hops.pop())
        if previous is None:  # a proxy we trust wrote something that is no address: stop at that proxy
            break
        current = previous
    return str(current)
