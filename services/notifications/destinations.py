"""Where a webhook may call: in production, only addresses on the public internet.

A subscriber's URL is chosen by whoever registers it, and every call's answer is shown in the delivery
log: a URL pointing inside the network (the database at 127.0.0.1:27017, a cloud metadata service at
169.254.169.254, an office system at 10.0.0.1) would make this service probe it on the caller's behalf
(server-side request forgery). So the URL's host is resolved and every address it names must be
global unicast; it is checked when the subscription is made and again before each call, since DNS
can answer differently later. Named development hosts can be let through (WEBHOOK_ALLOWED_HOSTS).

What stays open: the HTTP client resolves the name again when it connects, a moment after the check.
Pinning the connection to the checked address would close that window.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from shared.domain.errors import Invalid

Resolver = Callable[[str, int], Iterable[str]]


class UnsafeDestination(Invalid):
    def __init__(self, message_id: str, message_en: str) -> None:
        super().__init__("unsafe_url", message_id, message_en)


def resolve(host: str, port: int) -> list[str]:
    """Every address the name resolves to (blocking: call it from a worker thread)."""
    return sorted({str(info[4][0]) for info in socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)})


def non_public(addresses: Iterable[str]) -> list[str]:
    """The addresses that are not global unicast: loopback, private, link-local, shared (CGNAT),
    multicast, unspecified, reserved or documentation ranges, IPv4 ones inside IPv6 included."""
    found = []
    for text in addresses:
        address = ipaddress.ip_address(text.split("%", 1)[0])  # an IPv6 zone (fe80::1%eth0) is not part of it
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        if not address.is_global or address.is_multicast:
            found.append(text)
    return found


@dataclass(frozen=True)
class DestinationPolicy:
    public_only: bool
    allowed_hosts: frozenset[str] = frozenset()

    def check(self, url: str, resolver: Resolver = resolve) -> None:
        """Nothing when ``url`` may be called, else UnsafeDestination saying why (in both languages)."""
        if not self.public_only:
            return
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if host in self.allowed_hosts:
            return
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
            addresses = list(resolver(host, port))
        except (OSError, ValueError, UnicodeError):
            raise UnsafeDestination(
                f"Alamat {host} tidak dapat ditemukan (DNS).", f"The host {host} cannot be resolved (DNS)."
            ) from None
        refused = non_public(addresses)
        if refused or not addresses:
            shown = ", ".join(refused) or "-"
            raise UnsafeDestination(
                f"Webhook hanya boleh ke alamat publik; {host} menunjuk ke {shown}.",
                f"A webhook may only call public addresses; {host} resolves to {shown}.",
            )
