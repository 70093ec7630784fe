"""The sandbox's own URLconf, served by its own handler (sandbox/server.py)."""

from django.urls import path, re_path

from . import api, control, oauth_views
from .problems import not_found_route

urlpatterns = [
    # OAuth 1.0a
    path("oauth/request_token", oauth_views.request_token),
    path("oauth/authorize", oauth_views.authorize),
    path("oauth/authenticate", oauth_views.authorize, {"skip_if_granted": True}),
    path("oauth/access_token", oauth_views.access_token),
    path("oauth2/token", oauth_views.app_bearer_token),
    # OAuth 2.0 with PKCE
    path("i/oauth2/authorize", oauth_views.oauth2_authorize),
    path("2/oauth2/token", oauth_views.oauth2_token),
    path("2/oauth2/revoke", oauth_views.oauth2_revoke),
    # v2
    path("2/users/me", api.users_me),
    path("2/users/<str:user_id>", api.users_id),
    path("2/users/<str:user_id>/tweets", api.users_tweets),
    path("2/tweets", api.tweets_lookup),
    path("2/tweets/<str:tweet_id>", api.tweet_lookup),
    path("2/usage/tweets", api.usage_tweets),
    re_path(r"^1\.1/(?P<path>.*)$", oauth_views.v1_endpoint),
    # Sandbox-only controls
    path("__sandbox__/", control.index),
    path("__sandbox__/clock", control.clock),
    path("__sandbox__/faults", control.faults),
    path("__sandbox__/requests", control.requests_made),
    path("__sandbox__/takeoff", control.takeoff),
    path("__sandbox__/revoke", control.revoke),
    path("__sandbox__/oauth1/tokens", control.oauth1_tokens),
    path("__sandbox__/reset", control.reset),
    re_path(r"^.*$", lambda request: not_found_route()),
]
