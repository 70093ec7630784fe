"""The sandbox's OAuth endpoints and its approval page (OAuth 1.0a and OAuth 2.0 with PKCE).

The approval page stands in for X's: a person picks one of the simulated users and
approves or cancels. Its form carries an HMAC of the request it answers, so another site
cannot approve on a person's behalf.
"""

import base64
import binascii
import hashlib
import hmac
import secrets
from urllib.parse import urlencode

from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from . import problems
from .auth import oauth_parts
from .oauth1 import random_token

OAUTH2_SCOPES = frozenset(
    """tweet.read tweet.write tweet.moderate.write users.email users.read follows.read
    follows.write offline.access space.read mute.read mute.write like.read like.write list.read
    list.write block.read block.write bookmark.read bookmark.write media.write dm.read
    dm.write""".split()
)
SESSION_COOKIE = "sandbox_session"


def form_token(sandbox, *parts: str) -> str:
    """HMAC binding an approval form to the request it answers."""
    key = sandbox.store.get_meta("form_secret")
    if key is None:
        sandbox.store.set_meta("form_secret", secrets.token_hex(32))
        key = sandbox.store.get_meta("form_secret")
    return hmac.new(key.encode(), "|".join(parts).encode(), hashlib.sha256).hexdigest()


def signed_in_user(request) -> str | None:
    """The simulated user this browser approved as before (for /oauth/authenticate)."""
    value = request.COOKIES.get(SESSION_COOKIE, "")
    user_id, _, mac = value.partition(".")
    if user_id and hmac.compare_digest(mac, form_token(request.sandbox, "session", user_id)):
        return user_id
    return None


def remember_user(request, response, user_id: str) -> None:
    mac = form_token(request.sandbox, "session", user_id)
    response.set_cookie(SESSION_COOKIE, f"{user_id}.{mac}", httponly=True, samesite="Lax")


def error_page(request, message: str, status=400):
    return render(request, "sandbox/error.html", {"message": message}, status=status)


def with_query(url: str, params: dict) -> str:
    return url + ("&" if "?" in url else "?") + urlencode(params)


def approval_page(request, *, flow: str, hidden: dict, app_name: str, scopes=()):
    sandbox = request.sandbox
    token = form_token(sandbox, flow, *(f"{k}={v}" for k, v in sorted(hidden.items())))
    return render(
        request,
        "sandbox/authorize.html",
        {
            "users": sandbox.world.users,
            "hidden": sorted(hidden.items()),
            "form_token": token,
            "app_name": app_name,
            "scopes": scopes,
            "selected": signed_in_user(request),
        },
    )


def approval_decision(request, flow: str, hidden_names: tuple[str, ...]):
    """Check a posted approval form; (hidden values, chosen user or None on cancel)."""
    hidden = {name: request.POST.get(name, "") for name in hidden_names}
    expected = form_token(request.sandbox, flow, *(f"{k}={v}" for k, v in sorted(hidden.items())))
    if not hmac.compare_digest(expected, request.POST.get("form_token", "")):
        return hidden, None, "This authorization page has expired. Start again from the app."
    if request.POST.get("decision") != "approve":
        return hidden, None, None
    user = request.sandbox.world.user(request.POST.get("user_id", ""))
    if user is None:
        return hidden, None, "Pick an account to continue."
    return hidden, user, None


# --- OAuth 1.0a -----------------------------------------------------------------------


@require_http_methods(["POST"])
def request_token(request):
    sandbox = request.sandbox
    parts = oauth_parts(request)
    callback = sandbox.oauth1.callback_of(*parts)
    if callback and callback not in sandbox.config.callbacks:
        return problems.v1_callback_not_approved()
    status, body = sandbox.oauth1.request_token(*parts)
    if status != 200:
        return problems.v1_bad_authentication()
    return HttpResponse(body, content_type="application/x-www-form-urlencoded")


@require_http_methods(["POST"])
def access_token(request):
    status, body = request.sandbox.oauth1.access_token(*oauth_parts(request))
    if status != 200:
        return problems.v1_bad_authentication()
    return HttpResponse(body, content_type="application/x-www-form-urlencoded")


def _live_request_token(request, token: str):
    sandbox = request.sandbox
    return sandbox.oauth1.validator._live_request_token(sandbox.config.consumer_key, token)


@require_http_methods(["GET", "POST"])
def authorize(request, skip_if_granted=False):
    """GET /oauth/authorize (always asks) and /oauth/authenticate (asks once)."""
    sandbox = request.sandbox
    if request.method == "POST":
        hidden, user, error = approval_decision(request, "oauth1", ("oauth_token",))
        if error:
            return error_page(request, error)
        row = _live_request_token(request, hidden["oauth_token"])
        if row is None:
            return error_page(request, "This request token is invalid or has expired.")
        if user is None:
            return HttpResponseRedirect(with_query(row["callback"], {"denied": row["token"]}))
        return approve_oauth1(request, row, user.id)

    token = request.GET.get("oauth_token", "")
    row = _live_request_token(request, token)
    if row is None:
        return error_page(request, "This request token is invalid or has expired.")
    user_id = signed_in_user(request)
    client = "oauth1:" + sandbox.config.consumer_key
    if skip_if_granted and user_id and sandbox.store.has_grant(user_id, client):
        return approve_oauth1(request, row, user_id)
    return approval_page(
        request, flow="oauth1", hidden={"oauth_token": token}, app_name="metricsdash (OAuth 1.0a)"
    )


def approve_oauth1(request, row, user_id: str):
    verifier = random_token(32)
    request.sandbox.store.authorize_request_token(row["token"], user_id, verifier)
    response = HttpResponseRedirect(
        with_query(row["callback"], {"oauth_token": row["token"], "oauth_verifier": verifier})
    )
    remember_user(request, response, user_id)
    return response


# --- OAuth 2.0 ------------------------------------------------------------------------

OAUTH2_AUTHORIZE_PARAMS = (
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
)


@require_http_methods(["GET", "POST"])
def oauth2_authorize(request):
    """GET /i/oauth2/authorize: the consent page; POST: its answer."""
    sandbox = request.sandbox
    config = sandbox.config
    if request.method == "POST":
        params, user, error = approval_decision(request, "oauth2", OAUTH2_AUTHORIZE_PARAMS)
        if error:
            return error_page(request, error)
        if user is None:
            return HttpResponseRedirect(
                with_query(
                    params["redirect_uri"], {"error": "access_denied", "state": params["state"]}
                )
            )
        code = secrets.token_urlsafe(48)
        sandbox.store.save_code(
            code,
            params["client_id"],
            params["redirect_uri"],
            params["code_challenge"],
            params["code_challenge_method"] or "plain",
            params["scope"],
            user.id,
            sandbox.now_epoch() + config.code_lifetime,
        )
        response = HttpResponseRedirect(
            with_query(params["redirect_uri"], {"state": params["state"], "code": code})
        )
        remember_user(request, response, user.id)
        return response

    params = {name: request.GET.get(name, "") for name in OAUTH2_AUTHORIZE_PARAMS}
    # Without a known client and a registered redirect URI there is nowhere safe to
    # send an error, so X shows it on its own page.
    if params["client_id"] != config.client_id:
        return error_page(request, "Something went wrong: this app is not known (client_id).")
    if params["redirect_uri"] not in config.callbacks:
        return error_page(request, "Something went wrong: the redirect_uri is not registered.")

    def refuse(error: str, description: str):
        return HttpResponseRedirect(
            with_query(
                params["redirect_uri"],
                {"error": error, "error_description": description, "state": params["state"]},
            )
        )

    if params["response_type"] != "code":
        return refuse("unsupported_response_type", "response_type must be code")
    scopes = params["scope"].split()
    if not scopes or not set(scopes) <= OAUTH2_SCOPES:
        return refuse("invalid_scope", "Unknown or missing scope")
    if not params["state"]:
        return refuse("invalid_request", "Missing state")
    if not params["code_challenge"] or params["code_challenge_method"] not in ("S256", "plain"):
        return refuse("invalid_request", "Missing or invalid code_challenge")
    return approval_page(
        request, flow="oauth2", hidden=params, app_name="metricsdash (OAuth 2.0)", scopes=scopes
    )


def client_credentials(request):
    """The OAuth 2.0 client authentication of a token or revoke request.

    Confidential apps must use HTTP Basic; public apps send client_id in the body.
    Returns (client_id, error response).
    """
    config = request.sandbox.config
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if config.client_secret:
        if not header.startswith("Basic "):
            return None, problems.oauth2_error(
                "unauthorized_client", "Missing valid authorization header", 401
            )
        try:
            decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            decoded = ""
        client_id, _, secret = decoded.partition(":")
        if not (
            hmac.compare_digest(client_id, config.client_id)
            and hmac.compare_digest(secret, config.client_secret)
        ):
            return None, problems.oauth2_error(
                "unauthorized_client", "Missing valid authorization header", 401
            )
        return client_id, None
    if request.POST.get("client_id") != config.client_id:
        return None, problems.oauth2_error(
            "invalid_request", "Missing required parameter [client_id]."
        )
    return config.client_id, None


def pkce_matches(verifier: str, challenge: str, method: str) -> bool:
    if method == "S256":
        digest = hashlib.sha256(verifier.encode()).digest()
        verifier = base64.urlsafe_b64encode(digest).decode().rstrip("=")
    return hmac.compare_digest(verifier, challenge)


def issue_tokens(sandbox, client_id: str, user_id: str, scope: str) -> JsonResponse:
    config = sandbox.config
    access = secrets.token_urlsafe(60)
    refresh = secrets.token_urlsafe(60) if "offline.access" in scope.split() else None
    sandbox.store.save_oauth2_token(
        access,
        refresh,
        client_id,
        user_id,
        scope,
        sandbox.now_epoch() + config.access_token_lifetime,
    )
    body = {
        "token_type": "bearer",
        "expires_in": config.access_token_lifetime,
        "access_token": access,
        "scope": scope,
    }
    if refresh:
        body["refresh_token"] = refresh
    return JsonResponse(body)


@require_http_methods(["POST"])
def oauth2_token(request):
    """POST /2/oauth2/token: the authorization_code and refresh_token grants."""
    sandbox = request.sandbox
    client_id, error = client_credentials(request)
    if error:
        return error
    grant = request.POST.get("grant_type")
    sandbox.store.count_request("oauth2_token", f"{grant}:{client_id}")
    if grant == "authorization_code":
        for name in ("code", "redirect_uri", "code_verifier"):
            if not request.POST.get(name):
                return problems.oauth2_error(
                    "invalid_request", f"Missing required parameter [{name}]."
                )
        row = sandbox.store.spend_code(request.POST["code"])
        if (
            row is None
            or row["client_id"] != client_id
            or row["redirect_uri"] != request.POST["redirect_uri"]
            or sandbox.now_epoch() > row["expires_at"]
            or not pkce_matches(
                request.POST["code_verifier"], row["challenge"], row["challenge_method"]
            )
        ):
            return problems.oauth2_invalid_token()
        sandbox.store.add_grant(row["user_id"], "oauth2:" + client_id)
        return issue_tokens(sandbox, client_id, row["user_id"], row["scope"])
    if grant == "refresh_token":
        refresh = request.POST.get("refresh_token", "")
        row = sandbox.store.spend_refresh_token(refresh, client_id) if refresh else None
        if row is None:
            return problems.oauth2_invalid_token()
        return issue_tokens(sandbox, client_id, row["user_id"], row["scope"])
    return problems.oauth2_error("unsupported_grant_type", "Grant type is not supported.")


@require_http_methods(["POST"])
def oauth2_revoke(request):
    """POST /2/oauth2/revoke: retire an access or refresh token."""
    client_id, error = client_credentials(request)
    if error:
        return error
    token = request.POST.get("token", "")
    if not token:
        return problems.oauth2_error("invalid_request", "Missing required parameter [token].")
    request.sandbox.store.revoke_oauth2_token(token, client_id)
    return JsonResponse({"revoked": True})


@require_http_methods(["POST"])
def app_bearer_token(request):
    """POST /oauth2/token: an app-only bearer token from the OAuth 1.0a consumer pair."""
    sandbox = request.sandbox
    config = sandbox.config
    header = request.META.get("HTTP_AUTHORIZATION", "")
    expected = base64.b64encode(f"{config.consumer_key}:{config.consumer_secret}".encode()).decode()
    if not hmac.compare_digest(header, f"Basic {expected}"):
        return problems.v1_error(99, "Unable to verify your credentials", 403)
    if request.POST.get("grant_type") != "client_credentials":
        return problems.v1_error(170, "Missing required parameter: grant_type", 403)
    token = sandbox.store.get_meta("app_bearer_token")
    if token is None:
        token = "AAAAAAAAAAAAAAAAAAAAA" + secrets.token_urlsafe(60)
        sandbox.store.save_oauth2_token(token, None, config.consumer_key, None, "", None)
        sandbox.store.set_meta("app_bearer_token", token)
    return JsonResponse({"token_type": "bearer", "access_token": token})


def v1_endpoint(request, path=""):
    """Any v1.1 path: signatures are checked, then access is refused as on X's v2 tiers."""
    if request.sandbox.oauth1.authenticate(*oauth_parts(request)) is None:
        return problems.v1_bad_authentication()
    return problems.v1_no_access()
