"""The dashboard's links keep the page's query with some parameters changed
(dashboard/views._query), encoded as Django's QueryDict encodes it."""

import pytest
from django.test import RequestFactory

from dashboard.views import _query


def _with_querydict(request, **changes) -> str:
    query = request.GET.copy()
    for name, value in changes.items():
        if value is None:
            query.pop(name, None)
        else:
            query[name] = value
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else ""


@pytest.mark.parametrize(
    "query",
    [
        "",
        "period=7",
        "a=1&a=2&period=30&start=2026-01-01&x=%C3%A9+b&sort=likes",
        "ids=1&ids=2&page=3&metric=impressions",
        "q=a%26b%3Dc&empty=",
    ],
)
def test_a_link_is_the_query_with_its_changes(query):
    request = RequestFactory().get(f"/dashboard/?{query}")
    for changes in [
        {},
        {"period": "7", "start": None, "end": None},
        {"sort": "likes", "order": "asc"},
        {"limit": 1000},
        {"limit": None},
        {"page": 2},
        {"metric": "é b&c", "page": None},
        {"a": None},
    ]:
        assert _query(request, **changes) == _with_querydict(request, **changes), changes
