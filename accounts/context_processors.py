"""Template context for every page."""

from django.conf import settings


def x_mode(request):
    """Whether the data comes from the X API sandbox (and where it runs), for the banner."""
    return {"x_sandbox": settings.X_SANDBOX, "x_api_url": settings.X_API_URL}


def signup(request):
    """Whether the sign-up link is worth showing: only when anyone may sign up."""
    return {"signup_open": settings.SIGNUP == "open"}
