"""Webhook URLs on a hostile internet: which ones we agree to post to.

A person types a URL and our worker posts to it, so a URL must not turn the worker into
a way into our own network. The rules (docs/ALERTS.md):

1. https only, unless the operator allows http (ALERT_WEBHOOK_ALLOW_HTTP, default: DEBUG);
   no user:password in the URL; a host name and at most 2,000 characters.
2. Every address the host resolves to must be a public one: loopback, private,
   link-local, shared, multicast, reserved and unspecified addresses (and IPv4 written
   inside IPv6) are refused, unless the operator allows them (ALERT_WEBHOOK_ALLOW_PRIVATE).
3. The check runs when the URL is saved and again at every send, and the send connects to
   an address that passed (notifications/transport.py), so a name that resolves elsewhere
   by then (DNS rebinding) reaches nothing it should not.
"""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

MAX_LENGTH = 2000


class RefusedURL(ValueError):
    """A webhook URL we will not post to; the message says why, for the person."""


class Unresolvable(RefusedURL):
    """The host name did not resolve (perhaps for now)."""


@dataclass(frozen=True)
class Target:
    """A checked URL: where to connect (addresses that passed) and what to ask for."""

    scheme: str
    host: str
    port: int
    addresses: tuple[str, ...]  # every one the host resolved to, each one checked
    path: str  # path and query, as sent in the request line


def _refusal(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_multicast:
        return "a multicast address"
    if address.is_unspecified or address.is_reserved:
        return "a reserved address"
    if address.is_private or not address.is_global:
        return "a private address"
    return None


def parse(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path) of a URL that obeys rule 1; RefusedURL otherwise."""
    if len(url) > MAX_LENGTH:
        raise RefusedURL(f"The URL is longer than {MAX_LENGTH} characters.")
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise RefusedURL(f"This is not a valid URL ({exc}).") from None
    allowed = ("https", "http") if settings.ALERT_WEBHOOK_ALLOW_HTTP else ("https",)
    if parts.scheme not in allowed:
        raise RefusedURL("The URL must start with https://.")
    if parts.username is not None or parts.password is not None:
        raise RefusedURL("The URL must not carry a user name or password.")
    if not parts.hostname:
        raise RefusedURL("The URL has no host.")
    port = port or (443 if parts.scheme == "https" else 80)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.scheme, parts.hostname, port, path


def check(url: str) -> Target:
    """The URL as a Target whose address obeys rule 2; RefusedURL (or Unresolvable) says
    why not. Resolves the host now."""
    scheme, host, port, path = parse(url)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise Unresolvable(f"The host {host} could not be found.") from None
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not settings.ALERT_WEBHOOK_ALLOW_PRIVATE:
        for text in addresses:
            reason = _refusal(ipaddress.ip_address(text.split("%", 1)[0]))
            if reason:
                raise RefusedURL(f"The host {host} resolves to {reason} ({text}).")
    return Target(scheme, host, port, tuple(addresses), path)
