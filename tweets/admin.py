"""Admin for Tweets, media, samples, rollups and poll runs.

What the poller wrote is a record, not something to edit: rollups and poll runs are
view-only, Tweets and media can only be deleted. Samples are keyed by (object, instant),
a composite primary key the admin cannot register, so a Tweet's (or a video's) page lists
its latest samples, read through that key. Big changelists never count the whole table.
"""

from django.contrib import admin
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Case, IntegerField, Value, When
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join

from .metrics import MISSING, TWEET_SAMPLE_COLUMNS, VIDEO_SAMPLE_COLUMNS
from .models import (
    AudienceHourly,
    AudienceSample,
    BilledReads,
    HourlyRollup,
    Media,
    PollRun,
    Tweet,
    TweetSample,
    VideoSample,
)

# Below this many rows an exact COUNT(*) is cheap enough.
ESTIMATE_ABOVE = 100_000


class EstimatedCountPaginator(Paginator):
    """Counts an unfiltered changelist from Postgres' table statistics instead of COUNT(*),
    which reads every row; filtered lists (one Tweet's samples) are counted exactly."""

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if connection.vendor == "postgresql" and not queryset.query.where:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                    [queryset.model._meta.db_table],
                )
                row = cursor.fetchone()
            if row and row[0] > ESTIMATE_ABOVE:
                return int(row[0])
        return super().count


class BigTableAdmin(admin.ModelAdmin):
    """Changelists that stay fast on millions of rows: no full count, estimated paging."""

    show_full_result_count = False
    paginator = EstimatedCountPaginator
    list_per_page = 50
    # A term of digits only is an id, looked up exactly (by index); else the usual search.
    id_search_field = None

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if self.id_search_field and term.isdigit():
            return queryset.filter(**{self.id_search_field: int(term)}), False
        return super().get_search_results(request, queryset, search_term)


class RecordAdmin(BigTableAdmin):
    """What happened, as it happened: viewable, never added, changed or deleted here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# How many of an object's samples its admin page lists, newest first.
SAMPLES_SHOWN = 100


def samples_table(samples, columns) -> str:
    """An object's latest samples as an HTML table, newest first ("—" for none)."""
    rows = samples.order_by("-captured_at").values_list("captured_at", *columns)[:SAMPLES_SHOWN]
    if not rows:
        return MISSING
    head = format_html_join("", "<th>{}</th>", ((name,) for name in ("captured_at", *columns)))
    body = format_html_join(
        "",
        "<tr>{}</tr>",
        (
            (format_html_join("", "<td>{}</td>", ((MISSING if v is None else v,) for v in row)),)
            for row in rows
        ),
    )
    return format_html("<table><thead><tr>{}</tr></thead><tbody>{}</tbody></table>", head, body)


class ViewAndDeleteAdmin(BigTableAdmin):
    """Data from X: viewable and deletable (cleaning up), never typed in or edited."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Tweet)
class TweetAdmin(ViewAndDeleteAdmin):
    list_display = ("id", "account", "kind", "created_at", "promoted", "last_polled_at", "text_")
    list_filter = ("kind", "promoted")
    search_fields = ("account__username", "text")
    id_search_field = "pk"
    date_hierarchy = "created_at"
    list_select_related = ("account",)
    raw_id_fields = ("account", "media")
    ordering = ("-created_at",)
    readonly_fields = ("samples_",)

    @admin.display(description=f"Latest {SAMPLES_SHOWN} samples")
    def samples_(self, tweet):
        return samples_table(TweetSample.objects.filter(tweet=tweet), TWEET_SAMPLE_COLUMNS)

    @admin.display(description="Text")
    def text_(self, tweet):
        return tweet.text[:80] + ("…" if len(tweet.text) > 80 else "")


@admin.register(Media)
class MediaAdmin(ViewAndDeleteAdmin):
    list_display = ("media_key", "account", "type", "duration_ms", "last_sampled_at")
    list_filter = ("type",)
    search_fields = ("=media_key", "account__username")
    date_hierarchy = "last_sampled_at"
    list_select_related = ("account",)
    raw_id_fields = ("account",)
    readonly_fields = ("samples_",)

    @admin.display(description=f"Latest {SAMPLES_SHOWN} samples")
    def samples_(self, media):
        return samples_table(VideoSample.objects.filter(media=media), VIDEO_SAMPLE_COLUMNS)


class RollupAdmin(RecordAdmin):
    list_display = (
        "account",
        "bucket",
        "context",
        "impressions",
        "likes",
        "retweets",
        "replies",
        "url_clicks",
        "profile_clicks",
        "video_views",
        "video_completions",
    )
    list_filter = ("context",)
    search_fields = ("account__username",)
    date_hierarchy = "bucket"
    list_select_related = ("account",)
    raw_id_fields = ("account",)
    ordering = ("-bucket",)


admin.site.register(HourlyRollup, RollupAdmin)


@admin.register(AudienceSample)
class AudienceSampleAdmin(RecordAdmin):
    list_display = ("account", "captured_at", *AudienceSample.COLUMNS)
    search_fields = ("account__username",)
    date_hierarchy = "captured_at"
    list_select_related = ("account",)
    raw_id_fields = ("account",)
    ordering = ("-captured_at",)


@admin.register(AudienceHourly)
class AudienceHourlyAdmin(RecordAdmin):
    list_display = ("account", "bucket", "net_follows")
    search_fields = ("account__username",)
    date_hierarchy = "bucket"
    list_select_related = ("account",)
    raw_id_fields = ("account",)
    ordering = ("-bucket",)


@admin.register(BilledReads)
class BilledReadsAdmin(RecordAdmin):
    list_display = ("account", "day", "tweets")
    search_fields = ("account__username",)
    date_hierarchy = "day"
    list_select_related = ("account",)
    raw_id_fields = ("account",)
    ordering = ("-day",)


# 0 for failed and unauthorised runs, 1 for rate-limited ones, 2 for the rest.
TROUBLE_FIRST = Case(
    When(outcome__in=[PollRun.Outcome.FAILED, PollRun.Outcome.UNAUTHORIZED], then=Value(0)),
    When(outcome=PollRun.Outcome.RATE_LIMITED, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


@admin.register(PollRun)
class PollRunAdmin(RecordAdmin):
    list_display = (
        "started_at",
        "account",
        "kind",
        "outcome_",
        "requests_made",
        "tweets_sampled",
        "samples_written",
        "rate_limit_remaining",
        "duration",
        "cause",
    )
    list_filter = ("outcome", "kind")
    search_fields = ("account__username", "error")
    date_hierarchy = "started_at"
    list_select_related = ("account",)
    raw_id_fields = ("account",)
    # Failures first (with their cause), then rate limits, then the rest; newest first.
    ordering = (TROUBLE_FIRST.asc(), "-started_at")

    @admin.display(description="Outcome", ordering="outcome")
    def outcome_(self, run):
        # Coloured by static/css/admin.css: no inline style under the CSP.
        return format_html(
            '<strong class="poll-outcome poll-outcome-{}">{}</strong>',
            run.outcome,
            run.get_outcome_display(),
        )

    @admin.display(description="Duration")
    def duration(self, run):
        if run.finished_at is None:
            return "—"
        return f"{(run.finished_at - run.started_at).total_seconds():.1f} s"

    @admin.display(description="Cause")
    def cause(self, run):
        return run.error[:160] + ("…" if len(run.error) > 160 else "") if run.error else ""
