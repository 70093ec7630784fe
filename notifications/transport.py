"""Posting a webhook to an address that passed the URL rules (notifications/targets.py).

urllib3 (requests' own transport) lets us connect to the checked address while TLS still
verifies the certificate for the host name (server_hostname / assert_hostname) and the
Host header names the host: resolving again in between, as a plain requests.post would,
is the window DNS rebinding needs. No redirects are followed (a 3xx is an answer, logged),
no retries here (the ledger retries), timeouts on connect and read, and at most
RESPONSE_LIMIT bytes of the answer are read, for the log.
"""

from dataclasses import dataclass

import certifi
import urllib3
from django.conf import settings

from . import targets

RESPONSE_LIMIT = 2048


@dataclass(frozen=True)
class Response:
    status: int
    text: str


def post(url: str, body: bytes, headers: dict) -> Response:
    """POST `body` to the webhook URL, trying the checked addresses in turn until one
    connects; raises RefusedURL, or urllib3's HTTPError for network trouble (connection
    refused everywhere, timeout, TLS)."""
    target = targets.check(url)
    host = f"[{target.host}]" if ":" in target.host else target.host
    default_port = 443 if target.scheme == "https" else 80
    host_header = host if target.port == default_port else f"{host}:{target.port}"
    headers = {**headers, "Host": host_header}
    *others, last = target.addresses
    for address in others:
        try:
            return _post_to(target, address, body, headers)
        except urllib3.exceptions.NewConnectionError:
            continue  # refused or unreachable there: the next address
    return _post_to(target, last, body, headers)


def _post_to(target: targets.Target, address: str, body: bytes, headers: dict) -> Response:
    options = {}
    if target.scheme == "https":
        pool_class = urllib3.HTTPSConnectionPool
        options = {
            "server_hostname": target.host,
            "assert_hostname": target.host,
            "cert_reqs": "CERT_REQUIRED",
            "ca_certs": settings.ALERT_WEBHOOK_CA_BUNDLE or certifi.where(),
        }
    else:
        pool_class = urllib3.HTTPConnectionPool
    connect, read = settings.ALERT_WEBHOOK_TIMEOUT
    with pool_class(
        address,
        target.port,
        timeout=urllib3.Timeout(connect=connect, read=read),
        retries=False,
        maxsize=1,
        **options,
    ) as pool:
        response = pool.urlopen(
            "POST",
            target.path,
            body=body,
            headers=headers,
            redirect=False,
            preload_content=False,
            assert_same_host=False,
        )
        try:
            text = response.read(RESPONSE_LIMIT, decode_content=False)
        finally:
            response.release_conn()
    return Response(response.status, text.decode("utf-8", "replace"))
