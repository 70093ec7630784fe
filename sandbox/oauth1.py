"""OAuth 1.0a on the sandbox's side: oauthlib's server endpoints with a validator over
the sandbox store.

oauthlib checks the mandatory parameters and the HMAC-SHA1 signature over the RFC 5849
base string; the validator answers its questions from the store and the sandbox clock.
A nonce is recorded only once a request has fully verified, so a forged request cannot
burn a legitimate client's nonce, and a replay of a verified request is refused.
"""

import secrets
import string
import time
from urllib.parse import parse_qsl, urlencode

from oauthlib.common import Request
from oauthlib.oauth1 import (
    AccessTokenEndpoint,
    RequestTokenEndpoint,
    RequestValidator,
    ResourceEndpoint,
)
from oauthlib.oauth1.rfc5849 import errors

REQUEST_TOKEN_LIFETIME = 15 * 60
# What oauthlib raises on a malformed or incomplete request (a bad header raises ValueError).
BAD_REQUEST = (errors.OAuth1Error, ValueError, NotImplementedError)
_TOKEN_ALPHABET = string.ascii_letters + string.digits


def random_token(length: int) -> str:
    return "".join(secrets.choice(_TOKEN_ALPHABET) for _ in range(length))


def _printable(value: str | None) -> bool:
    # X's keys and tokens carry '-' and '_' (e.g. "370773112-GmHx..."), outside oauthlib's
    # default alphabet; accept any printable ASCII of sane length instead.
    return bool(value) and len(value) <= 200 and all(33 <= ord(c) < 127 for c in value)


class SandboxValidator(RequestValidator):
    """Answers oauthlib's questions from the sandbox's store, config and clock."""

    allowed_signature_methods = ("HMAC-SHA1",)
    enforce_ssl = False
    # oauthlib compares timestamps with the wall clock; the sandbox has a clock of its own,
    # so the window is enforced in validate_timestamp_and_nonce instead.
    timestamp_lifetime = 10**12
    dummy_client = "dummy-client-key-00000000"
    dummy_request_token = "dummy-request-token-0000"
    dummy_access_token = "dummy-access-token-00000"

    def __init__(self, sandbox):
        super().__init__()
        self.sandbox = sandbox
        self.config = sandbox.config
        self.store = sandbox.store

    def check_client_key(self, client_key):
        return _printable(client_key)

    def check_request_token(self, request_token):
        return _printable(request_token)

    def check_access_token(self, request_token):
        return _printable(request_token)

    def check_nonce(self, nonce):
        return _printable(nonce)

    def check_verifier(self, verifier):
        return _printable(verifier)

    def check_realms(self, realms):
        return True

    def validate_client_key(self, client_key, request):
        return secrets.compare_digest(client_key, self.config.consumer_key)

    def get_client_secret(self, client_key, request):
        if client_key == self.config.consumer_key:
            return self.config.consumer_secret
        return "dummy-secret"

    def validate_timestamp_and_nonce(
        self, client_key, timestamp, nonce, request, request_token=None, access_token=None
    ):
        # Within ten minutes of the sandbox clock (which tests move, together with the
        # product's clock) or of the host clock (a client that was not moved with it).
        clocks = (self.sandbox.now_epoch(), time.time())
        if all(abs(clock - int(timestamp)) > self.config.timestamp_lifetime for clock in clocks):
            return False
        token = request_token or access_token or ""
        return not self.store.nonce_seen(client_key, nonce, timestamp, token)

    def validate_redirect_uri(self, client_key, redirect_uri, request):
        return redirect_uri in self.config.callbacks

    def validate_requested_realms(self, client_key, realms, request):
        return True

    def validate_realms(self, client_key, token, request, uri=None, realms=None):
        return True

    def get_default_realms(self, client_key, request):
        return []

    def get_realms(self, token, request):
        return []

    def save_request_token(self, token, request):
        self.store.save_request_token(
            token["oauth_token"],
            token["oauth_token_secret"],
            request.client_key,
            request.redirect_uri,
            self.sandbox.now_epoch(),
        )

    def _live_request_token(self, client_key, token):
        row = self.store.request_token(token)
        if row is None or row["used"] or row["client_key"] != client_key:
            return None
        if self.sandbox.now_epoch() - row["created_at"] > REQUEST_TOKEN_LIFETIME:
            return None
        return row

    def validate_request_token(self, client_key, token, request):
        return self._live_request_token(client_key, token) is not None

    def get_request_token_secret(self, client_key, token, request):
        row = self.store.request_token(token)
        return row["secret"] if row else "dummy-secret"

    def validate_verifier(self, client_key, token, verifier, request):
        row = self._live_request_token(client_key, token)
        if row is None or not row["verifier"] or not row["user_id"]:
            return False
        if not secrets.compare_digest(row["verifier"], verifier):
            return False
        request.sandbox_user_id = row["user_id"]
        return True

    def invalidate_request_token(self, client_key, request_token, request):
        self.store.spend_request_token(request_token)

    def save_access_token(self, token, request):
        # X's access tokens are "<user id>-<random>".
        token["oauth_token"] = f"{request.sandbox_user_id}-{random_token(40)}"
        token["oauth_token_secret"] = random_token(45)
        self.store.save_oauth1_token(
            token["oauth_token"],
            token["oauth_token_secret"],
            request.client_key,
            request.sandbox_user_id,
        )

    def validate_access_token(self, client_key, token, request):
        row = self.store.oauth1_token(token)
        if row is None or row["client_key"] != client_key:
            return False
        request.sandbox_user_id = row["user_id"]
        return True

    def get_access_token_secret(self, client_key, token, request):
        row = self.store.oauth1_token(token)
        return row["secret"] if row else "dummy-secret"

    def get_redirect_uri(self, token, request):
        row = self.store.request_token(token)
        return row["callback"] if row else None


class OAuth1Server:
    """The three OAuth 1.0a operations the sandbox performs, on raw request parts."""

    def __init__(self, sandbox):
        self.sandbox = sandbox
        self.validator = SandboxValidator(sandbox)
        generator = lambda *args: random_token(27)  # noqa: E731
        self.request_token_endpoint = RequestTokenEndpoint(self.validator, generator)
        self.access_token_endpoint = AccessTokenEndpoint(self.validator, generator)
        self.resource_endpoint = ResourceEndpoint(self.validator)

    def _record_nonce(self, request: Request, token: str | None) -> bool:
        return self.sandbox.store.use_nonce(
            request.client_key, request.nonce, request.timestamp, token or ""
        )

    def callback_of(self, uri, method, body, headers) -> str | None:
        """The oauth_callback a request carries (to refuse unregistered ones as X does)."""
        try:
            request = self.request_token_endpoint._create_request(uri, method, body, headers)
        except BAD_REQUEST:
            return None
        return request.redirect_uri

    def request_token(self, uri, method, body, headers) -> tuple[int, str]:
        """Step 1. Returns (status, form-encoded body or '')."""
        try:
            request = self.request_token_endpoint._create_request(uri, method, body, headers)
            valid, request = self.request_token_endpoint.validate_request_token_request(request)
        except BAD_REQUEST:
            return 401, ""
        if not valid or not self._record_nonce(request, None):
            return 401, ""
        token = self.request_token_endpoint.create_request_token(request, {})
        return 200, token

    def access_token(self, uri, method, body, headers) -> tuple[int, str]:
        """Step 3: exchange an authorised request token and its verifier."""
        try:
            request = self.access_token_endpoint._create_request(uri, method, body, headers)
            valid, request = self.access_token_endpoint.validate_access_token_request(request)
        except BAD_REQUEST:
            return 401, ""
        if not valid or not self._record_nonce(request, request.resource_owner_key):
            return 401, ""
        self.validator.invalidate_request_token(
            request.client_key, request.resource_owner_key, request
        )
        user = self.sandbox.world.user(request.sandbox_user_id)
        self.sandbox.store.add_grant(user.id, "oauth1:" + request.client_key)
        body = self.access_token_endpoint.create_access_token(
            request, {"user_id": user.id, "screen_name": user.username}
        )
        # oauthlib adds an OAuth 2-style realms parameter that X does not send.
        pairs = [(k, v) for k, v in parse_qsl(body) if k != "oauth_authorized_realms"]
        return 200, urlencode(pairs)

    def authenticate(self, uri, method, body, headers) -> str | None:
        """Verify a signed resource request; the X user id it acts for, or None."""
        try:
            valid, request = self.resource_endpoint.validate_protected_resource_request(
                uri, method, body, headers
            )
        except BAD_REQUEST:
            return None
        if not valid or not self._record_nonce(request, request.resource_owner_key):
            return None
        return request.sandbox_user_id
