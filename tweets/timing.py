"""The best time to post: how Tweets posted in each local weekday and hour did in their
first 24 hours, computed in the database from the samples (the dashboard and the reports).

What is measured: each Tweet's totals at its last sample taken at or before the age of
24 hours (samples are stored only when a value changed, so that sample holds the value at
24 hours), for Tweets polled at least once after that age. Per slot, the median of those
impressions and of the engagement rates: a median is not moved by one viral Tweet. A slot
with fewer than MIN_TWEETS Tweets gives no number: too few to say anything.
Retweets never count (their counts are the original's); replies only when asked for.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import median
from zoneinfo import ZoneInfo

from django.db.models import F

from .metrics import ENGAGEMENT_PARTS, TWEET_METRICS
from .models import Tweet, TweetSample
from .rollups import Read, alone

MIN_TWEETS = 3  # fewer Tweets in a slot than this, and its median says nothing
FIRST_DAY = timedelta(hours=24)
BEST = 3
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class Slot:
    """One local (weekday, hour) cell: weekday counts from Monday = 0."""

    weekday: int
    hour: int
    tweets: int
    median_impressions: float | None  # None: fewer than MIN_TWEETS Tweets
    median_engagement_rate: float | None

    @property
    def enough(self) -> bool:
        return self.median_impressions is not None

    @property
    def label(self) -> str:
        """'Tuesday 09:00-10:00', local time."""
        return f"{WEEKDAYS[self.weekday]} {self.hour:02d}:00-{(self.hour + 1) % 24:02d}:00"


@dataclass(frozen=True)
class Timing:
    """Every slot with at least one Tweet, and the best ones by median impressions."""

    slots: list[Slot]
    min_tweets: int

    @property
    def best(self) -> list[Slot]:
        ranked = [s for s in self.slots if s.enough]
        ranked.sort(key=lambda s: (-s.median_impressions, s.weekday, s.hour))
        return ranked[:BEST]

    @property
    def tweets(self) -> int:
        return sum(s.tweets for s in self.slots)

    def grid(self) -> list[list[Slot | None]]:
        """7 weekday rows of 24 hour cells (None where nothing was posted)."""
        cells = {(s.weekday, s.hour): s for s in self.slots}
        return [[cells.get((day, hour)) for hour in range(24)] for day in range(7)]


def _columns() -> tuple[str, str]:
    by_name = {m.name: m for m in TWEET_METRICS}
    impressions = by_name["impressions"].column("total")
    engagements = " + ".join(f"s.{by_name[n].column('total')}" for n in ENGAGEMENT_PARTS)
    return impressions, engagements


# The sample columns best_slots reads, from the registry once.
COLUMNS = _columns()


def _rows_in_python(params: dict, tz: ZoneInfo) -> list[tuple]:
    """best_slots' rows through the ORM, for databases without its SQL (the demo's
    SQLite): each Tweet's last sample within FIRST_DAY of posting, medians per slot."""
    by_name = {m.name: m for m in TWEET_METRICS}
    impressions = by_name["impressions"].column("total")
    parts = [by_name[name].column("total") for name in ENGAGEMENT_PARTS]
    tweets = Tweet.objects.filter(
        account_id__in=params["ids"],
        kind__in=params["kinds"],
        created_at__gte=params["since"],
        created_at__lt=params["until"],
        last_polled_at__gte=F("created_at") + params["day"],
    )
    samples = TweetSample.objects.filter(
        tweet__in=tweets, captured_at__lte=F("tweet__created_at") + params["day"]
    ).order_by("tweet_id", "captured_at")
    last = {}
    for tweet_id, created, *values in samples.values_list(
        "tweet_id", "tweet__created_at", impressions, *parts
    ):
        last[tweet_id] = (created, values)
    slots: dict[tuple[int, int], list] = {}
    for created, (shown, *engaged) in last.values():
        if shown is None:
            continue
        local = created.astimezone(tz)
        rate = None if None in engaged or not shown else sum(engaged) / shown
        slots.setdefault((local.weekday(), local.hour), []).append((shown, rate))
    return [
        (
            weekday,
            hour,
            len(found),
            float(median(shown for shown, _ in found)),
            _median_or_none([rate for _, rate in found if rate is not None]),
        )
        for (weekday, hour), found in sorted(slots.items())
    ]


def _median_or_none(values: list[float]) -> float | None:
    return float(median(values)) if values else None


def best_slots_read(
    account_ids,
    tz: ZoneInfo,
    since: datetime,
    until: datetime,
    *,
    replies: bool = False,
    min_tweets: int = MIN_TWEETS,
) -> Read:
    """First-24-hour results of the accounts' Tweets posted in [since, until), per local
    weekday and hour in `tz`, in one query."""
    impressions, engagements = COLUMNS
    kinds = [Tweet.Kind.ORIGINAL, Tweet.Kind.QUOTE] + ([Tweet.Kind.REPLY] if replies else [])
    sql = f"""
        WITH first_day AS (
            SELECT
                t.created_at AT TIME ZONE %(tz)s AS local,
                s.{impressions} AS impressions,
                ({engagements})::float / NULLIF(s.{impressions}, 0) AS rate
            FROM {Tweet._meta.db_table} t
            CROSS JOIN LATERAL (
                -- One backward step through the (tweet, captured_at) key per Tweet.
                SELECT * FROM {TweetSample._meta.db_table}
                WHERE tweet_id = t.id AND captured_at <= t.created_at + %(day)s
                ORDER BY captured_at DESC LIMIT 1
            ) s
            WHERE t.account_id = ANY(%(ids)s)
              AND t.kind = ANY(%(kinds)s)
              AND t.created_at >= %(since)s AND t.created_at < %(until)s
              AND t.last_polled_at >= t.created_at + %(day)s
        )
        SELECT EXTRACT(isodow FROM local)::int - 1, EXTRACT(hour FROM local)::int,
               count(impressions),
               percentile_cont(0.5) WITHIN GROUP (ORDER BY impressions),
               percentile_cont(0.5) WITHIN GROUP (ORDER BY rate)
        FROM first_day
        WHERE impressions IS NOT NULL
        GROUP BY 1, 2
        ORDER BY 1, 2
    """
    params = {
        "tz": tz.key,
        "ids": list(account_ids),
        "kinds": [str(k) for k in kinds],
        "since": since,
        "until": until,
        "day": FIRST_DAY,
    }

    def finish(rows: list) -> Timing:
        return Timing(
            slots=[
                Slot(
                    weekday,
                    hour,
                    count,
                    median if count >= min_tweets else None,
                    rate if count >= min_tweets else None,
                )
                for weekday, hour, count, median, rate in rows
            ],
            min_tweets=min_tweets,
        )

    return Read(sql, params, finish, lambda: finish(_rows_in_python(params, tz)))


best_slots = alone(best_slots_read)
