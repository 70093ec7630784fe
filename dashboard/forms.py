"""The dashboard's query parameters, parsed strictly, and the person's settings form.

Everything a dashboard view shows is chosen in its URL query, so a view can be shared and
reloaded. Anything malformed (unparseable or swapped dates, a range over the limit, an
unknown metric, an id that is not an id) is a `BadQuery`: a 400 with a message, never a 500.
Ids that are well formed but not the person's are a 404, decided by the views.
"""

import functools
import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django import forms
from django.utils.datastructures import MultiValueDict
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

from accounts.models import Profile
from tweets.metrics import TWEET_METRICS
from tweets.periods import INTERVALS
from tweets.rollups import SERIES_METRICS, TOP_SORTS

from .samples import COMPARE_MAX_TWEETS, COMPARE_WINDOWS

PERIODS = (("7", "Last 7 days"), ("30", "Last 30 days"), ("90", "Last 90 days"))
DEFAULT_PERIOD = "30"
# Dates outside these years are typing mistakes, and would overflow timezone arithmetic.
FIRST_DAY, LAST_DAY = date(2006, 1, 1), date(2100, 12, 31)
ID = re.compile(r"^[0-9]{1,19}$")
BIGGEST_ID = 2**63 - 1  # ids are 64-bit signed integers, in X and in our database
DATE_FORMAT = "%Y-%m-%d"
MAX_PERIOD_DAYS = 366
METRIC_CHOICES = [(metric.name, metric.label) for metric in TWEET_METRICS]


class BadQuery(ValueError):
    """A malformed query parameter; its message is shown with the 400."""


def _choices(names) -> list[tuple[str, str]]:
    return [(name, name) for name in names]


# How many distinct queries each process keeps parsed (QueryForm.parse): the same few
# queries come again and again (the default one above all); a stranger's made-up ones only
# push the oldest out.
PARSED_QUERIES = 512


class QueryForm(forms.Form):
    """A form over request.GET whose defaults apply when a parameter is absent or empty."""

    defaults: dict = {}

    @classmethod
    def parse(cls, data) -> dict:
        """`cls(data).parsed()`, kept per process for the values of this form's parameters:
        what a query means depends on nothing else, and building a form (Django copies
        every field of it) cost more than the rest of a small JSON request's Python. Each
        call gets a copy of its own."""
        getlist = data.getlist if hasattr(data, "getlist") else lambda name: [data[name]]
        values = tuple((name, tuple(getlist(name))) for name in cls.base_fields if name in data)
        parsed = _parsed(cls, values)
        if isinstance(parsed, BadQuery):
            raise BadQuery(str(parsed))
        return {k: list(v) if isinstance(v, list) else v for k, v in parsed.items()}

    def __init__(self, data, **kwargs):
        # Only the parameters this form knows; others (e.g. utm_*) are ignored.
        values = {name: data.get(name, "") for name in self.base_fields}
        for name, value in self.defaults.items():
            if values.get(name) in ("", None):
                values[name] = value
        super().__init__(values, **kwargs)

    def parsed(self) -> dict:
        """The cleaned values, or BadQuery naming each bad parameter and why."""
        if self.is_valid():
            return self.cleaned_data
        problems = []
        for name, errors in self.errors.items():
            prefix = "" if name == "__all__" else f"{name}: "
            problems += [f"{prefix}{error}" for error in errors]
        raise BadQuery("; ".join(problems))


@functools.lru_cache(maxsize=PARSED_QUERIES)
def _parsed(form_class: type[QueryForm], values: tuple) -> dict | BadQuery:
    """QueryForm.parse's cache: the parsed query, or what is wrong with it."""
    data = MultiValueDict({name: list(given) for name, given in values})
    try:
        return form_class(data).parsed()
    except BadQuery as exc:
        return exc


class PeriodQuery(QueryForm):
    """account, period (7 / 30 / 90 / custom) with start and end dates, chart interval."""

    account = forms.RegexField(
        regex=r"^(all|[0-9]{1,19})$",
        error_messages={"invalid": "must be 'all' or the id of one of your accounts."},
    )
    period = forms.ChoiceField(choices=[*PERIODS, ("custom", "Custom")])
    start = forms.DateField(required=False, input_formats=[DATE_FORMAT])
    end = forms.DateField(required=False, input_formats=[DATE_FORMAT])
    interval = forms.ChoiceField(choices=_choices(("auto", *INTERVALS)))

    defaults = {"account": "all", "period": DEFAULT_PERIOD, "interval": "auto"}
    date_message = "Enter a date as YYYY-MM-DD."

    def __init__(self, data, **kwargs):
        # Dates given without period=custom mean a custom period.
        if data.get("start") or data.get("end"):
            data = data.copy()
            data["period"] = data.get("period") or "custom"
        super().__init__(data, **kwargs)
        for name in ("start", "end"):
            self.fields[name].error_messages["invalid"] = self.date_message

    def clean(self):
        data = super().clean()
        if data.get("period") != "custom":
            return data
        start, end = data.get("start"), data.get("end")
        if "start" in self.errors or "end" in self.errors:
            return data
        if start is None or end is None:
            raise forms.ValidationError("A custom period needs both start and end dates.")
        for day in (start, end):
            if not FIRST_DAY <= day <= LAST_DAY:
                raise forms.ValidationError(
                    f"Dates must lie between {FIRST_DAY} and {LAST_DAY}; {day} does not."
                )
        if start > end:
            raise forms.ValidationError(
                f"start ({start}) is after end ({end}); swap them to see that period."
            )
        days = (end - start).days + 1
        if days > MAX_PERIOD_DAYS:
            raise forms.ValidationError(
                f"The period is {days} days long; the longest is {MAX_PERIOD_DAYS}."
            )
        return data

    def clean_account(self) -> str:
        value = self.cleaned_data["account"]
        if value != "all" and int(value) > BIGGEST_ID:
            raise forms.ValidationError("must be 'all' or the id of one of your accounts.")
        return value

    @staticmethod
    def account_id(data: dict) -> int | None:
        """The account a parsed query chose; None for all of the person's accounts."""
        value = data["account"]
        return None if value == "all" else int(value)

    @staticmethod
    def dates(data: dict, tz: ZoneInfo, now: datetime) -> tuple[date, date]:
        """First and last local day of a parsed query's period."""
        if data["period"] == "custom":
            return data["start"], data["end"]
        today = now.astimezone(tz).date()
        return today - timedelta(days=int(data["period"]) - 1), today


class SeriesQuery(PeriodQuery):
    metric = forms.ChoiceField(choices=_choices(SERIES_METRICS))
    defaults = {**PeriodQuery.defaults, "metric": "impressions"}


class TopQuery(PeriodQuery):
    """The top Tweets table: sorted by any of its metrics."""

    sort = forms.ChoiceField(choices=_choices(TOP_SORTS))
    order = forms.ChoiceField(choices=_choices(("desc", "asc")))
    limit = forms.IntegerField(min_value=1, max_value=1000)

    defaults = {**PeriodQuery.defaults, "sort": "impressions", "order": "desc", "limit": "25"}


class TimingQuery(PeriodQuery):
    """The best time to post: a window of history (90 days unless asked), replies or not."""

    replies = forms.ChoiceField(choices=(("0", "Leave replies out"), ("1", "Count replies")))

    defaults = {**PeriodQuery.defaults, "period": "90", "replies": "0"}


class TweetQuery(QueryForm):
    """A Tweet page: which metric the gains chart shows, which page of samples."""

    metric = forms.ChoiceField(choices=METRIC_CHOICES)
    page = forms.IntegerField(min_value=1, max_value=1_000_000)

    defaults = {"metric": "impressions", "page": "1"}


class CompareQuery(QueryForm):
    """Up to ten Tweets by id, a window since posting, raw or normalised, one metric."""

    ids = forms.CharField(required=False)
    window = forms.ChoiceField(choices=_choices(COMPARE_WINDOWS))
    scale = forms.ChoiceField(choices=_choices(("raw", "normalised")))
    metric = forms.ChoiceField(choices=METRIC_CHOICES)

    defaults = {"window": "7d", "scale": "raw", "metric": "impressions"}

    def __init__(self, data, **kwargs):
        # ids=1,2 and ids=1&ids=2 (checkboxes of a plain HTML form) both work.
        merged = ",".join(data.getlist("ids")) if hasattr(data, "getlist") else data.get("ids")
        data = {**{k: data.get(k) for k in data}, "ids": merged or ""}
        super().__init__(data, **kwargs)

    def clean_ids(self) -> list[int]:
        raw = [part.strip() for part in self.cleaned_data["ids"].split(",") if part.strip()]
        bad = [part for part in raw if not ID.match(part) or int(part) > BIGGEST_ID]
        if bad:
            raise forms.ValidationError(f"{bad[0][:30]!r} is not a Tweet id (digits only).")
        ids = list(dict.fromkeys(int(part) for part in raw))
        if len(ids) > COMPARE_MAX_TWEETS:
            raise forms.ValidationError(
                f"{len(ids)} Tweets chosen; compare at most {COMPARE_MAX_TWEETS}."
            )
        return ids


class ZoneSelect(forms.Select):
    """A select of every zone (about 600 flat choices), its options written in one
    format_html_join: Django's select draws each option through a template of its own,
    0.1-0.3 s per page (the same HTML, whitespace aside)."""

    template_name = "dashboard/zone_select.html"

    def get_context(self, name, value, attrs):
        context = forms.Widget.get_context(self, name, value, attrs)
        chosen = set(context["widget"]["value"])
        context["widget"]["options"] = format_html_join(
            "\n  ",
            '<option value="{}"{}>{}</option>',
            (
                (key, mark_safe(" selected") if str(key) in chosen else "", label)
                for key, label in self.choices
            ),
        )
        return context


class ProfileForm(forms.ModelForm):
    """The person's timezone: where days start on the dashboard and in reports."""

    class Meta:
        model = Profile
        fields = ["timezone"]
        widgets = {"timezone": ZoneSelect}
        help_texts = {
            "timezone": "Days, hours and dates on the dashboard and in reports are in this zone."
        }
