"""The best time to post: the heatmap page, its JSON and its CSV (tweets/timing.py computes)."""

from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone

from tweets import timing
from tweets.exports import csv_row, csv_writer

from .forms import TimingQuery
from .views import _query, _scope, dashboard_view

SHADES = 10  # CSS classes .heat-0 ... .heat-9
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


def _rows(result: timing.Timing) -> list[dict]:
    """The heatmap as table rows: each cell with its shade (by median impressions)."""
    top = max((s.median_impressions for s in result.slots if s.enough), default=0)
    rows = []
    for weekday, cells in enumerate(result.grid()):
        row = []
        for hour, slot in enumerate(cells):
            shade = None
            if slot is not None and slot.enough and top:
                shade = min(SHADES - 1, int(slot.median_impressions / top * SHADES))
            row.append({"hour": hour, "slot": slot, "shade": shade})
        rows.append({"weekday": timing.WEEKDAYS[weekday], "cells": row})
    return rows


@dashboard_view()
def timing_page(request):
    """A weekday x local-hour heatmap of first-24-hour results, and the best three slots."""
    scope, result = _timing(request)
    context = {
        "scope": scope,
        "data": scope.data,
        "timing": result,
        "rows": _rows(result),
        "hours": range(24),
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
    return JsonResponse(
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
