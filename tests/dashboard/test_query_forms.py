"""The dashboard's query forms, parsed once per process for each distinct query
(QueryForm.parse): the same answers as a fresh form, copies that do not share state, and a
bounded cache that a stranger's made-up queries cannot grow."""

import pytest
from django.http import QueryDict

from dashboard import forms
from dashboard.forms import BadQuery, CompareQuery, PeriodQuery, TopQuery


def test_a_query_parsed_again_means_the_same_as_a_fresh_form():
    for query in ("", "period=7", "start=2026-11-01&end=2026-11-05", "account=12&interval=day"):
        data = QueryDict(query)
        assert PeriodQuery.parse(data) == PeriodQuery(data).parsed()
        assert PeriodQuery.parse(data) == PeriodQuery(data).parsed()  # from the cache


def test_each_call_gets_its_own_copy():
    first = CompareQuery.parse(QueryDict("ids=1&ids=2"))
    first["ids"].append(3)
    first["metric"] = "likes"
    again = CompareQuery.parse(QueryDict("ids=1&ids=2"))
    assert again["ids"] == [1, 2]
    assert again["metric"] == "impressions"


def test_the_form_class_and_only_its_parameters_make_the_key():
    assert TopQuery.parse(QueryDict("limit=5&utm_source=x"))["limit"] == 5
    assert "limit" not in PeriodQuery.parse(QueryDict("limit=5"))


def test_a_bad_query_says_why_every_time():
    for _ in range(2):
        with pytest.raises(BadQuery, match=r"start .* is after end"):
            PeriodQuery.parse(QueryDict("start=2026-11-05&end=2026-11-01"))


def test_made_up_queries_do_not_grow_the_cache():
    forms._parsed.cache_clear()
    for n in range(forms.PARSED_QUERIES + 100):
        PeriodQuery.parse(QueryDict(f"account={n}"))
    assert forms._parsed.cache_info().currsize == forms.PARSED_QUERIES
