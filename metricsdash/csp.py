"""The Content-Security-Policy: django-csp's middleware, with X's approval pages as form
targets.

The link buttons POST to us and we answer with a redirect to X's authorize page; chromium
checks `form-action` on that redirect too, so X's origins (X_API_URL for OAuth 1.0a,
X_WEB_URL for OAuth 2.0) join 'self'. They are read per request because they are settings,
and a settings change (the sandbox in tests) must move the policy with them.
"""

from urllib.parse import urlsplit

from csp.middleware import CSPMiddleware as BaseCSPMiddleware
from django.conf import settings


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

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only)
        if not report_only:
            update = dict(parts.update or {})
            update["form-action"] = [*update.get("form-action", []), *x_origins()]
            parts.update = update
        return parts
