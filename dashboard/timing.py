"""The best time to post: the heatmap page, its JSON and its CSV (tweets/timing.py computes)."""

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from tweets import timing
from tweets.exports import csv_row, csv_writer

from . import heatmap
from .forms import TimingQuery
from .responses import JSONResponse
from .views import _query, _scope, dashboard_view

CSV_COLUMNS = ("weekday", "hour", "tweets", "median_impressions", "median_engagement_rate")


def _timing(request):
    scope = _scope(request, TimingQuery)
    result = timing.best_slots(
        scope.ids,
        scope.tz,
        scope.period.start,
        scope.period.end,
        replies=scope.data["replies"] == "1",
    )
    return scope, result


def _slot_json(slot: timing.Slot) -> dict:
    return {
        "weekday": timing.WEEKDAYS[slot.weekday],
        "hour": slot.hour,
        "tweets": slot.tweets,
        "median_impressions": slot.median_impressions,
        "median_engagement_rate": slot.median_engagement_rate,
    }


@dashboard_view()
def timing_page(request):
    """A weekday x local-hour heatmap of first-24-hour results, and the best three slots."""
    scope, result = _timing(request)
    context = {
        "scope": scope,
        "data": scope.data,
        "timing": result,
        "rows": heatmap.rows(result),
        "min_tweets": result.min_tweets,
        "csv_query": _query(request),
        "replies_query": _query(request, replies="0" if scope.data["replies"] == "1" else "1"),
    }
    with timezone.override(scope.tz):
        return render(request, "dashboard/timing.html", context)


@dashboard_view(json=True)
def api_timing(request):
    """Every slot with a Tweet in it, the best three and the threshold, as JSON."""
    scope, result = _timing(request)
    return JSONResponse(
        {
            "period": scope.as_json(),
            "timezone": scope.tz.key,
            "min_tweets": result.min_tweets,
            "slots": [_slot_json(s) for s in result.slots],
            "best": [_slot_json(s) for s in result.best],
        }
    )


@dashboard_view()
def timing_csv(request):
    """The heatmap's numbers, one row per slot with a Tweet in it (empty: too few)."""
    scope, result = _timing(request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"metricsdash-timing-{scope.days[0]}-to-{scope.days[1]}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    writer = csv_writer(response)
    writer.writerow(CSV_COLUMNS)
    for slot in result.slots:
        values = _slot_json(slot)
        writer.writerow(csv_row(tuple(values[c] for c in CSV_COLUMNS)))
    return response
