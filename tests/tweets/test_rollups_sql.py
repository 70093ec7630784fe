"""Every KPI and its change, and the account charts' buckets, equal an independent SQL
computation over the raw samples: at the edges of periods and across the DST change in
the person's timezone (Europe/Berlin falls back on Sunday 2026-10-25, 03:00 CEST -> 02:00 CET).

The SQL below reads the samples, never the rollups or tweets/rollups.py: a gain is a sample
minus the Tweet's (or video's) previous sample, a first sample counts from zero at the
posting time, and local days are turned into instants by PostgreSQL's AT TIME ZONE.
"""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from accounts.models import Profile
from tests.conftest import Clock
from tweets import periods, polling, rollups

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
TWEET_COLUMNS = (
    "impressions",
    "likes",
    "retweets",
    "replies",
    "quotes",
    "bookmarks",
    "url_clicks",
    "profile_clicks",
)
VIDEO_COLUMNS = ("views", "playback_0", "playback_100")
KPI_NAMES = (
    "impressions",
    "engagements",
    "engagement_rate",
    "url_clicks",
    "profile_clicks",
    "video_views",
    "video_completion_rate",
)
# Polls around both local midnights and through the repeated hour (UTC instants).
POLLS = (
    "2026-10-24T06:00",
    "2026-10-24T12:00",
    "2026-10-24T18:00",
    "2026-10-24T21:30",  # 23:30 CEST: the last hour of Saturday 24 October
    "2026-10-24T22:50",  # 00:50 CEST: the first hour of Sunday 25 October
    "2026-10-25T00:30",  # 02:30 CEST, the first time 02:30 happens that night
    "2026-10-25T01:30",  # 02:30 CET, the second time
    "2026-10-25T06:00",
    "2026-10-25T14:00",
    "2026-10-25T22:30",  # 23:30 CET: the last hour of Sunday (a 25-hour day)
    "2026-10-25T23:50",  # 00:50 CET: the first hour of Monday 26 October
    "2026-10-26T08:00",
)


def _deltas(alias: str, columns, partition: str) -> str:
    return (
        ",\n".join(
            f"CASE WHEN LAG({alias}.captured_at) OVER w IS NULL THEN {alias}.{c}"
            f" ELSE {alias}.{c} - LAG({alias}.{c}) OVER w END AS {c}"
            for c in columns
        )
        + f"\n, {partition}"
    )


GAINS = f"""
WITH tweet_gains AS (
    SELECT CASE WHEN LAG(s.captured_at) OVER w IS NULL THEN t.created_at
                ELSE s.captured_at END AS moment,
           {_deltas("s", TWEET_COLUMNS, "s.tweet_id")}
    FROM tweets_tweetsample s JOIN tweets_tweet t ON t.id = s.tweet_id
    WHERE t.account_id = %(account)s AND t.kind <> 'retweet'
    WINDOW w AS (PARTITION BY s.tweet_id ORDER BY s.captured_at)
), first_posted AS (
    SELECT tm.media_id, MIN(t.created_at) AS at
    FROM tweets_tweet_media tm JOIN tweets_tweet t ON t.id = tm.tweet_id
    GROUP BY tm.media_id
), video_gains AS (
    SELECT CASE WHEN LAG(v.captured_at) OVER w IS NULL THEN f.at
                ELSE v.captured_at END AS moment,
           {_deltas("v", VIDEO_COLUMNS, "v.media_id")}
    FROM tweets_videosample v
    JOIN tweets_media m ON m.media_key = v.media_id
    JOIN first_posted f ON f.media_id = v.media_id
    WHERE m.account_id = %(account)s
    WINDOW w AS (PARTITION BY v.media_id ORDER BY v.captured_at)
)
"""


def local_bounds(first: date, last: date, tz: str) -> tuple[datetime, datetime]:
    """Local midnights as instants, computed by PostgreSQL."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT %s::date::timestamp AT TIME ZONE %s, (%s::date + 1)::timestamp AT TIME ZONE %s",
            [first, tz, last, tz],
        )
        return cursor.fetchone()


def sql_sums(account_id: int, start: datetime, end: datetime) -> dict | None:
    """Gains of every column whose hour (UTC, as X's instants) falls in [start, end)."""
    hour = "date_trunc('hour', moment, 'UTC')"
    in_period = f"{hour} >= %(start)s AND {hour} < %(end)s"
    sums = ", ".join(f"SUM({c}) AS {c}" for c in TWEET_COLUMNS)
    video = ", ".join(f"SUM({c}) AS video_{c}" for c in VIDEO_COLUMNS)
    params = {"account": account_id, "start": start, "end": end}
    with connection.cursor() as cursor:
        cursor.execute(
            GAINS + f"SELECT {sums}, (SELECT row_to_json(x) FROM (SELECT {video} FROM video_gains"
            f" WHERE {in_period}) x) FROM tweet_gains WHERE {in_period}",
            params,
        )
        *tweet, videos = cursor.fetchone()
        cursor.execute(
            "SELECT COUNT(*) FROM tweets_pollrun WHERE account_id = %(account)s"
            " AND outcome = 'ok' AND started_at >= %(start)s AND started_at < %(end)s",
            params,
        )
        polled = cursor.fetchone()[0] > 0
    values = dict(zip(TWEET_COLUMNS, tweet, strict=True)) | (videos or {})
    if not polled and all(v is None for v in values.values()):
        return None  # nothing measured: "—"
    return {name: value or 0 for name, value in values.items()}


def sql_kpis(sums: dict | None) -> dict | None:
    if sums is None:
        return None
    engagements = sum(sums[c] for c in TWEET_COLUMNS if c != "impressions")
    return {
        "impressions": sums["impressions"],
        "engagements": engagements,
        "engagement_rate": engagements / sums["impressions"] if sums["impressions"] else None,
        "url_clicks": sums["url_clicks"],
        "profile_clicks": sums["profile_clicks"],
        "video_views": sums["video_views"],
        "video_completion_rate": sums["video_playback_100"] / sums["video_playback_0"]
        if sums["video_playback_0"]
        else None,
    }


def expected_kpis(account_id, first: date, last: date, tz="Europe/Berlin") -> dict:
    """{kpi: (value, previous, change)} from SQL alone; the previous period is the one of
    equal length (in real hours) just before."""
    start, end = local_bounds(first, last, tz)
    current = sql_kpis(sql_sums(account_id, start, end))
    previous = sql_kpis(sql_sums(account_id, start - (end - start), start))
    out = {}
    for name in KPI_NAMES:
        value = None if current is None else current[name]
        before = None if previous is None else previous[name]
        change = None if value is None or not before else (value - before) / before
        out[name] = (value, before, change)
    return out


def assert_kpis_match(account_id, first, last, label):
    period = periods.local_period(first, last, BERLIN)
    cards = {k.name: k for k in rollups.kpis([account_id], period)}
    expected = expected_kpis(account_id, first, last)
    assert set(cards) == set(expected)
    for name, (value, previous, change) in expected.items():
        card = cards[name]
        assert card.value == pytest.approx(value), (label, name)
        assert card.previous == pytest.approx(previous), (label, name)
        assert card.change == pytest.approx(change), (label, name)
    shown = {
        n: (v if not isinstance(v, float) else round(v, 4)) for n, (v, _, _) in expected.items()
    }
    changes = {n: (c if c is None else round(c, 4)) for n, (_, _, c) in expected.items()}
    print(f"{label}: {shown}\n  change: {changes}")
    return expected


@pytest.fixture
def berlin(x_api, link, alice):
    """@sandbox_demo polled around the night Berlin leaves summer time; alice lives there."""
    Profile.objects.create(user=alice, timezone="Europe/Berlin")
    clock = Clock(x_api, datetime.fromisoformat(POLLS[0]).replace(tzinfo=UTC))
    account = link("sandbox_demo")
    for moment in POLLS:
        clock.move_to(datetime.fromisoformat(moment).replace(tzinfo=UTC))
        runs = polling.poll_account(account)
        assert runs[0].outcome == "ok", runs[0].error
    yield account
    clock.stop()
    x_api.control("POST", "clock", {"real": True})


def test_kpis_and_chart_buckets_equal_sql_at_period_edges_and_across_dst(berlin, client, alice):
    """One polled history (polling it costs seconds), three checks."""
    check_kpis_on_each_local_day_and_across_the_dst_change(berlin)
    check_a_gain_in_the_last_hour_belongs_to_its_day_and_the_next_hour_to_the_next(berlin)
    client.force_login(alice)
    check_chart_buckets_across_the_dst_change(berlin, client)


def check_kpis_on_each_local_day_and_across_the_dst_change(berlin):
    for first, last in (
        (date(2026, 10, 24), date(2026, 10, 24)),
        (date(2026, 10, 25), date(2026, 10, 25)),  # 25 hours long
        (date(2026, 10, 26), date(2026, 10, 26)),
        (date(2026, 10, 24), date(2026, 10, 26)),
        (date(2026, 10, 20), date(2026, 10, 26)),  # "last 7 days" on the 26th
        (date(2026, 9, 28), date(2026, 10, 26)),  # 30 days; its previous is before any poll
    ):
        expected = assert_kpis_match(berlin.pk, first, last, f"{first}..{last}")
        assert expected["impressions"][0] > 0
    start, end = local_bounds(date(2026, 10, 25), date(2026, 10, 25), "Europe/Berlin")
    assert end - start == timedelta(hours=25)
    assert periods.last_days(7, BERLIN, datetime(2026, 10, 26, 8, tzinfo=UTC)) == (
        periods.local_period(date(2026, 10, 20), date(2026, 10, 26), BERLIN)
    )


def check_a_gain_in_the_last_hour_belongs_to_its_day_and_the_next_hour_to_the_next(berlin):
    for last_day in (date(2026, 10, 24), date(2026, 10, 25)):
        _, midnight = local_bounds(last_day, last_day, "Europe/Berlin")
        hour = timedelta(hours=1)
        before = sql_sums(berlin.pk, midnight - hour, midnight)["impressions"]
        after = sql_sums(berlin.pk, midnight, midnight + hour)["impressions"]
        # Both edge hours really hold gains, so the edge is exercised.
        assert before > 0 and after > 0
        today = rollups.kpis([berlin.pk], periods.local_period(last_day, last_day, BERLIN))
        tomorrow = last_day + timedelta(days=1)
        next_day = rollups.kpis([berlin.pk], periods.local_period(tomorrow, tomorrow, BERLIN))
        whole = sql_sums(berlin.pk, *local_bounds(last_day, last_day, "Europe/Berlin"))
        following = sql_sums(berlin.pk, *local_bounds(tomorrow, tomorrow, "Europe/Berlin"))
        assert today[0].value == whole["impressions"]
        assert next_day[0].value == following["impressions"]
        # Moving the edge by one hour moves exactly that hour's gains.
        shifted = periods.Period(
            periods.local_period(last_day, last_day, BERLIN).start, midnight + hour
        )
        assert rollups.kpis([berlin.pk], shifted)[0].value == whole["impressions"] + after
        print(f"{last_day}: last hour +{before}, first hour of {tomorrow} +{after}")


def check_chart_buckets_across_the_dst_change(berlin, client):
    # Hourly on the 25-hour Sunday: 25 buckets, each the SQL gains of that UTC hour.
    answer = client.get("/dashboard/api/series.json?start=2026-10-25&end=2026-10-25&interval=hour")
    assert answer.status_code == 200
    series = answer.json()
    assert len(series["starts"]) == 25
    assert series["labels"][1:5] == [  # the hour that happens twice says which one it is
        "Sun 25 Oct 01:00",
        "Sun 25 Oct 02:00 CEST",
        "Sun 25 Oct 02:00 CET",
        "Sun 25 Oct 03:00",
    ]
    for start, total in zip(series["starts"], series["series"]["total"], strict=True):
        moment = datetime.fromisoformat(start)
        gains = sql_sums(berlin.pk, moment, moment + timedelta(hours=1))
        assert total == (gains["impressions"] if gains else 0)  # no poll, no gain: zero
    # Daily over Saturday to Monday: each bucket is one local day, grouped by SQL's dates.
    answer = client.get("/dashboard/api/series.json?start=2026-10-24&end=2026-10-26&interval=day")
    daily = answer.json()
    assert daily["labels"] == ["Sat 24 Oct", "Sun 25 Oct", "Mon 26 Oct"]
    for day, total in zip((24, 25, 26), daily["series"]["total"], strict=True):
        bounds = local_bounds(date(2026, 10, day), date(2026, 10, day), "Europe/Berlin")
        assert total == sql_sums(berlin.pk, *bounds)["impressions"]
    print("daily impressions, 24-26 Oct (Berlin):", daily["series"]["total"])
    # The KPI endpoint, as a browser asks for it, says the same as SQL.
    answer = client.get("/dashboard/api/kpis.json?period=custom&start=2026-10-25&end=2026-10-25")
    cards = {k["name"]: k for k in answer.json()["kpis"]}
    expected = expected_kpis(berlin.pk, date(2026, 10, 25), date(2026, 10, 25))
    for name, (value, previous, change) in expected.items():
        assert cards[name]["value"] == pytest.approx(value)
        assert cards[name]["previous"] == pytest.approx(previous)
        assert cards[name]["change"] == pytest.approx(change)
