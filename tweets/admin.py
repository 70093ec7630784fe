"""Admin for Tweets, media, samples, rollups and poll runs.

What the poller wrote is a record, not something to edit: samples, rollups and poll runs
are view-only, Tweets and media can only be deleted. The sample tables hold millions of
rows, so their changelists never count or sort the whole table, take no date hierarchy
(its Min/Max would read every row) and look Tweets up by id through the unique index.
"""

from django.contrib import admin
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Case, IntegerField, Value, When
from django.utils.functional import cached_property
from django.utils.html import format_html

from .models import (
    AudienceHourly,
    AudienceSample,
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


@admin.register(TweetSample)
class TweetSampleAdmin(RecordAdmin):
    list_display = (
        "tweet_id",
        "captured_at",
        "impressions",
        "likes",
        "retweets",
        "replies",
        "url_clicks",
        "profile_clicks",
        "organic_impressions",
        "promoted_impressions",
    )
    list_filter = (("captured_at", admin.DateFieldListFilter),)
    search_fields = ("tweet__id",)
    search_help_text = "A Tweet's id shows its samples."
    raw_id_fields = ("tweet",)
    ordering = ("-id",)  # the primary key's order is insertion order, by index
    sortable_by = ()  # sorting by any column would sort the whole table

    def get_search_results(self, request, queryset, search_term):
        # Only a Tweet id makes sense here: matched exactly, by the unique index.
        term = search_term.strip()
        if not term:
            return queryset, False
        return (queryset.filter(tweet_id=int(term)) if term.isdigit() else queryset.none()), False


@admin.register(VideoSample)
class VideoSampleAdmin(RecordAdmin):
    list_display = (
        "media_id",
        "captured_at",
        "views",
        "playback_0",
        "playback_25",
        "playback_50",
        "playback_75",
        "playback_100",
    )
    list_filter = (("captured_at", admin.DateFieldListFilter),)
    search_fields = ("media__media_key",)
    search_help_text = "A media key shows its samples."
    raw_id_fields = ("media",)
    ordering = ("-id",)
    sortable_by = ()

    def get_search_results(self, request, queryset, search_term):
        # Media keys are exact: match by the unique index, never with a pattern.
        term = search_term.strip()
        return (queryset.filter(media_id=term) if term else queryset), False


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
