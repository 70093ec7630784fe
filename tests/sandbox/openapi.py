"""Validate sandbox responses against X's official OpenAPI spec, version 2.166.

The spec lags the wire on two fields: `url_link_clicks` and `user_profile_clicks` appear
in non_public_metrics, organic_metrics and promoted_metrics on the wire (FACTS.md) but
not in the spec. We add exactly those two, as integers, to those three groups, and make
every metric object (and the response envelopes) closed with additionalProperties: false,
so any other field the sandbox invented would fail validation.
"""

import json
from functools import lru_cache
from pathlib import Path

import requests
from openapi_core import Config, OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse

SPEC_PATH = Path(__file__).parent.parent / "fixtures" / "x-api" / "openapi-2.166.json"
WIRE_ONLY = ("url_link_clicks", "user_profile_clicks")
X_BASE = "https://api.x.com"


def strict_spec() -> dict:
    spec = json.loads(SPEC_PATH.read_text())
    schemas = spec["components"]["schemas"]
    tweet = schemas["Tweet"]
    tweet["additionalProperties"] = False
    for group in ("public_metrics", "non_public_metrics", "organic_metrics", "promoted_metrics"):
        metrics = tweet["properties"][group]
        metrics["additionalProperties"] = False
        if group != "public_metrics":
            for name in WIRE_ONLY:
                metrics["properties"][name] = {"type": "integer"}
    video = schemas["Video"]["allOf"][1]["properties"]
    for group in ("public_metrics", "non_public_metrics", "organic_metrics", "promoted_metrics"):
        video[group]["additionalProperties"] = False
    for name in (
        "Get2TweetsResponse",
        "Get2TweetsIdResponse",
        "Get2UsersIdTweetsResponse",
        "Get2UsersMeResponse",
    ):
        schemas[name]["additionalProperties"] = False
    schemas["Get2UsersIdTweetsResponse"]["properties"]["meta"]["additionalProperties"] = False
    return spec


# X sends errors as application/problem+json, which the spec lists; read it as JSON.
CONFIG = Config(extra_media_type_deserializers={"application/problem+json": json.loads})


@lru_cache(maxsize=1)
def openapi() -> OpenAPI:
    return OpenAPI.from_dict(strict_spec(), config=CONFIG)


def unpatched_openapi() -> OpenAPI:
    return OpenAPI.from_dict(json.loads(SPEC_PATH.read_text()), config=CONFIG)


def validate(response: requests.Response, sandbox_url: str, spec: OpenAPI | None = None) -> None:
    """Raise if the response does not match the spec (request URL mapped onto X's host)."""
    request = response.request.copy()
    request.url = request.url.replace(sandbox_url, X_BASE, 1)
    (spec or openapi()).validate_response(
        RequestsOpenAPIRequest(request), RequestsOpenAPIResponse(response)
    )
