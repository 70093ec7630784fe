"""The Content-Security-Policy: django-csp's middleware, with X's approval pages as form
targets, and the header built once for as long as the settings stay the same.

The link buttons POST to us and we answer with a redirect to X's authorize page; chromium
checks `form-action` on that redirect too, so X's origins (X_API_URL for OAuth 1.0a,
X_WEB_URL for OAuth 2.0) join 'self'. They are read per request because they are settings,
and a settings change (the sandbox in tests) must move the policy with them.

No view of ours changes the policy (no csp decorators, no nonces), so every response gets
the same two headers: django-csp built them afresh on every response (about 0.1 ms of a
0.1-2 ms JSON request). They are built by django-csp once per settings and reused; a
response or request that does carry its own policy or nonce still goes through django-csp.
"""

from urllib.parse import urlsplit

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject
from csp.middleware import CSPMiddleware as BaseCSPMiddleware
from django.conf import settings
from django.http import HttpResponse

# What would make a response's policy its own (django-csp's decorators set these).
_OWN_POLICY = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
    "_csp_exempt",
    "_csp_exempt_ro",
)


def x_origins() -> list[str]:
    """The scheme://host[:port] of X's API and web hosts, each once."""
    origins = []
    for url in (settings.X_API_URL, settings.X_WEB_URL):
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in origins:
            origins.append(origin)
    return origins


class CSPMiddleware(BaseCSPMiddleware):
    """django-csp's CSPMiddleware; form-action also allows X's origins (see the module)."""

    def __init__(self, get_response):
        super().__init__(get_response)
        # {the settings the headers depend on: (header, value) pairs to set}
        self._built: dict[tuple, list[tuple[str, str]]] = {}

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only)
        if not report_only:
            update = dict(parts.update or {})
            update["form-action"] = [*update.get("form-action", []), *x_origins()]
            parts.update = update
        return parts

    def process_response(self, request, response):
        own = any(getattr(response, name, None) is not None for name in _OWN_POLICY)
        if own or getattr(request, "_csp_nonce", None) is not None:
            return super().process_response(request, response)
        path = request.path_info
        key = (
            settings.X_API_URL,
            settings.X_WEB_URL,
            settings.DEBUG,
            *(
                (repr(policy), path.startswith(tuple(policy.get("EXCLUDE_URL_PREFIXES") or ())))
                for policy in (
                    getattr(settings, "CONTENT_SECURITY_POLICY", None) or {},
                    getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None) or {},
                )
            ),
        )
        headers = self._built.get(key)
        if headers is None:
            # django-csp's own answer for a plain response on this request.
            plain = super().process_response(request, HttpResponse())
            names = (HEADER, HEADER_REPORT_ONLY)
            headers = [(name, plain[name]) for name in names if name in plain]
            self._built[key] = headers
        if response.status_code in (404, 500) and settings.DEBUG:
            return response  # django-csp leaves Django's debug pages alone
        for name, value in headers:
            if name not in response:
                response[name] = value
        # As django-csp does: a nonce asked for after the header is written is an error.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response
