"""Error bodies shaped exactly as X sends them (FACTS.md)."""

from django.http import JsonResponse

PROBLEMS = "https://api.twitter.com/2/problems/"


def problem_response(body: dict, status: int, content_type="application/problem+json"):
    return JsonResponse(body, status=status, content_type=content_type)


def unauthorized():
    return problem_response(
        {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"},
        401,
    )


def forbidden():
    return problem_response(
        {"title": "Forbidden", "type": "about:blank", "status": 403, "detail": "Forbidden"}, 403
    )


def unsupported_authentication():
    return problem_response(
        {
            "title": "Unsupported Authentication",
            "detail": "Authenticating with OAuth 2.0 Application-Only is forbidden for this"
            " endpoint.  Supported authentication types are [OAuth 1.0a User Context,"
            " OAuth 2.0 User Context].",
            "type": PROBLEMS + "unsupported-authentication",
            "status": 403,
        },
        403,
    )


def app_only_endpoint():
    """A user token on an endpoint that takes the app's bearer token only."""
    return problem_response(
        {
            "title": "Unsupported Authentication",
            "detail": "Authenticating with OAuth 2.0 User Context is forbidden for this"
            " endpoint.  Supported authentication types are [OAuth 2.0 Application-Only].",
            "type": PROBLEMS + "unsupported-authentication",
            "status": 403,
        },
        403,
    )


def client_forbidden():
    return problem_response(
        {
            "client_id": "0",
            "detail": "When authenticating requests to the Twitter API v2 endpoints, you must"
            " use keys and tokens from a Twitter developer App that is attached to a Project."
            " You can create a project via the developer portal.",
            "registration_url": "https://developer.twitter.com/en/docs/projects/overview",
            "title": "Client Forbidden",
            "required_enrollment": "Appropriate Level of API Access",
            "reason": "client-not-enrolled",
            "type": PROBLEMS + "client-forbidden",
        },
        403,
    )


def too_many_requests():
    return problem_response(
        {
            "title": "Too Many Requests",
            "detail": "Too Many Requests",
            "type": "about:blank",
            "status": 429,
        },
        429,
    )


def usage_capped():
    return problem_response(
        {
            "title": "UsageCapExceeded",
            "detail": "Usage cap exceeded: Monthly product cap",
            "type": PROBLEMS + "usage-capped",
            "period": "Monthly",
            "scope": "Product",
        },
        429,
    )


def invalid_request(errors: list[dict]):
    return problem_response(
        {
            "errors": errors,
            "title": "Invalid Request",
            "detail": "One or more parameters to your request was invalid.",
            "type": PROBLEMS + "invalid-request",
        },
        400,
    )


def param_error(name: str, value, message: str) -> dict:
    """One entry of an invalid-request `errors` array."""
    values = value if isinstance(value, list) else [value]
    return {"parameters": {name: values}, "message": message}


def not_found_route():
    return problem_response(
        {
            "title": "Not Found Error",
            "detail": "Sorry, that page does not exist.",
            "type": "about:blank",
            "status": 404,
        },
        404,
    )


def server_error(status=503):
    titles = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}
    title = titles.get(status, "Service Unavailable")
    return problem_response(
        {"title": title, "detail": title, "type": "about:blank", "status": status}, status
    )


def tweet_not_found(tweet_id: str, parameter: str) -> dict:
    return {
        "value": tweet_id,
        "detail": f"Could not find tweet with {parameter}: [{tweet_id}].",
        "title": "Not Found Error",
        "resource_type": "tweet",
        "parameter": parameter,
        "resource_id": tweet_id,
        "type": PROBLEMS + "resource-not-found",
    }


def tweet_not_authorized(tweet_id: str, parameter: str) -> dict:
    return {
        "value": tweet_id,
        "detail": f"Sorry, you are not authorized to see the Tweet with {parameter}: [{tweet_id}].",
        "title": "Authorization Error",
        "resource_type": "tweet",
        "parameter": parameter,
        "resource_id": tweet_id,
        "type": PROBLEMS + "not-authorized-for-resource",
    }


def user_not_authorized(user_id: str) -> dict:
    return {
        "value": user_id,
        "detail": f"Sorry, you are not authorized to see the user with id: [{user_id}].",
        "title": "Authorization Error",
        "resource_type": "user",
        "parameter": "id",
        "resource_id": user_id,
        "type": PROBLEMS + "not-authorized-for-resource",
    }


def user_not_found(user_id: str) -> dict:
    return {
        "value": user_id,
        "detail": f"Could not find user with id: [{user_id}].",
        "title": "Not Found Error",
        "resource_type": "user",
        "parameter": "id",
        "resource_id": user_id,
        "type": PROBLEMS + "resource-not-found",
    }


def field_not_authorized(tweet_id: str, field: str, parameter: str) -> dict:
    return {
        "value": tweet_id,
        "detail": f"Sorry, you are not authorized to access '{field}' on the Tweet with"
        f" {parameter} : [{tweet_id}].",
        "title": "Field Authorization Error",
        "resource_type": "tweet",
        "field": field,
        "parameter": parameter,
        "resource_id": tweet_id,
        "type": PROBLEMS + "not-authorized-for-field",
        "section": "data",
    }


# OAuth 1.0a endpoints answer in the v1.1 style.
def v1_error(code: int, message: str, status: int):
    return JsonResponse({"errors": [{"code": code, "message": message}]}, status=status)


def v1_bad_authentication():
    return v1_error(32, "Could not authenticate you.", 401)


def v1_callback_not_approved():
    return v1_error(
        415,
        "Callback URL not approved for this client application. Approved callback URLs can be"
        " adjusted in your application settings",
        403,
    )


def v1_no_access():
    return v1_error(
        453,
        "You currently have access to a subset of X API V2 endpoints and limited v1.1 endpoints"
        " (e.g. media post, oauth) only. If you need access to this endpoint, you may need a"
        " different access level. You can learn more here:"
        " https://developer.x.com/en/portal/product",
        403,
    )


# OAuth 2.0 token endpoint errors, in X's form.
def oauth2_error(error: str, description: str, status=400):
    return JsonResponse({"error": error, "error_description": description}, status=status)


def oauth2_invalid_token():
    return oauth2_error("invalid_request", "Value passed for the token was invalid.")
