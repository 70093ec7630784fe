"""Who is calling a v2 endpoint: an OAuth 1.0a signature, or an OAuth 2.0 bearer token."""

from .core import Caller


def request_uri(request) -> str:
    """The URI as the client signed it: its own scheme and Host, the path, the query.

    Behind a proxy (or in X's worked example) the client signs `https://api.x.com/...`;
    the sandbox honours Host and X-Forwarded-Proto so such a signature still verifies.
    """
    scheme = request.META.get("HTTP_X_FORWARDED_PROTO") or request.scheme
    host = request.META.get("HTTP_HOST") or request.META.get("SERVER_NAME", "localhost")
    uri = f"{scheme}://{host}{request.path}"
    query = request.META.get("QUERY_STRING")
    return f"{uri}?{query}" if query else uri


def oauth_parts(request) -> tuple[str, str, str, dict]:
    """(uri, method, body, headers) as oauthlib wants them."""
    headers = {"Authorization": request.META.get("HTTP_AUTHORIZATION", "")}
    if request.content_type:
        headers["Content-Type"] = request.content_type
    body = request.body.decode("utf-8", "replace") if request.body else ""
    return request_uri(request), request.method, body, headers


def authenticate(request) -> Caller | None:
    sandbox = request.sandbox
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header.startswith("OAuth "):
        user_id = sandbox.oauth1.authenticate(*oauth_parts(request))
        return Caller("user", user_id, None) if user_id else None
    if header.startswith("Bearer "):
        row = sandbox.store.oauth2_token(header[len("Bearer ") :].strip())
        if row is None:
            return None
        if row["expires_at"] is not None and sandbox.now_epoch() >= row["expires_at"]:
            return None
        if row["user_id"] is None:
            return Caller("app", None, None)
        return Caller("user", row["user_id"], frozenset(row["scope"].split()))
    return None
