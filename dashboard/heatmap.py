"""The best-time heatmap as table rows, shared by the timing page and the overview."""

from django.utils.html import format_html
from django.utils.safestring import mark_safe

from tweets import timing
from tweets.metrics import format_count, format_rate

SHADES = 10  # CSS classes .heat-0 ... .heat-9
EMPTY = mark_safe('<td class="heat-none"></td>')  # a slot nobody posted in


def rows(result: timing.Timing) -> list[dict]:
    """One row per weekday, its cells' <td>s as one string (shaded by median impressions;
    empty when the slot has no Tweet, "too few" under the minimum). The 168 cells are
    written here with format_html: looked up field by field in the template they took
    longer than the query, and even output one by one they were half the page's template
    variables."""
    top = max((s.median_impressions for s in result.slots if s.enough), default=0)
    out = []
    for weekday, cells in enumerate(result.grid()):
        name = timing.WEEKDAYS[weekday]
        out.append(
            {
                "weekday": name,
                # Every cell is format_html's (escaped) or EMPTY: their concatenation is safe.
                "cells": mark_safe(
                    "".join(_cell(name, hour, slot, top) for hour, slot in enumerate(cells))
                ),
            }
        )
    return out


def _cell(weekday: str, hour: int, slot: timing.Slot | None, top: float) -> str:
    if slot is None:
        return EMPTY
    if not slot.enough:
        return format_html(
            '<td class="heat-few" title="Too few Tweets"><span class="heat-value">too few</span>'
            '<span class="heat-count">n={}</span></td>',
            slot.tweets,
        )
    shade = min(SHADES - 1, int(slot.median_impressions / top * SHADES)) if top else None
    return format_html(
        '<td class="heat-{}" title="{} {}:00"><span class="heat-value">{}</span>'
        '<span class="heat-rate">{}</span><span class="heat-count">n={}</span></td>',
        shade,
        weekday,
        f"{hour:02d}",
        format_count(slot.median_impressions),
        format_rate(slot.median_engagement_rate),
        slot.tweets,
    )
