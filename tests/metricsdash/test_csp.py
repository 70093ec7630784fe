"""The Content-Security-Policy header: built once per settings by metricsdash/csp.py, it
must say exactly what django-csp says for every response, follow a settings change, and
leave a response with a policy of its own to django-csp."""

from csp.middleware import CSPMiddleware as DjangoCSP
from django.http import HttpResponse, JsonResponse
from django.test import RequestFactory, override_settings

from metricsdash.csp import CSPMiddleware

HEADER = "Content-Security-Policy"


def _through(middleware_class, response, path="/dashboard/api/kpis.json"):
    request = RequestFactory().get(path)
    middleware = middleware_class(lambda request: response)
    middleware.process_request(request)
    return middleware.process_response(request, response)


def test_the_kept_header_is_the_one_django_csp_builds():
    middleware = CSPMiddleware(lambda request: None)
    for _ in range(2):  # built, then reused
        for response in (JsonResponse({}), HttpResponse("<p>page</p>")):
            request = RequestFactory().get("/dashboard/")
            middleware.process_request(request)
            ours = middleware.process_response(request, response)[HEADER]
            # django-csp's own process_response, with our form-action, built afresh.
            built = DjangoCSP.process_response(middleware, request, HttpResponse())[HEADER]
            assert ours == built
            assert "form-action 'self' http" in ours and "frame-ancestors 'none'" in ours


def test_a_settings_change_moves_the_header():
    middleware = CSPMiddleware(lambda request: None)
    request = RequestFactory().get("/")
    before = middleware.process_response(request, HttpResponse())[HEADER]
    with override_settings(X_API_URL="https://api.example.test/", X_WEB_URL="https://x.test/"):
        after = middleware.process_response(RequestFactory().get("/"), HttpResponse())[HEADER]
    assert "https://api.example.test" in after and "https://x.test" in after
    assert "https://api.example.test" not in before
    assert middleware.process_response(RequestFactory().get("/"), HttpResponse())[HEADER] == before


def test_a_response_with_its_own_policy_goes_through_django_csp():
    response = HttpResponse()
    response._csp_update = {"img-src": ["https://pbs.twimg.com"]}
    header = _through(CSPMiddleware, response)[HEADER]
    assert "img-src 'self' https://pbs.twimg.com" in header


def test_a_header_already_set_is_kept():
    response = HttpResponse()
    response[HEADER] = "default-src 'none'"
    assert _through(CSPMiddleware, response)[HEADER] == "default-src 'none'"
