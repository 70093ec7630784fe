"""The overview's top Tweets table body, written in Python (dashboard/views._top_rows),
says what the template's tags and filters said: the same markup for the same rows."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.utils import timezone

from dashboard.views import TOP_COLUMNS, _top_rows, format_cell
from tweets.rollups import TOP_COLUMNS as ROLLUP_TOP_COLUMNS

# The template's loop before the table was written in Python (overview.html).
TEMPLATE = Template(
    """{% for row in top %}<tr>
<td><input type="checkbox" name="ids" value="{{ row.id }}" aria-label="Compare Tweet {{ row.id }}"></td>
<td class="text"><a href="{% url 'dashboard:tweet' row.id %}">{{ row.text|truncatechars:60|default:row.id }}</a>
<br><span class="muted small"><time datetime="{{ row.created_at|date:'c' }}">{{ row.created_at|date:"j M, H:i" }}</time>{% if not one %} · @{{ row.account }}{% endif %}{% if row.kind != "original" %} · {{ row.kind }}{% endif %}{% if row.promoted %} · <span class="promoted">promoted</span>{% endif %}</span></td>
{% for cell in row.cells %}<td>{{ cell }}</td>{% endfor %}
</tr>{% if not forloop.last %}
{% endif %}{% endfor %}"""  # noqa: E501
)


def _row(tweet_id: int, text: str, kind: str, promoted: bool, **metrics) -> dict:
    row = {name: None for name in ROLLUP_TOP_COLUMNS}
    row.update(
        id=str(tweet_id),
        text=text,
        kind=kind,
        promoted=promoted,
        account="big_<account>",
        created_at=datetime(2026, 10, 25, 0, 59, 30, tzinfo=UTC),  # 02:59 in Berlin, summer
        **metrics,
    )
    return row


ROWS = [
    _row(1, "A short one & <b>bold</b>", "original", False, impressions=1234567, likes=0),
    _row(2, "x" * 61 + " longer than sixty characters", "reply", True, engagement_rate=0.0321),
    _row(3, "", "quote", False, impressions=5, engagements=12.5),  # no text: the id instead
]


@pytest.mark.parametrize("one", [True, False])
@pytest.mark.parametrize("zone", ["Europe/Berlin", "Asia/Kolkata", "UTC"])
def test_the_top_rows_say_what_the_template_said(one, zone):
    tz = ZoneInfo(zone)
    top = [{**row, "cells": [format_cell(row, name) for name in TOP_COLUMNS]} for row in ROWS]
    with timezone.override(tz):
        expected = TEMPLATE.render(Context({"top": top, "one": one}))
    written = _top_rows(ROWS, tz, one)
    assert written == expected
    assert "&lt;b&gt;bold&lt;/b&gt;" in written
    assert ("@big_&lt;account&gt;" in written) is not one
    assert ">3</a>" in written and "1,234,567" in written and "3.2 %" in written


def test_the_sortable_headers_say_what_the_template_said():
    from dashboard.views import TOP_LABELS, _top_head

    links = {name: {"query": f"?sort={name}&order=desc", "state": None} for name in TOP_COLUMNS}
    links["likes"] = {"query": "?sort=likes&order=asc", "state": "descending"}
    columns = [{"label": TOP_LABELS[n], "link": links[n]} for n in TOP_COLUMNS]
    expected = Template(
        '{% for column in top_columns %}{% with l=column.link %}<th scope="col"{% if l.state %}'
        ' aria-sort="{{ l.state }}"{% endif %}><a href="{{ l.query }}">{{ column.label }}</a>'
        "</th>{% endwith %}{% endfor %}"
    ).render(Context({"top_columns": columns}))
    assert _top_head(links) == expected
    assert '<th scope="col" aria-sort="descending"><a href="?sort=likes&amp;order=asc">' in expected
