"""The dashboard: overview, Tweet pages, compare, their JSON endpoints and CSV exports.

Views only translate HTTP: they parse the query (dashboard/forms.py), find the accounts and
Tweets the person may see, owned or shared (any other id is a 404, never a hint that it
exists), call tweets/rollups.py (account numbers) or dashboard/samples.py (a Tweet's
samples) and render. Each page hands its charts, through json_script, exactly the payload its JSON
endpoint returns, so what is drawn and what the API says never differ.
"""

import functools
from dataclasses import dataclass
from datetime import date, timedelta
from html import escape as html_escape
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.paginator import EmptyPage, Paginator
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import MONTHS_3
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.views.decorators.http import require_GET, require_http_methods

from accounts import oauth
from accounts.ahead import reads_ahead
from accounts.backends import accounts_with_user
from accounts.compiled import CompiledQuery
from accounts.models import Profile, XAccount
from tweets import audience, periods, rollups, timing
from tweets.exports import csv_row, csv_writer
from tweets.metrics import (
    COMPLETION_FORMULA,
    ENGAGEMENT_FORMULA,
    LABELS,
    SPLIT_CONTEXTS,
    TWEET_METRICS,
    TWEET_SAMPLE_COLUMNS,
    format_count,
    format_rate,
)
from tweets.models import Tweet, TweetSample

from . import heatmap, samples
from .forms import (
    BIGGEST_ID,
    BadQuery,
    CompareQuery,
    PeriodQuery,
    ProfileForm,
    SeriesQuery,
    TopQuery,
    TweetQuery,
)
from .responses import JSONResponse
from .templatetags.dashboard import age

SAMPLES_PER_PAGE = 50
# A Tweet's metrics and their labels, in the order tables show them.
METRIC_LABELS = {metric.name: metric.label for metric in TWEET_METRICS}
# The top Tweets table's columns after the Tweet: reach and engagement first.
TOP_COLUMNS = (
    "impressions",
    "engagements",
    "engagement_rate",
    *(name for name in METRIC_LABELS if name != "impressions"),
)
TOP_LABELS = {**LABELS, "engagement_rate": "Rate"}
# The samples table: every metric's total, then the impressions split.
SAMPLE_TABLE = {
    **METRIC_LABELS,
    **{f"{context}_impressions": f"{context.capitalize()} impr." for context in SPLIT_CONTEXTS},
}
COMPARE_CANDIDATES = 40


def dashboard_view(*, json: bool = False, scope: bool = True):
    """Sign-in required, GET only, and a malformed query answered with a 400 and why.
    `scope`: the view reads the accounts the person may see (_scope), which then come with
    the person, in the same round trip (accounts.backends.accounts_with_user). The
    statements the page ran for the person last time come in that round trip too
    (accounts.ahead), so a page asked for again waits for the database once."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            try:
                return view(request, *args, **kwargs)
            except (BadQuery, periods.TooManyPoints) as exc:
                message = str(exc)
                if json:
                    return JSONResponse({"error": message}, status=400)
                context = {"message": message}
                return render(request, "dashboard/bad_request.html", context, status=400)

        checked = login_required(require_GET(wrapper))

        @functools.wraps(view)
        def with_reads_ahead(request, *args, **kwargs):
            with reads_ahead(request.get_full_path()):
                if not scope:
                    return checked(request, *args, **kwargs)
                with accounts_with_user():
                    return checked(request, *args, **kwargs)

        return with_reads_ahead

    return decorate


# --- whose data --------------------------------------------------------------------------


def _accounts(request) -> list[XAccount]:
    """Every account the person may see, owned or shared (seeing one is a viewer's right)."""
    return XAccount.objects.visible_list(request.user)


def _chosen(choices: list[XAccount], account_id: int | None) -> list[XAccount]:
    """The accounts in scope: all the person may see, or the one asked among them (else
    404, as access.account_for answers an account the person cannot see)."""
    if account_id is None:
        return choices
    for account in choices:
        if account.pk == account_id:
            return [account]
    raise Http404("No such account among yours.")


def _tweets(request):
    """The Tweets of every account the person may see."""
    return Tweet.objects.filter(account__in=XAccount.objects.visible_to(request.user))


def _visible_tweet(user_id, tweet_id, *, with_account: bool):
    people = get_user_model()
    tweets = Tweet.objects.filter(account__in=XAccount.objects.visible_to(people(pk=user_id)))
    return (tweets.select_related("account") if with_account else tweets).filter(pk=tweet_id)


# The person's Tweet by id, through the accounts they may see: built by the ORM once per
# process and run with the person's and the Tweet's ids (building it took 2 to 3 ms of a
# Tweet's series.json on the loaded machine). With its account for the pages; the JSON
# endpoints never read the account.
_TWEET = {
    with_account: CompiledQuery(functools.partial(_visible_tweet, with_account=with_account))
    for with_account in (True, False)
}


def _tweet(request, tweet_id: int, *, with_account: bool = True) -> Tweet:
    """The person's Tweet with this id, else 404 (the same answer for a Tweet of someone
    else's and for none at all). An id past 64 bits is no Tweet's (and SQLite would refuse
    to bind it)."""
    found = []
    if request.user.is_authenticated and tweet_id <= BIGGEST_ID:
        found = _TWEET[with_account](request.user.pk, tweet_id)
    if not found:
        raise Http404("No such Tweet among yours.")
    return found[0]


def _zone(request):
    return Profile.of_request_user(request.user).zone


@dataclass
class Scope:
    """What a period query chose: its values, the accounts, the timezone and the period."""

    data: dict
    accounts: list[XAccount]
    choices: list[XAccount]  # every account the person may pick
    tz: ZoneInfo
    days: tuple[date, date]  # first and last local day
    period: periods.Period

    @property
    def ids(self) -> list[int]:
        return [account.pk for account in self.accounts]

    @property
    def previous_days(self) -> tuple[date, date]:
        """The previous period of equal length, as the local days it touches."""
        previous = self.period.previous
        last = previous.end - timedelta(microseconds=1)
        return previous.start.astimezone(self.tz).date(), last.astimezone(self.tz).date()

    @property
    def as_of(self):
        """When the latest poll of these accounts ran (read with them: no query)."""
        return max((a.last_poll_at for a in self.accounts if a.last_poll_at), default=None)

    @property
    def one(self) -> XAccount | None:
        """The account, when the scope is a single one."""
        return self.accounts[0] if self.data["account"] != "all" else None

    def as_json(self) -> dict:
        return {
            "first_day": self.days[0],
            "last_day": self.days[1],
            "timezone": str(self.tz),
            "start": self.period.start,
            "end": self.period.end,
            "previous": {"start": self.period.previous.start, "end": self.period.previous.end},
        }


def _scope(request, form_class=PeriodQuery) -> Scope:
    """Parse a period query (BadQuery if malformed; 404 for an account not the person's)."""
    data = form_class.parse(request.GET)
    choices = _accounts(request)
    accounts = _chosen(choices, form_class.account_id(data))
    tz = _zone(request)
    days = form_class.dates(data, tz, timezone.now())
    return Scope(data, accounts, choices, tz, days, periods.local_period(*days, tz))


def _kpis_json(kpis) -> list[dict]:
    return [
        {
            "name": k.name,
            "label": k.label,
            "value": k.value,
            "previous": k.previous,
            "change": k.change,
            "is_rate": k.is_rate,
        }
        for k in kpis
    ]


def _query(request, **changes) -> str:
    """This page's query string with some parameters changed (None removes one), encoded
    as QueryDict.urlencode does, from a plain dict of its lists: the overview builds about
    30 links, and a QueryDict copy for each took longer than its query."""
    query = dict(request.GET.lists())
    for name, value in changes.items():
        if value is None:
            query.pop(name, None)
        else:
            query[name] = [value]
    encoded = urlencode(query, doseq=True)
    return f"?{encoded}" if encoded else ""


# --- overview ----------------------------------------------------------------------------


@dashboard_view()
def overview(request):
    """KPI cards, impressions over time, engagements by kind and the top Tweets."""
    scope = _scope(request, TopQuery)
    data, ids, period = scope.data, scope.ids, scope.period
    context = {
        "scope": scope,
        "data": data,
        "as_of": scope.as_of,
        "oauth1": oauth.oauth1_configured(),
        "oauth2": oauth.oauth2_configured(),
        "formula": ENGAGEMENT_FORMULA,
        "completion_formula": COMPLETION_FORMULA,
        "periods": _period_links(request, data),
    }
    if context["as_of"] is not None:
        sort, descending = data["sort"], data["order"] == "desc"
        # Every number of the page in one round trip (rollups.read_together). The totals are
        # summed once for the KPI cards and the engagements chart (rollups.kpis sums the same).
        (
            series,
            (current, previous),
            followers,
            best_time,
            (posted, reposts),
            top,
            net_follows,
        ) = rollups.read_together(
            rollups.account_series_read(
                ids, period, scope.tz, "impressions", data["interval"], scope.as_of
            ),
            rollups.totals_with_previous_read(ids, period),
            audience.audience_series_read(ids, period, scope.tz, data["interval"], scope.as_of),
            timing.best_slots_read(ids, scope.tz, period.start, period.end),
            rollups.posted_and_reposts_read(ids, period),
            rollups.top_tweets_read(ids, period, sort, descending, data["limit"]),
            audience.net_follows_with_previous_read(ids, period),
        )
        engagements = rollups.engagements_from_totals(current, previous)
        links = _sort_links(request, sort, descending)
        context.update(
            kpis=[
                *rollups.kpis_from_totals(current, previous),
                *audience.audience_kpis(ids, period, current, previous, net_follows),
            ],
            followers=followers,
            followers_rows=_followers_rows(followers),
            best_time=best_time,
            best_time_rows=heatmap.rows(best_time),
            series=series,
            series_rows=_series_rows(series),
            engagements=engagements,
            top=top,
            top_rows=_top_rows(top, scope.tz, scope.one is not None),
            top_count=posted,
            reposts=reposts,
            all_rows_query=_query(request, limit=1000),
            sort_links=links,
            top_head=_top_head(links),
            intervals=_interval_links(request, period, series["interval"]),
            chart_data={"series": series, "engagements": engagements, "audience": followers},
            csv_query=_query(request, limit=None),
        )
    with timezone.override(scope.tz):
        return render(request, "dashboard/overview.html", context)


# A row of the top Tweets table; its cells as the num and pct filters format them.
TOP_ROW = (
    '<tr>\n<td><input type="checkbox" name="ids" value="{}" aria-label="Compare Tweet {}"></td>\n'
    '<td class="text"><a href="{}">{}</a>\n<br><span class="muted small">'
    '<time datetime="{}">{}</time>{}</span></td>\n{}\n</tr>'
)
PROMOTED = mark_safe(' · <span class="promoted">promoted</span>')


def _top_rows(tweets: list[dict], tz: ZoneInfo, one_account: bool) -> str:
    """The top Tweets table's body, written here in one pass, as the template wrote it
    (its filters: truncatechars, date in the person's timezone, num and pct): cell by cell
    in the template it took longer than the query."""
    # Each Tweet's page: the URL reversed once, its id put in place of the 0.
    tweet_url = reverse("dashboard:tweet", args=[0]).removesuffix("0/")
    return format_html_join(
        "\n",
        TOP_ROW,
        (
            (
                tweet["id"],
                tweet["id"],
                f"{tweet_url}{tweet['id']}/",
                Truncator(tweet["text"]).chars(60) or tweet["id"],
                (posted := timezone.localtime(tweet["created_at"], tz)).isoformat(),
                date_format(posted, "j M, H:i"),
                format_html(
                    "{}{}{}",
                    "" if one_account else f" · @{tweet['account']}",
                    "" if tweet["kind"] == "original" else f" · {tweet['kind']}",
                    PROMOTED if tweet["promoted"] else "",
                ),
                format_html_join(
                    "", "<td>{}</td>", ((format_cell(tweet, name),) for name in TOP_COLUMNS)
                ),
            )
            for tweet in tweets
        ),
    )


def _top_head(links: dict) -> str:
    """The top Tweets table's metric column headers, each a link that sorts by it."""
    return format_html_join(
        "",
        '<th scope="col"{}><a href="{}">{}</a></th>',
        (
            (_aria_sort(links[name]["state"]), links[name]["query"], TOP_LABELS[name])
            for name in TOP_COLUMNS
        ),
    )


def _aria_sort(state: str | None) -> str:
    return format_html(' aria-sort="{}"', state) if state else ""


def format_cell(tweet: dict, name: str) -> str:
    value = tweet[name]
    return format_rate(value) if name == "engagement_rate" else format_count(value)


def _period_links(request, data) -> list[dict]:
    chosen = data["period"]
    return [
        {
            "label": label,
            "query": _query(request, period=value, start=None, end=None),
            "current": chosen == value,
        }
        for value, label in (("7", "7 days"), ("30", "30 days"), ("90", "90 days"))
    ]


def _interval_links(request, period, current) -> list[dict]:
    links = []
    for interval, label in (("hour", "by hour"), ("day", "by day")):
        if interval == "hour" and period.length / timedelta(hours=1) > periods.MAX_POINTS:
            continue  # would exceed the point limit
        links.append(
            {
                "label": label,
                "query": _query(request, interval=interval),
                "current": interval == current,
            }
        )
    return links


def _sort_links(request, sort: str, descending: bool) -> dict:
    """For each column: the link that sorts by it (a second click reverses the order)."""
    links = {}
    for name in rollups.TOP_SORTS:
        order = "asc" if name == sort and descending else "desc"
        state = None
        if name == sort:
            state = "descending" if descending else "ascending"
        links[name] = {"query": _query(request, sort=name, order=order), "state": state}
    return links


# The tables behind the charts: a row per bucket, up to MAX_POINTS of them, written here
# (cell by cell in the template they took longer than their queries; through
# format_html_join, a third of the overview's Python). Only the labels are text to escape:
# format_count writes digits, separators and the dash.
SERIES_ROW = '<tr><th scope="row">{}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>'
FOLLOWERS_ROW = '<tr><th scope="row">{}</th><td>{}</td><td>{}</td><td>{}</td></tr>'


def _series_rows(series) -> str:
    s = series["series"]
    columns = [s[name] for name in ("organic", "promoted", "unsplit", "total")]
    return _rows(SERIES_ROW, series["labels"], columns)


def _followers_rows(followers) -> str:
    columns = [followers[name] for name in ("followers", "net_follows", "posts")]
    return _rows(FOLLOWERS_ROW, followers["labels"], columns)


def _rows(row: str, labels: list[str], columns: list[list]) -> str:
    """A table row per label: the label escaped, then each column's count there."""
    return mark_safe(
        "\n".join(
            row.format(html_escape(label), *(format_count(column[i]) for column in columns))
            for i, label in enumerate(labels)
        )
    )


AUDIENCE_CSV_COLUMNS = ("bucket_start", "followers", "net_follows", "tweets_posted")


@dashboard_view()
def audience_csv(request):
    """Followers at the end of each bucket, net follows and Tweets posted, as CSV."""
    scope = _scope(request)
    followers = audience.audience_series(
        scope.ids, scope.period, scope.tz, scope.data["interval"], scope.as_of
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"metricsdash-audience-{scope.days[0]}-to-{scope.days[1]}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    writer = csv_writer(response)
    writer.writerow(AUDIENCE_CSV_COLUMNS)
    for i, start in enumerate(followers["starts"]):
        writer.writerow(
            csv_row(
                (
                    start.isoformat(),
                    followers["followers"][i],
                    followers["net_follows"][i],
                    followers["posts"][i],
                )
            )
        )
    return response


TOP_CSV_COLUMNS = (
    "id",
    "account",
    "created_at",
    "kind",
    "promoted",
    *METRIC_LABELS,
    "engagements",
    "engagement_rate",
    "organic_impressions",
    "promoted_impressions",
    "as_of",
    "text",
)


@dashboard_view()
def overview_csv(request):
    """The top Tweets table for the period, every row, as CSV (empty cell: not measured)."""
    scope = _scope(request, TopQuery)
    rows = rollups.top_tweets(
        scope.ids, scope.period, scope.data["sort"], scope.data["order"] == "desc"
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"metricsdash-tweets-{scope.days[0]}-to-{scope.days[1]}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    writer = csv_writer(response)
    writer.writerow(TOP_CSV_COLUMNS)
    for row in rows:
        writer.writerow(csv_row(row[column] for column in TOP_CSV_COLUMNS))
    return response


@dashboard_view(json=True)
def api_kpis(request):
    """KPIs of the period and the previous one, with their change."""
    scope = _scope(request)
    return JSONResponse(
        {
            "period": scope.as_json(),
            "as_of": scope.as_of,
            "formulas": {
                "engagement_rate": ENGAGEMENT_FORMULA,
                "video_completion_rate": COMPLETION_FORMULA,
            },
            "kpis": _kpis_json(rollups.kpis(scope.ids, scope.period)),
        }
    )


@dashboard_view(json=True)
def api_series(request):
    """One metric over time, organic / promoted / not split, bucketed in the database."""
    scope = _scope(request, SeriesQuery)
    data = scope.data
    series = rollups.account_series(
        scope.ids, scope.period, scope.tz, data["metric"], data["interval"], scope.as_of
    )
    return JSONResponse({**series, "period": scope.as_json()})


@dashboard_view(json=True)
def api_audience(request):
    """Followers over time, net follows and Tweets posted per bucket, and the audience KPIs."""
    scope = _scope(request)
    ids, period = scope.ids, scope.period
    followers, (current, previous), net_follows = rollups.read_together(
        audience.audience_series_read(ids, period, scope.tz, scope.data["interval"], scope.as_of),
        rollups.totals_with_previous_read(ids, period),
        audience.net_follows_with_previous_read(ids, period),
    )
    kpis = audience.audience_kpis(ids, period, current, previous, net_follows)
    return JSONResponse({**followers, "period": scope.as_json(), "kpis": _kpis_json(kpis)})


@dashboard_view(json=True)
def api_engagements(request):
    """Each kind of engagement in the period, against the previous one."""
    scope = _scope(request)
    return JSONResponse(
        {
            "period": scope.as_json(),
            "as_of": scope.as_of,
            "engagements": rollups.engagements_by_kind(scope.ids, scope.period),
        }
    )


@dashboard_view(json=True)
def api_top_tweets(request):
    """Tweets posted in the period, sorted by a metric."""
    scope = _scope(request, TopQuery)
    data = scope.data
    tweets = rollups.top_tweets(
        scope.ids, scope.period, data["sort"], data["order"] == "desc", data["limit"]
    )
    return JSONResponse(
        {
            "period": scope.as_json(),
            "sort": data["sort"],
            "order": data["order"],
            "as_of": scope.as_of,
            "tweets": tweets,
        }
    )


# --- one Tweet ---------------------------------------------------------------------------


@dashboard_view(scope=False)
def tweet(request, tweet_id: int):
    """A Tweet's curves by age, gains per hour, organic vs promoted, video funnel, samples."""
    item = _tweet(request, tweet_id)
    data = TweetQuery.parse(request.GET)
    tz = _zone(request)
    stored = samples.read(item, tz, data["page"], SAMPLES_PER_PAGE)
    # The page's rows came with the read; the paginator only numbers the pages.
    paginator = Paginator(range(stored.count), SAMPLES_PER_PAGE)
    try:
        page = paginator.page(data["page"])
    except EmptyPage as exc:
        raise BadQuery(f"page: there are {paginator.num_pages} pages of samples.") from exc
    series = samples.tweet_series(item, stored)
    gains = samples.tweet_gains(item, data["metric"], tz, stored)
    videos = samples.tweet_videos(item)
    latest = _as_sample(stored, stored.thin[-1]) if stored.thin else None
    context = {
        "tweet": item,
        "tz": tz,
        "metric": data["metric"],
        "metric_label": LABELS[data["metric"]],
        "metric_links": [
            {"name": name, "label": label, "query": _query(request, metric=name, page=None)}
            for name, label in METRIC_LABELS.items()
        ],
        "latest": latest,
        "latest_rows": _latest_rows(latest),
        "series": series,
        "gains": gains,
        "gain_rows": _gain_rows(gains),
        "videos": videos,
        "page": page,
        "sample_labels": list(SAMPLE_TABLE.values()),
        "page_rows": [_sample_row(_as_sample(stored, row), item, tz) for row in stored.page],
        "page_links": {
            "previous": _query(request, page=page.previous_page_number())
            if page.has_previous()
            else None,
            "next": _query(request, page=page.next_page_number()) if page.has_next() else None,
        },
        "has_split": any(
            v is not None
            for name in ("organic_impressions", "promoted_impressions")
            for v in series["metrics"][name]
        ),
        "chart_data": _chart_data(series, gains, videos),
    }
    with timezone.override(tz):
        return render(request, "dashboard/tweet.html", context)


def _chart_data(series: dict, gains: dict, videos: list[dict]) -> dict:
    """What static/js/tweet.js draws, for the page's json_script: the series, gains and
    videos of the JSON endpoints without the instants the charts do not read (their x axis
    is the age, or the gains' labels). 1,443 fewer datetimes to write for a month-old
    Tweet, the most expensive values of the page's JSON, and about a third less JSON."""
    return {
        "series": {key: value for key, value in series.items() if key != "captured_at"},
        "gains": {key: value for key, value in gains.items() if key != "starts"},
        "videos": [
            {
                **video,
                "views_over_time": {
                    key: value
                    for key, value in video["views_over_time"].items()
                    if key != "captured_at"
                },
            }
            for video in videos
        ],
        "labels": METRIC_LABELS,
    }


def _gain_rows(gains: dict) -> str:
    """The gains table's rows, one per non-zero gain (up to 721 for a month of hours),
    written here rather than looked up cell by cell in the template; the same markup."""
    return format_html_join(
        "",
        '<tr><th scope="row">{}</th><td>{}</td></tr>',
        (
            (label, format_count(gain))
            for label, gain in zip(gains["labels"], gains["gains"], strict=True)
            if gain
        ),
    )


# The totals-now table's rows: each metric with its organic and promoted columns, if split.
LATEST_COLUMNS = tuple(
    (m.name, m.label, m.split, m.column("organic"), m.column("promoted")) for m in TWEET_METRICS
)


def _latest_rows(sample: dict | None) -> list[dict]:
    """Every metric of the latest sample: total, organic, promoted ("—" where X gave none)."""
    sample = sample or {}
    return [
        {
            "name": name,
            "label": label,
            "total": sample.get(name),
            "organic": sample.get(organic) if split else None,
            "promoted": sample.get(promoted) if split else None,
            "split": split,
        }
        for name, label, split, organic, promoted in LATEST_COLUMNS
    ]


def _as_sample(stored: samples.Read, row: tuple) -> dict:
    """A row of the read as {column: value}, for the tables."""
    return dict(zip(stored.columns, row, strict=True))


def _sample_row(sample: dict, item, tz: ZoneInfo) -> dict:
    """A row of the samples table, written here (50 rows of 22 cells): the instant as the
    template's date filters write it in the person's zone ('c' and "j M, H:i"), the age
    as the age filter says it, each metric cell escaped as format_html_join would."""
    moment = sample["captured_at"]
    local = moment.astimezone(tz)
    cells = "".join(f"<td>{html_escape(format_count(sample[name]))}</td>" for name in SAMPLE_TABLE)
    return {
        "datetime": local.isoformat(),
        "label": f"{local.day} {MONTHS_3[local.month].title()}, {local:%H:%M}",
        "age": age((moment - item.created_at).total_seconds() / 3600),
        "cells": mark_safe(cells),  # every value escaped above
    }


@dashboard_view(scope=False)
def tweet_samples_csv(request, tweet_id: int):
    """Every sample of a Tweet, oldest first, streamed (an empty cell: X gave nothing)."""
    item = _tweet(request, tweet_id)
    tz = _zone(request)
    rows = (
        TweetSample.objects.filter(tweet=item)
        .order_by("captured_at")
        .values_list("captured_at", *TWEET_SAMPLE_COLUMNS)
        .iterator(chunk_size=2000)
    )

    class Echo:
        def write(self, value):
            return value

    writer = csv_writer(Echo())

    def lines():
        yield writer.writerow(
            ["captured_at", "captured_at_local", "age_hours", *TWEET_SAMPLE_COLUMNS]
        )
        for captured_at, *values in rows:
            age = round((captured_at - item.created_at).total_seconds() / 3600, 4)
            local = captured_at.astimezone(tz).isoformat()
            yield writer.writerow(csv_row([captured_at, local, age, *values]))

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="tweet-{item.pk}-samples.csv"'
    return response


@dashboard_view(json=True, scope=False)
def api_tweet_series(request, tweet_id: int):
    """Every metric of a Tweet by age since posting (cumulative)."""
    return JSONResponse(samples.tweet_series(_tweet(request, tweet_id, with_account=False)))


@dashboard_view(json=True, scope=False)
def api_tweet_gains(request, tweet_id: int):
    """Gains of one metric per hour (per local day for long-lived Tweets)."""
    item = _tweet(request, tweet_id, with_account=False)
    data = TweetQuery.parse(request.GET)
    return JSONResponse(samples.tweet_gains(item, data["metric"], _zone(request)))


@dashboard_view(json=True, scope=False)
def api_tweet_video(request, tweet_id: int):
    """The Tweet's videos: quartile funnel with retention, views by age."""
    item = _tweet(request, tweet_id, with_account=False)
    return JSONResponse({"tweet": str(item.pk), "videos": samples.tweet_videos(item)})


# --- compare -----------------------------------------------------------------------------


def _compared(request, ids: list[int]) -> list[Tweet]:
    """The person's Tweets with these ids, in the order asked; any other id is a 404."""
    found = _tweets(request).filter(pk__in=ids).select_related("account")
    by_id = {t.pk: t for t in found}
    if len(by_id) != len(ids):
        raise Http404("No such Tweet among yours.")
    return [by_id[i] for i in ids]


@dashboard_view(scope=False)
def compare(request):
    """Up to ten Tweets overlaid by age since posting, raw or normalised."""
    data = CompareQuery.parse(request.GET)
    tweets = _compared(request, data["ids"])
    tz = _zone(request)
    candidates = list(
        _tweets(request).select_related("account").order_by("-created_at")[:COMPARE_CANDIDATES]
    )
    chosen = {t.pk for t in tweets}
    candidates = tweets + [t for t in candidates if t.pk not in chosen]
    series = (
        samples.compare_series(
            tweets, data["metric"], data["window"], data["scale"] == "normalised"
        )
        if tweets
        else []
    )
    window = samples.COMPARE_WINDOWS[data["window"]]
    hours = [h for h in samples.CHECKPOINTS if timedelta(hours=h) <= window]
    rows = _compare_rows(series, hours, samples.first_sampled(tweets) if tweets else {})
    context = {
        "data": data,
        "tweets": tweets,
        "chosen": chosen,
        "candidates": candidates,
        "rows": rows,
        "before_first": any(row["first_sampled"] is not None for row in rows),
        "checkpoints": [f"{h}h" for h in hours],
        "windows": list(samples.COMPARE_WINDOWS),
        "metrics": METRIC_LABELS,
        "max_tweets": samples.COMPARE_MAX_TWEETS,
        "chart_data": {
            "series": series,
            "metric": data["metric"],
            "label": LABELS[data["metric"]],
            "scale": data["scale"],
            "window_hours": window / timedelta(hours=1),
        },
        "tz": tz,
    }
    with timezone.override(tz):
        return render(request, "dashboard/compare.html", context)


def _compare_rows(series, hours: list[int], first_sampled: dict) -> list[dict]:
    """The compare table: each Tweet's value at each checkpoint age, and which cells are
    empty because the Tweet was already older than that at its first sample."""
    rows = []
    for curve in series:
        first = first_sampled.get(int(curve["id"]))
        cells = [
            {
                "value": curve["checkpoints"][f"{h}h"],
                "before_first": first is not None and h < first,
            }
            for h in hours
        ]
        late = any(cell["before_first"] for cell in cells)
        rows.append({"series": curve, "cells": cells, "first_sampled": first if late else None})
    return rows


@dashboard_view(json=True, scope=False)
def api_compare(request):
    """The compare chart's data: one curve per Tweet."""
    data = CompareQuery.parse(request.GET)
    if not data["ids"]:
        raise BadQuery("ids: choose one to ten Tweet ids, e.g. ids=123,456.")
    tweets = _compared(request, data["ids"])
    normalise = data["scale"] == "normalised"
    return JSONResponse(
        {
            "metric": data["metric"],
            "window": data["window"],
            "scale": data["scale"],
            "tweets": samples.compare_series(tweets, data["metric"], data["window"], normalise),
        }
    )


# --- the person's settings ---------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def settings_page(request):
    """The person's timezone, used by the dashboard and the email reports."""
    profile = Profile.of(request.user)
    form = ProfileForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, f"Timezone set to {profile.timezone}.")
        return redirect("dashboard:settings")
    return render(request, "dashboard/settings.html", {"form": form, "now": timezone.now()})
